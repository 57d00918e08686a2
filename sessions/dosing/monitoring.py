"""Monitoring during a dose: the vitals grid and adverse events. A value past an in-session alert
limit, or a serious adverse event, alerts the care team at once; a serious event opens an incident
report. Each write runs in one transaction on the locked dose row (`charting.lock_dose`)."""

from datetime import datetime, timedelta

from django.db import transaction
from django.utils import timezone

from accounts.roles import Role
from patients.models import Alert
from patients.services import alert_raise
from sessions.dosing import rules as dosing
from sessions.dosing.charting import audit_change, dosing_policy, lock_dose, require_status
from sessions.errors import SessionsError
from sessions.models.doses import AdverseEvent, ChecklistItem, Dose, IncidentReport, VitalSigns

# What may be struck: a vitals row or a checklist tick.
STRIKABLE = {"vitals": VitalSigns, "check": ChecklistItem}


def alert_care_team(
    dose: Dose, by, message: str, *, kind=Alert.Kind.VITALS, severity=Alert.Severity.URGENT
) -> None:
    """Tell the attending clinician and the prescribers on the care team."""
    patient = dose.course.patient
    recipients = {dose.appointment.clinician}
    recipients |= {
        m.clinician
        for m in patient.care_team.select_related("clinician")
        if m.clinician.role == Role.PRESCRIBER
    }
    alert_raise(  # one routing: alert_raise keeps it inside the access policy
        patient=patient,
        recipients=recipients,
        kind=kind,
        severity=severity,
        message=message,
        by=by,
    )


@transaction.atomic
def vitals_record(
    *,
    by,
    dose: Dose,
    moment: str,
    taken_at: datetime | None = None,
    systolic=None,
    diastolic=None,
    heart_rate=None,
    spo2=None,
    respiratory_rate=None,
) -> VitalSigns:
    """One row of the vitals grid. A value past an alert limit is flagged and raises an alert,
    before the start as well as during the dose."""
    dose = lock_dose(dose, by)
    if dose.status in (Dose.Status.INTEGRATED,):
        raise SessionsError("This dose is closed.")
    if moment not in VitalSigns.Moment.values:
        raise SessionsError("Choose when the reading was taken.", field="moment")
    values = {
        "systolic": systolic,
        "diastolic": diastolic,
        "heart_rate": heart_rate,
        "spo2": spo2,
        "respiratory_rate": respiratory_rate,
    }
    _check_values(values)
    if (systolic is None) != (diastolic is None):
        raise SessionsError("Enter both systolic and diastolic.", field="diastolic")
    if systolic is not None and not diastolic < systolic:
        raise SessionsError("The diastolic must be below the systolic.", field="diastolic")
    if not any(v is not None for v in values.values()):
        raise SessionsError("Enter at least one vital sign.")
    now = timezone.now()
    taken_at = taken_at or now
    if taken_at > now + timedelta(minutes=1):
        raise SessionsError("A reading cannot be taken in the future.")
    if dose.started_at and taken_at < dose.started_at:
        # The start was judged on the readings before it; they are closed once it started.
        raise SessionsError("A reading cannot be dated before the dose started.")
    _, policy = dosing_policy()
    alerts = dosing.vital_alerts(dosing.Vitals(**values), policy)
    row = VitalSigns.objects.create(
        dose=dose,
        moment=moment,
        taken_at=taken_at,
        alerts=[n for n, _ in alerts],
        taken_by=by,
        **values,
    )
    audit_change(by, dose, row, moment=moment, alerts=row.alerts)
    if alerts:
        alert_care_team(dose, by, "Dosing vitals: " + "; ".join(text for _, text in alerts) + ".")
    return row


def _check_values(values: dict) -> None:
    """Whole numbers a person could have; anything else (NaN, 1e9, a fraction) is a typing
    error named on its field."""
    for name, value in values.items():
        if value is None:
            continue
        low, high = dosing.VITAL_BOUNDS[name]
        label = dosing.VITAL_LABELS[name]
        if isinstance(value, bool) or not isinstance(value, int):
            raise SessionsError(f"{label} must be a whole number.", field=name)
        if not low <= value <= high:
            raise SessionsError(f"{label} must be between {low} and {high}.", field=name)


@transaction.atomic
def adverse_event_record(
    *, by, dose: Dose, kind: str, severity: str, action_taken: str, notes: str = ""
) -> AdverseEvent:
    dose = lock_dose(dose, by)
    require_status(dose, Dose.Status.STARTED, doing="have an adverse event recorded")
    event = AdverseEvent.objects.create(
        dose=dose,
        kind=kind,
        severity=severity,
        action_taken=action_taken,
        notes=notes.strip(),
        recorded_by=by,
    )
    audit_change(by, dose, event, kind=kind, severity=severity)
    if severity == AdverseEvent.Severity.SERIOUS:
        IncidentReport.objects.create(event=event, opened_by=by)
        alert_care_team(
            dose,
            by,
            f"Serious adverse event during a dose: {event.get_kind_display()}."
            " An incident report is open.",
            kind=Alert.Kind.CLINICAL,
        )
    return event


@transaction.atomic
def entry_strike(*, by, dose: Dose, entry: str, entry_id: int, reason: str):
    """Correct a wrongly entered vitals row or checklist tick by an amendment: the row is struck
    once, with who, when and why, and stays in the record (struck through on the page and in
    the PDF). A struck row no longer counts for the start, discharge or the next reading due;
    the right value is charted as a new row. Nothing is edited in place."""
    dose = lock_dose(dose, by)
    model = STRIKABLE.get(entry)
    if model is None:
        raise SessionsError("Choose a vitals row or a checklist tick to correct.")
    row = model.objects.select_for_update().filter(dose=dose, pk=entry_id).first()
    if row is None:
        raise SessionsError("That entry is not on this dose's chart.")
    if row.is_struck:
        raise SessionsError("That entry is already struck.")
    reason = (reason or "").strip()
    if not reason:
        raise SessionsError(
            "Say why the entry is wrong: an amendment needs a reason.", field="reason"
        )
    if model is ChecklistItem:
        require_status(dose, Dose.Status.BOOKED, doing="have its checklist corrected")
    elif dose.status == Dose.Status.INTEGRATED:
        raise SessionsError("This dose is closed.")
    elif dose.start_reading_id == row.pk:
        raise SessionsError(
            "This reading cleared the start of the dose and stays its baseline for discharge: "
            "it cannot be struck. Note the correction in the setting notes."
        )
    row.struck_at, row.struck_by, row.strike_reason = timezone.now(), by, reason
    row.save(update_fields=["struck_at", "struck_by", "strike_reason"])
    audit_change(by, dose, row, struck=True)  # the reason stays on the row, out of the log
    return row
