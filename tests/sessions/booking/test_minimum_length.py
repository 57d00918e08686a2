"""A dosing appointment lasts at least 150 minutes (CLINICAL.md, "Plausibility": the checks, the
dose and 120 minutes of monitoring), or it frees the room and the clinician while the patient is
still monitored. The type carries its minimum; booking, rescheduling, the booking page, the admin
and (on PostgreSQL) the database refuse shorter."""

from datetime import timedelta

import pytest
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone

from sessions.booking import services
from sessions.errors import SessionsError
from sessions.models import Appointment, AppointmentType
from tests.sessions.factories import AppointmentFactory, kind, local

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _setup(clinic_hours, rooms):
    pass


def book(by, patient, clinician, room, code="dosing", **kwargs):
    return services.appointment_book(
        by=by,
        patient=patient,
        type=kind(code),
        clinician=clinician,
        start=local(7, "10:00"),
        room=room,
        **kwargs,
    )


def test_dosing_carries_its_minimum():
    assert kind("dosing").min_minutes == 150
    assert kind("preparation").min_minutes == kind("integration").min_minutes == 0


@pytest.mark.parametrize("minutes", [60, 120, 149])
def test_a_shorter_dosing_appointment_is_refused(frontdesk, patient, therapist, rooms, minutes):
    with pytest.raises(SessionsError, match="at least 150 minutes") as error:
        book(frontdesk, patient, therapist, rooms[0], minutes=minutes)
    assert error.value.field == "minutes"
    assert not Appointment.objects.exists()
    assert book(frontdesk, patient, therapist, rooms[0], minutes=180).minutes == 180


def test_a_preparation_may_be_short(frontdesk, patient, therapist, rooms):
    assert (
        book(frontdesk, patient, therapist, rooms[0], code="preparation", minutes=30).minutes == 30
    )


def test_rescheduling_cannot_shorten_a_dosing_appointment(frontdesk, patient, therapist, rooms):
    appointment = book(frontdesk, patient, therapist, rooms[0])
    with pytest.raises(SessionsError, match="at least 150 minutes"):
        services.appointment_reschedule(
            by=frontdesk,
            appointment=appointment,
            start=local(8, "10:00"),
            clinician=therapist,
            room=rooms[0],
            minutes=90,
        )
    appointment.refresh_from_db()
    assert appointment.minutes == 150


def test_the_booking_page_refuses_it_on_the_field(signed_in, frontdesk, patient, therapist, rooms):
    day = timezone.localdate() + timedelta(days=7)
    data = {
        "type": "dosing",
        "clinician": therapist.pk,
        "room": rooms[0].pk,
        "day": day.isoformat(),
        "time": "10:00",
        "minutes": "120",
    }
    response = signed_in(frontdesk).post(reverse("appointment_book", args=[patient.pk]), data)
    assert response.status_code == 400
    assert b"at least 150 minutes" in response.content and b'value="120"' in response.content
    assert not Appointment.objects.exists()


def test_the_types_default_never_falls_below_its_minimum(signed_in, make_user):
    with pytest.raises(IntegrityError), transaction.atomic():
        AppointmentType.objects.filter(code="dosing").update(default_minutes=90)
    admin = make_user("admin", is_superuser=True, is_staff=True)
    dosing = kind("dosing")
    response = signed_in(admin).post(
        reverse("admin:kap_sessions_appointmenttype_change", args=[dosing.pk]),
        {
            "name": "Dosing",
            "default_minutes": "90",
            "min_minutes": "30",
            "needs_room": "on",
            "is_active": "on",
            "position": "1",
        },
    )
    assert response.status_code == 200  # the form again, with the reason
    assert b"at least its minimum" in response.content
    dosing.refresh_from_db()
    assert (dosing.default_minutes, dosing.min_minutes) == (150, 150)


@pytest.mark.postgres
def test_the_database_refuses_a_short_dosing_appointment(patient, therapist, rooms):
    start = local(7, "10:00")
    with pytest.raises(IntegrityError, match="at least 150 minutes"), transaction.atomic():
        AppointmentFactory(
            patient=patient,
            clinician=therapist,
            room=rooms[0],
            type=kind("dosing"),
            start=start,
            end=start + timedelta(minutes=60),
        )
    appointment = AppointmentFactory(
        patient=patient, clinician=therapist, room=rooms[0], type=kind("dosing"), start=start
    )
    with pytest.raises(IntegrityError, match="at least 150 minutes"), transaction.atomic():
        Appointment.objects.filter(pk=appointment.pk).update(end=start + timedelta(minutes=90))


def test_proposals_are_never_shorter_than_the_minimum(
    signed_in, frontdesk, patient, therapist, rooms
):
    response = signed_in(frontdesk).get(
        reverse("appointment_slots", args=[patient.pk]),
        {"type": "dosing", "clinician": therapist.pk, "room": rooms[0].pk, "minutes": "120"},
        headers={"HX-Request": "true"},
    )
    assert response.status_code == 200
    slots = response.context["slots"]
    assert slots and all(s.end - s.start == timedelta(minutes=150) for s in slots)
