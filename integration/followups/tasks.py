"""Thin Celery shells over the follow-up services. They take ids, are idempotent (the claim and
the unique constraint decide), are acknowledged late and retried with backoff on database
errors; a worker lost mid-task gives its message back and the row's lease runs out."""

from celery import shared_task
from django.db import DatabaseError

from integration.followups import dispatch

_ROBUST = {
    "acks_late": True,
    "reject_on_worker_lost": True,
    "autoretry_for": (DatabaseError,),
    "retry_backoff": True,
    "retry_backoff_max": 300,
    "max_retries": 5,
}


@shared_task(**_ROBUST)
def dispatch_followups(limit: int = 50) -> dict:
    """Every minute from beat: the sweep, then claim and book what is due."""
    swept = dispatch.followups_sweep()
    return {**swept, **dispatch.followups_dispatch(limit=limit)}


@shared_task(**_ROBUST)
def book_followup(followup_id: int) -> str:
    """The fast path, queued after the commit that opened the follow-up."""
    return dispatch.followup_dispatch_one(followup_id=followup_id)
