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


def store_decision(*, course, by, facts: dict, policy=None, decided_at=None):
    """A decision stored the way `intake.screening_decide` stores one (the engine's answer over
    `facts` under `policy`, the active version by default), without the intake steps; with
    `decided_at`, as if made then. Test data for replaying policies."""
    from unittest import mock

    from django.utils import timezone

    from screening import rules
    from screening.facts import parse_facts
    from screening.models import Screening, ScreeningDecision
    from screening.selectors import active_policy

    policy = policy or active_policy()
    decision = rules.evaluate(parse_facts(facts), policy.to_policy())
    status = {
        "eligible": "eligible",
        "excluded": "excluded",
        "incomplete": "incomplete",
        "needs_review": "awaiting_review",
    }[decision.outcome]
    with mock.patch.object(timezone, "now", return_value=decided_at or timezone.now()):
        screening = Screening.objects.create(course=course, started_by=by, status=status)
        return ScreeningDecision.objects.create(
            screening=screening,
            decided_by=by,
            policy_label=decision.policy,
            facts=facts,
            outcome=decision.outcome,
            reasons=[reason.as_dict() for reason in decision.reasons],
            missing=list(decision.missing),
            scores={code: dict(result) for code, result in decision.scores.items()},
            safety_flags=[flag.as_dict() for flag in decision.safety_flags],
        )
