"""The one way to write an audit event, and the hash chain that seals them."""

import hashlib
import json
from datetime import timedelta

from django.db import IntegrityError, transaction
from django.utils import timezone

from audit.context import client_ip
from audit.models import Action, AuditEvent, AuditSeal

SEAL_BATCH = 5000
# Ids are handed out at insert but become visible at commit, so a young event with a lower id may
# still appear behind one already sealed. Sealing only settled events keeps the chain gap-free.
SETTLE = timedelta(minutes=2)


def record(*, user, action: str, patient_id=None, obj=None, detail: dict | None = None):
    """Write one audit event. Call it for every read and write of patient data.

    `obj` is the model instance touched (its type and id are stored, never its text).
    """
    if action not in Action.values:
        raise ValueError(f"unknown audit action {action!r}")
    return AuditEvent.objects.create(
        user=user if getattr(user, "is_authenticated", False) else None,
        role=getattr(user, "role", "") or "",
        patient_id=patient_id,
        action=action,
        object_type=obj._meta.label_lower if obj is not None else "",
        object_id=str(obj.pk) if obj is not None else "",
        ip=client_ip.get(),
        detail=detail or {},
    )


def _canonical(event: AuditEvent) -> str:
    return "|".join(
        [
            str(event.pk),
            event.at.isoformat(),
            str(event.user_id or ""),
            event.role,
            str(event.patient_id or ""),
            event.action,
            event.object_type,
            event.object_id,
            event.ip or "",
            json.dumps(event.detail, sort_keys=True, separators=(",", ":")),
        ]
    )


def _digest(previous_digest: str, events) -> str:
    h = hashlib.sha256(previous_digest.encode())
    for event in events:
        h.update(b"\n")
        h.update(_canonical(event).encode())
    return h.hexdigest()


def seal_new_events(*, settle: timedelta = SETTLE) -> AuditSeal | None:
    """Seal the events written since the last seal (up to SEAL_BATCH). None when nothing is new.

    Rows are written without locks; sealing runs alone in the periodic task. If two sealers race,
    the unique start of a seal lets one win and the other give up until the next run.
    """
    last = AuditSeal.objects.order_by("-id").first()
    after = last.last_event_id if last else 0
    events = list(
        AuditEvent.objects.filter(pk__gt=after, at__lt=timezone.now() - settle).order_by("pk")[
            :SEAL_BATCH
        ]
    )
    if not events:
        return None
    try:
        with transaction.atomic():
            return AuditSeal.objects.create(
                previous=last,
                first_event_id=events[0].pk,
                last_event_id=events[-1].pk,
                event_count=len(events),
                digest=_digest(last.digest if last else "", events),
            )
    except IntegrityError:
        return None


def verify_chain() -> AuditSeal | None:
    """Recompute every seal. Returns the first seal whose events no longer match, else None."""
    previous_digest = ""
    for seal in AuditSeal.objects.order_by("id").iterator():
        events = AuditEvent.objects.filter(
            pk__gte=seal.first_event_id, pk__lte=seal.last_event_id
        ).order_by("pk")
        if _digest(previous_digest, events.iterator()) != seal.digest:
            return seal
        previous_digest = seal.digest
    return None
