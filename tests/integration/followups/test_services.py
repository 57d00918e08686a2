"""Follow-ups through the services: one per dose whatever the number of signals and sweeps,
booked in the window by the dispatcher, the work queue when nothing is free, no-shows, moves,
overdue alerts, and the claim's lease."""

from datetime import timedelta

import pytest
from django.db import IntegrityError
from django.utils import timezone

from audit.models import AuditEvent
from integration.followups import dispatch, services
from integration.models import FollowUp
from integration.schedule import services as schedule
from patients.models import Alert
from sessions.booking.selectors import clinic_zone
from sessions.booking.services import appointment_cancel, appointment_mark_no_show
from sessions.models import Appointment, ClinicianHours
from sessions.signals import dose_finished
from tests.integration.followups.setup import discharged_now, finished_dose
from tests.sessions.factories import AppointmentFactory, kind, local

pytestmark = pytest.mark.django_db


@pytest.fixture
def finished(patient, therapist, rooms, clinic_hours):
    """`finished(days_from_now, hhmm)`: a dose that started then, on the therapist's team."""

    def make(days=0, hhmm=None, **kwargs):
        at = local(days, hhmm) if hhmm else timezone.now() + timedelta(days=days)
        return finished_dose(patient, therapist, at, **kwargs)

    return make


def integration_appointments():
    return Appointment.objects.filter(type__code="integration").exclude(status="cancelled")


def test_a_discharge_books_one_follow_up_in_the_window(
    patient,
    therapist,
    prescriber,
    clinic_admin,
    screening_policy,
    rooms,
    clinic_hours,
    django_capture_on_commit_callbacks,
):
    with django_capture_on_commit_callbacks(execute=True):
        dose = discharged_now(
            patient, therapist=therapist, prescriber=prescriber, admin=clinic_admin
        )
    followup = FollowUp.objects.get(dose=dose)
    assert followup.status == FollowUp.Status.BOOKED
    appointment = followup.appointment
    tz = clinic_zone()
    dose.refresh_from_db()
    assert appointment.type.code == "integration" and appointment.clinician == therapist
    assert appointment.start >= dose.started_at + timedelta(hours=24)
    day = timezone.localtime(appointment.start, tz).date()
    assert followup.first_day <= day <= followup.last_day
    # The earliest time on the grid inside the hours (07:00-20:00), at least 24 h later: before
    # 07:00 (a test run just after midnight) or late in the evening, the next 07:00.
    wanted = timezone.localtime(dose.started_at + timedelta(hours=24), tz)
    if (7, 0) <= (wanted.hour, wanted.minute) < (19, 10):
        assert appointment.start - dose.started_at < timedelta(hours=24, minutes=16)
    else:
        assert timezone.localtime(appointment.start, tz).hour == 7
    assert appointment.room.name == "Cedar"  # a room when one is free
    assert appointment.created_by.username == schedule.SCHEDULER_USERNAME
    assert AuditEvent.objects.filter(object_type="integration.followup").exists()
    assert followup.claimed_by == "" and followup.attempts == 1


def test_many_signals_and_sweeps_make_one_follow_up(finished, django_capture_on_commit_callbacks):
    dose = finished(-1)
    with django_capture_on_commit_callbacks(execute=True):
        for _ in range(3):
            dose_finished.send(sender=None, dose_id=dose.pk)
    for _ in range(2):
        dispatch.followups_sweep()
        dispatch.followups_dispatch()
    assert FollowUp.objects.filter(dose=dose).count() == 1
    assert integration_appointments().count() == 1
    with pytest.raises(IntegrityError):
        FollowUp.objects.create(
            dose=dose,
            course=dose.course,
            patient=dose.course.patient,
            dose_at=dose.started_at,
            first_day=timezone.localdate(),
            last_day=timezone.localdate(),
            earliest=timezone.now(),
            closes_at=timezone.now(),
            due_at=timezone.now(),
        )


def test_a_lost_signal_is_caught_by_the_sweep(finished):
    dose = finished(-1, status="ended_early")  # ended early still gets its follow-up
    assert dispatch.followups_sweep()["opened"] == 1
    assert dispatch.followups_dispatch() == {"booked": 1}
    assert FollowUp.objects.get(dose=dose).status == FollowUp.Status.BOOKED


def test_a_dose_not_finished_gets_no_follow_up(finished):
    dose = finished(-1, status="started")
    assert dispatch.followup_open(dose_id=dose.pk) is None
    assert dispatch.followups_sweep()["opened"] == 0


def test_no_free_slot_goes_to_the_work_queue_with_an_alert(finished, therapist, prescriber):
    ClinicianHours.objects.filter(clinician=therapist).delete()  # works no day
    dose = finished(-1)
    dispatch.followups_sweep()
    dispatch.followups_dispatch()
    followup = FollowUp.objects.get(dose=dose)
    assert followup.status == FollowUp.Status.UNBOOKABLE
    assert "no free 50-minute time" in followup.problem
    alert = Alert.objects.get(recipient=therapist, kind="scheduling")
    assert services.window_text(followup) in alert.message
    # The work queue offers the care team's free times in the window, one click each.
    from integration.followups import selectors

    queue = selectors.queue_slots(followup, now=timezone.now(), minutes=50)
    assert [(q.clinician, bool(q.slots)) for q in queue] == [(therapist, False), (prescriber, True)]
    slot = queue[1].slots[0]
    services.followup_book_slot(
        by=therapist, followup=followup, start=slot.start, clinician=prescriber
    )
    followup.refresh_from_db()
    assert (
        followup.status == FollowUp.Status.BOOKED and followup.appointment.clinician == prescriber
    )


def test_a_no_show_is_rebooked_once_then_needs_a_reason(finished, therapist):
    dose = finished(-1, hhmm="09:00")
    dispatch.followups_sweep()
    dispatch.followups_dispatch()
    followup = FollowUp.objects.get(dose=dose)
    first = followup.appointment
    Appointment.objects.filter(pk=first.pk).update(
        start=timezone.now() - timedelta(minutes=60), end=timezone.now() - timedelta(minutes=10)
    )
    appointment_mark_no_show(by=therapist, appointment=first)
    dispatch.followups_sweep()  # follows the appointment's status
    dispatch.followups_dispatch()
    followup.refresh_from_db()
    assert followup.no_shows == 1 and followup.status == FollowUp.Status.BOOKED
    second = followup.appointment
    assert second.pk != first.pk and second.start > timezone.now()
    Appointment.objects.filter(pk=second.pk).update(
        start=timezone.now() - timedelta(minutes=30), end=timezone.now() + timedelta(minutes=20)
    )
    appointment_mark_no_show(by=therapist, appointment=second)
    dispatch.followups_sweep()
    followup.refresh_from_db()
    assert followup.status == FollowUp.Status.UNBOOKABLE and followup.no_shows == 2
    assert Alert.objects.filter(recipient=therapist, message__contains="missed twice").exists()
    later = local(2, "15:00")
    with pytest.raises(services.IntegrationError, match="missed this follow-up twice"):
        services.followup_book_slot(
            by=therapist, followup=followup, start=later, clinician=therapist
        )
    services.followup_book_slot(
        by=therapist,
        followup=followup,
        start=later,
        clinician=therapist,
        reason="Patient called; car trouble.",
    )
    followup.refresh_from_db()
    assert followup.status == FollowUp.Status.BOOKED
    assert followup.outside_reason == "Patient called; car trouble."


def test_a_cancelled_follow_up_needs_a_time_and_a_held_one_is_held(finished, therapist):
    dose = finished(-1, hhmm="09:00")
    dispatch.followups_sweep()
    dispatch.followups_dispatch()
    followup = FollowUp.objects.get(dose=dose)
    appointment_cancel(by=therapist, appointment=followup.appointment, reason="Patient unwell.")
    dispatch.followups_sweep()
    followup.refresh_from_db()
    assert followup.status == FollowUp.Status.UNBOOKABLE and followup.appointment is None
    assert "cancelled" in followup.problem


def test_moving_inside_the_window_is_free_outside_needs_a_reason(finished, therapist):
    dose = finished(0, hhmm="08:00")
    dispatch.followups_sweep()
    dispatch.followups_dispatch()
    followup = FollowUp.objects.get(dose=dose)
    services.followup_book_slot(
        by=therapist, followup=followup, start=local(3, "16:00"), clinician=therapist
    )
    followup.refresh_from_db()
    assert timezone.localtime(followup.appointment.start).hour == 16
    with pytest.raises(services.IntegrationError, match="outside the follow-up's window"):
        services.followup_book_slot(
            by=therapist, followup=followup, start=local(4, "10:00"), clinician=therapist
        )
    services.followup_book_slot(
        by=therapist,
        followup=followup,
        start=local(4, "10:00"),
        clinician=therapist,
        reason="Therapist away on day 3; patient agreed.",
    )
    followup.refresh_from_db()
    assert followup.outside_reason.startswith("Therapist away")
    assert integration_appointments().count() == 1  # moved, not booked twice


def test_an_outsider_cannot_move_a_follow_up(finished, outside_clinician):
    dose = finished(-1)
    followup = dispatch.followup_open(dose_id=dose.pk)
    with pytest.raises(services.IntegrationError, match="care team"):
        services.followup_book_slot(
            by=outside_clinician, followup=followup, start=local(1, "10:00"), clinician=None
        )


def test_a_follow_up_booked_with_the_dose_is_adopted(finished, therapist):
    dose = finished(0, hhmm="08:00")
    ready = AppointmentFactory(
        patient=dose.course.patient,
        course=dose.course,
        type=kind("integration"),
        clinician=therapist,
        room=None,
        start=local(2, "11:00"),
    )
    dispatch.followups_sweep()
    dispatch.followups_dispatch()
    assert FollowUp.objects.get(dose=dose).appointment == ready
    assert integration_appointments().count() == 1


def test_overdue_raises_one_alert(finished, therapist):
    dose = finished(-5)
    dispatch.followups_sweep()
    followup = FollowUp.objects.get(dose=dose)
    assert followup.closes_at < timezone.now()
    assert dispatch.followups_sweep()["overdue"] == 0  # the first sweep already raised it
    alerts = Alert.objects.filter(recipient=therapist, message__startswith="Integration overdue")
    assert alerts.count() == 1
    followup.refresh_from_db()
    assert followup.overdue_alerted_at is not None


def test_a_claim_holds_its_rows_until_the_lease_runs_out(finished, settings):
    dose = finished(-1)
    followup = dispatch.followup_open(dose_id=dose.pk)
    due = FollowUp.objects.filter(status="due")
    first = schedule.claim_due(due)
    assert first.ids == [followup.pk]
    assert schedule.claim_due(due).ids == []  # a live lease
    later = timezone.now() + timedelta(seconds=settings.SCHEDULE_LEASE_SECONDS + 1)
    second = schedule.claim_due(due, now=later)
    assert second.ids == [followup.pk] and second.token != first.token
    # The first claimer, overtaken, finds the row no longer its own and does nothing.
    assert schedule.hold(FollowUp.objects.all(), followup.pk, first.token) is None
    assert (
        schedule.run_claimed(FollowUp, followup.pk, first.token, dispatch._book_claimed) == "lost"
    )
    assert (
        schedule.run_claimed(FollowUp, followup.pk, second.token, dispatch._book_claimed)
        == "booked"
    )
    followup.refresh_from_db()
    assert followup.attempts == 2 and followup.claimed_by == ""


def test_a_failing_row_is_postponed_with_backoff(finished):
    dose = finished(-1)
    followup = dispatch.followup_open(dose_id=dose.pk)
    claim = schedule.claim_due(FollowUp.objects.filter(status="due"))

    def broken(pk, token):
        raise RuntimeError("the calendar is on fire")

    assert schedule.run_claimed(FollowUp, followup.pk, claim.token, broken) == "failed"
    followup.refresh_from_db()
    assert followup.status == "due" and followup.claimed_by == ""
    assert followup.due_at > timezone.now() and "on fire" in followup.last_error


def test_the_broker_down_never_fails_the_request(caplog, django_capture_on_commit_callbacks):
    from integration.followups import tasks
    from kap_clinic.celery import app
    from tests.workers import broker

    app.conf.task_always_eager = False
    try:
        with (
            broker("redis://127.0.0.1:1/0"),
            caplog.at_level("WARNING"),
            django_capture_on_commit_callbacks(execute=True),
        ):
            schedule.enqueue_on_commit(tasks.book_followup, 1)
    finally:
        app.conf.task_always_eager = True
    assert "broker unreachable" in caplog.text
