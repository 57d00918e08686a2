"""The durable schedule: claim due rows with a lease, process each under its claim, enqueue the
fast path after commit. Generic over any model built on `ScheduledWork`.

    claim = claim_due(Reminder.objects.filter(status="pending"), limit=50)
    for pk in claim.ids:
        run_claimed(Reminder, pk, claim.token, send_reminder)

- `claim_due` takes due rows with `select_for_update(skip_locked=True)`, so two dispatchers
  never take the same row, and writes the lease in its own short transaction (on SQLite the
  IMMEDIATE transaction serializes claimers instead).
- `run_claimed` runs the work in a transaction that first locks the row *and* checks that the
  lease is still ours (`hold`): a worker that stalled past its lease and was overtaken finds
  another token there and does nothing. A failure postpones the row with backoff.
- `enqueue_on_commit` hands a task to the broker after commit; with the broker down it logs and
  returns: the row is already stored and the next dispatcher run picks it up.
"""

import logging
import os
import socket
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db import IntegrityError, models, transaction
from django.db.models import F, Q
from django.utils import timezone

log = logging.getLogger(__name__)

SCHEDULER_USERNAME = "clinic-scheduler"
MAX_BACKOFF = timedelta(hours=1)


def lease() -> timedelta:
    return timedelta(seconds=settings.SCHEDULE_LEASE_SECONDS)


def worker_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


@dataclass(frozen=True)
class Claim:
    token: str
    ids: list


def claimable(queryset: models.QuerySet, now: datetime) -> models.QuerySet:
    """Rows of `queryset` that are due and not under a live lease."""
    return queryset.filter(due_at__lte=now).filter(
        Q(claimed_at__isnull=True) | Q(claimed_at__lt=now - lease())
    )


def claim_due(queryset: models.QuerySet, *, limit: int = 50, now: datetime | None = None) -> Claim:
    """Claim up to `limit` due rows of `queryset` (filtered to the statuses that want work)."""
    now = now or timezone.now()
    token = f"{worker_name()}:{uuid.uuid4().hex[:12]}"
    with transaction.atomic():
        rows = (
            claimable(queryset, now)
            .order_by("due_at", "pk")
            .select_for_update(skip_locked=True, of=("self",))
            .only("pk")[:limit]
        )
        ids = [row.pk for row in rows]
        if ids:
            queryset.model.objects.filter(pk__in=ids).update(
                claimed_at=now, claimed_by=token, attempts=F("attempts") + 1
            )
    return Claim(token, ids)


def hold(queryset: models.QuerySet, pk, token: str):
    """Inside the caller's transaction: the row locked, if the lease `token` is still ours."""
    return queryset.select_for_update(of=("self",)).filter(pk=pk, claimed_by=token).first()


def release(row, **changes) -> None:
    """Clear the lease (and write `changes`) on a row held by `hold`."""
    row.claimed_at, row.claimed_by, row.last_error = None, "", ""
    for name, value in changes.items():
        setattr(row, name, value)
    row.save(update_fields={"claimed_at", "claimed_by", "last_error", *changes})


def backoff(attempts: int) -> timedelta:
    return min(timedelta(minutes=2 ** max(attempts - 1, 0)), MAX_BACKOFF)


def postpone(model, pk, token: str, error: Exception) -> None:
    """After a failure: try again later, with backoff, unless the lease is no longer ours."""
    with transaction.atomic():
        row = hold(model.objects.all(), pk, token)
        if row is None:
            return
        release(
            row,
            due_at=timezone.now() + backoff(row.attempts),
            last_error=f"{type(error).__name__}: {error}"[:2000],
        )


def run_claimed(model, pk, token: str, work: Callable) -> str:
    """`work(pk, token)` runs the claimed row in its own transaction and returns an outcome; an
    unexpected error postpones the row and is logged with its id (never patient data)."""
    try:
        with transaction.atomic():
            return work(pk, token)
    except Exception as error:
        log.exception("scheduled %s %s failed; postponed", model._meta.label, pk)
        postpone(model, pk, token, error)
        return "failed"


def enqueue_on_commit(task, *args) -> None:
    """Send `task` after the current transaction commits; a broker that is down is logged, not
    raised: the web request that stored the row still succeeds."""

    def send():
        try:
            task.apply_async(args=args, retry=False)
        except Exception:
            log.warning(
                "broker unreachable: %s(%s) left to the periodic dispatcher", task.name, args
            )

    transaction.on_commit(send)


def scheduler_user():
    """The account the dispatcher acts as: booked appointments and audit events name it, so the
    log never says a person did what the scheduler did. It cannot sign in (inactive, no
    password) and has the front desk's role, which may book for any patient."""
    from accounts.models import User
    from accounts.roles import Role

    user = User.objects.filter(username=SCHEDULER_USERNAME).first()
    if user is not None:
        return user
    try:
        with transaction.atomic():
            user = User(
                username=SCHEDULER_USERNAME,
                first_name="Clinic",
                last_name="scheduler",
                role=Role.FRONTDESK,
                is_active=False,
            )
            user.set_unusable_password()
            user.save()
            return user
    except IntegrityError:  # created by a concurrent worker
        return User.objects.get(username=SCHEDULER_USERNAME)
