"""The pure timing rules: quiet hours, 18:00 the evening before, 09:00 the morning after, 24 h
before on the wall clock, and the daylight-saving changes of 2026-11-01 and 2027-03-14."""

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from notifications import rules

NY = ZoneInfo("America/New_York")
LONG_AGO = datetime(2026, 1, 1, tzinfo=UTC)


def at(day: str, clock: str) -> datetime:
    return rules.local_instant(date.fromisoformat(day), time.fromisoformat(clock), NY)


def local(instant: datetime) -> str:
    return f"{instant.astimezone(NY):%Y-%m-%d %H:%M %Z}"


@pytest.mark.parametrize(
    ("clock", "quiet"),
    [("20:59", False), ("21:00", True), ("23:59", True), ("00:00", True), ("07:59", True),
     ("08:00", False), ("12:00", False)],
)  # fmt: skip
def test_quiet_hours_are_21_to_8(clock, quiet):
    assert rules.in_quiet_hours(at("2026-06-10", clock), NY) is quiet


def test_quiet_hours_move_a_message_to_8_the_next_morning_never_drop_it():
    assert local(rules.out_of_quiet_hours(at("2026-06-10", "22:30"), NY)) == "2026-06-11 08:00 EDT"
    assert local(rules.out_of_quiet_hours(at("2026-06-11", "06:00"), NY)) == "2026-06-11 08:00 EDT"
    assert rules.out_of_quiet_hours(at("2026-06-11", "09:00"), NY) == at("2026-06-11", "09:00")


def test_quiet_hours_move_back_when_8_would_come_after_the_appointment():
    deadline = at("2026-06-11", "07:45")
    moved = rules.out_of_quiet_hours(
        at("2026-06-10", "23:00"), NY, deadline=deadline, now=at("2026-06-10", "12:00")
    )
    assert local(moved) == "2026-06-10 20:59 EDT"
    # Already past 20:59: 08:00 stands (late, but never dropped).
    late = rules.out_of_quiet_hours(
        at("2026-06-10", "23:00"), NY, deadline=deadline, now=at("2026-06-10", "22:59")
    )
    assert local(late) == "2026-06-11 08:00 EDT"


def test_the_fasting_reminder_is_at_18_the_evening_before_the_dose():
    plan = {t.kind: t for t in rules.plan("dosing", at("2026-06-11", "10:00"), NY, LONG_AGO)}
    assert local(plan["fasting_escort"].send_at) == "2026-06-10 18:00 EDT"
    assert local(plan["appointment"].send_at) == "2026-06-10 10:00 EDT"
    assert local(plan["questionnaires"].send_at) == "2026-06-09 09:00 EDT"
    assert local(plan["integration_prompt"].send_at) == "2026-06-12 09:00 EDT"
    assert not any(t.too_late for t in plan.values())


def test_which_appointments_get_which_reminders():
    start = at("2026-06-11", "10:00")
    assert [t.kind for t in rules.plan("preparation", start, NY, LONG_AGO)] == ["appointment"]
    assert [t.kind for t in rules.plan("integration", start, NY, LONG_AGO)] == [
        "appointment",
        "questionnaires",
    ]
    assert len(rules.plan("dosing", start, NY, LONG_AGO)) == 4


def test_a_dose_the_day_the_clocks_go_back_2026_11_01():
    plan = {t.kind: t for t in rules.plan("dosing", at("2026-11-01", "10:00"), NY, LONG_AGO)}
    # The day before is still on summer time: the same wall clock, 25 real hours before.
    assert local(plan["appointment"].send_at) == "2026-10-31 10:00 EDT"
    assert at("2026-11-01", "10:00") - plan["appointment"].send_at == timedelta(hours=25)
    assert local(plan["fasting_escort"].send_at) == "2026-10-31 18:00 EDT"
    assert plan["fasting_escort"].send_at == datetime(2026, 10, 31, 22, 0, tzinfo=UTC)
    assert local(plan["integration_prompt"].send_at) == "2026-11-02 09:00 EST"
    assert plan["integration_prompt"].send_at == datetime(2026, 11, 2, 14, 0, tzinfo=UTC)


def test_a_dose_the_day_after_the_clocks_go_back():
    plan = {t.kind: t for t in rules.plan("dosing", at("2026-11-02", "10:00"), NY, LONG_AGO)}
    assert local(plan["appointment"].send_at) == "2026-11-01 10:00 EST"
    assert local(plan["fasting_escort"].send_at) == "2026-11-01 18:00 EST"
    assert plan["fasting_escort"].send_at == datetime(2026, 11, 1, 23, 0, tzinfo=UTC)


def test_spring_forward_2027_03_14():
    plan = {t.kind: t for t in rules.plan("dosing", at("2027-03-14", "10:00"), NY, LONG_AGO)}
    assert local(plan["appointment"].send_at) == "2027-03-13 10:00 EST"
    assert at("2027-03-14", "10:00") - plan["appointment"].send_at == timedelta(hours=23)
    assert local(plan["integration_prompt"].send_at) == "2027-03-15 09:00 EDT"


def test_a_wall_time_that_does_not_exist_is_read_forward_and_a_repeated_one_is_the_first():
    assert local(at("2027-03-14", "02:30")) == "2027-03-14 03:30 EDT"
    assert local(at("2026-11-01", "01:30")) == "2026-11-01 01:30 EDT"


def test_booked_late_a_reminder_goes_at_once_out_of_quiet_hours():
    start = at("2026-06-11", "10:00")
    now = at("2026-06-10", "22:15")  # booked late the evening before
    plan = {t.kind: t for t in rules.plan("dosing", start, NY, now)}
    assert local(plan["appointment"].send_at) == "2026-06-11 08:00 EDT"
    assert local(plan["fasting_escort"].send_at) == "2026-06-11 08:00 EDT"
    assert not plan["appointment"].too_late


def test_too_late_when_the_appointment_comes_first():
    start = at("2026-06-11", "10:00")
    timing = rules.timing("appointment", start, NY, at("2026-06-11", "10:30"))
    assert timing.too_late
    prompt = rules.timing("integration_prompt", start, NY, at("2026-06-11", "10:30"))
    assert not prompt.too_late  # about what came before: it still goes the next morning


def test_every_hour_of_a_year_plans_outside_quiet_hours():
    start = at("2026-01-01", "00:00")
    for hour in range(0, 24 * 366, 7):
        appointment = start + timedelta(hours=hour)
        for timing in rules.plan("dosing", appointment, NY, LONG_AGO):
            assert not rules.in_quiet_hours(timing.send_at, NY) or timing.too_late
