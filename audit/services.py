"""The one way to write an audit event, the keyed hash chain that seals them, and its check."""

import hmac
import json
from dataclasses import dataclass
from datetime import datetime, timedelta
from itertools import takewhile

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.crypto import salted_hmac

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


def _seal_key() -> str:
    # Held outside the database (the environment): whoever can rewrite rows with the trigger off
    # still cannot compute the seal over what they wrote.
    return settings.AUDIT_SEAL_KEY or settings.SECRET_KEY


def _digest(previous_digest: str, events) -> str:
    """HMAC-SHA256, keyed by AUDIT_SEAL_KEY, over the previous seal's digest and the events."""
    h = salted_hmac("kap_clinic.audit.seal", previous_digest, _seal_key(), algorithm="sha256")
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
    # A seal is a run of ids: it ends before the first event not settled yet. (Filtering on the
    # time instead skipped a young event whose successor carried an older time, as the demo's
    # history written on its clock does, and the check then found it outside every seal.)
    cutoff = timezone.now() - settle
    events = list(
        takewhile(
            lambda event: event.at < cutoff,
            AuditEvent.objects.filter(pk__gt=after).order_by("pk")[:SEAL_BATCH],
        )
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


VERIFY_CHUNK = 2000


@dataclass(frozen=True)
class Break:
    """The first seal that no longer matches the events it sealed, and why."""

    seal: AuditSeal
    problem: str  # a sentence: what is wrong with it


@dataclass(frozen=True)
class Verification:
    seals: int
    events_sealed: int
    last_seal: AuditSeal | None
    broken: Break | None
    unsealed: int
    # The time of the first unsealed event by id: the one the sealer takes next. (Not the
    # oldest time: history written on the demo's clock is "old" the moment it is written.)
    first_unsealed_at: datetime | None


def _check_seal(seal: AuditSeal, previous: AuditSeal | None) -> str | None:
    """What is wrong with `seal`, or None. Streams its events in chunks."""
    after = previous.last_event_id if previous else 0
    if seal.previous_id != (previous.pk if previous else None):
        return f"it does not follow seal {previous.pk}" if previous else "it should start the chain"
    if seal.first_event_id <= after or seal.last_event_id < seal.first_event_id:
        return f"its event range overlaps the seal before it (which ends at event {after})"
    # From just after the previous seal: an event in the gap between two seals is wrong too.
    events = AuditEvent.objects.filter(pk__gt=after, pk__lte=seal.last_event_id).order_by("pk")
    count, first_id, last_id = 0, None, None

    def counted():
        nonlocal count, first_id, last_id
        for event in events.iterator(chunk_size=VERIFY_CHUNK):
            count += 1
            first_id = event.pk if first_id is None else first_id
            last_id = event.pk
            yield event

    digest = _digest(previous.digest if previous else "", counted())
    if first_id is not None and first_id < seal.first_event_id:
        return f"event {first_id} lies before its range, outside every seal"
    if count < seal.event_count:
        missing = seal.event_count - count
        return (
            f"{missing} of its {_count(seal.event_count, 'event')} "
            f"{'is' if missing == 1 else 'are'} missing"
        )
    if count > seal.event_count or last_id != seal.last_event_id:
        return f"it sealed {_count(seal.event_count, 'event')} but {count} are in its range now"
    if not hmac.compare_digest(digest, seal.digest):
        return "an event in its range was changed after it was sealed (digest mismatch)"
    return None


def verify() -> Verification:
    """Check the whole chain, seal by seal, in id order, without holding it in memory.

    Stops at the first broken seal: every seal after it chains from a digest that no longer holds.
    """
    previous, seals, sealed, broken = None, 0, 0, None
    for seal in AuditSeal.objects.order_by("id").iterator(chunk_size=VERIFY_CHUNK):
        if (problem := _check_seal(seal, previous)) is not None:
            broken = Break(seal, problem)
            break
        previous, seals, sealed = seal, seals + 1, sealed + seal.event_count
    tail = AuditEvent.objects.filter(pk__gt=previous.last_event_id if previous else 0)
    if broken is None:
        unsealed = {
            "n": tail.count(),
            "first": tail.order_by("pk").values_list("at", flat=True).first(),
        }
    else:  # past a break "unsealed" means nothing
        unsealed = {"n": 0, "first": None}
    return Verification(
        seals=seals,
        events_sealed=sealed,
        last_seal=previous,
        broken=broken,
        unsealed=unsealed["n"],
        first_unsealed_at=unsealed["first"],
    )


def verify_chain() -> AuditSeal | None:
    """The first seal whose events no longer match, else None."""
    broken = verify().broken
    return broken.seal if broken else None


# Beat seals every minute, after a two-minute settle: an unsealed event older than this means
# sealing has stopped.
SEALING_STALLED = timedelta(hours=1)


def describe(result: Verification, *, now: datetime | None = None) -> list[str]:
    """The check in sentences a clinic engineer reads (ids and counts, never patient data)."""
    now = now or timezone.now()
    lines = []
    if result.broken is None:
        if result.last_seal is None and not result.unsealed:
            return ["The audit trail has no events yet: there is nothing to check."]
        if result.last_seal is None:
            lines.append("The audit trail has no seals yet.")
        else:
            lines.append(
                f"The audit trail is whole: {_count(result.seals, 'seal')} "
                f"{'covers' if result.seals == 1 else 'cover'} "
                f"{_count(result.events_sealed, 'event')}, up to event "
                f"{result.last_seal.last_event_id} (seal {result.last_seal.pk})."
            )
    else:
        seal = result.broken.seal
        lines.append(
            f"The audit trail is BROKEN at seal {seal.pk} (events {seal.first_event_id} to "
            f"{seal.last_event_id}, sealed {timezone.localtime(seal.sealed_at):%Y-%m-%d %H:%M}): "
            f"{result.broken.problem}."
        )
        if result.last_seal is not None:
            lines.append(
                f"The {_count(result.seals, 'seal')} before it "
                f"{'is' if result.seals == 1 else 'are'} whole, up to event "
                f"{result.last_seal.last_event_id}."
            )
        lines.append(
            "Seals after a break cannot be trusted. Treat this as a security incident: keep the "
            "database as it is and compare it with a backup."
        )
        return lines
    if not result.unsealed:
        lines.append("Every event is sealed.")
        return lines
    age = now - result.first_unsealed_at
    lines.append(
        f"{_count(result.unsealed, 'event')} {'is' if result.unsealed == 1 else 'are'} "
        "not sealed yet; the first of them was written "
        f"{_duration(age)} ago."
    )
    if age > SEALING_STALLED:
        lines.append(
            "Sealing seems to have stopped (it runs every minute): check that Celery beat and a "
            "worker are running."
        )
    return lines


def _count(n: int, word: str) -> str:
    """'1 event', '3 events'."""
    return f"{n} {word}{'' if n == 1 else 's'}"


def _duration(age: timedelta) -> str:
    seconds = max(int(age.total_seconds()), 0)
    for unit, size in (("day", 86400), ("hour", 3600), ("minute", 60)):
        if seconds >= size:
            return _count(seconds // size, unit)
    return _count(seconds, "second")
