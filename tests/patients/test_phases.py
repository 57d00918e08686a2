"""The course's transition table: every pair of phases, allowed or refused."""

import itertools

import pytest

from patients import phases

ALLOWED = {
    ("screening", "preparation"),
    ("screening", "discontinued"),
    ("preparation", "treatment"),
    ("preparation", "discontinued"),
    ("treatment", "maintenance"),
    ("treatment", "discontinued"),
    ("maintenance", "completed"),
    ("maintenance", "discontinued"),
}


@pytest.mark.parametrize(("current", "target"), list(itertools.product(phases.PHASES, repeat=2)))
def test_every_pair_of_phases(current, target):
    problem = phases.refusal(current, target, reason="because")
    if (current, target) in ALLOWED:
        assert problem is None
    else:
        assert problem, f"{current} → {target} should be refused"


@pytest.mark.parametrize("current", ["screening", "preparation", "treatment", "maintenance"])
def test_discontinuing_needs_a_reason(current):
    assert "needs a reason" in phases.refusal(current, "discontinued", reason="   ")
    assert phases.refusal(current, "discontinued", reason="Moved away") is None


def test_closed_courses_say_so():
    assert "can no longer change" in phases.refusal("completed", "treatment", "")
    assert "can no longer change" in phases.refusal("discontinued", "screening", "")


def test_unknown_phases_are_refused():
    assert phases.refusal("dosing", "treatment", "") == "Unknown phase 'dosing'."
    assert phases.refusal("screening", "dosing", "") == "Unknown phase 'dosing'."


def test_next_phases_follow_course_order():
    assert phases.next_phases("screening") == ["preparation", "discontinued"]
    assert phases.next_phases("maintenance") == ["completed", "discontinued"]
    assert phases.next_phases("completed") == []
