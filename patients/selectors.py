"""Reads with joins for pages about patients: each costs a fixed number of queries."""

import re
from datetime import date, datetime
from functools import cached_property

from django.core.paginator import Page, Paginator
from django.db.models import Case, IntegerField, Prefetch, Q, QuerySet, Value, When
from django.db.models.functions import Upper

from accounts.roles import Role
from audit.models import Action, AuditEvent
from patients import phases
from patients.access import Access, patients_for
from patients.models import Alert, CareTeamMember, Patient, PhaseChange, TreatmentCourse

_DATE_FORMATS = ("%Y-%m-%d", "%m/%d/%Y", "%m-%d-%Y", "%d.%m.%Y")


def _as_date(term: str) -> date | None:
    for fmt in _DATE_FORMATS:
        try:
            return datetime.strptime(term, fmt).date()
        except ValueError:
            continue
    return None


def search(patients: QuerySet[Patient], term: str) -> QuerySet[Patient]:
    """Match a name (every word, any name field), an MRN or a date of birth."""
    term = term.strip()
    if not term:
        return patients
    born = _as_date(term)
    if born:
        return patients.filter(date_of_birth=born)
    if re.fullmatch(r"[A-Za-z]{0,4}\d{3,}", term):
        return patients.filter(mrn__icontains=term)
    for word in term.split():
        patients = patients.filter(
            Q(first_name__icontains=word)
            | Q(last_name__icontains=word)
            | Q(preferred_name__icontains=word)
        )
    return patients


# Past this many patients a list says "500+" and a search asks for more of the name.
LIST_CAP = 500


class CappedPaginator(Paginator):
    """Counts at most LIST_CAP + 1 rows (`SELECT COUNT(*) FROM (… LIMIT 501)`): the count of a
    list stops growing with the clinic (issue 21). Pages past the cap are not offered."""

    @cached_property
    def count(self) -> int:
        return self.object_list[: LIST_CAP + 1].count()

    @property
    def capped(self) -> bool:
        return self.count > LIST_CAP


def patient_page(patients: QuerySet[Patient], term: str, number, size: int) -> Page:
    """One page of `patients` (access-filtered) matching `term`, alphabetical, with
    `latest_courses`: three queries.

    A search reads its matches once (the trigram indexes on PostgreSQL find them; at most
    LIST_CAP + 1), sorts them here and fetches the page by id: the count and the page come from
    that one read, and the planner cannot walk the name index over every patient hoping to meet
    25 matches. Past the cap a search is counted up to the cap; the plain list walks the name
    index, counted up to the cap.
    """
    matches = search(patients, term)
    if term.strip():
        rows = list(
            matches.order_by().values_list("pk", "last_name", "first_name", "date_of_birth")[
                : LIST_CAP + 1
            ]
        )
        if len(rows) <= LIST_CAP:
            rows.sort(key=lambda r: (r[1].casefold(), r[2].casefold(), r[3]))
            page = Paginator([r[0] for r in rows], size).get_page(number)
            shown = {p.pk: p for p in with_courses(patients.filter(pk__in=page.object_list))}
            page.object_list = [shown[pk] for pk in page.object_list if pk in shown]
            return page
        # Sorted by expressions no index holds: PostgreSQL finds the matches through the
        # trigram indexes and sorts them, instead of walking every name in order hoping to
        # meet 25 (a thousand Smiths are all near the end).
        matches = matches.order_by(Upper("last_name"), Upper("first_name"), "date_of_birth")
    return CappedPaginator(with_courses(matches), size).get_page(number)


def with_courses(patients: QuerySet[Patient]) -> QuerySet[Patient]:
    """Attach `latest_courses` (newest first) to each patient, in one query for the page."""
    return patients.prefetch_related(
        Prefetch(
            "courses",
            queryset=TreatmentCourse.objects.order_by("-opened_at"),
            to_attr="latest_courses",
        )
    )


def chart(patient_pk) -> Patient:
    """The patient with courses (and their timelines), care team and unresolved alerts."""
    return Patient.objects.prefetch_related(
        Prefetch(
            "courses",
            queryset=TreatmentCourse.objects.prefetch_related(
                Prefetch("phase_changes", queryset=PhaseChange.objects.select_related("by"))
            ),
        ),
        Prefetch("care_team", queryset=CareTeamMember.objects.select_related("clinician")),
        Prefetch(
            "alerts",
            queryset=Alert.objects.exclude(status=Alert.Status.RESOLVED).select_related(
                "recipient"
            ),
            to_attr="unresolved_alerts",
        ),
    ).get(pk=patient_pk)


def unresolved_alerts_for(user) -> QuerySet[Alert]:
    """The user's open alerts, only about patients the access policy still lets them act on (a
    row written around `alert_raise`, or a care team the user has left, shows nothing)."""
    return (
        Alert.objects.filter(recipient=user)
        .filter(Q(patient__in=patients_for(user, Access.ALERTS)) | Q(patient__isnull=True))
        .exclude(status=Alert.Status.RESOLVED)
        .select_related("patient")
        .annotate(
            rank=Case(
                When(severity=Alert.Severity.URGENT, then=Value(0)),
                When(severity=Alert.Severity.WARNING, then=Value(1)),
                default=Value(2),
                output_field=IntegerField(),
            )
        )
        .order_by("rank", "created_at")
    )


def needs_primary_therapist(patient_id) -> bool:
    """Enrollment wants a primary therapist on the care team (the preparation guard)."""
    return not CareTeamMember.objects.filter(patient_id=patient_id, primary=True).exists()


def moved_to_care_team(user, patient_pk) -> bool:
    """An intake coordinator opening a patient they screened who has since been enrolled: the
    chart is the care team's now. True only when intake handled this patient before (their own
    audit trail says so), so the answer tells them nothing they did not know."""
    if user.role != Role.INTAKE:
        return False
    enrolled = TreatmentCourse.objects.filter(
        patient_id=patient_pk, phase__in=sorted(phases.ENROLLED)
    ).exists()
    return enrolled and (
        AuditEvent.objects.filter(user=user, patient_id=patient_pk)
        .exclude(action=Action.DENIED)
        .exists()
    )
