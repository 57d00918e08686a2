"""The portal's pure rules: what to do before an appointment, when questionnaires are due, and
a plain-language reading of the patient's scores. No Django import: plain data in, plain data
out (CLINICAL.md gives the numbers)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

# CLINICAL.md, preparation: no food 4 h and no liquids 2 h before a dose.
NO_FOOD_HOURS = 4
NO_LIQUIDS_HOURS = 2
# An invitation link lasts this long.
INVITATION_LIFETIME = timedelta(hours=72)
# A questionnaire counts for a dose when taken within the 7 days before it (the dose start guard).
RECENT_WINDOW = timedelta(days=7)
BEFORE_DOSE = ("phq9", "gad7", "cssrs")
BEFORE_FOLLOWUP = ("phq9", "gad7")
# A fall of half or more from the baseline is a response; remission is under 5 (CLINICAL.md).
RESPONSE_FALL = 0.5
REMISSION_BELOW = 5


@dataclass(frozen=True)
class Fasting:
    food_until: datetime  # local time: the last moment to eat
    liquids_until: datetime  # local time: the last moment to drink clear liquids


def fasting_times(start: datetime, zone: ZoneInfo) -> Fasting:
    """The fasting times before a dose starting at the aware instant `start`, in `zone`'s wall
    time. Counted in real hours (through UTC), so a dose the morning after the clocks change
    still gets four real hours."""
    start = start.astimezone(ZoneInfo("UTC"))
    return Fasting(
        food_until=(start - timedelta(hours=NO_FOOD_HOURS)).astimezone(zone),
        liquids_until=(start - timedelta(hours=NO_LIQUIDS_HOURS)).astimezone(zone),
    )


def drive_again_day(start: datetime, zone: ZoneInfo) -> date:
    """No driving until the next day after sleep: the local day after the dose's local day."""
    return start.astimezone(zone).date() + timedelta(days=1)


def invitation_state(
    *, accepted_at: datetime | None, revoked_at: datetime | None, expires_at: datetime, now
) -> str:
    """ "used", "revoked", "expired" or "open"."""
    if accepted_at is not None:
        return "used"
    if revoked_at is not None:
        return "revoked"
    if now >= expires_at:
        return "expired"
    return "open"


def due_codes(
    kind: str, start: datetime, taken: dict[str, datetime], dose_at: datetime | None = None
) -> list[str]:
    """The questionnaires due before an appointment of `kind` ("dosing" or "integration") at
    `start`, given when each was last taken (`taken`: code → completed time).

    Before a dose: PHQ-9, GAD-7 and the C-SSRS screener within the 7 days before it. Before a
    follow-up: PHQ-9 and GAD-7 taken since the dose it follows (or within 7 days when that dose
    is not known)."""
    if kind == "dosing":
        codes, since = BEFORE_DOSE, start - RECENT_WINDOW
    elif kind == "integration":
        codes, since = BEFORE_FOLLOWUP, dose_at or start - RECENT_WINDOW
    else:
        return []
    return [code for code in codes if code not in taken or taken[code] < since]


@dataclass(frozen=True)
class Point:
    day: date
    total: int
    severity: str


def reading(title: str, points: list[Point]) -> str:
    """A few plain sentences about one questionnaire's scores over the course (oldest first)."""
    if not points:
        return f"You have no {title} results yet."
    last = points[-1]
    now = (
        f"Your latest {title} score is {last.total} ({last.severity}), "
        f"on {last.day:%b} {last.day.day}."
    )
    if len(points) == 1:
        return f"{now} Your next results will show how it changes over the course."
    first = points[0]
    start = f"It was {first.total} ({first.severity}) on {first.day:%b} {first.day.day}."
    change = last.total - first.total
    if change < 0:
        trend = f"That is {-change} point{'s' if change != -1 else ''} lower: lower is better."
    elif change > 0:
        trend = (
            f"That is {change} point{'s' if change != 1 else ''} higher. Please talk about it "
            "with your therapist at your next visit."
        )
    else:
        trend = "It has not changed."
    extra = ""
    if last.total < REMISSION_BELOW and first.total >= REMISSION_BELOW:
        extra = " A score under 5 is in the minimal range: what clinicians call remission."
    elif first.total and change <= -RESPONSE_FALL * first.total:
        extra = " A fall of half or more is what clinicians call a response to treatment."
    return f"{now} {start} {trend}{extra}"
