"""Every write about patients, care teams, courses and alerts that has a rule.

Each function runs in one transaction, checks its rule, writes, records the audit event and raises
`PatientsError` with a sentence the user can read when the rule says no.
"""

from collections.abc import Callable

from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
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
from patients.signals import alerts_raised

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


def _validated(patient: Patient) -> None:
    """The model's own checks (a plausible date of birth, an e-mail address…) as the app's
    error, on the field they concern."""
    try:
        patient.full_clean()
    except ValidationError as error:
        field, messages = next(iter(error.message_dict.items()))
        raise PatientsError(
            messages[0], field=None if field == NON_FIELD_ERRORS else field
        ) from error


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
    _validated(patient)
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
    _validated(patient)
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
    # Intake names the team of its candidates only (through the policy); an administrator
    # staffs any team without reading the record.
    if by.role != Role.ADMIN and not may(by, Access.CHANGE_RECORD, patient):
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


def may_act_on_alert(user, alert: Alert) -> bool:
    """Being its recipient is not enough: an alert about a patient needs the policy's leave to
    act on that patient's record; an alert about no patient is its recipient's alone."""
    if alert.patient_id is None:
        return alert.recipient_id == user.pk
    return may(user, Access.ALERTS, alert.patient)


def on_call_prescribers() -> list:
    """The prescribers on call; nobody marked on call must not mean nobody told: then every
    active prescriber."""
    from accounts.models import User

    active = User.objects.filter(role=Role.PRESCRIBER, is_active=True).order_by("pk")
    return list(active.filter(on_call=True)) or list(active)


def _alert_routing(patient: Patient, intended) -> tuple[list, str]:
    """Who gets an alert about `patient`: only people the access policy lets act on the
    patient's record. The intended recipients who may; when none may, the on-call prescribers
    who may; when none of them may (an enrolled patient outside their care teams), the care
    team's active clinicians."""

    def allowed(users):
        return [u for u in dict.fromkeys(users) if may(u, Access.ALERTS, patient)]

    if patient is None:
        # About no one patient (a controlled-substance loss): no record to guard, no PHI in it.
        return list(dict.fromkeys(intended)), "intended"
    found = allowed(intended)
    if found:
        return found, "intended"
    found = allowed(on_call_prescribers())
    if found:
        return found, "on call"
    team = patient.care_team.select_related("clinician").order_by("-primary", "pk")
    return allowed(m.clinician for m in team), "care team"


@transaction.atomic
def alert_raise(
    *,
    patient: Patient | None,
    recipients=(),
    recipient=None,
    kind: str,
    severity: str,
    message: str,
    by=None,
) -> list[Alert]:
    """Raise an alert about `patient` for `recipients` (or the one `recipient`); `by` is the
    user whose action raised it, if any. Returns the alerts written, one per recipient.
    `patient` is None only for an alert about no one patient (a controlled-substance loss).

    Every caller meets the same wall: an alert only ever goes to someone the access policy lets
    act on this patient's record, and a routing that finds nobody falls back (`_alert_routing`).
    When nobody at all may receive it, the action that raised it is refused rather than the
    alert lost.
    """
    intended = [*recipients, *([recipient] if recipient is not None else [])]
    routed, route = _alert_routing(patient, intended)
    if not routed:
        raise PatientsError(
            "Nobody who may see this patient's record can receive this alert: name an active "
            "clinician on the care team first."
        )
    alerts = []
    for user in routed:
        alert = Alert.objects.create(
            patient=patient, recipient=user, kind=kind, severity=severity, message=message
        )
        record(
            user=by,
            action=Action.CREATE,
            patient_id=alert.patient_id,
            obj=alert,
            detail={"recipient": user.pk, "route": route},
        )
        alerts.append(alert)
    alerts_raised.send(sender=Alert, alerts=alerts)
    return alerts


def _locked_alert(alert: Alert, by) -> Alert:
    # Only the alert row: its patient may be absent (an outer join cannot be locked).
    alert = Alert.objects.select_for_update(of=("self",)).select_related("patient").get(pk=alert.pk)
    if not may_act_on_alert(by, alert):
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
