"""Follow-up pages: the therapist's home, the follow-up page (work queue, move, note), the
treatment series; access, bad input (400 with what was typed), query counts."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from audit.models import AuditEvent
from integration.followups import dispatch
from integration.models import FollowUp
from patients import phases
from sessions.models import Appointment, ClinicianHours
from tests.integration.followups.setup import finished_dose
from tests.integration.followups.test_notes import NOTE
from tests.patients.factories import CareTeamFactory, CourseFactory, PatientFactory
from tests.sessions.factories import AppointmentFactory, kind, local

pytestmark = pytest.mark.django_db


@pytest.fixture
def booked(patient, therapist, rooms, clinic_hours):
    dose = finished_dose(patient, therapist, timezone.now() - timedelta(days=1))
    dispatch.followups_sweep()
    dispatch.followups_dispatch()
    return FollowUp.objects.get(dose=dose)


def test_the_therapists_home_shows_follow_ups_at_a_fixed_cost(
    signed_in, therapist, prescriber, booked, rooms
):
    client = signed_in(therapist)
    with CaptureQueriesContext(connection) as one:
        response = client.get(reverse("home"))
    assert [f.pk for f in response.context["followups"]] == [booked.pk]
    assert b"Integration follow-ups" in response.content
    for n in range(3):
        other = PatientFactory(first_name=f"P{n}")
        CourseFactory(patient=other, phase="treatment")
        CareTeamFactory(patient=other, clinician=therapist, primary=True)
        finished_dose(other, therapist, timezone.now() - timedelta(days=1, hours=3 * (n + 1)))
    dispatch.followups_sweep()
    dispatch.followups_dispatch()
    with CaptureQueriesContext(connection) as four:
        response = client.get(reverse("home"))
    assert len(response.context["followups"]) == 4
    assert len(four) == len(one)


def test_the_follow_up_page_for_the_care_team_only(
    signed_in, booked, therapist, outside_clinician, frontdesk
):
    url = reverse("followup", args=[booked.pk])
    page = signed_in(therapist).get(url)
    assert page.status_code == 200
    assert b"Integration follow-up" in page.content and b"Free times in the window" in page.content
    assert signed_in(outside_clinician).get(url).status_code == 404
    assert AuditEvent.objects.filter(action="denied", user=outside_clinician).exists()
    assert signed_in(frontdesk).get(url).status_code == 403


def test_moving_outside_the_window_without_a_reason_keeps_what_was_typed(
    signed_in, booked, therapist
):
    day = booked.last_day + timedelta(days=1)
    response = signed_in(therapist).post(
        reverse("followup_move", args=[booked.pk]),
        {"clinician": therapist.pk, "day": day.isoformat(), "time": "10:00", "reason": ""},
    )
    assert response.status_code == 400
    assert b"outside the follow-up&#x27;s window" in response.content
    assert day.isoformat().encode() in response.content
    for bad in ({"day": "9999-99-99", "time": "25:00"}, {"day": "", "time": "x"}):
        response = signed_in(therapist).post(
            reverse("followup_move", args=[booked.pk]), {"clinician": therapist.pk, **bad}
        )
        assert response.status_code == 400


def test_one_click_books_a_free_slot(signed_in, patient, therapist, rooms, clinic_hours):
    ClinicianHours.objects.filter(clinician=therapist).delete()
    dose = finished_dose(patient, therapist, timezone.now() - timedelta(days=1))
    dispatch.followups_sweep()
    dispatch.followups_dispatch()
    followup = FollowUp.objects.get(dose=dose)
    assert followup.status == "unbookable"
    page = signed_in(therapist).get(reverse("followup", args=[followup.pk]))
    slot = page.context["queue"][1].slots[0]
    response = signed_in(therapist).post(
        reverse("followup_book", args=[followup.pk]),
        {"clinician": page.context["queue"][1].clinician.pk, "start": slot.start.isoformat()},
    )
    assert response.status_code == 302
    followup.refresh_from_db()
    assert followup.status == "booked" and followup.appointment.start == slot.start
    bad = signed_in(therapist).post(
        reverse("followup_book", args=[followup.pk]), {"clinician": "x", "start": "nonsense"}
    )
    assert bad.status_code == 400


def test_the_note_is_signed_from_the_page(signed_in, booked, therapist):
    now = timezone.now()
    Appointment.objects.filter(pk=booked.appointment_id).update(
        start=now - timedelta(hours=1), end=now - timedelta(minutes=10)
    )
    url = reverse("followup_note", args=[booked.pk])
    refused = signed_in(therapist).post(url, {**NOTE, "risk": "", "sign": "1"})
    assert refused.status_code == 400 and NOTE["themes"].encode() in refused.content
    response = signed_in(therapist).post(url, {**NOTE, "sign": "1"})
    assert response.status_code == 302
    booked.refresh_from_db()
    assert booked.status == "integrated" and booked.dose.status == "integrated"
    page = signed_in(therapist).get(reverse("followup", args=[booked.pk]))
    assert b"Signed" in page.content and b"Where did you feel the warmth?" in page.content


def test_the_series_shows_each_dose_and_its_follow_up(signed_in, booked, therapist, patient):
    course = patient.courses.get()
    response = signed_in(therapist).get(reverse("course_series", args=[patient.pk, course.pk]))
    series = response.context["series"]
    assert [d.followup for d in series.initial] == [booked]
    assert series.awaiting_integration == 1
    assert b"Close the initial series" in response.content
    close = reverse("course_close_series", args=[patient.pk, course.pk])
    refused = signed_in(therapist).post(close, {"reason": "Six doses."})
    assert refused.status_code == 400 and b"not integrated yet" in refused.content


def test_the_series_counts_doses_done_and_planned(signed_in, therapist, patient, rooms):
    dosing, integration = kind("dosing"), kind("integration")
    now = timezone.now()
    starts = [now - timedelta(days=7), now - timedelta(days=4), now + timedelta(days=3)]
    for start, status in zip(starts, ["completed", "no_show", "booked"], strict=True):
        AppointmentFactory(
            patient=patient,
            clinician=therapist,
            room=rooms[0],
            type=dosing,
            start=start,
            status=status,
        )
    AppointmentFactory(
        patient=patient,
        clinician=therapist,
        type=integration,
        room=None,
        start=starts[0] + timedelta(days=2),
    )
    course = patient.courses.get()
    response = signed_in(therapist).get(reverse("course_series", args=[patient.pk, course.pk]))
    series = response.context["series"]
    assert (series.done, series.planned) == (1, 1)
    assert [d.number for d in series.initial] == [1, None, 2]


def test_boosters_are_the_doses_after_the_series_closed(signed_in, therapist, patient, rooms):
    course = patient.courses.get()
    from patients.services import course_change_phase

    course_change_phase(by=therapist, course=course, to_phase=phases.MAINTENANCE, reason="Done.")
    AppointmentFactory(
        patient=patient, clinician=therapist, type=kind("dosing"), start=local(5, "10:00")
    )
    response = signed_in(therapist).get(reverse("course_series", args=[patient.pk, course.pk]))
    series = response.context["series"]
    assert len(series.boosters) == 1 and series.initial == []
    assert b"Boosters" in response.content and b"Close the initial series" not in response.content


def test_the_appointment_page_cannot_move_a_follow_up_outside_its_window(
    signed_in, booked, therapist
):
    day = booked.last_day + timedelta(days=2)
    url = reverse("appointment_reschedule", args=[booked.appointment_id])
    response = signed_in(therapist).post(
        url, {"clinician": therapist.pk, "day": day.isoformat(), "time": "10:00"}
    )
    assert response.status_code == 400
    assert b"move it from its follow-up page and give a reason" in response.content
    inside = signed_in(therapist).post(
        url, {"clinician": therapist.pk, "day": booked.last_day.isoformat(), "time": "10:00"}
    )
    assert inside.status_code == 302
    booked.refresh_from_db()
    assert timezone.localtime(booked.appointment.start).date() == booked.last_day
