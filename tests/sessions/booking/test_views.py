"""Booking pages: proposals, actions, access, home lists and the series."""

from datetime import date, timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from audit.models import AuditEvent
from sessions.models import Appointment
from tests.patients.factories import CareTeamFactory
from tests.sessions.factories import AppointmentFactory, local

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _setup(clinic_hours, rooms):
    pass


def book_url(patient, code=None):
    url = reverse("appointment_book", args=[patient.pk])
    return f"{url}?type={code}" if code else url


def form_data(therapist, room=None, code="preparation", day=None, at="10:00", **extra):
    day = day or (timezone.localdate() + timedelta(days=7))
    return {
        "type": code,
        "clinician": therapist.pk,
        "room": room.pk if room else "",
        "day": day.isoformat(),
        "time": at,
        "minutes": "",
        **extra,
    }


# --- Booking --------------------------------------------------------------------------------------


def test_the_booking_page_proposes_free_times(signed_in, frontdesk, patient, therapist):
    response = signed_in(frontdesk).get(book_url(patient, "dosing"))
    assert response.status_code == 200
    slots = response.context["slots"]
    assert len(slots) == 6 and all(s.end - s.start == timedelta(minutes=150) for s in slots)
    assert response.context["form"]["clinician"].value() == therapist.pk  # the primary therapist
    assert b'data-testid="slot"' in response.content
    assert AuditEvent.objects.filter(action="view", patient_id=patient.pk).exists()


def test_proposals_avoid_the_rooms_busy_time(
    signed_in, frontdesk, patient, therapist, prescriber, rooms
):
    AppointmentFactory(clinician=prescriber, room=rooms[0], start=local(1, "07:00"))
    response = signed_in(frontdesk).get(
        reverse("appointment_slots", args=[patient.pk]),
        {
            "type": "preparation",
            "clinician": therapist.pk,
            "room": rooms[0].pk,
            "day": (timezone.localdate() + timedelta(days=1)).isoformat(),
        },
        headers={"HX-Request": "true"},
    )
    assert response.status_code == 200
    first = response.context["slots"][0]
    assert first.start == local(1, "08:00")
    assert b"<nav" not in response.content


def test_booking_redirects_to_the_chart(
    signed_in, frontdesk, patient, therapist, prescriber, rooms
):
    data = form_data(therapist, rooms[0], code="dosing", staff=[prescriber.pk])
    response = signed_in(frontdesk).post(book_url(patient), data)
    assert response.status_code == 302
    assert response.url == reverse("chart", args=[patient.pk])
    appointment = Appointment.objects.get()
    assert appointment.start == local(7, "10:00")
    assert list(appointment.staff.all()) == [prescriber]


def test_a_clash_shows_the_message_and_keeps_what_was_typed(
    signed_in, frontdesk, patient, therapist, rooms
):
    AppointmentFactory(patient=patient, clinician=therapist, room=rooms[0])
    client = signed_in(frontdesk)
    data = form_data(therapist, rooms[0], at="10:30", minutes="45")
    response = client.post(book_url(patient), data)
    assert response.status_code == 400
    assert response.context["form"].non_field_errors() == [
        "The clinician, the room and the patient already have an appointment at this time."
    ]
    content = response.content.decode()
    assert 'data-testid="booking-error"' in content
    assert f'value="{data["day"]}"' in content and 'value="10:30"' in content
    assert 'value="45"' in content
    assert f'<option value="{rooms[0].pk}" selected>' in content
    assert Appointment.objects.count() == 1
    # The proposals follow what was typed.
    assert response.context["room"] == rooms[0]


def next_spring_forward() -> date:
    """The next second Sunday of March (New York's clocks go forward at 02:00): inside the
    booking horizon of a year."""
    today = timezone.localdate()
    for year in (today.year, today.year + 1):
        first = date(year, 3, 1)
        day = first + timedelta(days=(6 - first.weekday()) % 7 + 7)
        if day > today:
            return day
    raise AssertionError("unreachable")


def test_a_time_skipped_by_the_clock_change_is_a_field_error(
    signed_in, frontdesk, patient, therapist, rooms, settings
):
    settings.TIME_ZONE = "America/New_York"
    data = form_data(therapist, rooms[0], day=next_spring_forward(), at="02:30")
    response = signed_in(frontdesk).post(book_url(patient), data)
    assert response.status_code == 400
    assert "clocks change" in response.context["form"].errors["time"][0]


def test_service_errors_land_on_their_field(signed_in, frontdesk, patient, therapist):
    response = signed_in(frontdesk).post(book_url(patient), form_data(therapist, code="dosing"))
    assert response.status_code == 400
    assert response.context["form"].errors["room"] == ["A dosing appointment needs a room."]


def test_intake_is_offered_preparation_only(signed_in, intake, candidate, therapist):
    CareTeamFactory(patient=candidate, clinician=therapist)
    response = signed_in(intake).get(book_url(candidate))
    assert [c.code for c in response.context["form"].fields["type"].queryset] == ["preparation"]


def test_reschedule_page_moves_the_appointment(signed_in, frontdesk, patient, therapist, rooms):
    appointment = AppointmentFactory(patient=patient, clinician=therapist, room=rooms[0])
    url = reverse("appointment_reschedule", args=[appointment.pk])
    client = signed_in(frontdesk)
    page = client.get(url)
    assert page.status_code == 200 and "type" not in page.context["form"].fields
    assert page.context["slots"]
    data = form_data(therapist, rooms[1], at="15:00")
    data.pop("type")
    response = client.post(url, data)
    assert response.status_code == 302
    appointment.refresh_from_db()
    assert (appointment.start, appointment.room) == (local(7, "15:00"), rooms[1])


def test_cancel_needs_a_reason_on_the_page(signed_in, frontdesk, patient, therapist):
    appointment = AppointmentFactory(patient=patient, clinician=therapist)
    client = signed_in(frontdesk)
    url = reverse("appointment_cancel", args=[appointment.pk])
    refused = client.post(url, {"reason": ""})
    assert refused.status_code == 400 and "reason" in refused.context["cancel_form"].errors
    assert client.post(url, {"reason": "Moved away"}).status_code == 302
    appointment.refresh_from_db()
    assert appointment.status == "cancelled"


def test_no_show_and_complete_from_the_page(signed_in, frontdesk, therapist, patient):
    held = AppointmentFactory(
        patient=patient, clinician=therapist, start=timezone.now() - timedelta(hours=2)
    )
    missed = AppointmentFactory(
        patient=patient, clinician=therapist, start=timezone.now() - timedelta(hours=4)
    )
    signed_in(frontdesk).post(reverse("appointment_no_show", args=[missed.pk]))
    assert (
        signed_in(frontdesk).post(reverse("appointment_complete", args=[held.pk])).status_code
        == 403
    )
    signed_in(therapist).post(reverse("appointment_complete", args=[held.pk]))
    held.refresh_from_db()
    missed.refresh_from_db()
    assert (held.status, missed.status) == ("completed", "no_show")


def test_the_appointment_page_offers_what_may_be_done(signed_in, frontdesk, patient, therapist):
    appointment = AppointmentFactory(patient=patient, clinician=therapist)
    response = signed_in(frontdesk).get(reverse("appointment", args=[appointment.pk]))
    assert response.context["may_reschedule"] and response.context["may_cancel"]
    assert not response.context["may_mark"] and not response.context["may_complete"]
    assert b"Treatment series" not in response.content  # nothing clinical for the front desk


# --- Access ---------------------------------------------------------------------------------------


def test_an_outside_clinician_is_refused_everything_about_the_patient(
    signed_in, outside_clinician, patient, therapist
):
    appointment = AppointmentFactory(patient=patient, clinician=therapist)
    client = signed_in(outside_clinician)
    urls = [
        book_url(patient),
        reverse("appointment_slots", args=[patient.pk]),
        reverse("patient_appointments", args=[patient.pk]),
        reverse("appointment", args=[appointment.pk]),
        reverse("appointment_reschedule", args=[appointment.pk]),
        reverse("course_series", args=[patient.pk, appointment.course_id]),
    ]
    for url in urls:
        assert client.get(url).status_code == 404, url
    cancel = client.post(reverse("appointment_cancel", args=[appointment.pk]), {"reason": "x"})
    assert cancel.status_code == 404
    assert AuditEvent.objects.filter(action="denied", user=outside_clinician).count() == 7


def test_a_patient_is_refused_every_scheduling_page(signed_in, patient, therapist, rooms):
    appointment = AppointmentFactory(patient=patient, clinician=therapist)
    client = signed_in(patient.user)
    urls = [
        reverse("schedule"),
        reverse("clinician_calendar", args=[therapist.pk]),
        reverse("room_calendar", args=[rooms[0].pk]),
        book_url(patient),
        reverse("patient_appointments", args=[patient.pk]),
        reverse("appointment", args=[appointment.pk]),
        reverse("my_schedule"),
    ]
    for url in urls:
        assert client.get(url).status_code == 403, url
    assert client.post(reverse("calendar_feed_issue")).status_code == 403


def test_the_front_desk_sees_no_treatment_series(signed_in, frontdesk, patient):
    course = patient.courses.get()
    response = signed_in(frontdesk).get(reverse("course_series", args=[patient.pk, course.pk]))
    assert response.status_code == 403
    assert AuditEvent.objects.filter(action="denied", user=frontdesk).exists()


def test_the_chart_loads_its_appointments_section(signed_in, frontdesk, therapist, patient):
    AppointmentFactory(patient=patient, clinician=therapist)
    chart = signed_in(frontdesk).get(reverse("chart", args=[patient.pk]))
    url = reverse("patient_appointments", args=[patient.pk])
    assert f'hx-get="{url}"'.encode() in chart.content
    section = signed_in(frontdesk).get(url, headers={"HX-Request": "true"})
    assert [t.name for t in section.templates][0] == "sessions/booking/_patient_appointments.html"
    assert len(section.context["upcoming"]) == 1
    assert b"Book dosing" in section.content and b"Treatment series" not in section.content
    clinician_view = signed_in(therapist).get(url, headers={"HX-Request": "true"})
    assert b"Treatment series" in clinician_view.content


# --- Home pages, the treatment series -------------------------------------------------------------


def test_a_clinicians_home_lists_today(signed_in, therapist, patient, rooms):
    now = timezone.localtime()
    start = now.replace(hour=0, minute=0, second=0, microsecond=0) + timedelta(hours=12)
    AppointmentFactory(patient=patient, clinician=therapist, room=rooms[0], start=start)
    response = signed_in(therapist).get(reverse("home"))
    assert [a.patient for a in response.context["today"]] == [patient]
    assert b"My appointments today" in response.content


def test_the_front_desk_home_lists_the_clinic_today(signed_in, frontdesk, patient, therapist):
    start = timezone.localtime().replace(hour=12, minute=0, second=0, microsecond=0)
    AppointmentFactory(patient=patient, clinician=therapist, start=start)
    response = signed_in(frontdesk).get(reverse("home"))
    assert b"Today at the clinic" in response.content and b"Paula Reyes" in response.content
    assert AuditEvent.objects.filter(action="list").latest("id").detail == {
        "patients": [str(patient.pk)]
    }
