"""Reads: a patient's messages for the chart (a fixed number of queries whatever their number)."""

from django.db.models import Prefetch

from notifications.models import ContactPreference, Delivery, Message, MessagingPause

CHART_LIMIT = 30


def chart_messages(patient) -> dict:
    """The chart's "Messages": the latest messages (what, when, channel, delivered or failed),
    the patient's channels and consent, and whether the clinic has paused messages."""
    messages = list(
        Message.objects.filter(patient=patient)
        .select_related("appointment__type", "resent_as")
        .prefetch_related(Prefetch("deliveries", queryset=Delivery.objects.order_by("channel")))
        .order_by("-due_at", "-pk")[:CHART_LIMIT]
    )
    return {
        "messages": messages,
        "preference": ContactPreference.objects.filter(patient=patient).first(),
        "paused": MessagingPause.objects.filter(pk=1, paused=True).first(),
    }
