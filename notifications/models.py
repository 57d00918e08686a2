"""Messages to patients and staff, each a row on the durable schedule, and the send log that makes
each one go at most once per channel.

- `Message` (a `ScheduledWork`): one reminder about one appointment at one start time, or one
  staff e-mail about one alert. `status` says where it is: pending → sending → sent | failed |
  uncertain; cancelled and skipped on the side.
- `Delivery`: one row per message per channel (a unique constraint), written and committed
  *before* the message is handed to the backend: a worker killed after the hand-off leaves the
  row, and whoever claims the message next sees it and does not send again ("uncertain" until a
  staff member decides to send again, which is a new message, audited).
- `ContactPreference`: the patient's channels and consent to unencrypted messages.
- `MessagingPause`: one row; while paused, nothing is handed to a backend (messages wait).
"""

from django.conf import settings
from django.db import models
from django.db.models import Q

from integration.schedule.models import ScheduledWork
from notifications import rules


class Channel(models.TextChoices):
    EMAIL = "email", "E-mail"
    SMS = "sms", "Text message"


class Message(ScheduledWork):
    class Kind(models.TextChoices):
        APPOINTMENT = rules.APPOINTMENT, "Appointment reminder"
        FASTING_ESCORT = rules.FASTING_ESCORT, "Fasting and escort reminder"
        INTEGRATION_PROMPT = rules.INTEGRATION_PROMPT, "Morning-after prompt"
        QUESTIONNAIRES = rules.QUESTIONNAIRES, "Questionnaires to complete"
        URGENT_ALERT = "urgent_alert", "Urgent alert (staff)"

    class Status(models.TextChoices):
        PENDING = "pending", "Waiting"
        SENDING = "sending", "Being sent"
        SENT = "sent", "Sent"
        FAILED = "failed", "Failed"
        UNCERTAIN = "uncertain", "Not known (interrupted)"
        CANCELLED = "cancelled", "Cancelled"
        SKIPPED = "skipped", "Not sent"

    # The statuses the dispatcher claims: due ones, and ones whose sender was lost mid-send.
    CLAIMABLE = (Status.PENDING, Status.SENDING)

    kind = models.CharField(max_length=24, choices=Kind.choices)
    status = models.CharField(
        max_length=16, choices=Status.choices, default=Status.PENDING, editable=False
    )
    patient = models.ForeignKey(
        "patients.Patient",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="messages",
    )
    appointment = models.ForeignKey(
        "kap_sessions.Appointment",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="messages",
    )
    # The appointment's start this reminder is about: a moved appointment's sent reminders stay
    # (about the old time) and the new time gets its own.
    for_start = models.DateTimeField(null=True, blank=True)
    intended_at = models.DateTimeField(
        null=True, blank=True, help_text="The rule's time, before quiet hours moved it."
    )
    alert = models.ForeignKey(
        "patients.Alert",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="messages",
    )
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="messages_received",
        help_text="The staff member an alert e-mail goes to.",
    )
    resend_of = models.OneToOneField(
        "self",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="resent_as",
        editable=False,
    )
    resend_reason = models.TextField(blank=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True, editable=False)
    note = models.CharField(max_length=200, blank=True, editable=False)

    class Meta:
        ordering = ["-due_at", "-pk"]
        indexes = [
            models.Index(fields=["status", "due_at"]),
            models.Index(fields=["patient", "-due_at"]),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["appointment", "kind", "for_start"],
                condition=Q(resend_of__isnull=True, appointment__isnull=False),
                name="message_once_per_appointment_start",
            ),
            models.UniqueConstraint(
                fields=["alert"],
                condition=Q(resend_of__isnull=True, alert__isnull=False),
                name="message_once_per_alert",
            ),
            models.CheckConstraint(
                condition=Q(alert__isnull=True, appointment__isnull=False, patient__isnull=False)
                | Q(alert__isnull=False, recipient__isnull=False, appointment__isnull=True),
                name="message_about_an_appointment_or_an_alert",
            ),
        ]

    def __str__(self):
        return f"{self.get_kind_display()} #{self.pk}"


class Delivery(models.Model):
    """The send log: one row per message per channel, committed before the hand-off."""

    class Status(models.TextChoices):
        HANDED = "handed", "Being handed over"
        DELIVERED = "delivered", "Delivered"
        FAILED = "failed", "Failed"
        UNCERTAIN = "uncertain", "Not known (interrupted)"

    message = models.ForeignKey(Message, on_delete=models.PROTECT, related_name="deliveries")
    channel = models.CharField(max_length=8, choices=Channel.choices)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.HANDED)
    # Where it went, partly hidden ("p•••@example.org", "•••4567"): enough to tell a changed
    # address, never the whole address in a list.
    to_hint = models.CharField(max_length=80, blank=True)
    handed_at = models.DateTimeField()
    finished_at = models.DateTimeField(null=True, blank=True)
    error = models.CharField(max_length=300, blank=True)
    worker = models.CharField(max_length=120, blank=True)

    class Meta:
        verbose_name_plural = "deliveries"
        ordering = ["message", "channel"]
        constraints = [
            models.UniqueConstraint(
                fields=["message", "channel"], name="delivery_once_per_message_channel"
            )
        ]

    def __str__(self):
        return f"{self.get_channel_display()} · {self.get_status_display()}"


class ContactPreference(models.Model):
    """How a patient is reached. Without a row: e-mail when the patient has an address, no text
    messages, and no consent to unencrypted messages (no clinical word in any message)."""

    patient = models.OneToOneField(
        "patients.Patient", on_delete=models.CASCADE, related_name="contact_preference"
    )
    email = models.BooleanField("E-mail reminders", default=True)
    sms = models.BooleanField("Text message reminders", default=False)
    unencrypted_consent = models.BooleanField(
        "Consents to details in unencrypted messages",
        default=False,
        help_text="Without it, messages only say when to come and to sign in for details.",
    )
    updated_at = models.DateTimeField(auto_now=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        editable=False,
    )

    def __str__(self):
        return "Contact preference"


class MessagingPause(models.Model):
    """One row (pk 1). While `paused`, no message is handed to a backend; they wait."""

    paused = models.BooleanField("Pause all messages", default=False)
    reason = models.CharField(max_length=200, blank=True)
    changed_at = models.DateTimeField(auto_now=True)
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        editable=False,
    )

    class Meta:
        verbose_name = "clinic-wide message pause"
        verbose_name_plural = "clinic-wide message pause"
        constraints = [models.CheckConstraint(condition=Q(pk=1), name="messaging_pause_one_row")]

    def __str__(self):
        return "Messages paused" if self.paused else "Messages sending"
