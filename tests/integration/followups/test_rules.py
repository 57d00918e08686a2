"""The follow-up window and the slot choice, pure, in America/New_York: the Saturday before the
clocks go back (2026-10-31 → 11-01), the Saturday before they go forward, a Friday before a closed
Monday, a preferred day 2."""

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from integration.followups import rules
from sessions.booking.rules import Hours, free_slots, local_instant

NY = ZoneInfo("America/New_York")
EVERY_DAY = [Hours(d, time(9), time(17)) for d in range(7)]


def at(day: date, hhmm: str) -> datetime:
    return local_instant(day, time.fromisoformat(hhmm), NY)


def slots_for(dose_at, hours, days_off=(), busy=(), policy=None, now=None):
    win = rules.window(dose_at, NY, policy)
    free = free_slots(
        tz=NY,
        hours=hours,
        minutes=50,
        earliest=win.opens_at,
        busy=busy,
        days_off=days_off,
        count=500,
        horizon_days=4,
    )
    return win, rules.ranked(free, win, NY, policy, now=now)


def local(instant):
    return instant.astimezone(NY).strftime("%a %Y-%m-%d %H:%M")


def test_the_window_is_the_three_local_days_after_the_dose():
    win = rules.window(at(date(2026, 3, 3), "16:00"), NY)
    assert (win.first_day, win.last_day) == (date(2026, 3, 4), date(2026, 3, 6))
    assert win.opens_at == at(date(2026, 3, 4), "00:00")
    assert win.closes_at == at(date(2026, 3, 7), "00:00")
    assert win.earliest == at(date(2026, 3, 4), "16:00")  # 24 h later


def test_a_dose_late_at_night_still_counts_day_one_from_its_local_date():
    # 23:30 local is already the next day in UTC; the window follows the clinic's calendar.
    win = rules.window(at(date(2026, 6, 5), "23:30"), NY)
    assert win.first_day == date(2026, 6, 6)


def test_saturday_before_the_clocks_go_back_keeps_the_local_hour():
    dose = at(date(2026, 10, 31), "10:00")  # EDT; clocks go back at 02:00 on Sunday
    win, ranked = slots_for(dose, EVERY_DAY)
    # 24 real hours later is 09:00 EST; the follow-up keeps the dose's hour on the wall clock.
    assert win.earliest == at(date(2026, 11, 1), "10:00")
    assert win.earliest - dose == timedelta(hours=25)
    assert local(ranked[0].start) == "Sun 2026-11-01 10:00"
    assert ranked[0].start == datetime(2026, 11, 1, 15, 0, tzinfo=UTC)
    assert win.closes_at == at(date(2026, 11, 4), "00:00")
    assert win.closes_at - win.opens_at == timedelta(hours=73)  # three days, one of 25 hours


def test_saturday_before_the_clocks_go_forward_waits_24_real_hours():
    dose = at(date(2026, 3, 7), "10:00")  # EST; clocks go forward at 02:00 on Sunday
    win, ranked = slots_for(dose, EVERY_DAY)
    # The same wall time on Sunday is only 23 h later: the 24 real hours win.
    assert win.earliest == at(date(2026, 3, 8), "11:00")
    assert win.earliest - dose == timedelta(hours=24)
    assert local(ranked[0].start) == "Sun 2026-03-08 11:00"


def test_a_friday_dose_before_a_closed_monday_lands_on_saturday_not_monday():
    friday = date(2026, 9, 4)  # Labor Day, Monday 2026-09-07, the clinic is closed
    monday = friday + timedelta(days=3)
    mon_to_sat = [Hours(d, time(9), time(17)) for d in range(6)]
    win, ranked = slots_for(at(friday, "10:00"), mon_to_sat, days_off={monday})
    assert local(ranked[0].start) == "Sat 2026-09-05 10:00"
    assert {s.start.astimezone(NY).date() for s in ranked} == {friday + timedelta(days=1)}
    # Preferring day 2 (Sunday, not worked) falls back to the earliest left, still Saturday.
    _, preferring = slots_for(
        at(friday, "10:00"), mon_to_sat, days_off={monday}, policy=rules.FollowUpPolicy(24, 2)
    )
    assert local(preferring[0].start) == "Sat 2026-09-05 10:00"


def test_a_friday_dose_with_monday_open_lands_on_monday_and_closed_leaves_nothing():
    friday = date(2026, 9, 4)
    weekdays = [Hours(d, time(9), time(17)) for d in range(5)]
    _, open_monday = slots_for(at(friday, "10:00"), weekdays)
    assert local(open_monday[0].start) == "Mon 2026-09-07 09:00"  # day 3
    _, closed_monday = slots_for(at(friday, "10:00"), weekdays, days_off={date(2026, 9, 7)})
    assert closed_monday == []  # never Tuesday: outside the window


def test_preferred_day_two_is_taken_first():
    dose = at(date(2026, 5, 5), "09:00")
    _, ranked = slots_for(dose, EVERY_DAY, policy=rules.FollowUpPolicy(24, 2))
    assert local(ranked[0].start) == "Thu 2026-05-07 09:00"
    assert local(ranked[-1].start).startswith("Fri 2026-05-08")


def test_busy_time_and_now_push_the_choice_later():
    dose = at(date(2026, 5, 5), "09:00")
    busy = [(at(date(2026, 5, 6), "09:00"), at(date(2026, 5, 6), "12:00"))]
    _, ranked = slots_for(dose, EVERY_DAY, busy=busy)
    assert local(ranked[0].start) == "Wed 2026-05-06 12:00"
    _, later = slots_for(dose, EVERY_DAY, now=at(date(2026, 5, 7), "15:01"))
    assert local(later[0].start) == "Thu 2026-05-07 15:15"
    _, none = slots_for(dose, EVERY_DAY, now=at(date(2026, 5, 8), "16:30"))
    assert none == []


def test_the_window_contains_and_numbers_its_days():
    win = rules.window(at(date(2026, 5, 5), "09:00"), NY)
    assert win.contains(at(date(2026, 5, 6), "08:00"), at(date(2026, 5, 6), "08:50"))
    assert win.contains(at(date(2026, 5, 8), "23:00"), at(date(2026, 5, 8), "23:50"))
    assert not win.contains(at(date(2026, 5, 8), "23:30"), at(date(2026, 5, 9), "00:20"))
    assert not win.contains(at(date(2026, 5, 5), "20:00"), at(date(2026, 5, 5), "20:50"))
    assert [win.day_of(at(date(2026, 5, d), "12:00"), NY) for d in (5, 6, 8, 9)] == [0, 1, 3, 4]
    assert rules.overdue(win.closes_at, win.closes_at)
    assert not rules.overdue(win.closes_at, win.closes_at - timedelta(seconds=1))


@pytest.mark.parametrize(
    "data, error",
    [
        ({"followup_min_hours": -1}, "0 to 48"),
        ({"followup_min_hours": 12.5}, "0 to 48"),
        ({"followup_min_hours": True}, "0 to 48"),
        ({"followup_preferred_day": 4}, "1 to 3"),
        ({"followup_preferred_day": "2"}, "1 to 3"),
    ],
)
def test_the_policy_section_is_checked(data, error):
    with pytest.raises(ValueError, match=error):
        rules.FollowUpPolicy.from_dict(data)


def test_the_policy_defaults_are_clinical_md():
    assert rules.FollowUpPolicy.from_dict(None) == rules.FollowUpPolicy(24, None)
    assert rules.FollowUpPolicy.from_dict({"followup_preferred_day": 2}).preferred_day == 2


def test_naive_dose_times_are_refused():
    with pytest.raises(ValueError):
        rules.window(datetime(2026, 5, 5, 9), NY)
