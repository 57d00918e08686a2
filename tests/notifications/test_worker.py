"""Reminders through real Celery workers on Redis (no eager mode). The dispatcher task is sent as
beat would send it at a chosen moment (`now`), so a reminder days ahead is tested at its own
local time without waiting for it: a booked dose across the clocks going back, a cancelled
appointment, two dispatchers at once, and a worker killed after the hand-off."""

from datetime import time, timedelta
from pathlib import Path

import pytest

from notifications import services
from notifications.models import Delivery, Message
from notifications.rules import local_instant
from notifications.tasks import dispatch_messages
from sessions.booking import services as booking
from tests.notifications.conftest import NY, next_fall_back, record_dose
from tests.patients.factories import CareTeamFactory, CourseFactory, PatientFactory
from tests.sessions.factories import local
from tests.workers import wait_for

pytestmark = [pytest.mark.heavy, pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


class Outbox:
    def __init__(self, root: Path):
        self.email_dir, self.sms_dir = root / "email", root / "sms"

    def env(self, **more) -> dict:
        return {
            "DJANGO_EMAIL_BACKEND": "django.core.mail.backends.filebased.EmailBackend",
            "DJANGO_EMAIL_FILE_PATH": str(self.email_dir),
            "SMS_BACKEND": "notifications.backends.FileBackend",
            "SMS_FILE_PATH": str(self.sms_dir),
            "CLINIC_TIME_ZONE": "America/New_York",
            "CLINIC_BASE_URL": "https://clinic.example.org",
            **more,
        }

    def emails(self) -> list[str]:
        texts = [p.read_text() for p in self.email_dir.glob("*")] if self.email_dir.exists() else []
        # The file backend writes every message of one connection into one file.
        return [part for text in texts for part in text.split("Message-ID:")[1:]]

    def sms(self) -> list[str]:
        return [p.read_text() for p in self.sms_dir.glob("*.sms")] if self.sms_dir.exists() else []


@pytest.fixture
def outbox(tmp_path):
    return Outbox(tmp_path / "out")


def beat(worker, at, **kwargs) -> None:
    """One dispatcher run as beat would send it at `at`; returns when the worker finished it."""
    before = worker.output().count("succeeded")
    dispatch_messages.apply_async(kwargs={"now": at.isoformat(), **kwargs})
    wait_for(lambda: worker.output().count("succeeded") > before, what="the dispatcher run")


def test_a_booked_dose_sends_each_reminder_once_at_its_local_time_across_the_clocks_change(
    start_worker, outbox, book, reachable, prescriber
):
    worker = start_worker(env=outbox.env())
    sunday = next_fall_back()  # a dose at 10:00 on the Sunday the clocks go back
    dose = book(reachable, "dosing", local_instant(sunday, time(10), NY), prescriber)
    record_dose(dose)  # given: the morning-after prompt asks for a dose that was started
    expected = {
        "questionnaires": (sunday - timedelta(days=2), "09:00", "EDT"),
        "appointment": (sunday - timedelta(days=1), "10:00", "EDT"),
        "fasting_escort": (sunday - timedelta(days=1), "18:00", "EDT"),
        "integration_prompt": (sunday + timedelta(days=1), "09:00", "EST"),
    }
    for sent, (kind, (day, clock, zone_name)) in enumerate(expected.items(), start=1):
        message = Message.objects.get(appointment=dose, kind=kind)
        at = message.due_at.astimezone(NY)
        assert (at.date(), f"{at:%H:%M}", at.tzname()) == (day, clock, zone_name)
        beat(worker, message.due_at - timedelta(minutes=1))
        assert Message.objects.get(pk=message.pk).status == "pending"  # not a minute early
        beat(worker, message.due_at)
        wait_for(lambda n=sent: len(outbox.emails()) == n, what=f"the {kind} e-mail")
        assert Message.objects.get(pk=message.pk).status == "sent"
        assert len(outbox.sms()) == sent
    beat(worker, local_instant(sunday + timedelta(days=3), time(12), NY))
    assert len(outbox.emails()) == 4 and len(outbox.sms()) == 4
    assert Delivery.objects.filter(status="delivered").count() == 8
    assert set(Message.objects.values_list("attempts", flat=True)) == {1}


def test_a_cancelled_appointments_reminders_never_go(
    start_worker, outbox, book, reachable, prescriber, therapist
):
    worker = start_worker(env=outbox.env())
    dose = book(reachable, "dosing", local(4, "10:00"), prescriber)
    booking.appointment_cancel(by=therapist, appointment=dose, reason="Patient unwell")
    for days, clock in ((2, "09:00"), (3, "10:00"), (3, "18:00"), (5, "09:00"), (6, "12:00")):
        beat(worker, local(days, clock))
    assert outbox.emails() == [] and outbox.sms() == []
    assert set(Message.objects.filter(appointment=dose).values_list("status", flat=True)) == {
        "cancelled"
    }
    assert not Delivery.objects.exists()


def test_two_dispatchers_at_once_send_each_reminder_once(
    start_worker, outbox, book, therapist, prescriber
):
    for i in range(6):
        person = PatientFactory(first_name=f"Remind{i}", email=f"r{i}@example.org")
        CourseFactory(patient=person, phase="treatment")
        CareTeamFactory(patient=person, clinician=therapist, primary=True)
        book(person, "preparation", local(3, f"{9 + i:02d}:00"), therapist)
    first, second = start_worker("one", env=outbox.env()), start_worker("two", env=outbox.env())
    at = local(2, "18:00").isoformat()
    for _ in range(4):
        dispatch_messages.apply_async(kwargs={"now": at, "limit": 2})
    wait_for(lambda: Message.objects.filter(status="sent").count() == 6, what="six reminders")
    wait_for(lambda: first.output().count("succeeded") + second.output().count("succeeded") >= 4)
    assert len(outbox.emails()) == 6
    assert Delivery.objects.count() == 6
    assert set(Message.objects.values_list("attempts", flat=True)) == {1}
    assert "succeeded" in first.output() and "succeeded" in second.output()


def test_a_worker_killed_after_the_hand_off_is_taken_over_without_a_second_send(
    start_worker, outbox, book, reachable, therapist, frontdesk
):
    appointment = book(reachable, "preparation", local(3, "10:00"), therapist)
    message = Message.objects.get(appointment=appointment)
    slow = outbox.env(SMS_BACKEND="tests.notifications.backends.SlowFileBackend")
    doomed = start_worker("doomed", env=slow)
    dispatch_messages.apply_async(kwargs={"now": message.due_at.isoformat()})
    wait_for(lambda: len(outbox.sms()) == 1, what="the hand-off")  # sent, then it hangs
    assert Message.objects.get(pk=message.pk).status == "sending"
    doomed.kill()
    assert len(outbox.emails()) == 1

    lease = 15
    heir = start_worker("heir", env=outbox.env(SCHEDULE_LEASE_SECONDS=str(lease)))
    beat(heir, message.due_at + timedelta(seconds=lease - 5))  # the lease still live
    assert Message.objects.get(pk=message.pk).status == "sending"
    beat(heir, message.due_at + timedelta(seconds=lease + 1))  # taken over
    message.refresh_from_db()
    assert message.status == "uncertain" and message.attempts == 2
    assert set(message.deliveries.values_list("status", flat=True)) == {"uncertain"}
    assert len(outbox.emails()) == 1 and len(outbox.sms()) == 1  # not sent again

    # Sending again is a person's decision, logged; the new message goes once.
    again = services.message_resend(
        by=frontdesk, message=message, reason="Phoned the patient: nothing arrived."
    )
    beat(heir, max(again.due_at, message.due_at + timedelta(minutes=5)))
    wait_for(lambda: len(outbox.sms()) == 2, what="the resend")
    assert len(outbox.emails()) == 2
    assert Message.objects.get(pk=again.pk).status == "sent"
