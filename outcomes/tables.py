"""The dashboard's figures as tables of words and numbers: the page and the CSV read the same
tables, so every table shown can be exported as it is shown."""

from dataclasses import dataclass

from patients.phases import LABELS as PHASE_LABELS
from screening.wording import rule_title
from sessions.models import AdverseEvent

OUTCOME_WORDS = {
    "eligible": "Eligible",
    "needs_review": "Needs a prescriber's review",
    "excluded": "Excluded",
    "incomplete": "Incomplete",
}
SEVERITY_WORDS = {"mild": "Mild", "moderate": "Moderate", "severe": "Severe", "serious": "Serious"}


@dataclass
class Table:
    slug: str
    title: str
    headers: list[str]
    rows: list[list]
    note: str = ""


def _pct(value) -> str:
    return "—" if value is None else f"{value:.1f} %"


def _outcome_row(label, row) -> list:
    if not row:
        return [label, 0, 0, "—", 0, "—"]
    return [
        label,
        row["courses"],
        row["judged"],
        _pct(row["response_rate"]),
        row["scored"],
        _pct(row["remission_rate"]),
    ]


OUTCOME_HEADERS = [
    "Courses",
    "With a PHQ-9 baseline and a later score",
    "Response",
    "With a PHQ-9 after the first dose",
    "Remission",
]


def tables(f: dict) -> list[Table]:
    return [
        Table(
            "phases",
            "Active courses by phase",
            ["Phase", "Courses"],
            [[PHASE_LABELS[p], n] for p, n in f["phases"]],
            "Open courses today; the date range does not apply.",
        ),
        Table(
            "doses-per-week",
            "Doses per week",
            ["Week of", "Doses"],
            [[row["week"].strftime("%b %-d, %Y"), row["n"]] for row in f["weeks"]],
        ),
        Table(
            "followups",
            "Follow-ups held inside the 1–3 day window",
            ["Follow-ups due", "Held inside the window", "Share"],
            [[f["followups"]["due"], f["followups"]["inside"], _pct(f["followups"]["rate"])]],
            "Follow-ups of the doses in the range whose window has closed or that were held.",
        ),
        Table(
            "integration-and-response",
            "Response when every dose was integrated inside its window",
            ["Courses whose doses were", *OUTCOME_HEADERS],
            [
                _outcome_row("all integrated inside the window", f["integrated"]),
                _outcome_row("not all integrated inside the window", f["not_integrated"]),
            ],
            "PHQ-9: response is a fall of half or more from the baseline, the last score "
            "before the first dose; remission is under 5.",
        ),
        Table(
            "response-by-doses",
            "Response and remission by number of doses",
            ["Doses in the course", *OUTCOME_HEADERS],
            [_outcome_row(row["doses"], row) for row in f["by_doses"]],
        ),
        Table(
            "adverse-events",
            "Adverse events per 100 doses",
            ["Kind", "Severity", "Events", "Per 100 doses"],
            [
                [
                    AdverseEvent.Kind(row["kind"]).label,
                    SEVERITY_WORDS.get(row["severity"], row["severity"]),
                    row["n"],
                    "—" if row["per_100"] is None else f"{row['per_100']:.1f}",
                ]
                for row in f["events"]
            ],
            f"Out of {f['total_doses']} doses in the range.",
        ),
        Table(
            "no-shows",
            "No-shows",
            ["Appointment", "Appointments due", "No-shows", "Share"],
            [
                [row["type__name"], row["appointments"], row["missed"], _pct(row["rate"])]
                for row in f["no_shows"]
            ],
            "Appointments in the range that were held, in progress or missed.",
        ),
        Table(
            "screening-outcomes",
            "Screening outcomes",
            ["Outcome", "Screenings"],
            [
                [OUTCOME_WORDS.get(r["outcome"], r["outcome"]), r["n"]]
                for r in f["screening_outcomes"]
            ],
            "The latest decision of each screening decided in the range; the clinician and drug "
            "filters do not apply.",
        ),
        Table(
            "screening-rules",
            "Screening outcomes by rule",
            ["Rule", "Exclusion or review", "Screenings"],
            [
                [
                    rule_title(r["code"]),
                    "Exclusion" if r["severity"] == "exclusion" else "Review",
                    r["n"],
                ]
                for r in f["screening_rules"]
            ],
        ),
    ]
