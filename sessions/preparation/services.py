"""Preparation sessions: the record of each preparation appointment, and the escort.

Each write runs in one transaction, checks its rule, writes, records the audit event and raises
`SessionsError` when a rule says no. `preparation_problem` and `escort_for` are the pure reads the
dose start guard and the pre-dose checklist ask.

A record is a draft until the clinician completes it: completing needs the goals, the intentions
and the fasting instructions given (no food 4 h, no liquids 2 h). A completed record's clinical
content is final; the escort may still change, because it is confirmed again before each dose.
"""

from django.db import transaction
from django.utils import timezone

from accounts.roles import CLINICIANS
from audit.models import Action
from audit.services import record
from patients.access import Access, may
from patients.models import TreatmentCourse
from sessions.booking.selectors import clinic_zone
from sessions.consent import services as consent
from sessions.errors import SessionsError
from sessions.models import Appointment, AppointmentType, PreparationRecord
from sessions.questionnaires import services as questionnaires

CONTENT_FIELDS = (
    "goals",
    "intentions",
    "expectations",
    "fasting_instructions_given",
    "medication_adjustments",
)
ESCORT_FIELDS = ("escort_name", "escort_relationship", "escort_phone")
FIELDS = CONTENT_FIELDS + ESCORT_FIELDS


def _check(by, patient) -> None:
    if by.role not in CLINICIANS or not may(by, Access.CHANGE_RECORD, patient):
        raise SessionsError("Only a clinician of this patient may record preparation sessions.")


def _cleaned(fields: dict) -> dict:
    unknown = set(fields) - set(FIELDS)
    if unknown:
        raise TypeError(f"unknown preparation fields: {sorted(unknown)}")
    return {
        name: (value.strip() if isinstance(value, str) else value) for name, value in fields.items()
    }


def _check_escort(values: dict) -> None:
    if values.get("escort_phone") and not values.get("escort_name"):
        raise SessionsError("Name the escort whose phone this is.", field="escort_name")


# --- Reads ----------------------------------------------------------------------------------------


def preparation_problem(course: TreatmentCourse) -> str | None:
    """None when the course has a completed preparation session record; else a sentence.
    Reads only (the dose start guard calls it)."""
    statuses = set(PreparationRecord.objects.filter(course=course).values_list("status", flat=True))
    if PreparationRecord.Status.COMPLETED in statuses:
        return None
    if statuses:
        return "The preparation session record is not completed yet."
    return "No preparation session recorded for this course."


def escort_for(course: TreatmentCourse) -> tuple[str, str] | None:
    """The escort (name, phone) named on the course's latest completed preparation record that
    names one; None when none does. Reads only."""
    found = (
        PreparationRecord.objects.filter(course=course, status=PreparationRecord.Status.COMPLETED)
        .exclude(escort_name="")
        .order_by("-appointment__start", "-id")
        .values_list("escort_name", "escort_phone")
        .first()
    )
    return tuple(found) if found else None


def records_for(course: TreatmentCourse) -> list[PreparationRecord]:
    return list(
        PreparationRecord.objects.filter(course=course)
        .select_related("appointment", "completed_by")
        .order_by("appointment__start", "id")
    )


# --- Writes ---------------------------------------------------------------------------------------


@transaction.atomic
def preparation_save(*, by, appointment: Appointment, **fields) -> PreparationRecord:
    """Create or rewrite the draft record of a preparation appointment."""
    appointment = (
        Appointment.objects.select_for_update()
        .select_related("patient", "type", "course")
        .get(pk=appointment.pk)
    )
    _check(by, appointment.patient)
    if appointment.type.code != AppointmentType.Code.PREPARATION:
        raise SessionsError("Only a preparation appointment has a preparation record.")
    if appointment.status == Appointment.Status.CANCELLED:
        raise SessionsError("This appointment was cancelled.")
    values = _cleaned(fields)
    existing = PreparationRecord.objects.filter(appointment=appointment).first()
    if existing is not None and existing.is_completed:
        raise SessionsError(
            "This preparation record is completed and final; only the escort may change."
        )
    record_ = existing or PreparationRecord(
        appointment=appointment,
        course=appointment.course,
        patient=appointment.patient,
        created_by=by,
    )
    for name, value in values.items():
        setattr(record_, name, value)
    _check_escort({n: getattr(record_, n) for n in ESCORT_FIELDS})
    record_.full_clean(exclude=["appointment", "course", "patient", "created_by"])
    record_.save()
    record(
        user=by,
        action=Action.CHANGE if existing else Action.CREATE,
        patient_id=appointment.patient_id,
        obj=record_,
        detail={"fields": sorted(values)},
    )
    return record_


@transaction.atomic
def preparation_complete(*, by, record: PreparationRecord) -> PreparationRecord:
    """Complete the record: its clinical content becomes final."""
    found = (
        PreparationRecord.objects.select_for_update()
        .select_related("patient", "appointment")
        .get(pk=record.pk)
    )
    _check(by, found.patient)
    if found.is_completed:
        raise SessionsError("This preparation record is already completed.")
    day = timezone.localtime(found.appointment.start, clinic_zone()).date()
    if timezone.localtime(timezone.now(), clinic_zone()).date() < day:
        # A record of a session not yet held would let a dose start on a promise.
        raise SessionsError(
            f"The preparation session is on {day:%a %b} {day.day}: complete its record on or "
            "after that day (a draft may be saved now).",
            field="completed_at",
        )
    missing = [
        label
        for name, label in (("goals", "the goals"), ("intentions", "the intentions"))
        if not getattr(found, name).strip()
    ]
    if not found.fasting_instructions_given:
        missing.append("the fasting instructions given")
    if missing:
        raise SessionsError(f"To complete the record, note {_and(missing)}.")
    found.status = PreparationRecord.Status.COMPLETED
    found.completed_at = timezone.now()
    found.completed_by = by
    found.save()
    _audit(by, found, {"status": found.status})
    return found


def _audit(by, obj, detail):
    record(user=by, action=Action.CHANGE, patient_id=obj.patient_id, obj=obj, detail=detail)


@transaction.atomic
def preparation_escort_update(
    *,
    by,
    record: PreparationRecord,
    escort_name: str,
    escort_phone: str = "",
    escort_relationship: str = "",
) -> PreparationRecord:
    """Name (or change) the escort, on a draft or a completed record."""
    found = (
        PreparationRecord.objects.select_for_update().select_related("patient").get(pk=record.pk)
    )
    _check(by, found.patient)
    values = _cleaned(
        {
            "escort_name": escort_name,
            "escort_phone": escort_phone,
            "escort_relationship": escort_relationship,
        }
    )
    _check_escort(values)
    for name, value in values.items():
        setattr(found, name, value)
    found.full_clean(exclude=["appointment", "course", "patient", "created_by"])
    found.save(update_fields=[*ESCORT_FIELDS, "updated_at"])
    _audit(by, found, {"fields": list(ESCORT_FIELDS)})
    return found


def _and(items: list[str]) -> str:
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]


def chart_section(patient, course: TreatmentCourse | None) -> dict:
    """What the chart's Preparation section shows, in six queries whatever the data: consent (3),
    the course's preparation appointments and their records (2), the latest questionnaires (1).
    """
    appointments, records = [], {}
    if course is not None:
        appointments = list(
            Appointment.objects.filter(course=course, type__code=AppointmentType.Code.PREPARATION)
            .select_related("clinician")
            .order_by("start", "id")
        )
        records = {r.appointment_id: r for r in PreparationRecord.objects.filter(course=course)}
    # The same answer as escort_for(course), from the rows already loaded.
    named = [
        records[a.pk]
        for a in appointments
        if a.pk in records and records[a.pk].is_completed and records[a.pk].escort_name
    ]
    latest = questionnaires.latest_by_code(patient)
    return {
        "consent": consent.consent_state(patient),
        "appointments": [{"appointment": a, "record": records.get(a.pk)} for a in appointments],
        "escort": (named[-1].escort_name, named[-1].escort_phone) if named else None,
        "questionnaires": [
            {"title": questionnaires.SHORT_NAMES[code], "latest": latest.get(code)}
            for code in questionnaires.IN_CLINIC_CODES
        ],
    }
