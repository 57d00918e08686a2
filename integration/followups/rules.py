"""When an integration follow-up may be held, and which free slot it gets. Pure: no Django.

The window is clinic-local calendar days: day 1 is the local day after the dose, and the
follow-up is due by the end of day 3 (CLINICAL.md, "Integration"). The automatic booking takes
the earliest free slot at least `min_hours` after the dose, counted both in real hours and on the
wall clock, so a dose at 10:00 on the Saturday before the clocks go back is followed up at 10:00
on Sunday, not at 09:00 (24 real hours later), and one before the clocks go forward never gets
less than 24 real hours. A policy may prefer a day of the window (day 2, say): its earliest slot
is taken first, then the earliest of the rest.
"""

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from typing import Any

from sessions.booking.rules import Slot

WINDOW_DAYS = 3
MIN_HOURS = 24
# The clinic policy's `integration` section (CLINICAL.md's defaults).
DEFAULTS: dict[str, Any] = {"followup_min_hours": MIN_HOURS, "followup_preferred_day": None}


@dataclass(frozen=True)
class FollowUpPolicy:
    min_hours: int = MIN_HOURS
    preferred_day: int | None = None  # 1..WINDOW_DAYS, or None for the earliest

    @classmethod
    def from_dict(cls, data: Mapping[str, Any] | None) -> "FollowUpPolicy":
        merged = {**DEFAULTS, **(data or {})}
        hours, day = merged["followup_min_hours"], merged["followup_preferred_day"]
        if isinstance(hours, bool) or not isinstance(hours, int) or not 0 <= hours <= 48:
            raise ValueError("followup_min_hours must be a whole number of hours from 0 to 48")
        if day is not None and (
            isinstance(day, bool) or not isinstance(day, int) or not 1 <= day <= WINDOW_DAYS
        ):
            raise ValueError(f"followup_preferred_day must be 1 to {WINDOW_DAYS}, or null")
        return cls(min_hours=hours, preferred_day=day)


@dataclass(frozen=True)
class Window:
    dose_at: datetime  # aware
    first_day: date  # clinic-local day 1
    last_day: date  # clinic-local day 3
    opens_at: datetime  # UTC: local midnight starting day 1
    closes_at: datetime  # UTC: local midnight ending the last day (overdue from then on)
    earliest: datetime  # UTC: where the automatic booking starts looking

    def contains(self, start: datetime, end: datetime) -> bool:
        return self.opens_at <= start and end <= self.closes_at

    def day_of(self, instant: datetime, tz: tzinfo) -> int:
        """1, 2 or 3 for an instant inside the window (0 or 4+ outside it)."""
        return (instant.astimezone(tz).date() - self.first_day).days + 1


def local_midnight(day: date, tz: tzinfo) -> datetime:
    """The UTC instant a local day starts (where midnight is skipped, the moment after the gap)."""
    return datetime.combine(day, time(0)).replace(tzinfo=tz, fold=0).astimezone(UTC)


def wall_clock_add(instant: datetime, hours: int, tz: tzinfo) -> datetime:
    """`hours` later on the local wall clock (a skipped wall time lands after the gap)."""
    wall = instant.astimezone(tz).replace(tzinfo=None) + timedelta(hours=hours)
    return wall.replace(tzinfo=tz, fold=0).astimezone(UTC)


def window(dose_at: datetime, tz: tzinfo, policy: FollowUpPolicy | None = None) -> Window:
    policy = policy or FollowUpPolicy()
    if dose_at.tzinfo is None:
        raise ValueError("dose_at must be aware")
    dose_day = dose_at.astimezone(tz).date()
    first_day = dose_day + timedelta(days=1)
    last_day = dose_day + timedelta(days=WINDOW_DAYS)
    opens_at = local_midnight(first_day, tz)
    earliest = max(
        dose_at.astimezone(UTC) + timedelta(hours=policy.min_hours),
        wall_clock_add(dose_at, policy.min_hours, tz),
        opens_at,
    )
    return Window(
        dose_at=dose_at,
        first_day=first_day,
        last_day=last_day,
        opens_at=opens_at,
        closes_at=local_midnight(last_day + timedelta(days=1), tz),
        earliest=earliest,
    )


def ranked(
    slots: Iterable[Slot],
    win: Window,
    tz: tzinfo,
    policy: FollowUpPolicy | None = None,
    now: datetime | None = None,
) -> list[Slot]:
    """The slots the automatic booking may take, best first: inside the window, from `earliest`
    (and not before `now`), the preferred day's first, then the rest in time order."""
    start_from = max(win.earliest, now) if now else win.earliest
    usable = sorted(s for s in slots if s.start >= start_from and s.end <= win.closes_at)
    if policy is None or policy.preferred_day is None:
        return usable
    preferred = [s for s in usable if win.day_of(s.start, tz) == policy.preferred_day]
    return preferred + [s for s in usable if s not in preferred]


def overdue(win_closes_at: datetime, now: datetime) -> bool:
    return now >= win_closes_at
