"""The screening's facts, scores and codes in the clinic's words (pure)."""

from screening import wording
from screening.rules import ESSENTIAL_FACTS

REPRS = ("[[", "{'", "False", "True", "None", "_")


def test_the_issue_s_examples():
    lines = dict(
        wording.fact_lines(
            {
                "psychosis_history": False,
                "bp_readings": [[128, 82], [132, 84]],
                "cssrs": {
                    "q1": False,
                    "q2": False,
                    "q3": None,
                    "q4": None,
                    "q5": None,
                    "q6": False,
                },
            }
        )
    )
    assert lines["History of psychosis"] == "no"
    assert lines["Blood pressure"].startswith("Mean blood pressure 130/83 from 2 readings")
    assert (
        lines["C-SSRS screener"]
        == "Wish to be dead: no; suicidal thoughts: no; suicidal behaviour ever: no"
    )
    assert wording.instrument_name("phq9") == "PHQ-9"
    assert wording.rule_title("psychosis") != "psychosis"


def test_every_fact_of_a_full_screening_reads_without_a_python_value():
    facts = {
        "age": 40,
        "bp_readings": [[139, 89], [140, 90]],
        "psychosis_history": None,
        "substance_use": "remission_under_12m",
        "medications": ["Clonazepam 0.5 mg"],
        "phq9": [1, 1, 1, 1, 1, 1, 1, 1, 0],
        "pcl5": None,
        "future_fact": {"a_b": True, "c": [1, None]},
    }
    for label, text in wording.fact_lines(facts):
        for bad in REPRS:
            assert bad not in label + text, (label, text)
    assert "Mean blood pressure 139.5/89.5" in dict(wording.fact_lines(facts))["Blood pressure"]


def test_scores_missing_facts_and_unknown_codes_in_words():
    scores = {
        "phq9": {"total": 12, "severity": "moderate", "item9": 0, "item9_flag": False},
        "pcl5": {"total": 40, "probable_ptsd": True, "provisional_dsm5": False},
        "cssrs": {"risk": "none", "active_ideation": False},
    }
    lines = wording.score_lines(scores)
    assert lines[0] == ("PHQ-9", "Total 12 · moderate")
    assert lines[1] == ("PCL-5", "Total 40 · probable PTSD: yes · provisional DSM-5 diagnosis: no")
    assert lines[2] == ("C-SSRS", "No risk")
    missing = wording.missing_text(ESSENTIAL_FACTS)
    for bad in REPRS:
        assert bad not in missing
    assert wording.rule_title("an_old_code") == "An old code"
