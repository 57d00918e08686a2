"""The dosing appointment follows its dose: in progress from the start, completed at discharge or
when the dose ends early, in the same transaction. An in-progress appointment still holds its
slot and is not cancelled, moved or marked a no-show."""

from datetime import timedelta
from unittest import mock

import pytest
from django.urls import reverse

from sessions.booking import selectors as booking
from sessions.booking import services as bookings
from sessions.dosing import services as doses
from sessions.errors import SessionsError
from sessions.models import Appointment
from tests.sessions.dosing.setup import discharged
from tests.sessions.factories import kind, works

pytestmark = pytest.mark.django_db


def status(dose):
    return Appointment.objects.get(pk=dose.appointment_id).status


def test_starting_marks_the_appointment_in_progress_and_discharge_completes_it(ready, therapist):
    dose = ready()
    assert status(dose) == "booked"
    dose = doses.dose_start(by=therapist, dose=dose)
    assert status(dose) == "in_progress"
    appointment = Appointment.objects.get(pk=dose.appointment_id)
    assert appointment.status_changed_by == therapist
    assert appointment.get_status_display() == "In progress"
    discharged(dose, by=therapist)
    assert status(dose) == "completed"


def test_ending_early_completes_the_appointment(ready, therapist):
    dose = doses.dose_start(by=therapist, dose=ready())
    doses.dose_end_early(by=therapist, dose=dose, disposition="stopped", reason="Nausea")
    assert status(dose) == "completed"


def test_a_start_that_fails_leaves_the_appointment_booked(ready, therapist):
    dose = ready()
    with (
        mock.patch.object(doses, "audit_change", side_effect=RuntimeError("disk full")),
        pytest.raises(RuntimeError),
    ):
        doses.dose_start(by=therapist, dose=dose)
    dose.refresh_from_db()
    assert dose.status == "booked" and status(dose) == "booked"


def test_a_dose_started_before_appointments_followed_still_completes_it(ready, therapist):
    dose = doses.dose_start(by=therapist, dose=ready())
    Appointment.objects.filter(pk=dose.appointment_id).update(status="booked")
    discharged(dose, by=therapist)
    assert status(dose) == "completed"


def test_an_in_progress_appointment_is_not_cancelled_moved_or_marked(ready, therapist, frontdesk):
    dose = doses.dose_start(by=therapist, dose=ready())
    appointment = Appointment.objects.get(pk=dose.appointment_id)
    with pytest.raises(SessionsError, match="in progress; it can no longer be cancelled"):
        bookings.appointment_cancel(by=frontdesk, appointment=appointment, reason="Left")
    with pytest.raises(SessionsError, match="in progress"):
        bookings.appointment_mark_no_show(by=frontdesk, appointment=appointment)
    with pytest.raises(SessionsError, match="in progress"):
        bookings.appointment_complete(by=therapist, appointment=appointment)
    with pytest.raises(SessionsError, match="in progress"):
        bookings.appointment_reschedule(
            by=frontdesk,
            appointment=appointment,
            start=appointment.start + timedelta(days=1),
            clinician=appointment.clinician,
            room=appointment.room,
        )


def test_an_in_progress_appointment_holds_its_slot(ready, therapist):
    dose = doses.dose_start(by=therapist, dose=ready())
    appointment = Appointment.objects.get(pk=dose.appointment_id)
    # The booking check (the wall on SQLite; PostgreSQL's exclusion constraint keeps it too).
    other = Appointment(
        patient=appointment.patient,
        course=appointment.course,
        type=kind("preparation"),
        clinician=appointment.clinician,
        room=appointment.room,
        start=appointment.start + timedelta(minutes=30),
        end=appointment.start + timedelta(minutes=90),
    )
    assert bookings._clashes(other) == ["clinician", "room", "patient"]
    # The proposals leave its time out.
    works(appointment.clinician, "00:00", "23:45")
    slots = booking.proposals(
        patient=appointment.patient,
        clinician=appointment.clinician,
        room=appointment.room,
        minutes=60,
        count=20,
        per_day=None,
    )
    assert slots and all(s.start >= appointment.end for s in slots[:1])
    assert all(s.end <= appointment.start or s.start >= appointment.end for s in slots)


def test_the_series_counts_a_dose_in_progress(ready, therapist):
    dose = doses.dose_start(by=therapist, dose=ready())
    series = booking.series(dose.course)
    assert [d.number for d in series.doses] == [1]


def test_the_appointment_page_links_the_dose_in_progress(ready, signed_in, therapist):
    dose = doses.dose_start(by=therapist, dose=ready())
    client = signed_in(therapist)
    page = client.get(reverse("appointment", args=[dose.appointment_id])).content.decode()
    assert "In progress" in page and "Dosing chart" in page and "Cancel" not in page
    response = client.post(reverse("dose_open", args=[dose.appointment_id]))
    assert response.status_code == 302 and response.url == reverse("dose", args=[dose.pk])
