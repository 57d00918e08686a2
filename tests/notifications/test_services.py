"""Reminders through the booking services and the dispatcher, in-process: planned with the
booking, moved and called off in the same transaction, sent once per channel, paused and resumed,
interrupted and sent again by a person's decision, and the urgent alert e-mail."""

from datetime import time, timedelta

import pytest
from django.core import mail
from django.utils import timezone

from audit.models import AuditEvent
from notifications import dispatch, services
from notifications.errors import NotificationsError
from notifications.models import Delivery, Message
from notifications.rules import local_instant
from patients.models import Alert
from patients.services import alert_raise
from sessions.booking import services as booking
from tests.notifications.conftest import NY, next_fall_back, record_dose, sms_sent
from tests.sessions.factories import local

pytestmark = pytest.mark.django_db


def shown(instant) -> str:
    return f"{instant.astimezone(NY):%Y-%m-%d %H:%M %Z}"


def due(appointment) -> dict:
    return {m.kind: m for m in Message.objects.filter(appointment=appointment, status="pending")}


def test_a_booked_dose_plans_its_four_reminders_across_the_clocks_going_back(
    book, reachable, prescriber
):
    sunday = next_fall_back()
    dose = book(reachable, "dosing", local_instant(sunday, time(10), NY), prescriber)
    reminders = due(dose)
    saturday, monday = sunday - timedelta(days=1), sunday + timedelta(days=1)
    assert shown(reminders["appointment"].due_at) == f"{saturday} 10:00 EDT"
    assert shown(reminders["fasting_escort"].due_at) == f"{saturday} 18:00 EDT"
    assert shown(reminders["questionnaires"].due_at) == f"{sunday - timedelta(days=2)} 09:00 EDT"
    assert shown(reminders["integration_prompt"].due_at) == f"{monday} 09:00 EST"
    assert all(m.patient_id == reachable.pk for m in reminders.values())


def test_moving_an_appointment_moves_its_waiting_reminders(book, reachable, therapist, rooms):
    appointment = book(reachable, "preparation", local(5, "10:00"), therapist)
    (reminder,) = due(appointment).values()
    booking.appointment_reschedule(
        by=therapist,
        appointment=appointment,
        start=local(6, "15:00"),
        clinician=therapist,
        room=rooms[0],
    )
    reminder.refresh_from_db()
    assert reminder.due_at == local(5, "15:00") and reminder.status == "pending"
    assert Message.objects.filter(appointment=appointment).count() == 1


def test_a_reminder_already_sent_stays_and_the_new_time_gets_its_own(
    book, reachable, therapist, rooms
):
    appointment = book(reachable, "preparation", local(2, "10:00"), therapist)
    dispatch.messages_dispatch(now=local(1, "10:00"))
    assert Message.objects.get(appointment=appointment).status == "sent"
    booking.appointment_reschedule(
        by=therapist, appointment=appointment, start=local(4, "11:00"), clinician=therapist,
        room=rooms[0],
    )  # fmt: skip
    sent, new = Message.objects.filter(appointment=appointment).order_by("pk")
    assert (sent.status, sent.for_start) == ("sent", local(2, "10:00"))
    assert (new.status, new.due_at) == ("pending", local(3, "11:00"))


@pytest.mark.parametrize("how", ["cancel", "no_show"])
def test_a_cancelled_or_missed_appointment_calls_its_reminders_off(
    book, reachable, therapist, prescriber, how
):
    dose = book(reachable, "dosing", local(3, "10:00"), prescriber)
    if how == "cancel":
        booking.appointment_cancel(by=therapist, appointment=dose, reason="Unwell")
    else:
        from sessions.models import Appointment

        Appointment.objects.filter(pk=dose.pk).update(
            start=timezone.now() - timedelta(minutes=30),
            end=timezone.now() + timedelta(minutes=120),
        )
        booking.appointment_mark_no_show(by=therapist, appointment=dose)
    assert set(Message.objects.filter(appointment=dose).values_list("status", flat=True)) == {
        "cancelled"
    }
    assert dispatch.messages_dispatch(now=local(10, "12:00"))["cancelled"] == 0
    assert mail.outbox == []


def test_each_reminder_goes_once_per_channel_at_its_time(book, reachable, therapist, outboxes):
    appointment = book(reachable, "preparation", local(3, "10:00"), therapist)
    assert dispatch.messages_dispatch(now=local(2, "09:59")) == {}
    assert dispatch.messages_dispatch(now=local(2, "10:00")) == {"sent": 1}
    assert dispatch.messages_dispatch(now=local(2, "10:05")) == {}
    message = Message.objects.get(appointment=appointment)
    assert message.status == "sent" and message.attempts == 1
    assert sorted(message.deliveries.values_list("channel", "status")) == [
        ("email", "delivered"),
        ("sms", "delivered"),
    ]
    (email,) = mail.outbox
    assert (
        email.to == ["paula@example.org"] and email.subject == "Your appointment tomorrow at 10:00"
    )
    assert "tomorrow at 10:00" in email.body and "https://clinic.example.org/" in email.body
    assert email.alternatives[0].mimetype == "text/html"
    sent = AuditEvent.objects.get(action="export", object_id=str(message.pk))
    assert sent.patient_id == reachable.pk and sent.detail["channels"] == ["email", "sms"]
    (sms,) = sms_sent(outboxes)
    assert "555-0100" in sms and "tomorrow at 10:00" in sms


def test_no_channel_means_not_sent_with_a_reason(book, patient, therapist):
    appointment = book(patient, "preparation", local(3, "10:00"), therapist)  # no e-mail
    dispatch.messages_dispatch(now=local(2, "10:00"))
    message = Message.objects.get(appointment=appointment)
    assert (message.status, message.note) == ("skipped", "No channel to reach them by.")


def test_paused_messages_wait_and_go_when_sending_resumes(book, reachable, therapist, clinic_admin):
    appointment = book(reachable, "preparation", local(3, "10:00"), therapist)
    services.pause_set(by=clinic_admin, paused=True, reason="Checking the SMS provider")
    assert dispatch.messages_dispatch(now=local(2, "10:30")) == {"paused": 1}
    assert Message.objects.get(appointment=appointment).status == "pending"
    services.pause_set(by=clinic_admin, paused=False)
    assert dispatch.messages_dispatch(now=local(2, "10:31")) == {"sent": 1}
    with pytest.raises(NotificationsError):
        services.pause_set(by=therapist, paused=True)


def test_a_sender_lost_after_the_hand_off_is_not_sent_again_until_a_person_decides(
    book, reachable, therapist, frontdesk, settings
):
    appointment = book(reachable, "preparation", local(3, "10:00"), therapist)
    message = Message.objects.get(appointment=appointment)
    # Step 1 committed, then the worker died before the backend answered.
    claim = dispatch.schedule.claim_due(Message.objects.all(), now=local(2, "10:00"))
    handed = dispatch.schedule.run_claimed(
        Message, message.pk, claim.token, lambda pk, t: dispatch._hand_off(pk, t, local(2, "10:00"))
    )
    assert len(handed) == 2 and Message.objects.get(pk=message.pk).status == "sending"
    later = local(2, "10:00") + timedelta(seconds=settings.SCHEDULE_LEASE_SECONDS + 1)
    assert dispatch.messages_dispatch(now=later) == {"uncertain": 1}
    assert mail.outbox == []
    assert set(Delivery.objects.values_list("status", flat=True)) == {"uncertain"}
    assert dispatch.messages_dispatch(now=later + timedelta(minutes=5)) == {}

    with pytest.raises(NotificationsError) as refused:
        services.message_resend(by=frontdesk, message=message, reason=" ")
    assert refused.value.field == "reason"
    again = services.message_resend(
        by=frontdesk, message=message, reason="Called the patient: no e-mail or text arrived."
    )
    assert AuditEvent.objects.filter(object_id=str(again.pk), action="create").exists()
    dispatch.messages_dispatch(now=max(again.due_at, timezone.now()))
    assert Message.objects.get(pk=again.pk).status == "sent" and len(mail.outbox) == 1
    with pytest.raises(NotificationsError):
        services.message_resend(by=frontdesk, message=message, reason="Again")


def test_the_sweep_plans_appointments_booked_without_reminders(book, reachable, therapist):
    appointment = book(reachable, "preparation", local(3, "10:00"), therapist)
    Message.objects.filter(appointment=appointment).delete()
    assert dispatch.reminders_sweep() == 1
    assert dispatch.reminders_sweep() == 0
    assert Message.objects.get(appointment=appointment).due_at == local(2, "10:00")


def test_an_urgent_alert_is_e_mailed_at_once_without_phi(
    reachable, prescriber, therapist, django_capture_on_commit_callbacks
):
    prescriber.email, therapist.email = "priya@clinic.example.org", "theo@clinic.example.org"
    prescriber.save(), therapist.save()
    with django_capture_on_commit_callbacks(execute=True):
        alerts = alert_raise(
            patient=reachable,
            recipients=[prescriber, therapist],
            kind=Alert.Kind.SAFETY,
            severity=Alert.Severity.URGENT,
            message="Screening: C-SSRS high risk",
        )
    assert len(mail.outbox) == 2  # the fast path ran after the commit (in-process here)
    by_to = {m.to[0]: m for m in mail.outbox}
    priya, theo = by_to["priya@clinic.example.org"], by_to["theo@clinic.example.org"]
    for email in (priya, theo):
        text = email.subject + email.body + email.alternatives[0].content
        for word in ("C-SSRS", "Paula", "Reyes", reachable.mrn, "risk"):
            assert word not in text
    assert f"/alerts/{alerts[0].pk}/" in priya.body + theo.body
    assert "/crisis-protocol/" in priya.body  # the on-call prescriber
    assert "/crisis-protocol/" not in theo.body
    alert_raise(
        patient=reachable, recipient=therapist, kind=Alert.Kind.CLINICAL,
        severity=Alert.Severity.WARNING, message="Not urgent",
    )  # fmt: skip
    assert len(mail.outbox) == 2


def test_preferences_need_an_address_and_are_audited(patient, frontdesk, outside_clinician):
    with pytest.raises(NotificationsError) as refused:
        services.preference_set(
            by=frontdesk, patient=patient, email=True, sms=False, unencrypted_consent=False
        )
    assert refused.value.field == "email"
    with pytest.raises(NotificationsError):
        services.preference_set(
            by=outside_clinician, patient=patient, email=False, sms=True, unencrypted_consent=True
        )
    preference = services.preference_set(
        by=frontdesk, patient=patient, email=False, sms=True, unencrypted_consent=True
    )
    assert preference.updated_by == frontdesk
    assert AuditEvent.objects.filter(object_type="notifications.contactpreference").exists()


def test_a_refused_message_is_failed_with_the_clinics_words_and_not_retried(
    book, reachable, therapist, settings
):
    settings.SMS_BACKEND = "tests.notifications.backends.RefusingBackend"
    appointment = book(reachable, "preparation", local(3, "10:00"), therapist)
    assert dispatch.messages_dispatch(now=local(2, "10:00")) == {"failed": 1}
    message = Message.objects.get(appointment=appointment)
    assert message.note == "Refused by the text message service."
    deliveries = dict(message.deliveries.values_list("channel", "status"))
    assert deliveries == {"email": "delivered", "sms": "failed"}
    assert "503" in message.deliveries.get(channel="sms").error
    assert dispatch.messages_dispatch(now=local(2, "11:00")) == {}
    assert len(mail.outbox) == 1


def test_the_morning_after_prompt_goes_only_after_a_dose_was_given(book, reachable, prescriber):
    given = book(reachable, "dosing", local(3, "10:00"), prescriber)
    record_dose(given)
    missed = book(reachable, "dosing", local(5, "10:00"), prescriber)  # nobody marked it
    dispatch.messages_dispatch(now=local(7, "09:00"))
    prompts = Message.objects.filter(kind="integration_prompt")
    assert prompts.get(appointment=given).status == "sent"
    skipped = prompts.get(appointment=missed)
    assert (skipped.status, skipped.note) == ("skipped", "No dose was recorded for that session.")


def test_the_patient_may_set_their_own_preference_and_nobody_elses(patient, other_patient):
    patient.email = "paula@example.org"
    patient.save(update_fields=["email"])
    services.preference_set(
        by=patient.user, patient=patient, email=True, sms=False, unencrypted_consent=True
    )
    assert patient.contact_preference.unencrypted_consent
    with pytest.raises(NotificationsError):
        services.preference_set(
            by=patient.user, patient=other_patient, email=False, sms=True, unencrypted_consent=True
        )
