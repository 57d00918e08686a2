"""Screening facts, scores and rule codes in the clinic's words, for pages and PDFs.

Pure Python (no Django import): a stored decision's facts, scores and codes in, sentences out.
Nothing here prints a Python value: yes/no/unknown for booleans, "130/83" for a blood pressure,
"PHQ-9" for `phq9`, a rule's title for its code. A key or code this module does not know (from an
older engine) is turned into words from its name, never shown as a repr.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from screening import rules

INSTRUMENT_NAMES = {"phq9": "PHQ-9", "gad7": "GAD-7", "pcl5": "PCL-5", "cssrs": "C-SSRS"}

# Short labels for the facts, in the order a clinician reads them.
FACT_LABELS = {
    "age": "Age",
    "bp_readings": "Blood pressure",
    "psychosis_history": "History of psychosis",
    "family_psychosis_history": "First-degree relative with a psychotic disorder",
    "bipolar_disorder": "Bipolar disorder",
    "current_mania": "Current manic or mixed episode",
    "substance_use": "Substance use disorder",
    "pregnant": "Pregnant",
    "breastfeeding": "Breastfeeding",
    "ketamine_allergy": "Allergy to ketamine or esketamine",
    "vascular_disease": "Aneurysmal vascular disease, AVM or brain haemorrhage",
    "cardiac_condition": "Arrhythmia, angina, coronary disease or heart failure",
    "raised_icp_or_glaucoma": "Raised intracranial pressure or uncontrolled glaucoma",
    "severe_liver_disease": "Severe liver disease",
    "interstitial_cystitis": "Interstitial cystitis or ketamine-related bladder problems",
    "uncontrolled_hyperthyroidism": "Uncontrolled hyperthyroidism",
    "respiratory_disease": "Sleep apnoea or significant respiratory disease",
    "medications": "Current medications",
    "phq9": "PHQ-9 answers",
    "gad7": "GAD-7 answers",
    "pcl5": "PCL-5 answers",
    "cssrs": "C-SSRS screener",
}
# What a missing essential fact asks for.
MISSING_LABELS = {
    "age": "age (the date of birth)",
    "bp_readings": "two seated blood-pressure readings",
    "psychosis_history": "history of psychosis",
    "pregnant": "pregnancy status",
    "phq9": "a completed PHQ-9",
    "cssrs": "a completed C-SSRS screener",
}
SUBSTANCE_USE_LABELS = {
    "none": "No substance use disorder",
    "remission_12m_plus": "In remission for 12 months or more",
    "remission_under_12m": "In remission for under 12 months",
    "active": "Active substance use disorder",
}
CSSRS_LABELS = {
    "q1": "wish to be dead",
    "q2": "suicidal thoughts",
    "q3": "thoughts of a method",
    "q4": "intent",
    "q5": "a plan with intent",
    "q6": "suicidal behaviour ever",
    "q6_recent": "within the past 3 months",
}
RISK_LABELS = {
    "none": "No risk",
    "low": "Low risk",
    "moderate": "Moderate risk",
    "high": "High risk",
}


def _from_name(key: str) -> str:
    return str(key).replace("_", " ").strip().capitalize() or "—"


def instrument_name(code: str) -> str:
    """`phq9` → "PHQ-9"."""
    return INSTRUMENT_NAMES.get(code, _from_name(code).upper())


def rule_title(code: str) -> str:
    """A rule's short title ("History of psychosis" for `psychosis`)."""
    title = rules.title(code)
    return _from_name(title) if title == code else title


def yes_no(value: Any) -> str:
    return {True: "yes", False: "no", None: "unknown"}.get(value, value_text(value))


def value_text(value: Any) -> str:
    """Any stored value in words: never a repr."""
    if value is None:
        return "unknown"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, Mapping):
        return "; ".join(f"{_from_name(k).lower()}: {value_text(v)}" for k, v in value.items())
    if isinstance(value, list | tuple):
        return ", ".join(value_text(v) for v in value) if value else "none"
    return str(value)


def blood_pressure(readings: Any) -> str:
    """ "Mean blood pressure 130/83 from 2 readings" (the exact mean, shown as the rules do)."""
    try:
        pairs = tuple((int(s), int(d)) for s, d in readings or ())
    except (TypeError, ValueError):
        return value_text(readings)
    mean = rules.mean_blood_pressure(pairs)
    if mean is None:
        return f"{len(pairs)} reading{'' if len(pairs) == 1 else 's'}: not enough for a mean"
    shown = "; ".join(f"{s}/{d}" for s, d in pairs)
    systolic, diastolic = (rules._mmhg(v) for v in mean)
    return f"Mean blood pressure {systolic}/{diastolic} from {len(pairs)} readings ({shown})"


def cssrs(answers: Any) -> str:
    """ "Wish to be dead: no; suicidal thoughts: no; suicidal behaviour ever: no"."""
    if not isinstance(answers, Mapping):
        return value_text(answers)
    asked = [(k, v) for k, v in answers.items() if v is not None]
    if not asked:
        return "not answered"
    text = "; ".join(f"{CSSRS_LABELS.get(k, _from_name(k).lower())}: {yes_no(v)}" for k, v in asked)
    return text[0].upper() + text[1:]


def _answers(values: Any) -> str:
    if not isinstance(values, list | tuple):
        return value_text(values)
    try:
        total = sum(int(v) for v in values)
    except (TypeError, ValueError):
        return value_text(values)
    return f"{', '.join(str(v) for v in values)} (total {total})"


def fact_text(key: str, value: Any) -> str:
    if value is None:
        return "unknown"
    if key == "bp_readings":
        return blood_pressure(value)
    if key == "cssrs":
        return cssrs(value)
    if key == "substance_use":
        return SUBSTANCE_USE_LABELS.get(value, value_text(value))
    if key == "medications":
        return ", ".join(str(m) for m in value) if value else "none"
    if key in ("phq9", "gad7", "pcl5"):
        return _answers(value)
    return value_text(value)


def fact_lines(facts: Mapping[str, Any]) -> list[tuple[str, str]]:
    """Each stored fact as (label, words), known facts in the clinic's order, then any other."""
    keys = [k for k in FACT_LABELS if k in facts] + [k for k in facts if k not in FACT_LABELS]
    return [(FACT_LABELS.get(k, _from_name(k)), fact_text(k, facts[k])) for k in keys]


def missing_text(keys: Iterable[str]) -> str:
    """The missing essential facts in words: "a completed PHQ-9, pregnancy status"."""
    return ", ".join(MISSING_LABELS.get(k, _from_name(k).lower()) for k in keys)


def score_text(code: str, score: Mapping[str, Any]) -> str:
    """ "Total 12 · moderate", "Risk: no risk", "Total 40 · probable PTSD: yes …"."""
    if not isinstance(score, Mapping):
        return value_text(score)
    parts = []
    if score.get("total") is not None:
        parts.append(f"Total {score['total']}")
    if score.get("severity"):
        parts.append(str(score["severity"]))
    if score.get("probable_ptsd") is not None:
        parts.append(f"probable PTSD: {yes_no(score['probable_ptsd'])}")
        parts.append(f"provisional DSM-5 diagnosis: {yes_no(score.get('provisional_dsm5'))}")
    if score.get("risk"):
        parts.append(RISK_LABELS.get(score["risk"], value_text(score["risk"])))
    if score.get("item9_flag"):
        parts.append("item 9 above 0")
    if score.get("active_ideation"):
        parts.append("active ideation")
    return " · ".join(parts) or "—"


def score_lines(scores: Mapping[str, Any]) -> list[tuple[str, str]]:
    return [(instrument_name(code), score_text(code, s)) for code, s in scores.items()]
