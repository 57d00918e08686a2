"""What a message says and where it goes: rendered from subject / text / HTML template triples
(and one text-message template) under `templates/notifications/<kind>/`.

Without the patient's consent to unencrypted messages, every template renders its plain branch:
when to come and "sign in for details", no clinical word. With it, the detail says what kind of
visit and what to do; no template is ever given a diagnosis, drug, dose, score or instrument
name to say (the context below is all they see).
"""

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from notifications.models import Channel, ContactPreference, Message
from sessions.booking.selectors import clinic_zone


@dataclass(frozen=True)
class Outgoing:
    channel: str
    to: str
    subject: str
    text: str
    html: str


def link(path: str) -> str:
    return f"{settings.CLINIC_BASE_URL}{path}"


def when_text(start: datetime, now: datetime) -> str:
    """'today at 09:30', 'tomorrow at 09:30', 'on Tuesday, December 1 at 09:30' (local)."""
    zone = clinic_zone()
    local, today = timezone.localtime(start, zone), timezone.localtime(now, zone).date()
    clock = f"{local:%H:%M}"
    if local.date() == today:
        return f"today at {clock}"
    if local.date() == today + timedelta(days=1):
        return f"tomorrow at {clock}"
    return f"on {local:%A}, {local:%B} {local.day} at {clock}"


# What a patient reads for each appointment type (with consent): never "dosing".
VISITS = {
    "preparation": "preparation session",
    "dosing": "treatment session",
    "integration": "follow-up session",
}


def _appointment_context(message: Message, now: datetime) -> dict:
    appointment = message.appointment
    return {
        "when": when_text(message.for_start or appointment.start, now),
        "visit": VISITS.get(appointment.type.code, "appointment"),
        "clinician": str(appointment.clinician),
        "place": appointment.room.name if appointment.room_id else "by video",
    }


def context_for(message: Message, *, detail: bool, now: datetime) -> dict:
    context = {"detail": detail, "sign_in_url": link(reverse("login"))}
    if message.kind == Message.Kind.URGENT_ALERT:
        alert = message.alert
        context.update(
            alert_url=link(reverse("alert", args=[alert.pk])),
            raised=f"{timezone.localtime(alert.created_at, clinic_zone()):%H:%M}",
            crisis_url=link(reverse("crisis_protocol"))
            if alert.kind == "safety" and message.recipient.on_call
            else "",
        )
    else:
        context.update(_appointment_context(message, now))
    return context


def render(kind: str, context: dict) -> dict:
    """The four texts of a message kind: subject, text, html, sms."""
    base = f"notifications/{kind}/"
    subject = " ".join(render_to_string(base + "subject.txt", context).split())
    return {
        "subject": subject,
        "text": render_to_string(base + "body.txt", context).strip() + "\n",
        "html": render_to_string(base + "body.html", {**context, "subject": subject}),
        "sms": " ".join(render_to_string(base + "sms.txt", context).split())
        if kind != Message.Kind.URGENT_ALERT
        else "",
    }


def channels_for(message: Message) -> list[tuple[str, str]]:
    """(channel, address) pairs this message goes to."""
    if message.kind == Message.Kind.URGENT_ALERT:
        email = message.recipient.email
        return [(Channel.EMAIL, email)] if email else []
    patient = message.patient
    preference = getattr(patient, "contact_preference", None) or ContactPreference()
    pairs = []
    if preference.email and patient.email:
        pairs.append((Channel.EMAIL, patient.email))
    if preference.sms and patient.phone:
        pairs.append((Channel.SMS, patient.phone))
    return pairs


def consented(message: Message) -> bool:
    if message.patient_id is None:
        return False
    preference = getattr(message.patient, "contact_preference", None)
    return bool(preference and preference.unencrypted_consent)


def compose(message: Message, now: datetime) -> list[Outgoing]:
    pairs = channels_for(message)
    if not pairs:
        return []
    texts = render(message.kind, context_for(message, detail=consented(message), now=now))
    return [
        Outgoing(
            channel,
            to,
            texts["subject"] if channel == Channel.EMAIL else "",
            texts["text"] if channel == Channel.EMAIL else texts["sms"],
            texts["html"] if channel == Channel.EMAIL else "",
        )
        for channel, to in pairs
    ]


def hint(channel: str, to: str) -> str:
    """'p•••@example.org', '•••4567'."""
    if channel == Channel.EMAIL and "@" in to:
        name, domain = to.split("@", 1)
        return f"{name[:1]}•••@{domain}"[:80]
    digits = "".join(ch for ch in to if ch.isdigit())
    return f"•••{digits[-4:]}"
