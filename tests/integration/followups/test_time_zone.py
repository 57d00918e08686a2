"""Through the services and the database, in America/New_York: the next Saturday before the
clocks go back (the rules' tests take 2026-10-31 itself, now past: the booking service refuses
the past), and a Friday dose before a closed Monday."""

from datetime import date, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone

from integration.followups import dispatch
from integration.models import FollowUp
from patients.models import Alert
from sessions.booking.rules import local_instant
from sessions.models import ClinicClosedDay
from tests.integration.followups.setup import finished_dose
from tests.sessions.factories import works

pytestmark = pytest.mark.django_db
NY = ZoneInfo("America/New_York")


@pytest.fixture(autouse=True)
def new_york(settings):
    settings.TIME_ZONE = "America/New_York"


def next_weekday(weekday: int, after: date) -> date:
    return after + timedelta(days=(weekday - after.weekday()) % 7 or 7)


def saturday_before_fall_back() -> date:
    day = next_weekday(5, timezone.localdate() + timedelta(days=1))

    def offset(d):
        return local_instant(d, time(0), NY).astimezone(NY).utcoffset()

    while not (offset(day) == timedelta(hours=-4) and offset(day + timedelta(2)) < offset(day)):
        day += timedelta(days=7)
    return day


def book(patient, therapist, at):
    dose = finished_dose(patient, therapist, at)
    dispatch.followups_sweep()
    dispatch.followups_dispatch()
    return FollowUp.objects.select_related("appointment").get(dose=dose)


def test_saturday_before_the_clocks_go_back_keeps_the_hour(patient, therapist, appointment_types):
    saturday = saturday_before_fall_back()
    works(therapist, "09:00", "17:00")
    followup = book(patient, therapist, local_instant(saturday, time(10), NY))
    start = followup.appointment.start.astimezone(NY)
    assert (start.date(), start.hour, start.minute) == (saturday + timedelta(days=1), 10, 0)
    assert followup.closes_at == local_instant(saturday + timedelta(days=4), time(0), NY)


def test_friday_before_a_closed_monday(patient, therapist, appointment_types):
    friday = next_weekday(4, timezone.localdate() + timedelta(days=1))
    monday = friday + timedelta(days=3)
    ClinicClosedDay.objects.create(day=monday, reason="Holiday")
    works(therapist, "09:00", "17:00", weekdays=range(6))  # Monday to Saturday
    followup = book(patient, therapist, local_instant(friday, time(10), NY))
    start = followup.appointment.start.astimezone(NY)
    assert (start.date(), start.hour) == (friday + timedelta(days=1), 10)


def test_no_free_slot_in_the_window_alerts_the_therapist(patient, therapist, appointment_types):
    friday = next_weekday(4, timezone.localdate() + timedelta(days=1))
    ClinicClosedDay.objects.create(day=friday + timedelta(days=3), reason="Holiday")
    works(therapist, "09:00", "17:00", weekdays=range(5))  # weekdays only
    followup = book(patient, therapist, local_instant(friday, time(10), NY))
    assert followup.status == "unbookable" and followup.appointment is None
    alert = Alert.objects.get(recipient=therapist)
    assert alert.kind == "scheduling" and "needs a time" in alert.message
