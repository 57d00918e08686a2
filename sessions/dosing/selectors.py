"""Read-only questions about doses: the chart's Administration section and the home pages'
"In clinic now" board. Each costs a fixed number of queries whatever the number of doses."""

from dataclasses import dataclass
from datetime import datetime

from django.db.models import Exists, OuterRef, Prefetch, QuerySet
from django.utils import timezone

from accounts.roles import CLINICIANS
from patients.access import Access, patients_for
from patients.models import Alert
from sessions.booking.selectors import day_bounds, local_today
from sessions.models import AdverseEvent, Dose, VitalSigns

BOARD_SIZE = 30  # more doses than rooms at once would be another clinic


def _minutes(since: datetime | None, now: datetime) -> int | None:
    return None if since is None else max(0, int((now - since).total_seconds() // 60))


def for_chart(course_ids) -> list[Dose]:
    """The doses of these courses (a patient's), newest first, each with its appointment (room,
    clinician) and `events` (its adverse events): two queries."""
    doses = (
        Dose.objects.filter(course_id__in=list(course_ids))
        .select_related("appointment__room", "appointment__clinician")
        .prefetch_related(
            Prefetch(
                "adverse_events",
                queryset=AdverseEvent.objects.order_by("at", "id"),
                to_attr="events",
            )
        )
        .order_by("-appointment__start", "-id")
    )
    now = timezone.now()
    listed = list(doses)
    for dose in listed:
        if dose.status == Dose.Status.STARTED:
            dose.minutes_so_far = _minutes(dose.started_at, now)
        dose.event_kinds = sorted({e.get_kind_display() for e in dose.events})
        dose.serious = any(e.severity == AdverseEvent.Severity.SERIOUS for e in dose.events)
    return listed


@dataclass
class InClinic:
    """One dose in progress, as a home page's board shows it to `user`."""

    dose: Dose
    minutes: int
    show_name: bool  # the user may see this patient's demographics
    show_clinical: bool  # ... and their record: last vitals, open alerts, the dosing page
    last_vitals: VitalSigns | None = None
    open_alerts: tuple = ()

    @property
    def patient(self):
        return self.dose.course.patient


def _in_progress_today() -> QuerySet[Dose]:
    start, end = day_bounds(local_today())
    return Dose.objects.filter(
        status=Dose.Status.STARTED, started_at__gte=start, started_at__lt=end
    ).order_by("started_at", "id")


def in_clinic_now(user) -> list[InClinic]:
    """Doses started today and not finished: every one in the clinic, for clinicians and the
    front desk. Names only of the patients the user may see (initials otherwise), last vitals
    and open alerts only of those whose record they may see: front desk reads rooms, initials
    and minutes, never clinical detail. Three queries for a clinician, one for the front desk."""
    clinician = user.role in CLINICIANS
    doses = _in_progress_today().select_related(
        "course__patient", "appointment__room", "appointment__clinician"
    )
    named = patients_for(user, Access.VIEW_DEMOGRAPHICS).filter(pk=OuterRef("course__patient"))
    doses = doses.annotate(show_name=Exists(named))
    if clinician:
        record = patients_for(user, Access.VIEW_RECORD).filter(pk=OuterRef("course__patient"))
        doses = doses.annotate(show_clinical=Exists(record)).prefetch_related(
            Prefetch(
                "vitals", queryset=VitalSigns.objects.order_by("-taken_at", "-id"), to_attr="recent"
            ),
            Prefetch(
                "course__patient__alerts",
                queryset=Alert.objects.exclude(status=Alert.Status.RESOLVED).order_by(
                    "-created_at"
                ),
                to_attr="open_alerts",
            ),
        )
    now = timezone.now()
    board = []
    for dose in doses[:BOARD_SIZE]:
        clinical = clinician and dose.show_clinical
        board.append(
            InClinic(
                dose=dose,
                minutes=_minutes(dose.started_at, now),
                show_name=dose.show_name and clinician,  # the front desk's board: initials
                show_clinical=clinical,
                last_vitals=dose.recent[0] if clinical and dose.recent else None,
                open_alerts=tuple(dose.course.patient.open_alerts) if clinical else (),
            )
        )
    return board
