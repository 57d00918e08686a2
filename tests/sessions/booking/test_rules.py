"""The pure slot search and working-hours rule, including daylight-saving days."""

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from sessions.booking.rules import (
    CLOSED,
    DAY_OFF,
    OUTSIDE_HOURS,
    Hours,
    NonexistentTime,
    Slot,
    free_slots,
    local_instant,
    refusal,
)

NY = ZoneInfo("America/New_York")
LONDON = ZoneInfo("Europe/London")
MONDAY = date(2026, 6, 1)  # an ordinary week, no clock change
SPRING_FORWARD = date(2026, 3, 8)  # New York: 02:00 EST jumps to 03:00 EDT (a Sunday)
FALL_BACK = date(2026, 11, 1)  # New York: 02:00 EDT falls back to 01:00 EST (a Sunday)


def every_day(starts="09:00", ends="17:00"):
    return [Hours(d, time.fromisoformat(starts), time.fromisoformat(ends)) for d in range(7)]


def at(day, hhmm, tz=NY):
    return local_instant(day, time.fromisoformat(hhmm), tz)


def wall(slots, tz=NY):
    return [s.start.astimezone(tz).strftime("%a %H:%M") for s in slots]


def search(**kwargs):
    kwargs.setdefault("tz", NY)
    kwargs.setdefault("hours", every_day())
    kwargs.setdefault("minutes", 60)
    kwargs.setdefault("earliest", at(MONDAY, "00:00"))
    return free_slots(**kwargs)


# --- local_instant ------------------------------------------------------------------------------


def test_local_instant_is_utc():
    instant = at(MONDAY, "09:00")
    assert instant.tzinfo == UTC
    assert instant == datetime(2026, 6, 1, 13, 0, tzinfo=UTC)  # EDT is UTC-4


def test_the_same_wall_time_moves_in_utc_across_a_clock_change():
    before = at(SPRING_FORWARD - timedelta(days=1), "09:00")
    after = at(SPRING_FORWARD, "09:00")
    assert before.hour == 14 and after.hour == 13
    assert after - before == timedelta(hours=23)


def test_a_skipped_wall_time_does_not_exist():
    with pytest.raises(NonexistentTime):
        at(SPRING_FORWARD, "02:30")


def test_a_repeated_wall_time_means_its_first_occurrence():
    first = at(FALL_BACK, "01:30")
    assert first == datetime(2026, 11, 1, 5, 30, tzinfo=UTC)  # 01:30 EDT, not 01:30 EST


# --- free_slots: the grid, hours and lengths ------------------------------------------------------


def test_first_slots_of_an_empty_day_on_the_grid():
    assert wall(search(count=4)) == ["Mon 09:00", "Mon 09:15", "Mon 09:30", "Mon 09:45"]


def test_slots_are_utc_and_have_the_length_asked():
    slot = search(count=1, minutes=150)[0]
    assert slot.start.tzinfo == UTC
    assert slot.end - slot.start == timedelta(minutes=150)


def test_the_last_slot_of_a_block_ends_at_its_end():
    slots = search(hours=[Hours(0, time(9), time(11))], minutes=60, count=20, horizon_days=1)
    assert wall(slots)[-1] == "Mon 10:00"
    assert slots[-1].end == at(MONDAY, "11:00")


def test_a_length_longer_than_the_block_finds_nothing_that_day():
    hours = [Hours(0, time(9), time(11)), Hours(1, time(8), time(18))]
    assert wall(search(hours=hours, minutes=150, count=1)) == ["Tue 08:00"]


def test_a_block_starting_off_the_grid_rounds_up():
    hours = [Hours(0, time(9, 10), time(12))]
    assert wall(search(hours=hours, count=2)) == ["Mon 09:15", "Mon 09:30"]


def test_a_custom_grid():
    assert wall(search(count=3, grid=30)) == ["Mon 09:00", "Mon 09:30", "Mon 10:00"]


def test_two_blocks_a_day_leave_the_lunch_hour_free():
    hours = [Hours(0, time(9), time(12)), Hours(0, time(13), time(17))]
    slots = search(hours=hours, minutes=60, count=7, grid=60)
    assert wall(slots) == [f"Mon {h:02d}:00" for h in (9, 10, 11, 13, 14, 15, 16)]


def test_blocks_given_out_of_order_are_searched_in_order():
    hours = [Hours(0, time(13), time(17)), Hours(0, time(9), time(12))]
    assert wall(search(hours=hours, count=1)) == ["Mon 09:00"]


def test_a_weekday_without_hours_is_skipped():
    hours = [Hours(2, time(9), time(17))]  # Wednesdays only
    assert wall(search(hours=hours, count=1)) == ["Wed 09:00"]


def test_no_hours_at_all_finds_nothing():
    assert search(hours=[]) == []


def test_nothing_is_proposed_beyond_the_horizon():
    hours = [Hours(2, time(9), time(17))]
    assert search(hours=hours, days_off=[date(2026, 6, 3)], horizon_days=3) == []


def test_zero_or_negative_requests_find_nothing():
    assert search(minutes=0) == []
    assert search(count=0) == []


# --- free_slots: earliest, days off, busy intervals -----------------------------------------------


def test_nothing_before_the_earliest_instant():
    earliest = at(MONDAY, "10:07")
    assert wall(search(earliest=earliest, count=2)) == ["Mon 10:15", "Mon 10:30"]


def test_a_late_earliest_moves_to_the_next_day():
    assert wall(search(earliest=at(MONDAY, "16:30"), count=1)) == ["Tue 09:00"]


def test_days_off_and_closed_days_are_skipped():
    days_off = [MONDAY, MONDAY + timedelta(days=1)]
    assert wall(search(days_off=days_off, count=1)) == ["Wed 09:00"]


def test_busy_intervals_are_avoided():
    busy = [(at(MONDAY, "09:00"), at(MONDAY, "11:30"))]
    assert wall(search(busy=busy, count=2)) == ["Mon 11:30", "Mon 11:45"]


def test_back_to_back_with_a_busy_interval_is_free():
    busy = [(at(MONDAY, "10:00"), at(MONDAY, "11:00"))]
    slots = search(busy=busy, count=20, grid=60)
    assert wall(slots)[:3] == ["Mon 09:00", "Mon 11:00", "Mon 12:00"]


def test_a_slot_that_would_run_into_a_busy_interval_is_skipped():
    busy = [(at(MONDAY, "11:00"), at(MONDAY, "17:00"))]
    slots = search(busy=busy, minutes=150, count=2)
    # 09:00-11:30 would overlap; only 08:30 would fit, which is before the hours.
    assert wall(slots) == ["Tue 09:00", "Tue 09:15"]


def test_busy_intervals_in_any_order_and_overlapping_each_other():
    busy = [
        (at(MONDAY, "13:00"), at(MONDAY, "17:00")),
        (at(MONDAY, "09:00"), at(MONDAY, "10:00")),
        (at(MONDAY, "09:30"), at(MONDAY, "12:00")),
    ]
    assert wall(search(busy=busy, count=5)) == ["Mon 12:00", "Tue 09:00", "Tue 09:15"] + [
        "Tue 09:30",
        "Tue 09:45",
    ]


def test_per_day_spreads_the_proposals():
    assert wall(search(count=4, per_day=2, grid=60)) == [
        "Mon 09:00",
        "Mon 10:00",
        "Tue 09:00",
        "Tue 10:00",
    ]


def test_per_day_counts_across_blocks():
    hours = [Hours(0, time(9), time(10)), Hours(0, time(13), time(15)), Hours(1, time(9), time(17))]
    assert wall(search(hours=hours, count=3, per_day=2, grid=60)) == [
        "Mon 09:00",
        "Mon 13:00",
        "Tue 09:00",
    ]


# --- daylight saving ------------------------------------------------------------------------------


def test_spring_forward_keeps_the_wall_clock_grid():
    slots = search(earliest=at(SPRING_FORWARD, "00:00"), count=1)
    assert wall(slots) == ["Sun 09:00"]
    assert slots[0].start == datetime(2026, 3, 8, 13, 0, tzinfo=UTC)  # 09:00 EDT


def test_the_skipped_hour_is_never_proposed():
    hours = [Hours(6, time(1), time(5))]
    slots = search(
        hours=hours, earliest=at(SPRING_FORWARD, "00:00"), count=20, grid=30, horizon_days=1
    )
    assert wall(slots) == ["Sun 01:00", "Sun 01:30", "Sun 03:00", "Sun 03:30", "Sun 04:00"]


def test_a_dose_across_the_spring_gap_lasts_its_real_length():
    # 150 real minutes from 01:00 EST end at 04:30 EDT on the wall clock.
    hours = [Hours(6, time(1), time(5))]
    slots = search(
        hours=hours, minutes=150, earliest=at(SPRING_FORWARD, "00:00"), count=5, horizon_days=1
    )
    assert wall(slots)[0] == "Sun 01:00"
    assert slots[0].end.astimezone(NY).strftime("%H:%M") == "04:30"
    assert slots[0].end - slots[0].start == timedelta(minutes=150)
    # From 02:30 wall time on, the end would pass 05:00 (03:00 does not fit: ends 05:30).
    assert wall(slots) == ["Sun 01:00", "Sun 01:15", "Sun 01:30"]


def test_fall_back_keeps_the_wall_clock_grid():
    slots = search(earliest=at(FALL_BACK, "00:00"), count=1)
    assert slots[0].start == datetime(2026, 11, 1, 14, 0, tzinfo=UTC)  # 09:00 EST


def test_the_repeated_hour_is_proposed_once():
    hours = [Hours(6, time(0), time(4))]
    slots = search(
        hours=hours,
        earliest=at(FALL_BACK, "00:00"),
        count=20,
        grid=60,
        minutes=30,
        horizon_days=1,
    )
    assert wall(slots) == ["Sun 00:00", "Sun 01:00", "Sun 02:00", "Sun 03:00"]


def test_a_dose_across_the_fall_back_hour_ends_by_the_wall_clock():
    # 00:00 EDT + 150 min = 01:30 EST: inside hours ending at 02:00 though 2.5 h have passed.
    hours = [Hours(6, time(0), time(2))]
    slots = search(
        hours=hours, minutes=150, earliest=at(FALL_BACK, "00:00"), count=5, horizon_days=1
    )
    assert wall(slots) == ["Sun 00:00", "Sun 00:15", "Sun 00:30"]
    assert slots[0].end.astimezone(NY).strftime("%H:%M %Z") == "01:30 EST"


def test_busy_intervals_across_a_clock_change_are_respected():
    busy = [(at(SPRING_FORWARD, "09:00"), at(SPRING_FORWARD, "12:00"))]
    slots = search(busy=busy, earliest=at(SPRING_FORWARD, "00:00"), count=1)
    assert wall(slots) == ["Sun 12:00"]


def test_another_zone_on_its_own_change_day():
    london_spring = date(2026, 3, 29)
    hours = [Hours(6, time(0, 30), time(2, 30))]
    slots = free_slots(
        tz=LONDON,
        hours=hours,
        minutes=30,
        earliest=local_instant(london_spring, time(0), LONDON),
        count=10,
        grid=30,
        horizon_days=1,
    )
    assert wall(slots, LONDON) == ["Sun 00:30", "Sun 02:00"]


def test_slots_are_plain_comparable_values():
    slot = search(count=1)[0]
    assert slot == Slot(slot.start, slot.end)
    assert sorted([search(count=2)[1], slot])[0] == slot


# --- refusal: the working-hours rule the service applies ------------------------------------------


def refused(start, end, **kwargs):
    kwargs.setdefault("hours", every_day())
    return refusal(at(*start), at(*end), tz=NY, **kwargs)


def test_inside_hours_is_allowed():
    assert refused((MONDAY, "09:00"), (MONDAY, "17:00")) is None


@pytest.mark.parametrize(
    ("start", "end"),
    [("08:45", "09:45"), ("16:30", "17:30"), ("07:00", "08:00"), ("17:00", "18:00")],
)
def test_outside_hours_is_refused(start, end):
    assert refused((MONDAY, start), (MONDAY, end)) == OUTSIDE_HOURS


def test_spanning_two_blocks_is_refused():
    hours = [Hours(0, time(9), time(12)), Hours(0, time(13), time(17))]
    assert refused((MONDAY, "11:00"), (MONDAY, "14:00"), hours=hours) == OUTSIDE_HOURS
    assert refused((MONDAY, "13:00"), (MONDAY, "14:00"), hours=hours) is None


def test_crossing_midnight_is_refused():
    hours = every_day("00:00", "23:59")
    start, end = (MONDAY, "23:00"), (MONDAY + timedelta(days=1), "00:30")
    assert refused(start, end, hours=hours) == OUTSIDE_HOURS


def test_another_weekdays_hours_do_not_count():
    assert refused((MONDAY, "10:00"), (MONDAY, "11:00"), hours=[Hours(1, time(9), time(17))]) == (
        OUTSIDE_HOURS
    )


def test_closed_days_come_before_days_off():
    kwargs = {"days_off": [MONDAY], "closed_days": [MONDAY]}
    assert refused((MONDAY, "10:00"), (MONDAY, "11:00"), **kwargs) == CLOSED
    assert refused((MONDAY, "10:00"), (MONDAY, "11:00"), days_off=[MONDAY]) == DAY_OFF


def test_the_local_date_decides_the_day():
    # 22:00 in New York is already Tuesday in UTC; the Monday hours apply.
    hours = [Hours(0, time(20), time(23))]
    assert refused((MONDAY, "22:00"), (MONDAY, "22:45"), hours=hours) is None
    assert refused((MONDAY, "22:00"), (MONDAY, "22:45"), hours=hours, days_off=[MONDAY]) == DAY_OFF


def test_the_refusal_and_the_search_agree_on_a_clock_change_day():
    hours = [Hours(6, time(1), time(5))]
    for slot in search(hours=hours, minutes=90, earliest=at(SPRING_FORWARD, "00:00"), count=50):
        if slot.start.astimezone(NY).date() != SPRING_FORWARD:
            break
        assert refusal(slot.start, slot.end, tz=NY, hours=hours) is None
