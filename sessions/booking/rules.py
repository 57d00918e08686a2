"""Free-slot search and the working-hours rule for booking. Pure: no Django.

Everything is reckoned on the clinic's wall clock (a `zoneinfo` zone) and stored as UTC instants:
a clinician's hours are local times, a slot starts on a local 15-minute grid, and an appointment
lasts its real length in minutes. On a daylight-saving day the grid keeps to the wall clock
(09:00 stays 09:00), a wall time that does not exist (the spring-forward gap) is never proposed,
and a wall time that happens twice (the fall-back hour) means its first occurrence.
"""

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta, tzinfo

GRID_MINUTES = 15
HORIZON_DAYS = 60
# Dates outside these windows are a slip of the keyboard (9999-12-31), never a plan: appointments
# are booked at most a year ahead, and a calendar is browsed ten years either way.
BOOKING_AHEAD_DAYS = 366
CALENDAR_DAYS_EITHER_WAY = 3653

# Why a time is refused by `refusal`, as codes the caller turns into sentences.
CLOSED = "closed"
DAY_OFF = "day_off"
OUTSIDE_HOURS = "outside_hours"


@dataclass(frozen=True)
class Hours:
    """One block of a clinician's weekly hours: `weekday` as `date.weekday()` (Monday is 0)."""

    weekday: int
    starts: time
    ends: time


@dataclass(frozen=True, order=True)
class Slot:
    start: datetime  # aware, UTC
    end: datetime


class NonexistentTime(ValueError):
    """A wall-clock time skipped by a daylight-saving change."""


def local_instant(day: date, at: time, tz: tzinfo) -> datetime:
    """The UTC instant of wall-clock `at` on `day` in `tz` (the first one, in a repeated hour)."""
    naive = datetime.combine(day, at)
    instant = naive.replace(tzinfo=tz, fold=0).astimezone(UTC)
    # A skipped wall time converts to an instant whose wall time differs from the one asked.
    if instant.astimezone(tz).replace(tzinfo=None) != naive:
        raise NonexistentTime(f"{at:%H:%M} does not exist on {day:%Y-%m-%d} in {tz}")
    return instant


def _shown(day: date) -> str:
    return f"{day:%b} {day.day}, {day.year}"


def booking_day_refusal(day: date, today: date) -> str | None:
    """Why an appointment may not be booked on local `day`, or None."""
    if day < today:
        return "An appointment cannot start in the past."
    last = today + timedelta(days=BOOKING_AHEAD_DAYS)
    if day > last:
        return f"Appointments are booked at most a year ahead: choose a day up to {_shown(last)}."
    return None


def too_far_ahead(start: datetime, now: datetime) -> bool:
    """The same window for an instant: the service's check, whoever calls it."""
    return start - now > timedelta(days=BOOKING_AHEAD_DAYS)


def calendar_day_refusal(day: date, today: date) -> str | None:
    first = today - timedelta(days=CALENDAR_DAYS_EITHER_WAY)
    last = today + timedelta(days=CALENDAR_DAYS_EITHER_WAY)
    if not first <= day <= last:
        return f"Choose a date between {_shown(first)} and {_shown(last)}."
    return None


def _overlaps(start: datetime, end: datetime, busy: list[tuple[datetime, datetime]]) -> bool:
    # Half-open intervals: back-to-back appointments do not overlap.
    return any(b_start < end and start < b_end for b_start, b_end in busy)


def _block_fits(start: datetime, end: datetime, day: date, block: Hours, tz: tzinfo) -> bool:
    local_start, local_end = start.astimezone(tz), end.astimezone(tz)
    return (
        local_start.date() == day
        and local_end.date() == day
        and block.starts <= local_start.time()
        and local_end.time() <= block.ends
    )


def refusal(
    start: datetime,
    end: datetime,
    *,
    tz: tzinfo,
    hours: Iterable[Hours],
    days_off: Iterable[date] = (),
    closed_days: Iterable[date] = (),
) -> str | None:
    """Why [start, end) cannot be booked for a clinician with these hours, or None if it can.

    It must lie inside one block of hours on one local day that is neither closed nor off.
    """
    day = start.astimezone(tz).date()
    if day in set(closed_days):
        return CLOSED
    if day in set(days_off):
        return DAY_OFF
    blocks = [b for b in hours if b.weekday == day.weekday()]
    if any(_block_fits(start, end, day, block, tz) for block in blocks):
        return None
    return OUTSIDE_HOURS


def _grid_times(block: Hours, grid: int):
    """The wall-clock times on the grid inside a block, from its start (rounded up)."""
    first = block.starts.hour * 60 + block.starts.minute + (1 if block.starts.second else 0)
    minute = -(-first // grid) * grid
    last = block.ends.hour * 60 + block.ends.minute
    while minute < last:
        yield time(minute // 60, minute % 60)
        minute += grid


def free_slots(
    *,
    tz: tzinfo,
    hours: Iterable[Hours],
    minutes: int,
    earliest: datetime,
    busy: Iterable[tuple[datetime, datetime]] = (),
    days_off: Iterable[date] = (),
    count: int = 6,
    per_day: int | None = None,
    grid: int = GRID_MINUTES,
    horizon_days: int = HORIZON_DAYS,
) -> list[Slot]:
    """The next `count` free slots of `minutes`, starting no earlier than `earliest`.

    `hours` are the clinician's weekly blocks; `days_off` the dates not worked (days off and
    clinic closures alike); `busy` the intervals already taken by the clinician, the room or the
    patient. A slot lies inside one block, starts on the local grid, overlaps nothing busy, and at
    most `per_day` slots are proposed on one day (so the proposals spread over several days).
    """
    if minutes <= 0 or count <= 0:
        return []
    hours, skip = list(hours), set(days_off)
    busy = sorted(busy)
    length = timedelta(minutes=minutes)
    first_day = earliest.astimezone(tz).date()
    slots: list[Slot] = []
    for offset in range(horizon_days):
        day = first_day + timedelta(days=offset)
        if day in skip:
            continue
        on_day = 0
        blocks = sorted((b for b in hours if b.weekday == day.weekday()), key=lambda b: b.starts)
        for block in blocks:
            for at in _grid_times(block, grid):
                try:
                    start = local_instant(day, at, tz)
                except NonexistentTime:
                    continue
                end = start + length
                if start < earliest or not _block_fits(start, end, day, block, tz):
                    continue
                if _overlaps(start, end, busy):
                    continue
                slots.append(Slot(start, end))
                on_day += 1
                if len(slots) == count:
                    return slots
                if per_day is not None and on_day == per_day:
                    break
            if per_day is not None and on_day == per_day:
                break
    return slots
