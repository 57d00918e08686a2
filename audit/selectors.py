"""Reads of the audit log for the two reports: the administrator's audit page (and its CSV) and
the patient's "Who has seen my record". Each page is one query whatever the log's size: keyset
pages on the event id (newest first), never OFFSET and never COUNT over the whole log."""

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from uuid import UUID

from django.db.models import QuerySet
from django.utils import timezone

from audit.models import Action, AuditEvent

PAGE_SIZE = 50


@dataclass(frozen=True)
class Filters:
    patient_id: UUID | None = None
    user_id: int | None = None
    action: str = ""
    start: date | None = None  # clinic days, both ends included
    end: date | None = None

    def as_detail(self) -> dict:
        """What the audit row of a listing or an export records: the filters, never a name."""
        return {
            "user": self.user_id,
            "action": self.action,
            "start": self.start.isoformat() if self.start else "",
            "end": self.end.isoformat() if self.end else "",
        }


def _clinic_midnight(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min), timezone.get_default_timezone())


def events(filters: Filters) -> QuerySet[AuditEvent]:
    """The events the filters select, with their user, newest first."""
    rows = AuditEvent.objects.select_related("user")
    if filters.patient_id:
        rows = rows.filter(patient_id=filters.patient_id)
    if filters.user_id:
        rows = rows.filter(user_id=filters.user_id)
    if filters.action:
        rows = rows.filter(action=filters.action)
    if filters.start:
        rows = rows.filter(at__gte=_clinic_midnight(filters.start))
    if filters.end:
        rows = rows.filter(at__lt=_clinic_midnight(filters.end + timedelta(days=1)))
    return rows.order_by("-id")


def accounting(patient_id, *, own_user_id) -> QuerySet[AuditEvent]:
    """The accounting of disclosures for one patient: each access to their record by a member of
    staff (a signed-in user who is not a patient), newest first. The patient's own actions, the
    scheduler's writes (no user) and refused attempts (nothing was shown) are left out."""
    return (
        AuditEvent.objects.filter(patient_id=patient_id, user__isnull=False)
        .exclude(role__in=["", "patient"])
        .exclude(user_id=own_user_id)
        .exclude(action=Action.DENIED)
        .select_related("user")
        .order_by("-id")
    )


@dataclass
class Page:
    rows: list = field(default_factory=list)
    newer: int | None = None  # `after=` for the page of newer events
    older: int | None = None  # `before=` for the page of older events

    @property
    def first_page(self) -> bool:
        return self.newer is None


def keyset_page(
    rows: QuerySet, *, before: int | None = None, after: int | None = None, size: int = PAGE_SIZE
) -> Page:
    """One page of `rows` (ordered newest first by id) in one query: the `size` events older than
    `before`, or newer than `after`, or the newest. One more row is read to know whether the next
    page exists; a page reached by `after` always has older events (the one it came from)."""
    if after is not None:
        found = list(rows.filter(pk__gt=after).order_by("id")[: size + 1])
        more_newer = len(found) > size
        shown = list(reversed(found[:size]))
        return Page(
            rows=shown,
            newer=shown[0].pk if more_newer else None,
            older=shown[-1].pk if shown else after + 1,
        )
    if before is not None:
        rows = rows.filter(pk__lt=before)
    found = list(rows[: size + 1])
    shown = found[:size]
    return Page(
        rows=shown,
        newer=shown[0].pk if before is not None and shown else (before - 1 if before else None),
        older=shown[-1].pk if len(found) > size else None,
    )
