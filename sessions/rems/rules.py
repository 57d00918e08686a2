"""The esketamine REMS Patient Monitoring Form's arithmetic: pure Python, no Django.

Minutes are counted from the first device (the dose's start). The form is due within 7 days of the
session; the blood pressure "at about 40 minutes" is the reading charted as the 40-minute one, or
else the reading after the start nearest to 40 minutes (25 to 55 minutes after it).
"""

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

DUE_DAYS = 7
FIXED_DOSES = (Decimal(56), Decimal(84))
NEAR_40 = (25, 55)

CONCOMITANT = (
    ("benzodiazepines", "Benzodiazepines"),
    ("non_benzodiazepine_hypnotics", "Non-benzodiazepine sedative hypnotics"),
    ("psychostimulants", "Psychostimulants"),
    ("maois", "Monoamine oxidase inhibitors (MAOIs)"),
)
# Each with its onset and resolution, in minutes after the first device.
EFFECTS = (
    ("sedation", "Sedation"),
    ("dissociation", "Dissociation"),
    ("respiratory", "Respiratory depression"),
)


def effect_field(effect: str) -> str:
    return "respiratory_depression" if effect == "respiratory" else effect


def due_on(session_day: date) -> date:
    return session_day + timedelta(days=DUE_DAYS)


def days_left(session_day: date, today: date) -> int:
    return (due_on(session_day) - today).days


def dose_label(given_mg) -> str:
    if given_mg is None:
        return ""
    given = Decimal(given_mg)
    text = f"{given.normalize():f}"
    return f"{text} mg" if given in FIXED_DOSES else f"Other: {text} mg"


@dataclass(frozen=True)
class Reading:
    minutes: float  # after the first device (negative before it)
    systolic: int
    diastolic: int
    moment: str  # "pre_dose", "during", "peak", "discharge"

    @property
    def bp(self) -> str:
        return f"{self.systolic}/{self.diastolic}"


def bp_before(readings: list[Reading]) -> Reading | None:
    before = [r for r in readings if r.minutes <= 0 and r.moment == "pre_dose"]
    return before[-1] if before else None


def bp_near_40(readings: list[Reading]) -> Reading | None:
    after = [r for r in readings if r.minutes > 0]
    peak = [r for r in after if r.moment == "peak"]
    low, high = NEAR_40
    pool = peak or [r for r in after if low <= r.minutes <= high]
    return min(pool, key=lambda r: (abs(r.minutes - 40), r.minutes)) if pool else None


def bp_at_completion(readings: list[Reading]) -> Reading | None:
    after = [r for r in readings if r.minutes > 0]
    return after[-1] if after else None


def answers_problems(answers: dict, *, total_minutes: int | None) -> dict[str, str]:
    """What stands between these answers and a submitted form, by field."""
    problems = {}
    for field, label in CONCOMITANT:
        if answers.get(field) is None:
            problems[field] = f"{label}: answer yes or no."
    for effect, label in EFFECTS:
        field = effect_field(effect)
        onset, resolved = (
            answers.get(f"{effect}_onset_minutes"),
            answers.get(f"{effect}_resolved_minutes"),
        )
        if answers.get(field) is None:
            problems[field] = f"{label}: answer yes or no."
        elif answers[field] and onset is None:
            problems[f"{effect}_onset_minutes"] = f"{label}: enter its onset."
        elif answers[field] and resolved is None:
            problems[f"{effect}_resolved_minutes"] = f"{label}: enter its resolution."
        elif answers[field] and resolved < onset:
            problems[f"{effect}_resolved_minutes"] = f"{label} cannot resolve before its onset."
    ready = answers.get("ready_to_leave_minutes")
    if ready is None:
        problems["ready_to_leave_minutes"] = "Enter when the patient would have been ready."
    elif total_minutes is not None and ready > total_minutes:
        problems["ready_to_leave_minutes"] = (
            f"Ready to leave cannot be later than the end of monitoring ({total_minutes} minutes)."
        )
    if answers.get("vitals_acceptable_at_completion") is None:
        problems["vitals_acceptable_at_completion"] = (
            "Say whether the vital signs were acceptable at completion."
        )
    return problems
