"""Every write about patients, care teams, courses and alerts that has a rule.

Each function runs in one transaction, checks its rule, writes, records the audit event and raises
`PatientsError` with a sentence the user can read when the rule says no.
"""

from collections.abc import Callable

from django.db import transaction
from django.db.models import F
from django.utils import timezone

from accounts.roles import CLINICIANS, Role
from audit.models import Action
from audit.services import record
from patients import phases
from patients.access import Access, may
from patients.errors import PatientsError
from patients.models import (
    Alert,
    CareTeamMember,
    MrnCounter,
    Patient,
    PhaseChange,
    TreatmentCourse,
)

# --- Patients -------------------------------------------------------------------------------------

DEMOGRAPHIC_FIELDS = (
    "first_name",
    "last_name",
    "preferred_name",
    "date_of_birth",
    "sex",
    "email",
    "phone",
    "address",
    "emergency_contact_name",
    "emergency_contact_relationship",
    "emergency_contact_phone",
)

# Who may register a new patient.
REGISTRARS = frozenset({Role.INTAKE, Role.FRONTDESK, Role.ADMIN})


def _next_mrn() -> str:
    # The UPDATE takes the counter row's write lock, so concurrent registrations queue here
    # and never share a number.
    counter, _ = MrnCounter.objects.get_or_create(pk=1)
    MrnCounter.objects.filter(pk=counter.pk).update(last_value=F("last_value") + 1)
    counter.refresh_from_db()
    return f"KC{counter.last_value:06d}"


@transaction.atomic
def patient_register(*, by, open_course: bool = True, **fields) -> Patient:
    """Register a patient (a candidate, usually) and open a course in screening."""
    if by.role not in REGISTRARS:
        raise PatientsError("Only intake, front desk or an administrator may register patients.")
    unknown = set(fields) - set(DEMOGRAPHIC_FIELDS)
    if unknown:
        raise TypeError(f"unknown patient fields: {sorted(unknown)}")
    patient = Patient(mrn=_next_mrn(), created_by=by, **fields)
    patient.full_clean()
    patient.save()
    record(user=by, action=Action.CREATE, patient_id=patient.pk, obj=patient)
    if open_course:
        course_open(by=by, patient=patient)
    return patient


@transaction.atomic
def patient_update(*, by, patient: Patient, **fields) -> Patient:
    # Compare against the stored row (a bound ModelForm has already changed the instance).
    patient = Patient.objects.select_for_update().get(pk=patient.pk)
    if not may(by, Access.CHANGE_DEMOGRAPHICS, patient):
        raise PatientsError("You may not change this patient's details.")
    unknown = set(fields) - set(DEMOGRAPHIC_FIELDS)
    if unknown:
        raise TypeError(f"unknown patient fields: {sorted(unknown)}")
    changed = sorted(name for name, value in fields.items() if getattr(patient, name) != value)
    for name in changed:
        setattr(patient, name, fields[name])
    patient.full_clean()
    if changed:
        patient.save(update_fields=changed)
    record(
        user=by,
        action=Action.CHANGE,
        patient_id=patient.pk,
        obj=patient,
        detail={"fields": changed},
    )
    return patient


@transaction.atomic
def care_team_add(*, by, patient: Patient, clinician, primary: bool = False) -> CareTeamMember:
    if by.role not in (Role.ADMIN, Role.INTAKE) and not may(by, Access.CHANGE_RECORD, patient):
        raise PatientsError("You may not change this patient's care team.")
    if clinician.role not in CLINICIANS:
        raise PatientsError("Only therapists and prescribers can be on a care team.")
    if primary and clinician.role != Role.THERAPIST:
        raise PatientsError("The primary clinician must be a therapist.")
    if primary:
        CareTeamMember.objects.filter(patient=patient, primary=True).update(primary=False)
    member, _ = CareTeamMember.objects.update_or_create(
        patient=patient, clinician=clinician, defaults={"primary": primary}
    )
    record(user=by, action=Action.CHANGE, patient_id=patient.pk, obj=member)
    return member


# --- The course and its phase ---------------------------------------------------------------------

# A guard takes (course, by, reason) and raises PatientsError to refuse. Guards are registered per
# target phase by the apps that own the facts (screening guards enrollment, sessions the first
# dose) from their AppConfig.ready(), so this service stays the only writer of a phase.
PhaseGuard = Callable[[TreatmentCourse, object, str], None]
_GUARDS: dict[str, list[PhaseGuard]] = {phase: [] for phase in phases.PHASES}


def register_phase_guard(target_phase: str) -> Callable[[PhaseGuard], PhaseGuard]:
    def register(guard: PhaseGuard) -> PhaseGuard:
        if guard not in _GUARDS[target_phase]:
            _GUARDS[target_phase].append(guard)
        return guard

    return register


@register_phase_guard(phases.PREPARATION)
def _primary_therapist_named(course: TreatmentCourse, by, reason: str) -> None:
    # An enrolled patient leaves intake's view: someone clinical must own their care from now on.
    if not CareTeamMember.objects.filter(patient_id=course.patient_id, primary=True).exists():
        raise PatientsError("Name a primary therapist on the care team before enrolling.")


@transaction.atomic
def course_open(*, by, patient: Patient) -> TreatmentCourse:
    if TreatmentCourse.objects.filter(patient=patient).exclude(phase__in=phases.CLOSED).exists():
        raise PatientsError("This patient already has an open course of treatment.")
    course = TreatmentCourse.objects.create(patient=patient, phase=phases.SCREENING)
    PhaseChange.objects.create(
        course=course, from_phase="", to_phase=phases.SCREENING, by=by, reason="Course opened"
    )
    record(user=by, action=Action.CREATE, patient_id=patient.pk, obj=course)
    return course


@transaction.atomic
def course_change_phase(*, by, course: TreatmentCourse, to_phase: str, reason: str = ""):
    """Move a course to `to_phase`: the one way a phase ever changes.

    The course row is locked first, so two concurrent requests see each other's result: the
    second finds the course already moved and is refused by the transition table.
    """
    course = TreatmentCourse.objects.select_for_update().select_related("patient").get(pk=course.pk)
    if not may(by, Access.CHANGE_RECORD, course.patient):
        raise PatientsError("You may not change this patient's course.")
    reason = (reason or "").strip()
    problem = phases.refusal(course.phase, to_phase, reason)
    if problem:
        raise PatientsError(problem)
    # Every guard is asked, so the user hears every reason at once, not one per attempt.
    refusals = []
    for guard in _GUARDS[to_phase]:
        try:
            guard(course, by, reason)
        except PatientsError as error:
            refusals.append(error.message)
    if refusals:
        raise PatientsError(" ".join(refusals))
    change = PhaseChange.objects.create(
        course=course, from_phase=course.phase, to_phase=to_phase, by=by, reason=reason
    )
    course.phase = to_phase
    if to_phase in phases.CLOSED:
        course.closed_at = change.at
    TreatmentCourse.objects.filter(pk=course.pk).update(
        phase=course.phase, closed_at=course.closed_at
    )
    record(
        user=by,
        action=Action.CHANGE,
        patient_id=course.patient_id,
        obj=course,
        detail={"from": change.from_phase, "to": to_phase},
    )
    return course


# --- Alerts ---------------------------------------------------------------------------------------


@transaction.atomic
def alert_raise(
    *, patient: Patient | None, recipient, kind: str, severity: str, message: str, by=None
) -> Alert:
    """Raise an alert for one recipient. `by` is the user whose action raised it, if any.
    `patient` is None only for an alert about no one patient (a controlled-substance loss)."""
    alert = Alert.objects.create(
        patient=patient, recipient=recipient, kind=kind, severity=severity, message=message
    )
    record(user=by, action=Action.CREATE, patient_id=alert.patient_id, obj=alert)
    return alert


def _locked_alert(alert: Alert, by) -> Alert:
    # Only the alert row: its patient may be absent (an outer join cannot be locked).
    alert = Alert.objects.select_for_update(of=("self",)).select_related("patient").get(pk=alert.pk)
    if alert.recipient_id != by.pk and (
        alert.patient is None or not may(by, Access.CHANGE_RECORD, alert.patient)
    ):
        raise PatientsError("You may not act on this alert.")
    return alert


@transaction.atomic
def alert_acknowledge(*, by, alert: Alert) -> Alert:
    alert = _locked_alert(alert, by)
    if alert.status != Alert.Status.OPEN:
        raise PatientsError("Only an open alert can be acknowledged.")
    alert.status = Alert.Status.ACKNOWLEDGED
    alert.acknowledged_at = timezone.now()
    alert.acknowledged_by = by
    alert.save(update_fields=["status", "acknowledged_at", "acknowledged_by"])
    record(
        user=by,
        action=Action.CHANGE,
        patient_id=alert.patient_id,
        obj=alert,
        detail={"status": alert.status},
    )
    return alert


@transaction.atomic
def alert_resolve(*, by, alert: Alert, note: str) -> Alert:
    alert = _locked_alert(alert, by)
    # An alert about no one patient is resolved by its recipient (an administrator, say).
    if by.role not in CLINICIANS and alert.patient_id is not None:
        raise PatientsError("Only a therapist or prescriber can resolve an alert.")
    if alert.status == Alert.Status.RESOLVED:
        raise PatientsError("This alert is already resolved.")
    note = (note or "").strip()
    if not note:
        raise PatientsError("Resolving an alert needs a note.", field="note")
    now = timezone.now()
    if alert.status == Alert.Status.OPEN:
        alert.acknowledged_at, alert.acknowledged_by = now, by
    alert.status = Alert.Status.RESOLVED
    alert.resolved_at, alert.resolved_by, alert.resolution_note = now, by, note
    alert.save()
    record(
        user=by,
        action=Action.CHANGE,
        patient_id=alert.patient_id,
        obj=alert,
        detail={"status": alert.status},
    )
    return alert
