"""Instruments: definitions as data, validation paths, scores, bands, C-SSRS triage, outcomes."""

import dataclasses
import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from screening import instruments as ins
from screening.instruments import (
    CSSRS,
    GAD7,
    INSTRUMENTS,
    PCL5,
    PHQ9,
    CssrsAnswers,
    InstrumentError,
)


def answers_with_total(instrument: ins.Instrument, total: int) -> list[int]:
    """Fill items from the front with the highest answer until `total` is reached."""
    answers = []
    for _ in instrument.items:
        item = min(instrument.max_answer, total)
        answers.append(item)
        total -= item
    assert total == 0
    return answers


def cssrs(**answers):
    base = {"q1": False, "q2": False, "q6": False}
    return {**base, **answers}


# --- definitions ----------------------------------------------------------------------------


def test_registry_holds_the_three_scales():
    assert set(INSTRUMENTS) == {"phq9", "gad7", "pcl5"}
    assert all(code == inst.code for code, inst in INSTRUMENTS.items())
    assert ins.SCORED_CODES == ("phq9", "gad7", "pcl5", "cssrs")


@pytest.mark.parametrize(
    ("instrument", "items", "low", "high", "max_total"),
    [(PHQ9, 9, 0, 3, 27), (GAD7, 7, 0, 3, 21), (PCL5, 20, 0, 4, 80)],
)
def test_shape_of_each_scale(instrument, items, low, high, max_total):
    assert len(instrument.items) == items
    assert (instrument.min_answer, instrument.max_answer, instrument.max_total) == (
        low,
        high,
        max_total,
    )
    assert [c.value for c in instrument.choices] == list(range(low, high + 1))
    assert all(text.strip() for text in instrument.items)
    assert instrument.version and instrument.title and instrument.stem


def test_answer_labels():
    assert [c.label for c in PHQ9.choices] == [
        "Not at all",
        "Several days",
        "More than half the days",
        "Nearly every day",
    ]
    assert GAD7.choices == PHQ9.choices
    assert [c.label for c in PCL5.choices] == [
        "Not at all",
        "A little bit",
        "Moderately",
        "Quite a bit",
        "Extremely",
    ]
    assert PHQ9.label_of(2) == "More than half the days"


def test_loinc_codes_from_clinical_md():
    assert (PHQ9.loinc_panel, PHQ9.loinc_total, PHQ9.loinc_items) == (
        "44249-1",
        "44261-6",
        ((8, "44260-8"),),
    )
    assert GAD7.loinc_total == "70274-6"


def test_phq9_item9_is_the_self_harm_item():
    assert "better off dead" in PHQ9.items[ins.PHQ9_ITEM9]


def test_severity_bands_cover_every_total_without_gaps():
    for instrument in (PHQ9, GAD7):
        assert instrument.severity_bands[-1][0] == instrument.max_total
        for total in range(instrument.max_total + 1):
            instrument.severity(total)
        with pytest.raises(ValueError):
            instrument.severity(instrument.max_total + 1)


def test_pcl5_clusters_partition_the_twenty_items():
    items = [i for _, indexes, _ in ins.PCL5_CLUSTERS for i in indexes]
    assert items == list(range(20))
    assert [(name, needed) for name, _, needed in ins.PCL5_CLUSTERS] == [
        ("B", 1),
        ("C", 1),
        ("D", 2),
        ("E", 2),
    ]


def test_cssrs_definition_matches_answers_type_and_skip_logic():
    assert CSSRS.keys == tuple(f.name for f in dataclasses.fields(CssrsAnswers))
    opened_by = {q.key: q.asked_when for q in CSSRS.questions}
    assert opened_by == {
        "q1": None,
        "q2": None,
        "q3": "q2",
        "q4": "q2",
        "q5": "q2",
        "q6": None,
        "q6_recent": "q6",
    }
    assert all(q.text.endswith("?") for q in CSSRS.questions)


def test_definitions_are_frozen():
    with pytest.raises(dataclasses.FrozenInstanceError):
        PHQ9.version = "2"


# --- list validation ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("code", "answers", "error"),
    [
        ("phq9", [0] * 8, "phq9: must have 9 answers, not 8"),
        ("phq9", [0] * 10, "phq9: must have 9 answers, not 10"),
        ("phq9", [], "phq9: must have 9 answers, not 0"),
        ("phq9", "000000000", "phq9: must be a list of 9 answers"),
        ("phq9", {"0": 1}, "phq9: must be a list of 9 answers"),
        ("phq9", 5, "phq9: must be a list of 9 answers"),
        ("phq9", [0] * 8 + [None], "phq9[8]: is not answered"),
        ("phq9", [0] * 8 + [4], "phq9[8]: must be a whole number from 0 to 3"),
        ("phq9", [-1] + [0] * 8, "phq9[0]: must be a whole number from 0 to 3"),
        ("phq9", [True] + [0] * 8, "phq9[0]: must be a whole number from 0 to 3"),
        ("phq9", [False] + [0] * 8, "phq9[0]: must be a whole number from 0 to 3"),
        ("phq9", [1.0] + [0] * 8, "phq9[0]: must be a whole number from 0 to 3"),
        ("phq9", [float("nan")] + [0] * 8, "phq9[0]: must be a whole number from 0 to 3"),
        ("phq9", ["1"] + [0] * 8, "phq9[0]: must be a whole number from 0 to 3"),
        ("gad7", [0] * 6, "gad7: must have 7 answers, not 6"),
        ("gad7", [0] * 6 + [4], "gad7[6]: must be a whole number from 0 to 3"),
        ("gad7", [0, None] + [0] * 5, "gad7[1]: is not answered"),
        ("pcl5", [0] * 19, "pcl5: must have 20 answers, not 19"),
        ("pcl5", [0] * 19 + [5], "pcl5[19]: must be a whole number from 0 to 4"),
        ("pcl5", [0] * 3 + [True] + [0] * 16, "pcl5[3]: must be a whole number from 0 to 4"),
    ],
)
def test_invalid_scale_answers_name_the_item(code, answers, error):
    with pytest.raises(InstrumentError) as caught:
        ins.score(code, answers)
    assert str(caught.value) == error
    assert caught.value.path == error.split(":")[0]


def test_first_bad_item_is_reported():
    with pytest.raises(InstrumentError, match=r"^phq9\[2\]"):
        ins.validate_answers(PHQ9, [0, 0, 9, None, 0, 0, 0, 0, 0])


@pytest.mark.parametrize("instrument", [PHQ9, GAD7, PCL5])
def test_extreme_answers_are_valid(instrument):
    n = len(instrument.items)
    assert ins.validate_answers(instrument, [0] * n) == (0,) * n
    assert (
        ins.validate_answers(instrument, (instrument.max_answer,) * n)
        == (instrument.max_answer,) * n
    )


# --- PHQ-9 and GAD-7 ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("total", "severity"),
    [
        (0, "minimal"),
        (4, "minimal"),
        (5, "mild"),
        (9, "mild"),
        (10, "moderate"),
        (14, "moderate"),
        (15, "moderately severe"),
        (19, "moderately severe"),
        (20, "severe"),
        (27, "severe"),
    ],
)
def test_phq9_severity_bands(total, severity):
    result = ins.score_phq9(answers_with_total(PHQ9, total))
    assert (result.total, result.severity) == (total, severity)


@pytest.mark.parametrize(
    ("total", "severity"),
    [
        (0, "minimal"),
        (4, "minimal"),
        (5, "mild"),
        (9, "mild"),
        (10, "moderate"),
        (14, "moderate"),
        (15, "severe"),
        (21, "severe"),
    ],
)
def test_gad7_severity_bands(total, severity):
    result = ins.score_gad7(answers_with_total(GAD7, total))
    assert (result.total, result.severity) == (total, severity)
    assert result.as_dict() == {"total": total, "severity": severity}


@pytest.mark.parametrize(("item9", "flag"), [(0, False), (1, True), (2, True), (3, True)])
def test_phq9_item9_flag(item9, flag):
    result = ins.score_phq9([3] * 8 + [item9])
    assert (result.item9, result.item9_flag) == (item9, flag)
    assert result.as_dict() == {
        "total": 24 + item9,
        "severity": "severe",
        "item9": item9,
        "item9_flag": flag,
    }


def test_phq9_item9_flag_ignores_the_other_items():
    assert not ins.score_phq9([3] * 8 + [0]).item9_flag
    assert ins.score_phq9([0] * 8 + [1]).item9_flag


# --- PCL-5 ----------------------------------------------------------------------------------


def pcl5_endorsing(*items_1_based: int, rating: int = 2) -> list[int]:
    answers = [1] * 20  # rated but below the endorsement level
    for item in items_1_based:
        answers[item - 1] = rating
    return answers


@pytest.mark.parametrize(
    ("total", "threshold", "probable"),
    [
        (32, 33, False),
        (33, 33, True),
        (80, 33, True),
        (0, 33, False),
        (29, 30, False),
        (30, 30, True),
    ],
)
def test_pcl5_probable_ptsd_threshold(total, threshold, probable):
    result = ins.score_pcl5(answers_with_total(PCL5, total), threshold)
    assert (result.total, result.probable_ptsd) == (total, probable)


def test_pcl5_default_threshold_is_33():
    assert ins.score_pcl5(answers_with_total(PCL5, 33)).probable_ptsd
    assert not ins.score_pcl5(answers_with_total(PCL5, 32)).probable_ptsd
    assert ins.score("pcl5", answers_with_total(PCL5, 32), pcl5_threshold=32).probable_ptsd


@pytest.mark.parametrize(
    ("endorsed", "provisional"),
    [
        ((1, 6, 8, 9, 15, 16), True),  # the minimum: 1 B, 1 C, 2 D, 2 E
        ((5, 7, 13, 14, 19, 20), True),  # the last item of every cluster
        ((6, 8, 9, 15, 16), False),  # no B
        ((1, 8, 9, 15, 16), False),  # no C
        ((1, 6, 8, 15, 16), False),  # one D
        ((1, 6, 8, 9, 15), False),  # one E
        ((1, 2, 3, 4, 5, 6, 7), False),  # B and C only
        ((), False),
        (tuple(range(1, 21)), True),
    ],
)
def test_pcl5_provisional_dsm5_cluster_rule(endorsed, provisional):
    assert ins.score_pcl5(pcl5_endorsing(*endorsed)).provisional_dsm5 is provisional


def test_pcl5_an_item_is_endorsed_from_2():
    assert not ins.score_pcl5(pcl5_endorsing(1, 6, 8, 9, 15, 16, rating=1)).provisional_dsm5
    assert ins.score_pcl5(pcl5_endorsing(1, 6, 8, 9, 15, 16, rating=4)).provisional_dsm5


def test_pcl5_provisional_diagnosis_is_independent_of_the_total():
    result = ins.score_pcl5(pcl5_endorsing(1, 6, 8, 9, 15, 16, rating=2))  # 14 + 12 = 26
    assert result.as_dict() == {"total": 26, "probable_ptsd": False, "provisional_dsm5": True}
    high = ins.score_pcl5([4] * 5 + [0] * 15)
    assert (high.probable_ptsd, high.provisional_dsm5) == (False, False)
    high = ins.score_pcl5([4] * 9 + [0] * 11)
    assert (high.total, high.probable_ptsd, high.provisional_dsm5) == (36, True, False)


# --- C-SSRS ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("answers", "risk"),
    [
        (cssrs(), "none"),
        (cssrs(q1=True), "low"),
        (cssrs(q2=True, q3=False, q4=False, q5=False), "low"),
        (cssrs(q1=True, q2=True, q3=False, q4=False, q5=False), "low"),
        (cssrs(q2=True, q3=True, q4=False, q5=False), "moderate"),
        (cssrs(q6=True, q6_recent=False), "moderate"),
        (cssrs(q1=True, q6=True, q6_recent=False), "moderate"),
        (cssrs(q2=True, q3=False, q4=True, q5=False), "high"),
        (cssrs(q2=True, q3=False, q4=False, q5=True), "high"),
        (cssrs(q2=True, q3=True, q4=True, q5=True), "high"),
        (cssrs(q6=True, q6_recent=True), "high"),
        (cssrs(q2=True, q3=True, q4=False, q5=False, q6=True, q6_recent=True), "high"),
        (cssrs(q2=True, q3=True, q4=False, q5=False, q6=True, q6_recent=False), "moderate"),
        # Explicit nulls for skipped questions are the same as leaving them out.
        (cssrs(q3=None, q4=None, q5=None, q6_recent=None), "none"),
    ],
)
def test_cssrs_risk_triage(answers, risk):
    result = ins.score_cssrs(answers)
    assert result.risk == risk
    assert result.active_ideation is answers["q2"]
    assert result.as_dict() == {"risk": risk, "active_ideation": answers["q2"]}


@pytest.mark.parametrize(
    ("answers", "error"),
    [
        ({"q2": False, "q6": False}, "cssrs.q1: required"),
        ({"q1": None, "q2": False, "q6": False}, "cssrs.q1: required"),
        ({"q1": False, "q6": False}, "cssrs.q2: required"),
        ({"q1": False, "q2": False}, "cssrs.q6: required"),
        (cssrs(q2=True), "cssrs.q3: required when q2 is yes"),
        (cssrs(q2=True, q3=False), "cssrs.q4: required when q2 is yes"),
        (cssrs(q2=True, q3=False, q4=False), "cssrs.q5: required when q2 is yes"),
        (cssrs(q2=True, q3=None, q4=False, q5=False), "cssrs.q3: required when q2 is yes"),
        (cssrs(q3=False), "cssrs.q3: must be left out when q2 is no"),
        (cssrs(q4=True), "cssrs.q4: must be left out when q2 is no"),
        (cssrs(q5=False), "cssrs.q5: must be left out when q2 is no"),
        (cssrs(q6=True), "cssrs.q6_recent: required when q6 is yes"),
        (cssrs(q6_recent=False), "cssrs.q6_recent: must be left out when q6 is no"),
        (cssrs(q7=True), "cssrs.q7: is not a question of the screener"),
        (cssrs(Q1=True), "cssrs.Q1: is not a question of the screener"),
        (cssrs(q1=1), "cssrs.q1: must be true or false"),
        (cssrs(q1=0), "cssrs.q1: must be true or false"),
        (cssrs(q2="yes"), "cssrs.q2: must be true or false"),
        (cssrs(q6=[True]), "cssrs.q6: must be true or false"),
        (cssrs(q2=True, q3=1, q4=False, q5=False), "cssrs.q3: must be true or false"),
        (cssrs(q6=True, q6_recent="no"), "cssrs.q6_recent: must be true or false"),
        ([False] * 7, "cssrs: must be an object of yes/no answers"),
        ("q1", "cssrs: must be an object of yes/no answers"),
    ],
)
def test_cssrs_skip_logic_and_types(answers, error):
    with pytest.raises(InstrumentError) as caught:
        ins.score_cssrs(answers)
    assert str(caught.value) == error


def test_cssrs_unknown_key_is_reported_before_missing_answers():
    with pytest.raises(InstrumentError, match=r"^cssrs\.extra:"):
        ins.validate_cssrs({"extra": True})


def test_cssrs_validation_fills_skipped_questions_with_none():
    valid = ins.validate_cssrs(cssrs(q1=True))
    assert valid == CssrsAnswers(True, False, None, None, None, False, None)
    assert ins.validate_cssrs(valid) == valid  # already-validated answers pass again


def test_cssrs_answers_are_rechecked_when_built_by_hand():
    with pytest.raises(InstrumentError, match=r"^cssrs\.q3: must be left out"):
        ins.score_cssrs(CssrsAnswers(False, False, True, None, None, False, None))


# --- dispatch and JSON ----------------------------------------------------------------------


def test_score_dispatches_by_code_and_rejects_unknown_codes():
    assert isinstance(ins.score("phq9", [0] * 9), ins.Phq9Result)
    assert isinstance(ins.score("gad7", [0] * 7), ins.Gad7Result)
    assert isinstance(ins.score("pcl5", [0] * 20), ins.Pcl5Result)
    assert isinstance(ins.score("cssrs", cssrs()), ins.CssrsResult)
    with pytest.raises(KeyError):
        ins.score("madrs", [0] * 10)


def test_results_are_frozen_and_json_ready():
    result = ins.score_phq9([1] * 9)
    with pytest.raises(dataclasses.FrozenInstanceError):
        result.total = 0
    for code, answers in [
        ("phq9", [1] * 9),
        ("gad7", [1] * 7),
        ("pcl5", [1] * 20),
        ("cssrs", cssrs(q1=True)),
    ]:
        as_dict = ins.score(code, answers).as_dict()
        assert json.loads(json.dumps(as_dict)) == as_dict


@settings(max_examples=200, deadline=None)
@given(
    st.sampled_from([PHQ9, GAD7, PCL5]).flatmap(
        lambda inst: st.tuples(
            st.just(inst),
            st.lists(
                st.integers(inst.min_answer, inst.max_answer),
                min_size=len(inst.items),
                max_size=len(inst.items),
            ),
        )
    )
)
def test_scores_stay_in_range(case):
    instrument, answers = case
    result = ins.score(instrument.code, answers)
    assert 0 <= result.total <= instrument.max_total
    assert result.total == sum(answers)
    if instrument.severity_bands:
        assert result.severity in {label for _, label in instrument.severity_bands}


# --- outcomes -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("baseline", "current", "responded"),
    [
        (20, 10, True),
        (20, 11, False),
        (20, 0, True),
        (20, 20, False),
        (20, 25, False),
        (15, 7, True),
        (15, 8, False),  # half of 15 is 7.5: a fall of 8 counts, 7 does not
        (1, 0, True),
        (0, 0, False),
        (0, 3, False),
    ],
)
def test_response_is_a_fall_of_at_least_half(baseline, current, responded):
    assert ins.response(baseline, current) is responded


def test_response_rejects_negative_totals():
    with pytest.raises(ValueError):
        ins.response(-1, 0)


@pytest.mark.parametrize(
    ("code", "total", "remitted"),
    [
        ("phq9", 4, True),
        ("phq9", 5, False),
        ("phq9", 0, True),
        ("gad7", 4, True),
        ("gad7", 5, False),
    ],
)
def test_remission_below_5(code, total, remitted):
    assert ins.remission(code, total) is remitted


def test_remission_is_undefined_for_pcl5():
    with pytest.raises(ValueError):
        ins.remission("pcl5", 10)


@pytest.mark.parametrize(
    ("baseline", "current", "meaningful"),
    [(50, 40, True), (50, 41, False), (30, 40, True), (30, 39, False)],
)
def test_pcl5_ten_point_change(baseline, current, meaningful):
    assert ins.meaningful_change("pcl5", baseline, current) is meaningful
    with pytest.raises(ValueError):
        ins.meaningful_change("phq9", baseline, current)
