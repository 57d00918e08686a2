"""When each reminder goes, in the clinic's local time (pure: no Django).

CLINICAL.md, "Reminders" (*policy*): the appointment reminder 24 h before; the fasting and escort
reminder at 18:00 the evening before a dose; the integration prompt at 09:00 the morning after a
dose; quiet hours 21:00–08:00. Questionnaires due before a dose or a follow-up are asked for at
09:00 two days before (inside the 7 days the dose's start guard counts).

Every time is computed on the local wall clock and only then turned into an instant, so a
daylight-saving change never moves a message by an hour: "24 h before" is the same local time on
the day before (25 or 23 real hours across a change), and a local time that does not exist (the
hour skipped in spring) is read forward.

A message that falls in quiet hours is moved, never dropped: to 08:00, or, when 08:00 would come
too late (at or after the appointment it is about), back to the last minute before 21:00 — unless
that is already past, then 08:00 stands (late is better than never; staff see it on the chart).
"""

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

APPOINTMENT = "appointment"
FASTING_ESCORT = "fasting_escort"
INTEGRATION_PROMPT = "integration_prompt"
QUESTIONNAIRES = "questionnaires"

QUIET_START = time(21, 0)
QUIET_END = time(8, 0)
EVENING_BEFORE = time(18, 0)
MORNING_AFTER = time(9, 0)
QUESTIONNAIRES_AT = time(9, 0)
QUESTIONNAIRES_DAYS_BEFORE = 2

# Which reminders each kind of appointment gets (the appointment type's code).
KINDS_FOR = {
    "preparation": (APPOINTMENT,),
    "dosing": (APPOINTMENT, FASTING_ESCORT, QUESTIONNAIRES, INTEGRATION_PROMPT),
    "integration": (APPOINTMENT, QUESTIONNAIRES),
}
# Reminders about something still to come: pointless once the appointment has started.
BEFORE_THE_APPOINTMENT = (APPOINTMENT, FASTING_ESCORT, QUESTIONNAIRES)


def local_instant(day: date, at: time, zone: ZoneInfo) -> datetime:
    """The UTC instant of local wall time `at` on `day`: the first of an hour that happens twice
    (in autumn), and read forward through an hour that does not exist (in spring: zoneinfo reads
    a skipped time with the offset from before the gap). UTC, so that arithmetic on it counts
    real hours (aware datetimes sharing a zone subtract on the wall clock)."""
    return datetime.combine(day, at).replace(tzinfo=zone, fold=0).astimezone(UTC)


def in_quiet_hours(at: datetime, zone: ZoneInfo) -> bool:
    clock = at.astimezone(zone).time()
    return clock >= QUIET_START or clock < QUIET_END


def out_of_quiet_hours(
    at: datetime, zone: ZoneInfo, *, deadline: datetime | None = None, now: datetime | None = None
) -> datetime:
    """`at`, or where quiet hours move it (never dropped)."""
    if not in_quiet_hours(at, zone):
        return at
    local = at.astimezone(zone)
    morning_day = local.date() + timedelta(days=1) if local.time() >= QUIET_START else local.date()
    morning = local_instant(morning_day, QUIET_END, zone)
    if deadline is None or morning < deadline:
        return morning
    evening = local_instant(morning_day - timedelta(days=1), QUIET_START, zone) - timedelta(
        minutes=1
    )
    if now is None or evening > now:
        return evening
    return morning


def intended_at(kind: str, start: datetime, zone: ZoneInfo) -> datetime:
    """The rule's own time for reminder `kind` about an appointment starting at `start`."""
    local = start.astimezone(zone)
    day = local.date()
    if kind == APPOINTMENT:
        return local_instant(day - timedelta(days=1), local.time(), zone)
    if kind == FASTING_ESCORT:
        return local_instant(day - timedelta(days=1), EVENING_BEFORE, zone)
    if kind == INTEGRATION_PROMPT:
        return local_instant(day + timedelta(days=1), MORNING_AFTER, zone)
    if kind == QUESTIONNAIRES:
        return local_instant(
            day - timedelta(days=QUESTIONNAIRES_DAYS_BEFORE), QUESTIONNAIRES_AT, zone
        )
    raise ValueError(f"unknown reminder {kind!r}")


@dataclass(frozen=True)
class Timing:
    kind: str
    intended: datetime  # the rule's time
    send_at: datetime  # after quiet hours (and "not in the past")
    too_late: bool  # the appointment it is about starts before it could go


def timing(kind: str, start: datetime, zone: ZoneInfo, now: datetime) -> Timing:
    """When reminder `kind` about an appointment at `start` goes, booked or moved at `now`: at
    the rule's time, or at once when that has passed, then out of quiet hours."""
    intended = intended_at(kind, start, zone)
    deadline = start if kind in BEFORE_THE_APPOINTMENT else None
    send_at = out_of_quiet_hours(max(intended, now), zone, deadline=deadline, now=now)
    too_late = deadline is not None and send_at >= deadline
    return Timing(kind, intended, send_at, too_late)


def plan(type_code: str, start: datetime, zone: ZoneInfo, now: datetime) -> list[Timing]:
    """Every reminder of an appointment of type `type_code` at `start`."""
    return [timing(kind, start, zone, now) for kind in KINDS_FOR.get(type_code, ())]
