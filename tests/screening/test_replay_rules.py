"""The pure replay: a policy over stored facts, compared with what was stored. No database."""

from datetime import date

import pytest

from screening import replay, rules
from screening.facts import parse_facts
from screening.rules import POLICY_V1, POLICY_V1_DATA, Policy
from tests.screening.factories import candidate_facts

BP130 = Policy.from_dict({**POLICY_V1_DATA, "hypertension_elevated_systolic": 130}, label="bp130")


def stored(key, facts, policy=POLICY_V1) -> replay.Stored:
    """A decision as the intake service would have stored it under `policy`."""
    decision = rules.evaluate(parse_facts(facts), policy)
    return replay.Stored(key, decision.outcome, decision.codes, facts)


def test_the_same_policy_changes_nothing():
    rows = [
        stored(1, candidate_facts()),
        stored(2, candidate_facts(psychosis_history=True)),
        stored(3, candidate_facts(bp_readings=[[150, 80], [146, 82]])),
        stored(4, candidate_facts(phq9=None)),
    ]
    impact = replay.replay(rows, POLICY_V1)
    assert impact.changes == () and impact.unchanged == 4 == impact.replayed
    assert impact.transitions == {
        ("eligible", "eligible"): 1,
        ("excluded", "excluded"): 1,
        ("needs_review", "needs_review"): 1,
        ("incomplete", "incomplete"): 1,
    }


def test_a_lower_review_band_makes_a_rule_fire_and_an_outcome_change():
    change = replay.replay_one(
        stored(7, candidate_facts(bp_readings=[[134, 80], [132, 78]])), BP130
    )
    assert (change.key, change.old_outcome, change.new_outcome) == (7, "eligible", "needs_review")
    assert change.newly_firing == ("hypertension_elevated",) and change.stopped_firing == ()
    assert change.outcome_changed and not change.newly_excluded


def test_a_rule_that_fires_without_changing_the_outcome_is_still_a_change():
    facts = candidate_facts(bp_readings=[[134, 80], [132, 78]], bipolar_disorder=True)
    change = replay.replay_one(stored(1, facts), BP130)
    assert (change.old_outcome, change.new_outcome) == ("needs_review", "needs_review")
    assert change.newly_firing == ("hypertension_elevated",) and not change.outcome_changed


def test_a_higher_band_stops_a_rule_firing():
    row = stored(1, candidate_facts(bp_readings=[[134, 80], [132, 78]]), BP130)
    change = replay.replay_one(row, POLICY_V1)
    assert change.stopped_firing == ("hypertension_elevated",)
    assert (change.old_outcome, change.new_outcome) == ("needs_review", "eligible")


def test_a_new_exclusion_is_newly_excluded_and_names_its_rule():
    strict = Policy.from_dict(
        {**POLICY_V1_DATA, "hypertension_uncontrolled_systolic": 145}, label="strict"
    )
    change = replay.replay_one(
        stored(1, candidate_facts(bp_readings=[[150, 80], [148, 80]])), strict
    )
    assert change.newly_excluded
    assert change.newly_firing == ("hypertension_uncontrolled",)
    assert change.stopped_firing == ("hypertension_elevated",)
    assert [r.code for r in change.exclusions] == ["hypertension_uncontrolled"]
    assert "145/100" in change.exclusions[0].message


def test_an_added_medication_is_found_in_the_stored_list():
    data = {
        **POLICY_V1_DATA,
        "interacting_medications": {
            **POLICY_V1_DATA["interacting_medications"],
            "gabapentinoids": ["gabapentin"],
        },
    }
    policy = Policy.from_dict(data, label="meds")
    row = stored(1, candidate_facts(medications=["Gabapentin 300 mg"]))
    assert replay.replay_one(row, policy).newly_firing == ("interacting_medication",)


def test_stored_facts_that_no_longer_parse_are_counted_not_fatal():
    rows = [replay.Stored(1, "eligible", (), {"age": "old"}), stored(2, candidate_facts())]
    impact = replay.replay(rows, POLICY_V1)
    assert impact.unreadable == (1,) and impact.replayed == 2 and impact.unchanged == 1


def test_counts_sum_and_rules_are_in_rule_order():
    rows = [
        stored(1, candidate_facts(bp_readings=[[134, 80], [132, 78]])),
        stored(2, candidate_facts(bp_readings=[[134, 80], [132, 78]], psychosis_history=True)),
        stored(3, candidate_facts()),
    ]
    impact = replay.replay(rows, BP130)
    assert [c.key for c in impact.changes] == [1, 2]
    assert impact.transitions == {
        ("eligible", "needs_review"): 1,
        ("excluded", "excluded"): 1,
        ("eligible", "eligible"): 1,
    }
    assert impact.newly_firing == {"hypertension_elevated": 2} and impact.stopped_firing == {}
    assert impact.outcome_changes == 1 and impact.unchanged == 1
    groups = replay.group_changes(impact.changes)
    assert groups == [
        (("eligible", "needs_review", ("hypertension_elevated",), ()), 1),
        (("excluded", "excluded", ("hypertension_elevated",), ()), 1),
    ]


def test_an_unknown_stored_code_sorts_last_rather_than_vanishing():
    row = replay.Stored(1, "needs_review", ("retired_rule",), candidate_facts())
    change = replay.replay_one(row, POLICY_V1)
    assert change.stopped_firing == ("retired_rule",)


def test_every_rule_has_a_title():
    assert set(rules.TITLES) == set(rules.RULES_BY_CODE)
    assert rules.title("psychosis") == "History of psychosis"
    assert rules.title("retired_rule") == "retired_rule"


@pytest.mark.parametrize(
    ("day", "months", "expected"),
    [
        (date(2026, 11, 30), 24, date(2024, 11, 30)),
        (date(2026, 3, 31), 1, date(2026, 2, 28)),
        (date(2024, 3, 31), 1, date(2024, 2, 29)),
        (date(2026, 1, 15), 13, date(2024, 12, 15)),
        (date(2026, 1, 15), 0, date(2026, 1, 15)),
    ],
)
def test_months_before(day, months, expected):
    assert replay.months_before(day, months) == expected


def test_months_before_refuses_a_negative_count():
    with pytest.raises(ValueError):
        replay.months_before(date(2026, 1, 1), -1)


def test_differences_name_changed_numbers_and_medications_in_clinic_words():
    meds = {**POLICY_V1_DATA["interacting_medications"]}
    meds["opioids"] = [*meds["opioids"], "Pethidine"]
    meds["gabapentinoids"] = ["gabapentin", "pregabalin"]
    del meds["lamotrigine"]
    new = Policy.from_dict(
        {**POLICY_V1_DATA, "hypertension_elevated_systolic": 130, "interacting_medications": meds},
        label="new",
    )
    assert replay.differences(POLICY_V1, new) == [
        ("Review limit, mean systolic blood pressure (mmHg)", "140", "130"),
        ("Interacting medications: lamotrigine", "2 names", "class removed"),
        ("Interacting medications: opioids", "18 names", "added pethidine"),
        ("Interacting medications: gabapentinoids", "not listed", "added gabapentin, pregabalin"),
    ]
    assert replay.differences(POLICY_V1, POLICY_V1) == []
    assert set(replay.NUMBER_LABELS) == {
        name for name in POLICY_V1.to_dict() if name not in ("label", "interacting_medications")
    }


@pytest.mark.parametrize("policy", [POLICY_V1, BP130], ids=["v1", "bp130"])
def test_judge_answers_as_evaluate_does(policy):
    """The replay's short cut (no scoring) gives the engine's own outcome and reasons."""
    import random

    from tests.bench.screen import candidate

    rng = random.Random(7)
    for _ in range(500):
        facts = parse_facts(candidate(rng))
        decision = rules.evaluate(facts, policy)
        assert rules.judge(facts, policy) == (decision.outcome, decision.reasons)
