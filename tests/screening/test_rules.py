"""The screening gate: every rule of CLINICAL.md's v1 table, the bands, precedence, the policy."""

import dataclasses
import json
import re
from datetime import date, timedelta
from fractions import Fraction

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from screening import instruments
from screening.facts import YES_NO_FACTS, parse_facts
from screening.rules import (
    ESSENTIAL_FACTS,
    POLICY_V1,
    POLICY_V1_DATA,
    RULES,
    RULES_BY_CODE,
    Policy,
    PolicyError,
    evaluate,
    explain,
    interacting_medications,
    mean_blood_pressure,
    safety_flags,
)

# A candidate with nothing against them.
BASE = {
    "age": 35,
    "psychosis_history": False,
    "bp_readings": [[122, 78], [118, 76]],
    "pregnant": False,
    "phq9": [2, 2, 2, 2, 2, 2, 2, 1, 0],
    "cssrs": {"q1": False, "q2": False, "q6": False},
}
NO_IDEATION = {"q3": False, "q4": False, "q5": False}
CSSRS_HIGH = {"q1": True, "q2": True, "q3": True, "q4": True, "q5": False, "q6": False}
CSSRS_MODERATE = {"q1": True, "q2": False, "q6": True, "q6_recent": False}
CSSRS_LOW_IDEATION = {"q1": True, "q2": True, **NO_IDEATION, "q6": False}


def decide(policy: Policy = POLICY_V1, **changes):
    return evaluate(parse_facts({**BASE, **changes}), policy)


def same_bp(systolic: int, diastolic: int, times: int = 2) -> list[list[int]]:
    return [[systolic, diastolic]] * times


def test_the_base_candidate_is_eligible():
    decision = decide()
    assert (decision.outcome, decision.reasons, decision.missing) == ("eligible", (), ())
    assert decision.policy == "v1"


# --- the rule table -------------------------------------------------------------------------

CLINICAL_TABLE = {
    "psychosis": "exclusion",
    "hypertension_uncontrolled": "exclusion",
    "ketamine_allergy": "exclusion",
    "vascular": "exclusion",
    "pregnancy": "exclusion",
    "minor": "exclusion",
    "mania": "exclusion",
    "suicide_risk_high": "exclusion",
    "hypertension_elevated": "review",
    "bipolar": "review",
    "substance_use": "review",
    "family_psychosis": "review",
    "cardiac": "review",
    "neuro_eye": "review",
    "hepatic": "review",
    "urologic": "review",
    "thyroid": "review",
    "respiratory": "review",
    "breastfeeding": "review",
    "interacting_medication": "review",
    "suicide_risk_moderate": "review",
    "suicidal_ideation": "review",
    "phq9_item9": "review",
}


def test_rule_table_is_clinical_md_in_order():
    assert [(r.code, r.severity) for r in RULES] == list(CLINICAL_TABLE.items())


@pytest.mark.parametrize("rule", RULES, ids=lambda r: r.code)
def test_every_rule_is_explained(rule):
    assert explain(rule.code) is rule
    assert rule.description.endswith(".") and rule.description[0].isupper()


def test_explain_an_unknown_code():
    with pytest.raises(KeyError):
        explain("astrology")


ONE_RULE_CASES = [
    ({"psychosis_history": True}, "psychosis"),
    ({"bp_readings": same_bp(165, 85)}, "hypertension_uncontrolled"),
    ({"ketamine_allergy": True}, "ketamine_allergy"),
    ({"vascular_disease": True}, "vascular"),
    ({"pregnant": True}, "pregnancy"),
    ({"age": 17}, "minor"),
    ({"age": 0}, "minor"),
    ({"current_mania": True}, "mania"),
    ({"current_mania": True, "bipolar_disorder": True}, "mania"),
    ({"cssrs": CSSRS_HIGH}, "suicide_risk_high"),
    ({"cssrs": {"q1": False, "q2": False, "q6": True, "q6_recent": True}}, "suicide_risk_high"),
    ({"bp_readings": same_bp(145, 85)}, "hypertension_elevated"),
    ({"bipolar_disorder": True}, "bipolar"),
    ({"bipolar_disorder": True, "current_mania": False}, "bipolar"),
    ({"substance_use": "active"}, "substance_use"),
    ({"substance_use": "remission_under_12m"}, "substance_use"),
    ({"family_psychosis_history": True}, "family_psychosis"),
    ({"cardiac_condition": True}, "cardiac"),
    ({"raised_icp_or_glaucoma": True}, "neuro_eye"),
    ({"severe_liver_disease": True}, "hepatic"),
    ({"interstitial_cystitis": True}, "urologic"),
    ({"uncontrolled_hyperthyroidism": True}, "thyroid"),
    ({"respiratory_disease": True}, "respiratory"),
    ({"breastfeeding": True}, "breastfeeding"),
    ({"medications": ["sertraline", "Clonazepam 0.5 mg"]}, "interacting_medication"),
    ({"cssrs": CSSRS_MODERATE}, "suicide_risk_moderate"),
    (
        {"cssrs": {"q1": False, "q2": True, "q3": True, "q4": False, "q5": False, "q6": False}},
        "suicide_risk_moderate",
    ),
    ({"cssrs": CSSRS_LOW_IDEATION}, "suicidal_ideation"),
    ({"phq9": [0] * 8 + [1]}, "phq9_item9"),
    ({"phq9": [0] * 8 + [3]}, "phq9_item9"),
]


def test_every_rule_has_a_case():
    assert {code for _, code in ONE_RULE_CASES} == set(RULES_BY_CODE)


@pytest.mark.parametrize(("changes", "code"), ONE_RULE_CASES)
def test_each_rule_fires_alone(changes, code):
    decision = decide(**changes)
    assert decision.codes == (code,)
    (reason,) = decision.reasons
    assert reason.severity == CLINICAL_TABLE[code]
    assert reason.message.endswith(".") and reason.message[0].isupper()
    expected = "excluded" if reason.severity == "exclusion" else "needs_review"
    assert decision.outcome == expected
    assert decision.missing == ()


@pytest.mark.parametrize(
    "changes",
    [
        {"age": 18},
        {"age": 130},
        {"substance_use": "none"},
        {"substance_use": "remission_12m_plus"},
        {"medications": []},
        {"medications": ["sertraline 50 mg", "Klonopinex", "ibuprofen"]},
        {"phq9": [3] * 8 + [0]},
        {"cssrs": {"q1": True, "q2": False, "q6": False}},  # wish to be dead only: low, no Q2
        {"gad7": [3] * 7},  # severity alone is no rule
        {"pcl5": [4] * 20},
        *({key: False} for key in YES_NO_FACTS),
        *({key: None} for key in YES_NO_FACTS if key not in ESSENTIAL_FACTS),
        {"substance_use": None, "medications": None, "gad7": None, "pcl5": None},
    ],
)
def test_no_rule_fires(changes):
    decision = decide(**changes)
    assert (decision.outcome, decision.codes) == ("eligible", ())


def test_suicidal_ideation_only_while_risk_is_low():
    moderate = {"q1": True, "q2": True, "q3": True, "q4": False, "q5": False, "q6": False}
    assert decide(cssrs=moderate).codes == ("suicide_risk_moderate",)
    high = {"q1": True, "q2": True, "q3": False, "q4": False, "q5": True, "q6": False}
    assert decide(cssrs=high).codes == ("suicide_risk_high",)


def test_minor_message_names_the_age():
    assert decide(age=16).reasons[0].message == "Age 16: under 18."


def test_phq9_item9_message_names_the_answer():
    message = decide(phq9=[0] * 8 + [2]).reasons[0].message
    assert "answered 2, more than half the days" in message


@pytest.mark.parametrize(
    ("substance_use", "wording"),
    [("active", "Active substance use"), ("remission_under_12m", "less than 12 months")],
)
def test_substance_use_message(substance_use, wording):
    assert wording in decide(substance_use=substance_use).reasons[0].message


def test_many_rules_fire_together_in_table_order():
    decision = decide(
        phq9=[0] * 8 + [1],
        breastfeeding=True,
        ketamine_allergy=True,
        psychosis_history=True,
        medications=["Xanax"],
    )
    assert decision.codes == (
        "psychosis",
        "ketamine_allergy",
        "breastfeeding",
        "interacting_medication",
        "phq9_item9",
    )
    assert decision.outcome == "excluded"


# --- blood pressure -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("readings", "code"),
    [
        ([[139, 80], [140, 80]], None),  # mean systolic 139.5
        ([[140, 80], [140, 80]], "hypertension_elevated"),
        ([[159, 80], [160, 80]], "hypertension_elevated"),  # 159.5
        ([[160, 80], [160, 80]], "hypertension_uncontrolled"),
        ([[130, 89], [130, 90]], None),  # mean diastolic 89.5
        ([[130, 90], [130, 90]], "hypertension_elevated"),
        ([[130, 99], [130, 100]], "hypertension_elevated"),  # 99.5
        ([[130, 100], [130, 100]], "hypertension_uncontrolled"),
        ([[150, 80], [130, 80]], "hypertension_elevated"),  # mean 140 from unequal readings
        ([[140, 80], [140, 80], [139, 80]], None),  # 139.67: no rounding up
        ([[141, 80], [140, 80], [139, 80]], "hypertension_elevated"),
        ([[160, 80], [160, 80], [159, 80]], "hypertension_elevated"),  # 159.67
        ([[150, 100], [150, 100]], "hypertension_uncontrolled"),  # both bands: only the worse
        ([[165, 95], [165, 95]], "hypertension_uncontrolled"),
        ([[220, 130], [230, 140]], "hypertension_uncontrolled"),
        ([[200, 80], [100, 60]], "hypertension_elevated"),  # 150/70: the mean, not the worst
    ],
)
def test_blood_pressure_bands(readings, code):
    decision = decide(bp_readings=readings)
    assert decision.codes == (() if code is None else (code,))


def test_one_reading_is_missing_and_runs_no_blood_pressure_rule():
    decision = decide(bp_readings=[[220, 130]])
    assert decision.codes == ()
    assert (decision.outcome, decision.missing) == ("incomplete", ("bp_readings",))


def test_blood_pressure_message_gives_the_mean_and_the_limit():
    message = decide(bp_readings=[[159, 80], [160, 81]]).reasons[0].message
    assert message == (
        "Mean seated blood pressure 159.5/80.5 mmHg over 2 readings is at or above the elevated "
        "limit of 140/90 mmHg."
    )


def test_shown_mean_is_rounded_down_so_it_never_crosses_a_limit():
    # 29 readings of 160 and one of 159: mean 159.97, elevated but not uncontrolled.
    decision = decide(bp_readings=same_bp(160, 80, 29) + [[159, 80]])
    assert decision.codes == ("hypertension_elevated",)
    assert "159.9/80 mmHg over 30 readings" in decision.reasons[0].message


def test_exact_mean():
    assert mean_blood_pressure(((139, 89), (140, 90))) == (Fraction(279, 2), Fraction(179, 2))
    assert mean_blood_pressure(((1, 0),)) is None
    assert mean_blood_pressure(None) is None


def test_a_stricter_policy_moves_the_review_band():
    strict = Policy("v2", hypertension_elevated_systolic=130, hypertension_elevated_diastolic=85)
    assert decide(bp_readings=same_bp(135, 80)).outcome == "eligible"
    decision = decide(strict, bp_readings=same_bp(135, 80))
    assert (decision.outcome, decision.codes, decision.policy) == (
        "needs_review",
        ("hypertension_elevated",),
        "v2",
    )
    assert "limit of 130/85 mmHg" in decision.reasons[0].message


# --- missing facts and precedence -----------------------------------------------------------


def test_essential_facts():
    assert ESSENTIAL_FACTS == (
        "age",
        "psychosis_history",
        "bp_readings",
        "pregnant",
        "phq9",
        "cssrs",
    )


@pytest.mark.parametrize("key", ESSENTIAL_FACTS)
def test_each_unknown_essential_makes_the_screening_incomplete(key):
    decision = decide(**{key: None})
    assert (decision.outcome, decision.missing) == ("incomplete", (key,))


@pytest.mark.parametrize("readings", [[], [[120, 80]]])
def test_fewer_than_two_readings_are_missing(readings):
    assert decide(bp_readings=readings).missing == ("bp_readings",)


def test_all_essentials_unknown():
    decision = evaluate(parse_facts({}), POLICY_V1)
    assert (decision.outcome, decision.missing, decision.reasons) == (
        "incomplete",
        ESSENTIAL_FACTS,
        (),
    )
    assert decision.scores == {}


@pytest.mark.parametrize(
    ("changes", "outcome", "codes", "missing"),
    [
        ({"pregnant": True, "age": None}, "excluded", ("pregnancy",), ("age",)),
        ({"pregnant": True, "cardiac_condition": True}, "excluded", ("pregnancy", "cardiac"), ()),
        ({"cardiac_condition": True, "phq9": None}, "incomplete", ("cardiac",), ("phq9",)),
        ({"cardiac_condition": True}, "needs_review", ("cardiac",), ()),
        (
            {"cssrs": CSSRS_HIGH, "bp_readings": [], "breastfeeding": True},
            "excluded",
            ("suicide_risk_high", "breastfeeding"),
            ("bp_readings",),
        ),
        ({}, "eligible", (), ()),
    ],
)
def test_outcome_precedence(changes, outcome, codes, missing):
    decision = decide(**changes)
    assert (decision.outcome, decision.codes, decision.missing) == (outcome, codes, missing)


# --- medications ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("entry", "drug_class", "name"),
    [
        ("Clonazepam 0.5 mg", "benzodiazepines", "clonazepam"),
        ("buprenorphine/naloxone", "opioids", "buprenorphine"),
        ("XANAX", "benzodiazepines", "xanax"),
        ("Xanax2mg", "benzodiazepines", "xanax"),  # a digit ends a word
        ("2Xanax", "benzodiazepines", "xanax"),  # and starts one
        ("Adderall XR 20 mg", "psychostimulants", "adderall"),
        ("methylphenidate (Concerta)", "psychostimulants", "methylphenidate"),
        ("dextroamphetamine", "psychostimulants", "dextroamphetamine"),
        ("Lamictal XR", "lamotrigine", "lamictal"),
        ("oxycodone-acetaminophen", "opioids", "oxycodone"),
        ("Emsam patch 6mg/24h", "maois", "emsam"),
        ("  tramadol  ", "opioids", "tramadol"),
    ],
)
def test_interacting_medication_matches_a_whole_word(entry, drug_class, name):
    assert interacting_medications((entry,), POLICY_V1) == ((entry, drug_class, name),)


@pytest.mark.parametrize(
    "entry",
    [
        "Klonopinex",
        "Xanaxa",
        "prelamotrigine",
        "sertraline",
        "ibuprofen",
        "",
        "xan ax",
        "morphineX",
        "codein",
    ],
)
def test_a_name_inside_a_longer_word_does_not_match(entry):
    assert interacting_medications((entry,), POLICY_V1) == ()


def test_interacting_medication_message_lists_each_match():
    decision = decide(medications=["Clonazepam 0.5 mg", "sertraline", "Suboxone 8/2"])
    assert decision.reasons[0].message == (
        "Interacting medication: Clonazepam 0.5 mg (benzodiazepines: clonazepam); "
        "Suboxone 8/2 (opioids: suboxone)."
    )


def test_one_entry_can_match_two_classes():
    found = interacting_medications(("alprazolam + methadone",), POLICY_V1)
    assert [(cls, name) for _, cls, name in found] == [
        ("benzodiazepines", "alprazolam"),
        ("opioids", "methadone"),
    ]


# CLINICAL.md's list, as written there.
CLINICAL_MEDICATIONS = {
    "benzodiazepines": "alprazolam, chlordiazepoxide, clobazam, clonazepam, clorazepate, "
    "diazepam, lorazepam, oxazepam, temazepam, triazolam; Xanax, Klonopin, Ativan, Valium, "
    "Restoril, Halcion",
    "lamotrigine": "lamotrigine; Lamictal",
    "maois": "isocarboxazid, phenelzine, rasagiline, selegiline, tranylcypromine; Marplan, "
    "Nardil, Emsam, Parnate",
    "psychostimulants": "amphetamine, dexmethylphenidate, dextroamphetamine, lisdexamfetamine, "
    "methamphetamine, methylphenidate, modafinil, armodafinil; Adderall, Vyvanse, Ritalin, "
    "Concerta, Focalin, Provigil, Nuvigil",
    "opioids": "buprenorphine, codeine, fentanyl, hydrocodone, hydromorphone, methadone, "
    "morphine, oxycodone, oxymorphone, tapentadol, tramadol; Suboxone, Subutex, OxyContin, "
    "Percocet, Vicodin, Norco, Dilaudid",
}


def test_v1_medication_list_is_clinical_md_verbatim_lower_cased():
    expected = {
        cls: [name.strip().lower() for name in re.split("[,;]", text)]
        for cls, text in CLINICAL_MEDICATIONS.items()
    }
    assert POLICY_V1_DATA["interacting_medications"] == expected


@pytest.mark.parametrize(
    ("drug_class", "name"),
    [
        (cls, name)
        for cls, names in POLICY_V1_DATA["interacting_medications"].items()
        for name in names
    ],
)
def test_every_listed_name_matches_in_any_case(drug_class, name):
    for entry in (name, name.upper(), f"{name.title()} 10 mg", f"x/{name}"):
        assert [(c, n) for _, c, n in interacting_medications((entry,), POLICY_V1)] == [
            (drug_class, name),
        ]


# --- scores and safety ----------------------------------------------------------------------


def test_scores_hold_only_the_instruments_given():
    decision = decide(gad7=[3] * 7)
    assert decision.scores == {
        "phq9": {"total": 15, "severity": "moderately severe", "item9": 0, "item9_flag": False},
        "gad7": {"total": 21, "severity": "severe"},
        "cssrs": {"risk": "none", "active_ideation": False},
    }


def test_pcl5_threshold_comes_from_the_policy():
    pcl5 = [1] * 20  # total 20
    assert decide(pcl5=pcl5).scores["pcl5"]["probable_ptsd"] is False
    lenient = Policy("low-ptsd", pcl5_probable_ptsd=20)
    assert decide(lenient, pcl5=pcl5).scores["pcl5"] == {
        "total": 20,
        "probable_ptsd": True,
        "provisional_dsm5": False,
    }


@pytest.mark.parametrize(
    ("changes", "flags"),
    [
        ({}, ()),
        ({"cssrs": CSSRS_HIGH}, (("suicide_risk_high", "crisis"),)),
        ({"cssrs": CSSRS_MODERATE}, (("suicide_risk_moderate", "alert"),)),
        ({"cssrs": CSSRS_LOW_IDEATION}, (("suicidal_ideation", "alert"),)),
        ({"phq9": [0] * 8 + [1]}, (("phq9_item9", "alert"),)),
        (
            {"cssrs": CSSRS_HIGH, "phq9": [3] * 9},
            (("suicide_risk_high", "crisis"), ("phq9_item9", "alert")),
        ),
        ({"cssrs": {"q1": True, "q2": False, "q6": False}}, ()),  # low without Q2: no alert
        ({"psychosis_history": True, "bp_readings": same_bp(200, 120)}, ()),
    ],
)
def test_safety_flags(changes, flags):
    facts = parse_facts({**BASE, **changes})
    decision = evaluate(facts, POLICY_V1)
    assert tuple((f.code, f.level) for f in decision.safety_flags) == flags
    assert safety_flags(facts) == decision.safety_flags


def test_safety_flags_do_not_need_the_other_essentials():
    facts = parse_facts({"cssrs": CSSRS_HIGH})
    assert [f.level for f in safety_flags(facts)] == ["crisis"]


# --- the decision as data -------------------------------------------------------------------


def test_decision_as_dict_has_the_screen_command_shape():
    decision = decide(bp_readings=same_bp(145, 85), pregnant=None, gad7=[0] * 7)
    as_dict = decision.as_dict()
    assert json.loads(json.dumps(as_dict)) == as_dict
    assert {k: as_dict[k] for k in ("outcome", "reasons", "missing", "ruleset")} == {
        "outcome": "incomplete",
        "reasons": ["hypertension_elevated"],
        "missing": ["pregnant"],
        "ruleset": "v1",
    }
    assert as_dict["scores"]["gad7"] == {"total": 0, "severity": "minimal"}
    assert as_dict["details"] == [
        {
            "code": "hypertension_elevated",
            "severity": "review",
            "message": decision.reasons[0].message,
        },
    ]


def test_decision_is_frozen():
    with pytest.raises(dataclasses.FrozenInstanceError):
        decide().outcome = "excluded"


# --- the policy -----------------------------------------------------------------------------


def test_v1_numbers_are_clinical_md():
    assert {k: v for k, v in POLICY_V1_DATA.items() if k != "interacting_medications"} == {
        "label": "v1",
        "hypertension_elevated_systolic": 140,
        "hypertension_elevated_diastolic": 90,
        "hypertension_uncontrolled_systolic": 160,
        "hypertension_uncontrolled_diastolic": 100,
        "pcl5_probable_ptsd": 33,
        "rescreen_interval_days": 90,
    }


def test_policy_round_trips_through_json():
    assert Policy.from_dict(POLICY_V1_DATA) == POLICY_V1
    assert POLICY_V1.to_dict() == POLICY_V1_DATA
    assert Policy.from_dict(json.loads(json.dumps(POLICY_V1.to_dict()))) == POLICY_V1
    assert Policy("v1") == POLICY_V1  # the defaults are v1


def test_policy_from_dict_ignores_other_parts_of_the_clinic_policy():
    data = {**POLICY_V1_DATA, "dose_ranges": {"ketamine": {}}}
    assert Policy.from_dict(data) == POLICY_V1


def test_policy_label_may_come_from_outside_the_json():
    data = {k: v for k, v in POLICY_V1_DATA.items() if k != "label"}
    assert Policy.from_dict(data, label="v7").label == "v7"
    with pytest.raises(PolicyError, match="^label:"):
        Policy.from_dict(data)


@pytest.mark.parametrize("key", [k for k in POLICY_V1_DATA if k != "label"])
def test_every_screening_key_is_required(key):
    data = {k: v for k, v in POLICY_V1_DATA.items() if k != key}
    with pytest.raises(PolicyError) as caught:
        Policy.from_dict(data)
    assert str(caught.value) == f"{key}: required"


@pytest.mark.parametrize(
    ("changes", "path"),
    [
        ({"label": ""}, "label"),
        ({"label": 2}, "label"),
        ({"hypertension_elevated_systolic": 0}, "hypertension_elevated_systolic"),
        ({"hypertension_elevated_diastolic": 89.5}, "hypertension_elevated_diastolic"),
        ({"pcl5_probable_ptsd": True}, "pcl5_probable_ptsd"),
        ({"rescreen_interval_days": "90"}, "rescreen_interval_days"),
        ({"hypertension_elevated_systolic": 160}, "hypertension_elevated_systolic"),
        ({"hypertension_uncontrolled_diastolic": 85}, "hypertension_elevated_diastolic"),
        ({"interacting_medications": ["xanax"]}, "interacting_medications"),
        (
            {"interacting_medications": {"benzodiazepines": "xanax"}},
            "interacting_medications.benzodiazepines",
        ),
        (
            {"interacting_medications": {"opioids": ["tramadol", ""]}},
            "interacting_medications.opioids[1]",
        ),
        (
            {"interacting_medications": {"opioids": ["tramadol", 3]}},
            "interacting_medications.opioids[1]",
        ),
        ({"interacting_medications": {"": ["x"]}}, "interacting_medications."),
    ],
)
def test_invalid_policies(changes, path):
    with pytest.raises(PolicyError) as caught:
        Policy.from_dict({**POLICY_V1_DATA, **changes})
    assert caught.value.path == path


def test_a_policy_is_immutable_and_hashable():
    with pytest.raises(dataclasses.FrozenInstanceError):
        POLICY_V1.pcl5_probable_ptsd = 30
    with pytest.raises(TypeError):
        POLICY_V1.interacting_medications["opioids"] = ()
    assert hash(POLICY_V1) == hash(Policy("v1"))
    assert POLICY_V1_DATA["interacting_medications"]["opioids"][0] == "buprenorphine"


def test_a_new_medication_class_is_data():
    policy = Policy("v2", interacting_medications={"herbal": ["St John's wort"]})
    assert decide(policy, medications=["st john's wort extract"]).codes == (
        "interacting_medication",
    )
    assert decide(policy, medications=["Xanax"]).codes == ()


@pytest.mark.parametrize(("days", "current"), [(0, True), (89, True), (90, True), (91, False)])
def test_rescreen_interval(days, current):
    screened = date(2025, 1, 1)
    assert POLICY_V1.screening_current(screened, screened + timedelta(days=days)) is current


# --- invariants over random candidates ------------------------------------------------------


def maybe(strategy):
    return st.none() | strategy


@st.composite
def cssrs_answers(draw):
    answers = {"q1": draw(st.booleans()), "q2": draw(st.booleans()), "q6": draw(st.booleans())}
    for key in ("q3", "q4", "q5"):
        if answers["q2"]:
            answers[key] = draw(st.booleans())
        elif draw(st.booleans()):
            answers[key] = None  # a skipped question may be given as null
    if answers["q6"]:
        answers["q6_recent"] = draw(st.booleans())
    return answers


def scale(code):
    inst = instruments.INSTRUMENTS[code]
    n = len(inst.items)
    return st.lists(st.integers(0, inst.max_answer), min_size=n, max_size=n)


bp_pair = st.integers(60, 240).flatmap(lambda s: st.tuples(st.just(s), st.integers(30, s - 1)))
valid_facts = st.fixed_dictionaries(
    {},
    optional={
        "age": maybe(st.integers(0, 130)),
        "bp_readings": maybe(st.lists(bp_pair.map(list), max_size=4)),
        **{key: st.sampled_from([None, False, False, False, True]) for key in YES_NO_FACTS},
        "substance_use": maybe(
            st.sampled_from(["none", "remission_12m_plus", "remission_under_12m", "active"])
        ),
        "medications": maybe(
            st.lists(
                st.sampled_from(
                    ["Xanax", "sertraline 50 mg", "Klonopinex", "tramadol/apap", "bupropion"]
                ),
                max_size=3,
            )
        ),
        "phq9": maybe(scale("phq9")),
        "gad7": maybe(scale("gad7")),
        "pcl5": maybe(scale("pcl5")),
        "cssrs": maybe(cssrs_answers()),
    },
)
SEVERITIES = {"minimal", "mild", "moderate", "moderately severe", "severe"}


def unknown_essentials(raw: dict) -> set[str]:
    unknown = {key for key in ESSENTIAL_FACTS if raw.get(key) is None}
    if raw.get("bp_readings") is not None and len(raw["bp_readings"]) < 2:
        unknown.add("bp_readings")
    return unknown


@settings(max_examples=200, deadline=None)
@given(valid_facts)
def test_decision_invariants(raw):
    decision = evaluate(parse_facts(raw), POLICY_V1)
    severities = {reason.severity for reason in decision.reasons}

    # Precedence: an exclusion always wins; eligible means nothing at all.
    assert ("exclusion" in severities) == (decision.outcome == "excluded")
    if decision.outcome == "eligible":
        assert decision.reasons == () and decision.missing == ()
    if decision.outcome == "needs_review":
        assert severities == {"review"} and decision.missing == ()
    if decision.outcome == "incomplete":
        assert decision.missing and "exclusion" not in severities

    assert set(decision.missing) == unknown_essentials(raw)
    assert list(decision.missing) == [k for k in ESSENTIAL_FACTS if k in decision.missing]

    # Every code once, in table order; the hypertension bands never together.
    order = [rule.code for rule in RULES]
    assert list(decision.codes) == sorted(decision.codes, key=order.index)
    assert len(set(decision.codes)) == len(decision.codes)
    assert not {"hypertension_elevated", "hypertension_uncontrolled"} <= set(decision.codes)
    if "bp_readings" in decision.missing:
        assert not any(code.startswith("hypertension") for code in decision.codes)

    # Scores: only what was given, and in range.
    assert set(decision.scores) == {
        code for code in instruments.SCORED_CODES if raw.get(code) is not None
    }
    for code in ("phq9", "gad7", "pcl5"):
        if code in decision.scores:
            total = decision.scores[code]["total"]
            assert 0 <= total <= instruments.INSTRUMENTS[code].max_total
    for code in ("phq9", "gad7"):
        if code in decision.scores:
            assert decision.scores[code]["severity"] in SEVERITIES
    if "cssrs" in decision.scores:
        assert decision.scores["cssrs"]["risk"] in instruments.RISK_LEVELS

    assert {flag.code for flag in decision.safety_flags} <= set(decision.codes)
    assert json.loads(json.dumps(decision.as_dict())) == decision.as_dict()


STRICT = Policy("strict", hypertension_elevated_systolic=130, hypertension_elevated_diastolic=80)


@settings(max_examples=200, deadline=None)
@given(valid_facts)
def test_a_lower_threshold_only_adds_reasons(raw):
    facts = parse_facts(raw)
    v1, strict = evaluate(facts, POLICY_V1), evaluate(facts, STRICT)
    assert set(v1.codes) <= set(strict.codes)
    assert set(strict.codes) - set(v1.codes) <= {"hypertension_elevated"}
    assert strict.missing == v1.missing
