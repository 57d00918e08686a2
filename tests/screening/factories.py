import copy

import factory

from screening.models import ScreeningPolicy
from screening.rules import POLICY_V1_DATA

# A candidate with nothing against them under v1.
ELIGIBLE_FACTS = {
    "age": 35,
    "psychosis_history": False,
    "bp_readings": [[122, 78], [118, 76]],
    "pregnant": False,
    "phq9": [2, 2, 2, 2, 2, 2, 2, 1, 0],
    "cssrs": {"q1": False, "q2": False, "q6": False},
}


def candidate_facts(**changes) -> dict:
    """ELIGIBLE_FACTS with some facts changed; a change to None leaves the fact out."""
    facts = {**copy.deepcopy(ELIGIBLE_FACTS), **changes}
    return {key: value for key, value in facts.items() if value is not None}


class ScreeningPolicyFactory(factory.django.DjangoModelFactory):
    """A draft version with v1's values: test data, not a service call."""

    class Meta:
        model = ScreeningPolicy

    label = factory.Sequence(lambda n: f"test{n}")
    data = factory.LazyAttribute(lambda p: {**copy.deepcopy(POLICY_V1_DATA), "label": p.label})
