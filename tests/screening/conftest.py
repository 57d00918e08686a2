import json

import pytest

from screening.models import ScreeningPolicy


@pytest.fixture
def v1(db):
    """The version the data migration published."""
    return ScreeningPolicy.objects.get(label="v1")


@pytest.fixture
def write_facts(tmp_path):
    """`write_facts(name, facts)` writes a facts file (a dict as JSON, or raw text) and returns
    its path as a string."""

    def write(name: str, facts) -> str:
        path = tmp_path / name
        path.write_text(facts if isinstance(facts, str) else json.dumps(facts))
        return str(path)

    return write
