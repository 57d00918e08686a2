"""Reads for outcomes, each in a fixed number of queries whatever the clinic's size:
- one course's scores, doses and outcomes (the chart's section, the course summary, the portal);
- the practice dashboard: every figure an aggregation in the database (`dashboard`)."""

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from django.db import connection
from django.db.models import (
    Case,
    Count,
    Exists,
    F,
    IntegerField,
    OuterRef,
    Q,
    Subquery,
    Sum,
    Value,
    When,
)
from django.db.models.fields.json import KeyTextTransform
from django.db.models.functions import Cast, Coalesce, Now, TruncDate, TruncWeek
from django.utils import timezone
from django.utils.safestring import mark_safe

from integration.models import FollowUp
from outcomes import charts, rules
from patients.models import TreatmentCourse
from patients.phases import PHASES
from screening.models import InstrumentAdministration, ScreeningDecision
from sessions.booking.selectors import clinic_zone
from sessions.models import AdverseEvent, Appointment, Dose

CODES = tuple(rules.TITLES)  # phq9, gad7, pcl5
STARTED = (Dose.Status.STARTED, *Dose.FINISHED)


# --- One course -----------------------------------------------------------------------------------


@dataclass
class CourseOutcomes:
    series: dict[str, list[rules.Point]]
    dose_times: list[datetime]
    outcomes: list[rules.Outcome]
    svg: str
    rows: list[dict] = field(default_factory=list)  # the values as a table, oldest first


def course_scores(course: TreatmentCourse) -> dict[str, list[rules.Point]]:
    """The course's completed PHQ-9, GAD-7 and PCL-5 totals, oldest first, in local time: one
    query. Screening, in-clinic and portal questionnaires alike (all are the patient's)."""
    rows = InstrumentAdministration.objects.filter(
        patient_id=course.patient_id,
        instrument__in=CODES,
        status=InstrumentAdministration.Status.COMPLETED,
        completed_at__gte=course.opened_at,
    )
    if course.closed_at:
        rows = rows.filter(completed_at__lte=course.closed_at)
    zone = clinic_zone()
    series: dict[str, list[rules.Point]] = {title: [] for title in rules.TITLES.values()}
    for row in rows.order_by("completed_at", "id").values("instrument", "completed_at", "score"):
        at = timezone.localtime(row["completed_at"], zone)
        series[rules.TITLES[row["instrument"]]].append(rules.Point(at, row["score"]["total"]))
    return series


def patient_course(patient_id) -> TreatmentCourse | None:
    """The patient's open course, else their latest: one query."""
    courses = TreatmentCourse.objects.filter(patient_id=patient_id)
    return courses.order_by(F("closed_at").desc(nulls_first=True), "-opened_at").first()


def course_outcomes(
    course: TreatmentCourse, doses: list[Dose] | None = None, *, width: int = 640
) -> CourseOutcomes:
    """Scores and outcomes of one course. `doses` (any of the patient's, e.g. the chart's list)
    spares the query for the doses' starts; without it, one more query."""
    if doses is None:
        dose_times = list(
            Dose.objects.filter(course=course, started_at__isnull=False).values_list(
                "started_at", flat=True
            )
        )
    else:
        dose_times = [d.started_at for d in doses if d.course_id == course.pk and d.started_at]
    zone = clinic_zone()
    dose_times = sorted(timezone.localtime(t, zone) for t in dose_times)
    series = course_scores(course)
    outcomes = [rules.outcome(t, ps, dose_times) for t, ps in series.items() if ps]
    rows = sorted(
        ({"at": p.at, "title": t, "total": p.total} for t, ps in series.items() for p in ps),
        key=lambda r: r["at"],
    )
    for row in rows:
        row["doses"] = sum(1 for s in dose_times if s <= row["at"])
    svg = charts.scores_svg({t: ps for t, ps in series.items() if ps}, dose_times, width=width)
    # Bandit B308/B703 (mark_safe) reviewed: charts.scores_svg writes numbers, fixed labels and
    # escape()d text only.
    svg = mark_safe(svg)  # noqa: S308  # nosec B308, B703
    return CourseOutcomes(
        series=series,
        dose_times=dose_times,
        outcomes=outcomes,
        svg=svg,
        rows=rows,
    )


# --- The practice dashboard -----------------------------------------------------------------------


@dataclass(frozen=True)
class Filters:
    start: date
    end: date  # inclusive, clinic-local days
    clinician_id: int | None = None
    drug: str = ""

    def bounds(self) -> tuple[datetime, datetime]:
        zone = clinic_zone()
        return (
            datetime.combine(self.start, time.min, zone),
            datetime.combine(self.end + timedelta(days=1), time.min, zone),
        )


def _doses(filters: Filters):
    """The doses started in the range, by the attending clinician and drug chosen."""
    low, high = filters.bounds()
    doses = Dose.objects.filter(started_at__gte=low, started_at__lt=high)
    if filters.clinician_id:
        doses = doses.filter(appointment__clinician_id=filters.clinician_id)
    if filters.drug:
        doses = doses.filter(drug=filters.drug)
    return doses


def _in_window():
    """Follow-ups held (or integrated) on a clinic-local day inside their 1–3 day window."""
    return FollowUp.objects.annotate(
        held_on=TruncDate("appointment__start", tzinfo=clinic_zone())
    ).filter(
        status__in=(FollowUp.Status.HELD, FollowUp.Status.INTEGRATED),
        held_on__gte=F("first_day"),
        held_on__lte=F("last_day"),
    )


def _phq9_total(*where):
    rows = InstrumentAdministration.objects.filter(
        *where,
        patient_id=OuterRef("patient_id"),
        instrument="phq9",
        status=InstrumentAdministration.Status.COMPLETED,
        completed_at__gte=OuterRef("opened_at"),
        completed_at__lte=Coalesce(OuterRef("closed_at"), Now()),
    )
    return Subquery(
        rows.annotate(total=Cast(KeyTextTransform("total", "score"), IntegerField()))
        .order_by("-completed_at", "-id")
        .values("total")[:1]
    )


def _courses_with_outcomes(filters: Filters):
    """Courses with a dose in the range, each annotated in the database with its number of
    doses, PHQ-9 baseline (the last before the first dose) and latest PHQ-9 after it, and
    whether every finished dose was integrated inside its window."""
    started = Dose.objects.filter(course_id=OuterRef("pk"), started_at__isnull=False)
    finished = Dose.objects.filter(course_id=OuterRef("pk"), status__in=Dose.FINISHED)
    # A finished dose not integrated inside its window, by joins (its follow-up is one row): a
    # nested NOT EXISTS here made PostgreSQL rebuild a hash of every follow-up per course.
    outside = finished.annotate(
        held_on=TruncDate("followup__appointment__start", tzinfo=clinic_zone())
    ).filter(
        Q(followup__isnull=True)
        | Q(followup__status__in=FollowUp.OPEN)
        | Q(held_on__isnull=True)
        | Q(held_on__lt=F("followup__first_day"))
        | Q(held_on__gt=F("followup__last_day"))
    )
    return (
        TreatmentCourse.objects.filter(Exists(_doses(filters).filter(course_id=OuterRef("pk"))))
        .annotate(
            first_at=Subquery(started.order_by("started_at").values("started_at")[:1]),
            dose_count=Subquery(
                started.order_by().values("course_id").annotate(n=Count("id")).values("n")[:1]
            ),
        )
        .annotate(
            baseline=_phq9_total(Q(completed_at__lt=OuterRef("first_at"))),
            latest=_phq9_total(Q(completed_at__gte=OuterRef("first_at"))),
            all_integrated=Case(
                When(
                    Exists(finished) & ~Exists(outside),
                    then=Value(1),
                ),
                default=Value(0),
                output_field=IntegerField(),
            ),
        )
    )


def _count_outcomes(rows) -> dict:
    """PHQ-9 response and remission counts over (baseline, latest) pairs, by the pure rules."""
    counts = {"courses": 0, "judged": 0, "responders": 0, "scored": 0, "remitters": 0}
    for baseline, latest in rows:
        counts["courses"] += 1
        if latest is None:
            continue
        counts["scored"] += 1
        counts["remitters"] += rules.is_remission("PHQ-9", latest)
        if baseline:
            counts["judged"] += 1
            counts["responders"] += rules.is_response(baseline, latest)
    return counts


def _with_rates(row: dict) -> dict:
    return {
        **row,
        "response_rate": rules.rate(row["responders"], row["judged"]),
        "remission_rate": rules.rate(row["remitters"], row["scored"]),
    }


SCREENING_RULES_SQL = {
    "postgresql": """
        SELECT r.value->>'code', r.value->>'severity', COUNT(*)
        FROM screening_screeningdecision d, jsonb_array_elements(d.reasons) r
        WHERE d.decided_at >= %s AND d.decided_at < %s AND NOT EXISTS (
            SELECT 1 FROM screening_screeningdecision e
            WHERE e.screening_id = d.screening_id AND e.id > d.id)
        GROUP BY 1, 2 ORDER BY 3 DESC, 1""",
    "sqlite": """
        SELECT json_extract(r.value, '$.code'), json_extract(r.value, '$.severity'), COUNT(*)
        FROM screening_screeningdecision d, json_each(d.reasons) r
        WHERE d.decided_at >= %s AND d.decided_at < %s AND NOT EXISTS (
            SELECT 1 FROM screening_screeningdecision e
            WHERE e.screening_id = d.screening_id AND e.id > d.id)
        GROUP BY 1, 2 ORDER BY 3 DESC, 1""",
}


def _screening(filters: Filters) -> tuple[list[dict], list[dict]]:
    """Latest decision of each screening decided in the range: by outcome, and by rule fired
    (the rules are a JSON list in the decision; each database unnests it its own way)."""
    low, high = filters.bounds()
    latest = ScreeningDecision.objects.filter(decided_at__gte=low, decided_at__lt=high).filter(
        ~Exists(
            ScreeningDecision.objects.filter(screening=OuterRef("screening"), id__gt=OuterRef("id"))
        )
    )
    by_outcome = list(latest.values("outcome").annotate(n=Count("id")).order_by("-n", "outcome"))
    with connection.cursor() as cursor:
        cursor.execute(SCREENING_RULES_SQL[connection.vendor], [low, high])
        by_rule = [{"code": c, "severity": s, "n": n} for c, s, n in cursor.fetchall()]
    return by_outcome, by_rule


def dashboard(filters: Filters) -> dict:
    """Every figure of the practice dashboard, computed in the database: nine queries
    whatever the clinic's size. Counts only, never a patient."""
    zone = clinic_zone()
    doses = _doses(filters)
    open_courses = TreatmentCourse.objects.filter(closed_at__isnull=True)
    if filters.clinician_id:
        open_courses = open_courses.filter(patient__care_team__clinician_id=filters.clinician_id)
    if filters.drug:
        open_courses = open_courses.filter(
            Exists(Dose.objects.filter(course_id=OuterRef("pk"), drug=filters.drug))
        )
    by_phase = dict(
        open_courses.values("phase")
        .annotate(n=Count("id", distinct=True))
        .values_list("phase", "n")
    )
    weeks = list(
        doses.annotate(week=TruncWeek("started_at", tzinfo=zone))
        .values("week")
        .annotate(n=Count("id"))
        .order_by("week")
    )
    for row in weeks:
        row["week"] = row["week"].date() if isinstance(row["week"], datetime) else row["week"]
    total_doses = sum(row["n"] for row in weeks)
    followups = FollowUp.objects.filter(dose__in=doses.values("pk")).aggregate(
        due=Count(
            "id",
            filter=Q(closes_at__lte=timezone.now())
            | Q(status__in=(FollowUp.Status.HELD, FollowUp.Status.INTEGRATED)),
        ),
        inside=Count("id", filter=Q(pk__in=_in_window().values("pk"))),
    )
    followups["rate"] = rules.rate(followups["inside"], followups["due"])
    # One row per course, each figure of it computed in the database (first dose, number of
    # doses, baseline, latest, every dose integrated in its window): grouping those in
    # PostgreSQL repeated every subquery in each filtered COUNT and GROUP BY (a minute at 2,000
    # courses); counted here by the pure rules, the same query costs a fraction of a second.
    per_course = list(
        _courses_with_outcomes(filters).values_list(
            "dose_count", "baseline", "latest", "all_integrated"
        )
    )
    groups: dict[int, list] = {}
    for count, baseline, latest, _ in per_course:
        groups.setdefault(count, []).append((baseline, latest))
    by_doses = [
        {**_with_rates(_count_outcomes(pairs)), "doses": count}
        for count, pairs in sorted(groups.items())
    ]
    integration = {
        flag: _with_rates(_count_outcomes([(b, la) for _, b, la, f in per_course if f == flag]))
        for flag in (0, 1)
        if any(f == flag for *_, f in per_course)
    }
    events = list(
        AdverseEvent.objects.filter(dose__in=doses.values("pk"))
        .values("kind", "severity")
        .annotate(n=Count("id"))
        .order_by("-n", "kind", "severity")
    )
    for row in events:
        row["per_100"] = round(100 * row["n"] / total_doses, 1) if total_doses else None
    low, high = filters.bounds()
    appointments = Appointment.objects.filter(start__gte=low, start__lt=high).exclude(
        status__in=(Appointment.Status.CANCELLED, Appointment.Status.BOOKED)
    )
    if filters.clinician_id:
        appointments = appointments.filter(clinician_id=filters.clinician_id)
    if filters.drug:
        appointments = appointments.filter(dose__drug=filters.drug)
    no_shows = list(
        appointments.values("type__code", "type__name")
        .annotate(
            appointments=Count("id"),
            missed=Coalesce(
                Sum(Case(When(status=Appointment.Status.NO_SHOW, then=1), default=0)), 0
            ),
        )
        .order_by("type__code")
    )
    for row in no_shows:
        row["rate"] = rules.rate(row["missed"], row["appointments"])
    by_outcome, by_rule = _screening(filters)
    return {
        "phases": [(phase, by_phase.get(phase, 0)) for phase in PHASES if phase in by_phase],
        "weeks": weeks,
        "total_doses": total_doses,
        "followups": followups,
        "by_doses": by_doses,
        "integrated": integration.get(1),
        "not_integrated": integration.get(0),
        "events": events,
        "no_shows": no_shows,
        "screening_outcomes": by_outcome,
        "screening_rules": by_rule,
    }
