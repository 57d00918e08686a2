"""What the scheduler does on its own: claim due messages on the durable schedule, hand each one
to its backends at most once per channel, and sweep for booked appointments without reminders.

Exactly once, step by step (`message_send`):
1. Under the claim (`run_claimed`: the row locked, our lease still there), check it is still
   due, not paused, not called off; compose it; write one `Delivery` per channel (status
   "handed") and the message "sending"; commit. The unique constraint on (message, channel)
   means no second delivery row can ever be written.
2. Hand each one to its backend, outside any transaction.
3. Record what the backend said (delivered or failed) and release the message.

A worker killed in step 2 leaves "sending" under an expiring lease: the next dispatcher that
claims it finds deliveries already handed and does not send; it marks them "uncertain" for a
staff member to decide (`services.message_resend`: a new message, audited). A worker killed in
step 1 leaves nothing committed: the message is simply claimed again and sent once.
"""

import logging
from collections import Counter
from dataclasses import dataclass
from datetime import datetime

from django.core.mail import EmailMultiAlternatives, get_connection
from django.db import transaction
from django.db.models import Exists, OuterRef
from django.utils import timezone

from audit.models import Action
from audit.services import record
from integration.schedule import services as schedule
from notifications import compose, services
from notifications.backends import get_sms_backend
from notifications.models import Channel, Delivery, Message
from notifications.rules import BEFORE_THE_APPOINTMENT
from sessions.models import Appointment, Dose
from sessions.models.booking import INACTIVE

log = logging.getLogger(__name__)
SWEEP_BATCH = 200


@dataclass(frozen=True)
class Handed:
    delivery_id: int
    outgoing: compose.Outgoing


def _finish(message: Message, status: str, note: str = "", *, now: datetime) -> str:
    schedule.release(message, status=status, note=note[:200], finished_at=now)
    return status


def _uncertain(message: Message, now: datetime) -> str:
    """Claimed again while "sending": the last sender was lost after the hand-off."""
    message.deliveries.filter(status=Delivery.Status.HANDED).update(
        status=Delivery.Status.UNCERTAIN, finished_at=now
    )
    log.warning("message %s: sender lost after the hand-off; not sent again", message.pk)
    return _finish(
        message,
        Message.Status.UNCERTAIN,
        "Interrupted while sending: check with the patient before sending again.",
        now=now,
    )


def _stale(message: Message, now: datetime) -> tuple[str, str] | None:
    appointment = message.appointment
    if appointment is None:
        return None
    if appointment.status in INACTIVE:
        return Message.Status.CANCELLED, "The appointment was called off."
    if message.kind in BEFORE_THE_APPOINTMENT and appointment.start <= now:
        return Message.Status.SKIPPED, "Too late: the appointment had started."
    if message.kind == Message.Kind.INTEGRATION_PROMPT and not given(appointment):
        return Message.Status.SKIPPED, "No dose was recorded for that session."
    return None


def given(appointment) -> bool:
    """The dose of this dosing appointment was started (whatever came after)."""
    return Dose.objects.filter(appointment=appointment, started_at__isnull=False).exists()


def _hand_off(pk, token: str, now: datetime):
    """Step 1, in `run_claimed`'s transaction: a list of `Handed`, or an outcome word."""
    message = schedule.hold(
        Message.objects.select_related(
            "patient__contact_preference",
            "appointment__type",
            "appointment__clinician",
            "appointment__room",
            "alert",
            "recipient",
        ),
        pk,
        token,
    )
    if message is None:
        return "lost"  # another dispatcher took it over after our lease ran out
    if message.status == Message.Status.SENDING:
        return _uncertain(message, now)
    if message.status != Message.Status.PENDING or message.due_at > now:
        schedule.release(message)  # called off or moved meanwhile
        return "nothing to do"
    if services.is_paused():
        schedule.release(message)
        return "paused"
    stale = _stale(message, now)
    if stale:
        return _finish(message, *stale, now=now)
    outgoing = compose.compose(message, now)
    if not outgoing:
        return _finish(message, Message.Status.SKIPPED, "No channel to reach them by.", now=now)
    handed = []
    for item in outgoing:
        delivery = Delivery.objects.create(
            message=message,
            channel=item.channel,
            to_hint=compose.hint(item.channel, item.to),
            handed_at=now,
            worker=token[:120],
        )
        handed.append(Handed(delivery.pk, item))
    message.status = Message.Status.SENDING
    message.save(update_fields=["status"])  # the lease stays: whoever takes it over sees this
    # Leaving the clinic's system is a disclosure: audited with the hand-off, as the scheduler.
    record(
        user=schedule.scheduler_user(),
        action=Action.EXPORT,
        patient_id=message.patient_id,
        obj=message,
        detail={"channels": [item.channel for item in outgoing], "kind": message.kind},
    )
    return handed


def _send(item: compose.Outgoing) -> str:
    """Step 2: hand one message to its backend; '' when it took it, else the error."""
    try:
        if item.channel == Channel.EMAIL:
            email = EmailMultiAlternatives(
                item.subject, item.text, to=[item.to], connection=get_connection()
            )
            email.attach_alternative(item.html, "text/html")
            email.send()
        else:
            get_sms_backend().send(item.to, item.text)
    except Exception as error:  # the backend refused: recorded, never retried on its own
        log.warning("delivery refused by the %s backend: %s", item.channel, type(error).__name__)
        return f"{type(error).__name__}: {error}"[:300] or "refused"
    return ""


@transaction.atomic
def _record(pk, channels: list[str], results: list[tuple[int, str]], now: datetime) -> str:
    """Step 3: what the backends said, whoever holds the lease now (it is the truth)."""
    for delivery_id, error in results:
        Delivery.objects.filter(
            pk=delivery_id, status__in=(Delivery.Status.HANDED, Delivery.Status.UNCERTAIN)
        ).update(
            status=Delivery.Status.FAILED if error else Delivery.Status.DELIVERED,
            error=error,
            finished_at=now,
        )
    message = Message.objects.select_for_update(of=("self",)).get(pk=pk)
    if message.status not in (Message.Status.SENDING, Message.Status.UNCERTAIN):
        return message.status
    # The backend's own words stay on the delivery (the admin's send log); the chart says which
    # service refused it.
    refused = [
        Channel(channel).label
        for channel, (_, error) in zip(channels, results, strict=True)
        if error
    ]
    if refused:
        note = f"Refused by the {' and '.join(refused).lower()} service."
        return _finish(message, Message.Status.FAILED, note, now=now)
    return _finish(message, Message.Status.SENT, now=now)


def message_send(pk, token: str, now: datetime | None = None) -> str:
    """Steps 1–3 for one claimed message."""
    now = now or timezone.now()
    handed = schedule.run_claimed(Message, pk, token, lambda pk, token: _hand_off(pk, token, now))
    if isinstance(handed, str):
        return handed
    results = [(item.delivery_id, _send(item.outgoing)) for item in handed]
    channels = [item.outgoing.channel for item in handed]
    return _record(pk, channels, results, timezone.now())


def messages_dispatch(*, limit: int = 50, now: datetime | None = None) -> Counter:
    """Claim due messages and send each (beat, every minute). While paused, nothing is claimed."""
    if services.is_paused():
        return Counter(paused=1)
    now = now or timezone.now()
    due = Message.objects.filter(status__in=Message.CLAIMABLE)
    claim = schedule.claim_due(due, limit=limit, now=now)
    return Counter(message_send(pk, claim.token, now) for pk in claim.ids)


def message_send_one(*, message_id) -> str:
    """The fast path (an urgent alert's e-mail), under the same claim."""
    due = Message.objects.filter(status=Message.Status.PENDING, pk=message_id)
    claim = schedule.claim_due(due, limit=1)
    if not claim.ids:
        return "not claimable"  # sent already, not due, or another worker holds it
    return message_send(message_id, claim.token)


def reminders_sweep(*, now: datetime | None = None) -> int:
    """Booked appointments still to come with no reminder for their current start: a hook that
    failed, or appointments booked before reminders existed."""
    now = now or timezone.now()
    planned = Message.objects.filter(
        appointment=OuterRef("pk"), for_start=OuterRef("start"), resend_of__isnull=True
    )
    missing = (
        Appointment.objects.filter(status=Appointment.Status.BOOKED, start__gt=now)
        .exclude(Exists(planned))
        .select_related("type")
        .order_by("start")[:SWEEP_BATCH]
    )
    count = 0
    for appointment in missing:
        with transaction.atomic():
            locked = (
                Appointment.objects.select_for_update()
                .select_related("type")
                .filter(pk=appointment.pk, status=Appointment.Status.BOOKED)
                .first()
            )
            if locked is not None:
                count += len(services.reminders_plan(appointment=locked, now=now))
    return count
