"""Thin Celery shells over the dispatcher. They take ids, are idempotent (the claim and the send
log's unique constraint decide), are acknowledged late and retried on database errors."""

from celery import shared_task
from django.utils.dateparse import parse_datetime

from integration.followups.tasks import _ROBUST
from notifications import dispatch


@shared_task(**_ROBUST)
def dispatch_messages(limit: int = 50, now: str | None = None) -> dict:
    """Every minute from beat: plan what was missed, then claim and send what is due. `now` (an
    ISO time) lets a test run the dispatcher as beat would at that moment."""
    at = parse_datetime(now) if now else None
    planned = dispatch.reminders_sweep(now=at)
    return {"planned": planned, **dispatch.messages_dispatch(limit=limit, now=at)}


@shared_task(**_ROBUST)
def send_message(message_id: int) -> str:
    """The fast path, queued after the commit that raised an urgent alert."""
    return dispatch.message_send_one(message_id=message_id)
