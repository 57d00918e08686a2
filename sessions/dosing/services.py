"""The dose's lifecycle: the checklist, the order, the start and its guards, discharge and ending
early. Vitals and adverse events are in `monitoring`, the Schedule III record in `administration`.

Each function runs in one transaction on the locked dose row, checks its rule, writes, records the
audit event and raises `SessionsError` with a sentence the user can read when a rule says no.
"""

from datetime import datetime
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from accounts.roles import CLINICIANS, Role
from audit.models import Action
from audit.services import record
from patients import phases
from patients.access import Access, may
from patients.errors import PatientsError
from patients.models import Alert, TreatmentCourse
from patients.services import course_change_phase, register_phase_guard
from screening.intake import age_on
from screening.selectors import policy_review_problem
from sessions.booking.selectors import clinic_zone
from sessions.booking.services import appointment_follow_dose
from sessions.consent import services as consent
from sessions.dosing import rules as dosing
from sessions.dosing.charting import audit_change, dosing_policy, lock_dose, require_status
from sessions.errors import SessionsError
from sessions.models import Appointment, AppointmentType
from sessions.models.doses import ChecklistItem, Dose, VitalSigns
from sessions.preparation import services as preparation
from sessions.questionnaires import services as questionnaires
from sessions.rems.selectors import rems_problem  # REMS: esketamine needs the enrollment
from sessions.signals import dose_finished

CHECKLIST = tuple(ChecklistItem.Item.values)


@register_phase_guard(phases.TREATMENT)
def first_dose_guard(course, by, reason: str) -> None:
    """Registered with the course's phase service: a course enters treatment only from
    `dose_start`, which marks the dose started before it moves the course."""
    if not Dose.objects.filter(course=course, status=Dose.Status.STARTED).exists():
        raise PatientsError(
            "A course enters treatment when its first dose starts: start it on the dosing chart."
        )


@transaction.atomic
def dose_prepare(*, by, appointment: Appointment) -> Dose:
    """The dose record of a dosing appointment (created once, on first use)."""
    appointment = (
        Appointment.objects.select_for_update()
        .select_related("course", "type", "patient")
        .get(pk=appointment.pk)
    )
    if not may(by, Access.CHANGE_RECORD, appointment.patient) or by.role not in CLINICIANS:
        raise SessionsError("Only a clinician on the care team may chart this dose.")
    if appointment.type.code != AppointmentType.Code.DOSING:
        raise SessionsError("Only a dosing appointment has a dose.")
    existing = Dose.objects.filter(appointment=appointment).first()
    if existing is not None:
        return existing  # in progress or finished: its chart
    if appointment.status != Appointment.Status.BOOKED:
        raise SessionsError("This appointment is not booked any more.")
    dose, created = Dose.objects.get_or_create(
        appointment=appointment, defaults={"course": appointment.course}
    )
    if created:
        record(user=by, action=Action.CREATE, patient_id=appointment.patient_id, obj=dose)
    return dose


@transaction.atomic
def checklist_check(*, by, dose: Dose, item: str, note: str = "") -> ChecklistItem:
    dose = lock_dose(dose, by)
    require_status(dose, Dose.Status.BOOKED, doing="change its checklist")
    if item not in CHECKLIST:
        raise SessionsError(f"Unknown checklist item {item!r}.")
    # A struck tick does not count: the item is ticked again on a row of its own.
    checked, _ = ChecklistItem.objects.get_or_create(
        dose=dose, item=item, struck_at=None, defaults={"checked_by": by, "note": note[:200]}
    )
    audit_change(by, dose, checked, item=item)
    return checked


def _number(value, field: str, label: str, limits, places: int, unit: str) -> Decimal:
    low, high = limits
    try:
        return dosing.decimal_value(
            value, label=label, low=low, high=high, places=places, unit=unit
        )
    except ValueError as error:
        raise SessionsError(str(error), field=field) from None


@transaction.atomic
def dose_order(
    *,
    by,
    dose: Dose,
    drug: str,
    route: str,
    dose_mg,
    weight_kg,
    order_text: str = "",
    range_confirm_reason: str = "",
    weight_confirm_reason: str = "",
) -> Dose:
    """The prescriber's order, checked against the policy: a weight outside the plausible adult
    range, or a dose outside the range for the drug and route (or with no range), only with the
    prescriber's reason. Impossible numbers (NaN, 5,000 kg) are refused whatever the reason."""
    dose = lock_dose(dose, by, prescriber=True)
    require_status(dose, Dose.Status.BOOKED, doing="be ordered again")
    if drug not in Dose.Drug.values:
        raise SessionsError("Choose a drug from the list.", field="drug")
    if route not in Dose.Route.values:
        raise SessionsError("Choose a route from the list.", field="route")
    weight_kg = _number(weight_kg, "weight_kg", "Weight", dosing.WEIGHT_KG_LIMITS, 1, "kg")
    dose_mg = _number(dose_mg, "dose_mg", "Dose", dosing.DOSE_MG_LIMITS, 2, "mg")
    label, policy = dosing_policy()
    weight_reason = (weight_confirm_reason or "").strip()
    weight_problem = dosing.weight_problem(weight_kg, policy)
    if weight_problem and not weight_reason:
        raise SessionsError(weight_problem, field="weight_confirm_reason")
    age = age_on(dose.course.patient.date_of_birth, timezone.localdate())
    check = dosing.check_dose(
        drug=drug, route=route, dose_mg=dose_mg, weight_kg=weight_kg, age=age, policy=policy
    )
    reason = (range_confirm_reason or "").strip()
    if not check.within_range and not reason:
        raise SessionsError(
            f"{check.message} Confirm with a reason to order it.", field="range_confirm_reason"
        )
    dose.drug, dose.route, dose.dose_mg, dose.weight_kg = drug, route, dose_mg, weight_kg
    dose.mg_per_kg, dose.order_text = check.mg_per_kg, (order_text or "").strip()
    dose.range_confirm_reason = "" if check.within_range else reason
    dose.weight_confirm_reason = weight_reason if weight_problem else ""
    dose.ordered_by, dose.ordered_at, dose.policy_label = by, timezone.now(), label
    dose.save()
    audit_change(by, dose, ordered=True, within_range=check.within_range)
    return dose


def start_reading(dose: Dose, at: datetime) -> VitalSigns | None:
    """The latest blood pressure taken before `at`, whatever its label: the reading the pre-dose
    band reads, and the baseline discharge compares with."""
    return (
        dose.vitals.filter(systolic__isnull=False, taken_at__lte=at, struck_at__isnull=True)
        .order_by("-taken_at", "-id")
        .first()
    )


def _appointment_problems(dose: Dose, at: datetime) -> list[str]:
    appointment, problems = dose.appointment, []
    if appointment.status != Appointment.Status.BOOKED:
        problems.append(
            f"The appointment is {appointment.get_status_display().lower()}: a dose starts only "
            "on a booked appointment."
        )
    zone = clinic_zone()
    day, today = (timezone.localtime(t, zone).date() for t in (appointment.start, at))
    if day != today:
        problems.append(
            f"The appointment is on {day:%a %b} {day.day}, not today: a dose starts on its "
            "appointment's day."
        )
    return problems


def start_problems(
    dose: Dose,
    by,
    *,
    bp_confirm_reason: str = "",
    previous_dose_reason: str = "",
    at: datetime | None = None,
) -> list[str]:
    """Everything that stands between this dose and its start (DESIGN.md's start guard)."""
    at = at or timezone.now()
    patient = dose.course.patient
    problems = _appointment_problems(dose, at)
    ticked = dose.checklist.filter(struck_at__isnull=True).values_list("item", flat=True)
    missing = set(CHECKLIST) - set(ticked)
    if missing:
        labels = [ChecklistItem.Item(item).label for item in CHECKLIST if item in missing]
        problems.append("Checklist incomplete: " + "; ".join(labels) + ".")
    if dose.dose_mg is None:
        problems.append("There is no prescriber's order.")
    for problem in (
        consent.consent_problem(patient),
        preparation.preparation_problem(dose.course),
        questionnaires.recent_questionnaires_problem(patient, at),
        policy_review_problem(dose.course),
        rems_problem(dose),  # REMS: esketamine only for a patient enrolled in its REMS
    ):
        if problem:
            problems.append(problem)
    if preparation.escort_for(dose.course) is None:
        problems.append("Name the escort who takes the patient home on the preparation record.")
    if (
        Alert.objects.filter(patient=patient, kind=Alert.Kind.SAFETY)
        .exclude(status=Alert.Status.RESOLVED)
        .exists()
    ):
        problems.append("An unresolved safety alert blocks the dose: resolve it first.")
    problems.extend(_bp_problems(start_reading(dose, at), by, bp_confirm_reason))
    others = Dose.objects.filter(course__patient=patient).exclude(pk=dose.pk)
    if others.filter(status=Dose.Status.STARTED).exists():
        problems.append(
            "The patient's previous dose is still in progress: discharge it or end it early first."
        )
    explained = by.role == Role.PRESCRIBER and previous_dose_reason.strip()
    if _previous_not_integrated(dose) and not explained:
        problems.append(
            "The previous dose is not integrated yet: a prescriber confirms with a reason."
        )
    return problems


def _previous_not_integrated(dose: Dose) -> bool:
    """The patient's previous dose was given and is not integrated yet."""
    previous = (
        Dose.objects.filter(course__patient_id=dose.course.patient_id, started_at__isnull=False)
        .exclude(pk=dose.pk)
        .order_by("-started_at")
        .first()
    )
    return previous is not None and previous.status != Dose.Status.INTEGRATED


def start_reasons(dose: Dose, at: datetime | None = None) -> set[str]:
    """Which of the prescriber's reasons the start guard would ask for now: "bp" (the pre-dose
    reading is in the confirm band), "previous" (the previous dose is not integrated). The
    page shows only those fields."""
    reasons = set()
    reading = start_reading(dose, at or timezone.now())
    if reading is not None:
        _, policy = dosing_policy()
        if dosing.pre_dose_band(reading.systolic, reading.diastolic, policy) == dosing.CONFIRM:
            reasons.add("bp")
    if _previous_not_integrated(dose):
        reasons.add("previous")
    return reasons


def _bp_problems(reading: VitalSigns | None, by, reason: str) -> list[str]:
    if reading is None:
        return ["Take a seated pre-dose blood pressure."]
    _, policy = dosing_policy()
    band = dosing.pre_dose_band(reading.systolic, reading.diastolic, policy)
    bp = f"{reading.systolic}/{reading.diastolic}"
    if band == dosing.NO_DOSE:
        return [
            f"Pre-dose blood pressure {bp} is at or above {policy.no_dose_systolic}/"
            f"{policy.no_dose_diastolic}: no dose today (re-measure after 5 minutes' rest)."
        ]
    if band == dosing.CONFIRM and (by.role != Role.PRESCRIBER or not reason.strip()):
        return [f"Pre-dose blood pressure {bp} needs a prescriber's confirmation with a reason."]
    return []


@transaction.atomic
def dose_start(
    *, by, dose: Dose, bp_confirm_reason: str = "", previous_dose_reason: str = ""
) -> Dose:
    dose = lock_dose(dose, by)
    # Two doses of one course starting at once queue here, so the second sees the first.
    TreatmentCourse.objects.select_for_update().get(pk=dose.course_id)
    require_status(dose, Dose.Status.BOOKED, doing="start")
    now = timezone.now()
    problems = start_problems(
        dose,
        by,
        bp_confirm_reason=bp_confirm_reason,
        previous_dose_reason=previous_dose_reason,
        at=now,
    )
    if problems:
        raise SessionsError(" ".join(problems))
    if dose.course.phase not in (phases.PREPARATION, phases.TREATMENT, phases.MAINTENANCE):
        raise SessionsError("Doses are given in preparation (the first), treatment or maintenance.")
    dose.status, dose.started_at, dose.started_by = Dose.Status.STARTED, now, by
    dose.start_reading = start_reading(dose, now)
    if bp_confirm_reason.strip() or previous_dose_reason.strip():
        dose.confirmed_by = by
    dose.bp_confirm_reason = bp_confirm_reason.strip()
    dose.previous_dose_reason = previous_dose_reason.strip()
    dose.save()
    appointment_follow_dose(
        by=by, appointment=dose.appointment, status=Appointment.Status.IN_PROGRESS
    )
    if dose.course.phase == phases.PREPARATION:
        # The first dose moves the course into treatment, through the course's own service.
        try:
            course_change_phase(
                by=by,
                course=dose.course,
                to_phase=phases.TREATMENT,
                reason=f"First dose started (dose {dose.pk}).",
            )
        except PatientsError as error:
            raise SessionsError(error.message) from error
    audit_change(by, dose, status=dose.status)
    return dose


@transaction.atomic
def dose_update_notes(*, by, dose: Dose, dissociation=None, setting_notes: str = "") -> Dose:
    dose = lock_dose(dose, by)
    if dissociation is not None and (
        isinstance(dissociation, bool)
        or not isinstance(dissociation, int)
        or not 0 <= dissociation <= 10
    ):
        raise SessionsError(
            "Dissociation is rated 0 to 10, in whole numbers.", field="dissociation"
        )
    dose.dissociation, dose.setting_notes = dissociation, setting_notes.strip()
    dose.save(update_fields=["dissociation", "setting_notes"])
    audit_change(by, dose, notes=True)
    return dose


def _finish(dose: Dose, by) -> None:
    dose.ended_at = timezone.now()
    dose.monitoring_minutes = int((dose.ended_at - dose.started_at).total_seconds() // 60)
    dose.discharged_by = by
    dose.save()
    audit_change(by, dose, status=dose.status)
    appointment_follow_dose(
        by=by, appointment=dose.appointment, status=Appointment.Status.COMPLETED
    )
    # Integration schedules the follow-up; send only once the finish is committed.
    dose_id = dose.pk
    transaction.on_commit(lambda: dose_finished.send(sender=Dose, dose_id=dose_id))


def _vitals(row: VitalSigns | None) -> dosing.Vitals | None:
    if row is None:
        return None
    return dosing.Vitals(
        row.systolic, row.diastolic, row.heart_rate, row.spo2, row.respiratory_rate
    )


@transaction.atomic
def dose_discharge(
    *,
    by,
    dose: Dose,
    alert_and_oriented: bool,
    walking_steadily: bool,
    escort_present: bool,
    no_driving_acknowledged: bool,
) -> Dose:
    dose = lock_dose(dose, by)
    require_status(dose, Dose.Status.STARTED, doing="be discharged")
    baseline = dose.start_reading or start_reading(dose, dose.started_at)
    # The latest reading taken after the start, whatever its label.
    latest = (
        dose.vitals.filter(taken_at__gt=dose.started_at, struck_at__isnull=True)
        .order_by("-taken_at", "-id")
        .first()
    )
    _, policy = dosing_policy()
    facts = dosing.DischargeFacts(
        baseline=_vitals(baseline),
        latest=_vitals(latest),
        monitoring_minutes=int((timezone.now() - dose.started_at).total_seconds() // 60),
        alert_and_oriented=alert_and_oriented,
        walking_steadily=walking_steadily,
        escort_present=escort_present,
        no_driving_acknowledged=no_driving_acknowledged,
        administration_recorded=dose.quantity_given_mg is not None,
    )
    problems = dosing.discharge_problems(facts, policy)
    if problems:
        raise SessionsError("Discharge refused: " + " ".join(problems))
    dose.alert_and_oriented, dose.walking_steadily = alert_and_oriented, walking_steadily
    dose.escort_present, dose.no_driving_acknowledged = escort_present, no_driving_acknowledged
    dose.status = Dose.Status.DISCHARGED
    _finish(dose, by)
    return dose


@transaction.atomic
def dose_end_early(*, by, dose: Dose, disposition: str, reason: str) -> Dose:
    """The dose stopped or the patient was transferred: a disposition and a reason. It still
    gets its integration follow-up."""
    dose = lock_dose(dose, by)
    require_status(dose, Dose.Status.STARTED, doing="end early")
    if disposition not in Dose.Disposition.values:
        raise SessionsError("Choose what happened.", field="disposition")
    if not (reason or "").strip():
        raise SessionsError("Ending a dose early needs a reason.", field="reason")
    dose.status, dose.disposition = Dose.Status.ENDED_EARLY, disposition
    dose.ended_early_reason = reason.strip()
    _finish(dose, by)
    return dose
