"""The one access policy for patient data: may this user do this to this patient?

Every view and every patient queryset goes through here. The rule for each role is written once,
as a filter over patients, so "which patients may I list" and "may I open this chart" can never
disagree.

- therapist: everything about the patients whose care team they are on;
- prescriber: the same, and candidates too (they review screenings and receive the safety alerts
  of candidates who have no care team yet);
- intake: candidates (a course in screening, or no course ever), record and demographics; a
  former patient (every course completed or discontinued) is not a candidate until a new course
  opens in screening;
- front desk: demographics of every patient (to register, call and book), no clinical record;
- admin: demographics of every patient, no clinical record;
- patient: their own record and demographics, read only (the portal).

Emergency access ("break-glass", `patients.break_glass`): a clinician outside the care team who
typed a reason reads that patient's demographics and record for 4 hours. It is one more term of
the same filter, so lists, charts and every page agree on it; it never grants writes or alerts.
"""

from enum import StrEnum

from django.db.models import Exists, OuterRef, Q, QuerySet
from django.http import Http404
from django.utils import timezone

from accounts.models import BreakGlassAccess
from accounts.roles import CLINICIANS, Role
from audit.models import Action
from audit.services import record
from patients import phases
from patients.models import CareTeamMember, Patient, TreatmentCourse


class Access(StrEnum):
    VIEW_DEMOGRAPHICS = "view_demographics"
    CHANGE_DEMOGRAPHICS = "change_demographics"
    VIEW_RECORD = "view_record"  # the clinical chart: courses, screening, sessions, notes
    CHANGE_RECORD = "change_record"  # clinical writes, phase changes, alerts
    # Who receives, sees and acts on a patient's alerts: those who may change the record.
    ALERTS = "change_record"


_ALL = Q()
_NONE = None


def _on_care_team(user) -> Q:
    # A subquery, not a join: a patient is never repeated, whatever it is combined with.
    return Q(Exists(CareTeamMember.objects.filter(patient=OuterRef("pk"), clinician=user)))


def _break_glass(user) -> Q:
    grants = BreakGlassAccess.objects.filter(
        user=user, patient_id=OuterRef("pk"), ends_at__gt=timezone.now()
    )
    return Q(Exists(grants))


def _candidates() -> Q:
    """A course in screening, or no course ever ("no open course" would take in former patients).

    Issue 21: `EXISTS(course in screening) OR NOT EXISTS(any course)` made PostgreSQL scan every
    patient with two hashed subplans over every course. The first set is now the partial index
    `course_in_screening`; the second is gated by the `has_course` hint and its partial index
    `patient_never_had_course` (a few rows), and still checks the courses themselves, so a stale
    hint (courses written in bulk) costs time, never a wrong answer. Measured in
    docs/architecture.md ("Speed at group-practice scale").
    """
    courses = TreatmentCourse.objects.filter(patient=OuterRef("pk"))
    never = Patient.objects.filter(has_course=False).exclude(Exists(courses)).values("pk")
    return Q(Exists(courses.filter(phase=phases.SCREENING))) | Q(has_course=False, pk__in=never)


def _scope(user, action: Access) -> Q | None:
    """The patients `user` may do `action` to, as a filter; None means no patient at all."""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return _NONE
    role = user.role
    if role in CLINICIANS:
        scope = _on_care_team(user)
        if role == Role.PRESCRIBER:
            scope |= _candidates()
        if action in (Access.VIEW_DEMOGRAPHICS, Access.VIEW_RECORD):
            scope |= _break_glass(user)
        return scope
    if role == Role.INTAKE:
        return _candidates()
    if role in (Role.FRONTDESK, Role.ADMIN):
        demographic = action in (Access.VIEW_DEMOGRAPHICS, Access.CHANGE_DEMOGRAPHICS)
        return _ALL if demographic else _NONE
    if role == Role.PATIENT:
        reading = action in (Access.VIEW_DEMOGRAPHICS, Access.VIEW_RECORD)
        return Q(user=user) if reading else _NONE
    return _NONE


def candidates_for(user, action: Access, *, patient: str = "patient") -> Q | None:
    """The filter a list of candidates (courses in screening) needs for `user` and `action`,
    over the list's patient column (`patient`, a lookup path): an empty Q when the policy lets
    `user` do `action` to every candidate (intake, prescribers), None when to none.

    A list of courses in screening filtered by `patients_for` made PostgreSQL evaluate the
    whole policy over every patient before walking the list (issue 21); intake and prescribers
    need no filter there, since a course in screening is exactly what makes a candidate.
    """
    scope = _scope(user, action)
    if scope is None:
        return None
    if not scope or user.role in (Role.INTAKE, Role.PRESCRIBER):
        return Q()
    return Q(**{f"{patient}__in": Patient.objects.filter(scope)})


def patients_for(user, action: Access = Access.VIEW_DEMOGRAPHICS) -> QuerySet[Patient]:
    """Every patient `user` may do `action` to."""
    scope = _scope(user, action)
    if scope is None:
        return Patient.objects.none()
    return Patient.objects.filter(scope) if scope else Patient.objects.all()


def may(user, action: Access, patient: Patient) -> bool:
    scope = _scope(user, action)
    if scope is None:
        return False
    if not scope:
        return True
    return Patient.objects.filter(scope, pk=patient.pk).exists()


def allowed_actions(user, patient: Patient) -> frozenset[Access]:
    """All four answers at once, in at most one query, for pages that show or hide sections."""
    answers: dict[Access, bool] = {}
    checks = {}
    for action in Access:
        scope = _scope(user, action)
        if scope is None or not scope:
            answers[action] = scope is not None
        else:
            checks[action.value] = Exists(Patient.objects.filter(scope, pk=OuterRef("pk")))
    if checks:
        row = Patient.objects.filter(pk=patient.pk).annotate(**checks).values(*checks).get()
        answers.update({Access(name): allowed for name, allowed in row.items()})
    return frozenset(action for action, allowed in answers.items() if allowed)


def require(user, action: Access, patient: Patient, obj=None) -> None:
    """For views: refuse with a 404 (existence not revealed) and an audit event when `user` may
    not do `action` to `patient`."""
    if not may(user, action, patient):
        record(user=user, action=Action.DENIED, patient_id=patient.pk, obj=obj)
        raise Http404("Not found")
