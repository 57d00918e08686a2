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


@pytest.fixture(autouse=True)
def _only_v1(request):
    """The policy-versioning and `screen` tests describe a clinic whose only version is v1.

    Since migration 0006 published v2 (v1 plus the dosing numbers), these tests take it away
    inside their own transaction (rolled back afterwards). On PostgreSQL that needs the
    published-version trigger switched off for the transaction, which only a superuser may do.
    """
    if request.module.__name__.rsplit(".", 1)[-1] not in ("test_policy", "test_screen_command"):
        return
    if "db" not in request.fixturenames and not request.node.get_closest_marker("django_db"):
        return
    request.getfixturevalue("db")
    from django.db import connection

    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SET LOCAL session_replication_role = replica")
        cursor.execute("DELETE FROM screening_screeningpolicy WHERE label <> 'v1'")
        cursor.execute("UPDATE screening_screeningpolicy SET active = (label = 'v1')")
        if connection.vendor == "postgresql":
            cursor.execute("SET LOCAL session_replication_role = DEFAULT")
