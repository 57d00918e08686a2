"""Reads about doses, each in a fixed number of queries whatever the number of rows:
- the dosing chart: the dose with everything the chair-side page and the session record show, and
  what each row means (struck, dated, the reading that cleared the start, a refused pre-dose
  reading, the next reading due);
- across doses: the chart's Administration section and the home pages' "In clinic now" board."""

from dataclasses import dataclass
from datetime import date, datetime

from django.db.models import Exists, OuterRef, Prefetch, QuerySet
from django.utils import timezone
from django.utils.safestring import mark_safe

from accounts.roles import CLINICIANS
from patients.access import Access, patients_for
from patients.models import Alert
from sessions.booking.selectors import clinic_zone, day_bounds, local_today
from sessions.dosing import rules as dosing
from sessions.dosing.charting import dosing_policy
from sessions.dosing.charts import vitals_svg
from sessions.dosing.policy import DosingPolicy
from sessions.errors import SessionsError
from sessions.models import (
    AdministrationAmendment,
    AdverseEvent,
    ChecklistItem,
    Dose,
    VitalSigns,
)


def dose_page_data(dose_pk) -> Dose:
    """The dose with everything the page and the record show, in a fixed number of queries."""
    return (
        Dose.objects.select_related(
            "course__patient",
            "appointment__clinician",
            "appointment__room",
            "ordered_by",
            "administered_by",
            "waste_witness",
            "started_by",
            "discharged_by",
            "confirmed_by",
            "start_reading",
        )
        .prefetch_related(
            Prefetch(
                "checklist",
                queryset=ChecklistItem.objects.select_related("checked_by", "struck_by"),
            ),
            Prefetch("vitals", queryset=VitalSigns.objects.select_related("taken_by", "struck_by")),
            Prefetch(
                "adverse_events",
                queryset=AdverseEvent.objects.select_related("recorded_by", "incident"),
            ),
            Prefetch(
                "amendments",
                queryset=AdministrationAmendment.objects.select_related("by", "waste_witness"),
            ),
        )
        .get(pk=dose_pk)
    )


@dataclass(frozen=True)
class VitalsRow:
    row: VitalSigns
    day: date  # the clinic-local date it was taken
    note: str  # what the row meant for the start, in the clinic's words ("" for most rows)
    alerts: str  # the values past an alert limit, in words ("Systolic, SpO2")


@dataclass(frozen=True)
class ChecklistLine:
    item: str
    label: str
    done: ChecklistItem | None  # the tick in force
    struck: list[ChecklistItem]  # ticks struck by an amendment, kept


def _policy() -> DosingPolicy | None:
    try:
        return dosing_policy()[1]
    except SessionsError:  # no dosing section: the page still shows the chart
        return None


def _note(row: VitalSigns, dose: Dose, policy: DosingPolicy | None) -> str:
    if row.struck_at is not None:
        return ""
    if row.pk == dose.start_reading_id:
        return "Cleared the start"
    before = dose.started_at is None or row.taken_at <= dose.started_at
    if not before or row.systolic is None or policy is None:
        return ""
    band = dosing.pre_dose_band(row.systolic, row.diastolic, policy)
    if band == dosing.NO_DOSE:
        return "Refused pre-dose reading: no dose at this pressure"
    if band == dosing.CONFIRM and dose.started_at is not None:
        return "Pre-dose reading in the confirm band, re-measured"
    return ""


def _minutes(later: datetime, earlier: datetime) -> float:
    return (later - earlier).total_seconds() / 60


def _svg(dose: Dose, counted: list[VitalSigns], now: datetime) -> str:
    """The chart over the whole session: from the booked start (or an earlier first reading)
    to the booked end, the end of the dose or the latest reading, whichever is last."""
    if not counted:
        return ""
    appointment = dose.appointment
    begin = min(appointment.start, counted[0].taken_at)
    end = max(appointment.end, dose.ended_at or appointment.end, counted[-1].taken_at)
    rows = [(_minutes(v.taken_at, begin), v.systolic, v.diastolic, v.heart_rate) for v in counted]
    start = _minutes(dose.started_at, begin) if dose.started_at else None
    return vitals_svg(rows, span=_minutes(end, begin), start_minute=start)


def chart(dose: Dose, *, now: datetime | None = None) -> dict:
    """What the page and the session record show, from a dose loaded by `dose_page_data`
    (one more query: the active policy's dosing numbers)."""
    now = now or timezone.now()
    zone, policy = clinic_zone(), _policy()
    vitals = list(dose.vitals.all())
    booked_day = timezone.localtime(dose.appointment.start, zone).date()
    rows = [
        VitalsRow(
            row=v,
            day=timezone.localtime(v.taken_at, zone).date(),
            note=_note(v, dose, policy),
            alerts=", ".join(dosing.VITAL_LABELS.get(name, name) for name in v.alerts),
        )
        for v in vitals
    ]
    counted = [v for v in vitals if v.struck_at is None]
    ticks = list(dose.checklist.all())
    checklist = [
        ChecklistLine(
            item=item,
            label=label,
            done=next((c for c in ticks if c.item == item and c.struck_at is None), None),
            struck=[c for c in ticks if c.item == item and c.struck_at is not None],
        )
        for item, label in ChecklistItem.Item.choices
    ]
    next_due = None
    if dose.status == Dose.Status.STARTED:
        next_due = dosing.next_reading(
            started_at=dose.started_at,
            now=now,
            taken=[(v.taken_at, v.moment == VitalSigns.Moment.PEAK) for v in counted],
            every_minutes=policy.vitals_every_minutes if policy else 15,
        )
    if dose.started_at is None:
        minutes = None
    else:
        minutes = int(_minutes(dose.ended_at or now, dose.started_at))
    # Bandit B308/B703 (mark_safe) reviewed: charts.vitals_svg writes numbers and fixed colours.
    chart_svg = _svg(dose, counted, now)
    chart_svg = mark_safe(chart_svg)  # nosec B308, B703
    return {
        "dose": dose,
        "patient": dose.course.patient,
        "vitals": rows,
        "counted_vitals": counted,
        # Dates on every row once any row is on another day than the booking (past midnight).
        "show_dates": any(r.day != booked_day for r in rows),
        "chart_svg": chart_svg,
        "checklist": checklist,
        "checked": sum(line.done is not None for line in checklist),
        "counted_ticks": [line.done for line in checklist if line.done is not None],
        "events": list(dose.adverse_events.all()),
        "amendments": list(dose.amendments.all()),
        "next_due": next_due,
        "minutes_since_start": minutes,
    }


# --- Across doses: the chart's Administration section, the home pages' board ---------------

BOARD_SIZE = 30  # more doses than rooms at once would be another clinic


def _minutes_since(since: datetime | None, now: datetime) -> int | None:
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
            dose.minutes_so_far = _minutes_since(dose.started_at, now)
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
                "vitals",
                queryset=VitalSigns.objects.filter(struck_at__isnull=True).order_by(
                    "-taken_at", "-id"
                ),
                to_attr="recent",
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
                minutes=_minutes_since(dose.started_at, now),
                show_name=dose.show_name and clinician,  # the front desk's board: initials
                show_clinical=clinical,
                last_vitals=dose.recent[0] if clinical and dose.recent else None,
                open_alerts=tuple(dose.course.patient.open_alerts) if clinical else (),
            )
        )
    return board
