"""Calendar pages: who sees what on a clinician's or a room's day and week, and what they cost."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from audit.models import AuditEvent
from sessions.models import ClinicianDayOff
from tests.patients.factories import CourseFactory, PatientFactory
from tests.sessions.factories import AppointmentFactory, kind, local, works

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _setup(clinic_hours, rooms):
    pass


# --- Calendars ------------------------------------------------------------------------------------


def calendar_urls(therapist, room):
    day = (timezone.localdate() + timedelta(days=7)).isoformat()
    return [
        f"{reverse('clinician_calendar', args=[therapist.pk])}?view={view}&day={day}"
        for view in ("day", "week")
    ] + [
        f"{reverse('room_calendar', args=[room.pk])}?view={view}&day={day}"
        for view in ("day", "week")
    ]


def test_the_front_desk_calendar_shows_names_but_nothing_clinical(
    signed_in, frontdesk, patient, therapist, rooms
):
    AppointmentFactory(patient=patient, clinician=therapist, room=rooms[0], type=kind("dosing"))
    for url in calendar_urls(therapist, rooms[0]):
        response = signed_in(frontdesk).get(url)
        assert response.status_code == 200
        assert b"Paula Reyes" in response.content and b"Dosing" in response.content
        assert b"series" not in response.content
    event = AuditEvent.objects.filter(action="list").latest("id")
    assert event.detail == {"patients": [str(patient.pk)]}


def test_an_outside_clinician_sees_busy_not_names(
    signed_in, outside_clinician, patient, therapist, rooms
):
    AppointmentFactory(patient=patient, clinician=therapist, room=rooms[0])
    for url in calendar_urls(therapist, rooms[0]):
        response = signed_in(outside_clinician).get(url)
        assert b"Busy" in response.content
        assert b"Reyes" not in response.content and patient.mrn.encode() not in response.content
    assert AuditEvent.objects.filter(action="list").latest("id").detail == {"patients": []}


def test_a_clinicians_calendar_includes_what_they_supervise(
    signed_in, prescriber, patient, therapist, rooms
):
    appointment = AppointmentFactory(patient=patient, clinician=therapist, room=rooms[0])
    appointment.staff.add(prescriber)
    url = calendar_urls(prescriber, rooms[0])[0]
    response = signed_in(prescriber).get(url)
    assert response.context["days"][0].appointments == [appointment]
    assert f"with {therapist}".encode() in response.content


def test_the_week_shows_the_clinicians_hours_and_days_off(signed_in, therapist, make_user):
    clinician = make_user("prescriber")
    works(clinician, "09:00", "17:00", weekdays=range(5))
    today = timezone.localdate()
    monday = today - timedelta(days=today.weekday()) + timedelta(days=7)
    ClinicianDayOff.objects.create(clinician=clinician, first_day=monday, last_day=monday)
    url = reverse("clinician_calendar", args=[clinician.pk])
    response = signed_in(therapist).get(url, {"view": "week", "day": monday.isoformat()})
    days = response.context["days"]
    assert [d.day.weekday() for d in days] == [0, 1, 2, 3, 4]  # an empty weekend is left out
    assert days[0].off and days[1].hours and not days[1].off


@pytest.mark.parametrize("count", [1, 30])
@pytest.mark.parametrize(("viewer", "extra"), [("frontdesk", 0), ("therapist", 1)])
def test_calendars_cost_a_fixed_number_of_queries(
    request,
    therapist,
    prescriber,
    rooms,
    signed_in,
    django_assert_num_queries,
    count,
    viewer,
    extra,
):
    for n in range(count):
        person = PatientFactory()
        CourseFactory(patient=person, phase="treatment")
        appointment = AppointmentFactory(
            patient=person,
            clinician=therapist,
            room=rooms[0],
            start=local(7, "07:00") + timedelta(minutes=20 * n),
            end=local(7, "07:00") + timedelta(minutes=20 * n + 20),
        )
        appointment.staff.add(prescriber)
    client = signed_in(request.getfixturevalue(viewer))
    urls = calendar_urls(therapist, rooms[0])
    client.get(urls[0])  # warm the session
    # session, user, the clinician or room, appointments, further staff, names shown, records
    # shown (the desk sees no record: no query), hours + days off + closed days (a room: closed
    # days only), audit insert, session update in a savepoint
    expected = [13, 13, 11, 11]
    for url, queries in zip(urls, expected, strict=True):
        with django_assert_num_queries(queries + extra):
            response = client.get(url)
        shown = sum(len(d.appointments) for d in response.context["days"])
        assert shown == count


def test_windows_find_an_appointment_that_began_the_day_before(therapist, frontdesk, patient):
    """The windows bound `start` from below by the longest appointment (for the index on it):
    one that started the evening before and runs into today is still today's."""
    from sessions.booking import selectors, services

    assert timedelta(minutes=services.MAX_MINUTES) == selectors.LONGEST
    start = local(0, "00:00") - timedelta(minutes=services.MAX_MINUTES - 30)
    overnight = AppointmentFactory(
        patient=patient, clinician=therapist, start=start, end=local(0, "00:30")
    )
    AppointmentFactory(  # over before today began: not today's
        patient=patient, clinician=therapist, start=start - timedelta(hours=1), end=start
    )
    assert selectors.today_at_clinic(frontdesk) == [overnight]
    assert selectors.today_for(therapist) == [overnight]
    yesterday = selectors.local_today() - timedelta(days=1)
    days = selectors.calendar(therapist, first_day=yesterday, days=2, clinician=therapist)
    assert days[0].appointments[-1] == overnight  # listed on the day it starts
