"""A candidate screened through the real intake services: used by the demo seed and the tests.

Every value is plausible and, by default, eligible under policy v1; pass changes to make a
candidate who needs review or is excluded.
"""

from screening import intake
from screening.facts import YES_NO_FACTS

HEALTHY_HISTORY = {
    **dict.fromkeys(YES_NO_FACTS, False),
    "substance_use": "none",
    "medications": ["sertraline 50 mg"],
}
HEALTHY_ANSWERS = {
    "phq9": [2, 2, 2, 1, 2, 1, 2, 1, 0],
    "gad7": [2, 1, 2, 1, 1, 1, 0],
    "cssrs": {"q1": False, "q2": False, "q6": False},
}


def screen_candidate(
    *,
    course,
    by,
    history: dict | None = None,
    bp=((122, 78), (118, 76)),
    answers: dict | None = None,
    decide: bool = True,
):
    """Start a screening on `course`, record history, readings and questionnaires, and decide.

    `history` and `answers` update the healthy defaults (a value of None leaves that fact or
    questionnaire out). Returns the screening.
    """
    screening = intake.screening_start(by=by, course=course)
    facts = {**HEALTHY_HISTORY, **(history or {})}
    intake.screening_record_history(
        by=by,
        screening=screening,
        history={k: v for k, v in facts.items() if v is not None},
        weight_kg=72,
    )
    for systolic, diastolic in bp:
        intake.screening_add_bp(by=by, screening=screening, systolic=systolic, diastolic=diastolic)
    for code, given in {**HEALTHY_ANSWERS, **(answers or {})}.items():
        if given is not None:
            intake.instrument_save(
                by=by, screening=screening, code=code, answers=given, complete=True
            )
    if decide:
        intake.screening_decide(by=by, screening=screening)
    screening.refresh_from_db()
    return screening
