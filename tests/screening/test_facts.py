"""parse_facts: the issue-3 contract for one JSON object of facts."""

import dataclasses
import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from screening.facts import FACT_KEYS, YES_NO_FACTS, Facts, FactsError, parse_facts
from screening.instruments import CssrsAnswers

CONTRACT_KEYS = (
    "age",
    "bp_readings",
    "psychosis_history",
    "family_psychosis_history",
    "bipolar_disorder",
    "current_mania",
    "substance_use",
    "pregnant",
    "breastfeeding",
    "ketamine_allergy",
    "vascular_disease",
    "cardiac_condition",
    "raised_icp_or_glaucoma",
    "severe_liver_disease",
    "interstitial_cystitis",
    "uncontrolled_hyperthyroidism",
    "respiratory_disease",
    "medications",
    "phq9",
    "gad7",
    "pcl5",
    "cssrs",
)

FULL = {
    "age": 42,
    "bp_readings": [[128, 82], [124, 80]],
    "psychosis_history": False,
    "family_psychosis_history": False,
    "bipolar_disorder": False,
    "current_mania": False,
    "substance_use": "none",
    "pregnant": False,
    "breastfeeding": False,
    "ketamine_allergy": False,
    "vascular_disease": False,
    "cardiac_condition": False,
    "raised_icp_or_glaucoma": False,
    "severe_liver_disease": False,
    "interstitial_cystitis": False,
    "uncontrolled_hyperthyroidism": False,
    "respiratory_disease": False,
    "medications": ["sertraline 100 mg"],
    "phq9": [2, 2, 1, 2, 1, 1, 2, 1, 0],
    "gad7": [1, 2, 1, 1, 0, 1, 1],
    "pcl5": [1] * 20,
    "cssrs": {"q1": True, "q2": False, "q6": False},
}


def error_of(obj) -> str:
    with pytest.raises(FactsError) as caught:
        parse_facts(obj)
    return str(caught.value)


def test_fact_keys_are_the_contracts():
    assert FACT_KEYS == CONTRACT_KEYS
    assert set(FULL) == set(CONTRACT_KEYS)


def test_full_facts_parse_to_immutable_values():
    facts = parse_facts(FULL)
    assert facts.age == 42
    assert facts.bp_readings == ((128, 82), (124, 80))
    assert facts.medications == ("sertraline 100 mg",)
    assert facts.phq9 == (2, 2, 1, 2, 1, 1, 2, 1, 0)
    assert facts.cssrs == CssrsAnswers(True, False, None, None, None, False, None)
    assert facts.substance_use == "none"
    assert all(getattr(facts, key) is False for key in YES_NO_FACTS)
    with pytest.raises(dataclasses.FrozenInstanceError):
        facts.age = 10


def test_as_dict_round_trips_through_json():
    facts = parse_facts(FULL)
    assert parse_facts(json.loads(json.dumps(facts.as_dict()))) == facts


@pytest.mark.parametrize("key", CONTRACT_KEYS)
def test_null_and_absent_both_mean_unknown(key):
    absent = {k: v for k, v in FULL.items() if k != key}
    assert getattr(parse_facts(absent), key) is None
    assert parse_facts({**FULL, key: None}) == parse_facts(absent)


def test_empty_object_is_all_unknown():
    assert parse_facts({}) == Facts()
    assert all(value is None for value in dataclasses.asdict(Facts()).values())


@pytest.mark.parametrize("key", YES_NO_FACTS)
@pytest.mark.parametrize("value", [1, 0, "true", "yes", 1.0, [], {}])
def test_yes_no_facts_must_be_json_booleans(key, value):
    assert error_of({key: value}) == f"{key}: must be true or false"


@pytest.mark.parametrize("key", YES_NO_FACTS)
def test_yes_no_facts_accept_both_booleans(key):
    assert getattr(parse_facts({key: True}), key) is True
    assert getattr(parse_facts({key: False}), key) is False


@pytest.mark.parametrize("age", [0, 17, 18, 130])
def test_valid_ages(age):
    assert parse_facts({"age": age}).age == age


@pytest.mark.parametrize(
    "raw", ["-1", "131", "1.5", "NaN", "Infinity", "true", "false", '"30"', "30.0", "[30]", "1e2"]
)
def test_invalid_ages(raw):
    obj = json.loads(f'{{"age": {raw}}}')  # exactly what the command will see
    assert error_of(obj) == "age: must be a whole number of years from 0 to 130"


@pytest.mark.parametrize("value", ["none", "remission_12m_plus", "remission_under_12m", "active"])
def test_substance_use_values(value):
    assert parse_facts({"substance_use": value}).substance_use == value


@pytest.mark.parametrize("value", ["Active", "remission", "", True, 1, ["active"]])
def test_unknown_substance_use(value):
    assert error_of({"substance_use": value}) == (
        "substance_use: must be one of none, remission_12m_plus, remission_under_12m, active"
    )


# --- blood pressure -------------------------------------------------------------------------


@pytest.mark.parametrize(
    "readings",
    [[], [[120, 80]], [[300, 200]]],
)
def test_fewer_than_two_readings_are_unknown_not_invalid(readings):
    assert parse_facts({"bp_readings": readings}).bp_readings is None


def test_two_or_more_readings_are_kept_in_order():
    readings = [[150, 95], [140, 91], [131, 85]]
    assert parse_facts({"bp_readings": readings}).bp_readings == (
        (150, 95),
        (140, 91),
        (131, 85),
    )


@pytest.mark.parametrize(
    ("readings", "error"),
    [
        ("120/80", "bp_readings: must be a list of [systolic, diastolic] readings"),
        ({"systolic": 120}, "bp_readings: must be a list of [systolic, diastolic] readings"),
        (120, "bp_readings: must be a list of [systolic, diastolic] readings"),
        ([[120, 80], [120]], "bp_readings[1]: must be a [systolic, diastolic] pair"),
        ([[120, 80, 70]], "bp_readings[0]: must be a [systolic, diastolic] pair"),
        ([120, 80], "bp_readings[0]: must be a [systolic, diastolic] pair"),
        ([None, [120, 80]], "bp_readings[0]: must be a [systolic, diastolic] pair"),
        ([[120, 80], [120.5, 80]], "bp_readings[1][0]: must be a positive whole number of mmHg"),
        ([[120, 80], [120, True]], "bp_readings[1][1]: must be a positive whole number of mmHg"),
        ([[120, 80], [None, 80]], "bp_readings[1][0]: must be a positive whole number of mmHg"),
        ([[120, 0], [120, 80]], "bp_readings[0][1]: must be a positive whole number of mmHg"),
        ([[-120, -130]], "bp_readings[0][0]: must be a positive whole number of mmHg"),
        ([["120", 80]], "bp_readings[0][0]: must be a positive whole number of mmHg"),
        ([[120, 80], [80, 80]], "bp_readings[1]: diastolic must be below systolic"),
        ([[80, 120]], "bp_readings[0]: diastolic must be below systolic"),
    ],
)
def test_invalid_blood_pressure(readings, error):
    assert error_of({"bp_readings": readings}) == error


def test_nan_in_blood_pressure_from_json_is_invalid():
    obj = json.loads('{"bp_readings": [[120, 80], [NaN, 80]]}')
    assert error_of(obj) == "bp_readings[1][0]: must be a positive whole number of mmHg"


# --- medications ----------------------------------------------------------------------------


def test_medications_are_a_list_of_names():
    assert parse_facts({"medications": []}).medications == ()
    assert parse_facts({"medications": ["Xanax", "ibuprofen"]}).medications == (
        "Xanax",
        "ibuprofen",
    )


@pytest.mark.parametrize(
    ("value", "error"),
    [
        ("Xanax", "medications: must be a list of medication names"),
        ({"name": "Xanax"}, "medications: must be a list of medication names"),
        (["a", "b", 3], "medications[2]: must be a medication name (text)"),
        (["a", None], "medications[1]: must be a medication name (text)"),
        ([["Xanax"]], "medications[0]: must be a medication name (text)"),
    ],
)
def test_invalid_medications(value, error):
    assert error_of({"medications": value}) == error


# --- instruments inside facts ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("obj", "error"),
    [
        ({"phq9": [0] * 8 + [None]}, "phq9[8]: is not answered"),
        ({"phq9": [0] * 8}, "phq9: must have 9 answers, not 8"),
        ({"phq9": [0] * 8 + [True]}, "phq9[8]: must be a whole number from 0 to 3"),
        ({"gad7": [0] * 7 + [0]}, "gad7: must have 7 answers, not 8"),
        ({"gad7": [3] * 6 + [1.5]}, "gad7[6]: must be a whole number from 0 to 3"),
        ({"pcl5": [None] * 20}, "pcl5[0]: is not answered"),
        ({"pcl5": [0] * 10 + [5] + [0] * 9}, "pcl5[10]: must be a whole number from 0 to 4"),
        ({"cssrs": {"q1": False, "q2": True, "q6": False}}, "cssrs.q3: required when q2 is yes"),
        (
            {"cssrs": {"q1": False, "q2": False, "q6": False, "q3": False}},
            "cssrs.q3: must be left out when q2 is no",
        ),
        (
            {"cssrs": {"q1": False, "q2": False, "q6": True}},
            "cssrs.q6_recent: required when q6 is yes",
        ),
        ({"cssrs": {}}, "cssrs.q1: required"),
        ({"cssrs": [True, False]}, "cssrs: must be an object of yes/no answers"),
        ({"cssrs": "none"}, "cssrs: must be an object of yes/no answers"),
    ],
)
def test_invalid_instruments_name_the_item(obj, error):
    with pytest.raises(FactsError) as caught:
        parse_facts(obj)
    assert str(caught.value) == error
    assert caught.value.path == error.split(":")[0]


# --- the object itself ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("obj", "error"),
    [
        ({"weight": 70}, "weight: unknown fact"),
        ({"Age": 30}, "Age: unknown fact"),
        ({"": 1}, "'': unknown fact"),
        ({1: True}, "1: unknown fact"),
        ({"age": 30, "pregnancy": False}, "pregnancy: unknown fact"),
        ({"weight": None}, "weight: unknown fact"),  # even null: the key itself is unknown
    ],
)
def test_unknown_keys_are_invalid(obj, error):
    assert error_of(obj) == error


@pytest.mark.parametrize("obj", [[], [FULL], "facts", 42, None, True, 1.5])
def test_a_non_object_is_invalid(obj):
    with pytest.raises(FactsError) as caught:
        parse_facts(obj)
    assert str(caught.value) == "facts must be a JSON object"
    assert caught.value.path == ""


def test_the_first_problem_in_file_order_is_reported():
    age_error = "age: must be a whole number of years from 0 to 130"
    assert error_of({"age": 200, "weight": 1}) == age_error
    assert error_of({"weight": 1, "age": 200}) == "weight: unknown fact"
    assert error_of({"pregnant": 1, "phq9": [9] * 9}) == "pregnant: must be true or false"


def test_error_carries_path_and_message():
    with pytest.raises(FactsError) as caught:
        parse_facts({"bp_readings": [[120, 80], [120, "x"]]})
    assert caught.value.path == "bp_readings[1][1]"
    assert caught.value.message == "must be a positive whole number of mmHg"
    assert isinstance(caught.value, ValueError)


# --- fuzzing: nothing but FactsError escapes ------------------------------------------------

json_scalars = (
    st.none() | st.booleans() | st.integers(-(10**20), 10**20) | st.floats() | st.text(max_size=8)
)
json_values = st.recursive(
    json_scalars,
    lambda children: (
        st.lists(children, max_size=5) | st.dictionaries(st.text(max_size=8), children, max_size=5)
    ),
    max_leaves=25,
)
cssrs_like = st.dictionaries(
    st.sampled_from(["q1", "q2", "q3", "q4", "q5", "q6", "q6_recent", "q7"]),
    st.none() | st.booleans() | st.integers(0, 1),
)
fact_values = (
    json_values
    | st.lists(st.lists(st.integers(-5, 300) | json_scalars, max_size=3), max_size=4)
    | st.lists(st.integers(-1, 5) | st.none() | st.booleans(), min_size=6, max_size=21)
    | cssrs_like
)
fact_objects = st.dictionaries(
    st.sampled_from(CONTRACT_KEYS) | st.text(max_size=6), fact_values, max_size=8
)


@settings(max_examples=200, deadline=None)
@given(st.one_of(json_values, fact_objects))
def test_parse_facts_only_ever_raises_facts_error(obj):
    try:
        facts = parse_facts(obj)
    except FactsError as error:
        assert str(error)
    else:
        assert isinstance(facts, Facts)
        assert parse_facts(facts.as_dict()) == facts
