"""A patient ready for a dose, prepared through the real services (consent, preparation,
questionnaires, a dosing appointment with its checklist, order and pre-dose vitals)."""

from datetime import timedelta
from decimal import Decimal

from django.db.models import F
from django.utils import timezone

from sessions.consent import services as consent
from sessions.dosing import administration, monitoring
from sessions.dosing import services as doses
from sessions.models import ChecklistItem, Dose, VitalSigns
from sessions.preparation import services as preparation
from sessions.questionnaires import services as questionnaires
from tests.sessions.factories import AppointmentFactory, kind
from tests.sessions.stock.setup import shelf_lot

CONSENT_TEXT = "I consent to ketamine-assisted psychotherapy as explained to me."


def sign_consent(patient, *, by, admin):
    version = consent.consent_version_create(by=admin, text=CONSENT_TEXT)
    version = consent.consent_version_publish(by=admin, version=version)
    return consent.consent_sign(
        by=by,
        patient=patient,
        version=version,
        typed_name=consent.legal_name(patient),
        shown_sha256=version.text_sha256,
        understood=True,
    )


def prepare(patient, *, by):
    course = patient.courses.get()
    appointment = AppointmentFactory(
        patient=patient,
        course=course,
        type=kind("preparation"),
        clinician=by,
        start=timezone.now() - timedelta(days=3),
    )
    record = preparation.preparation_save(
        by=by,
        appointment=appointment,
        goals="Less rumination",
        intentions="Curiosity",
        fasting_instructions_given=True,
        escort_name="Marco Reyes",
        escort_relationship="spouse",
        escort_phone="555-0198",
    )
    preparation.preparation_complete(by=by, record=record)


def questionnaires_today(patient, *, by, phq9=(1, 1, 1, 1, 1, 1, 1, 1, 0)):
    questionnaires.questionnaire_save(
        by=by, patient=patient, code="phq9", answers=list(phq9), complete=True
    )
    questionnaires.questionnaire_save(
        by=by,
        patient=patient,
        code="cssrs",
        answers={"q1": False, "q2": False, "q6": False},
        complete=True,
    )


def dose_ready(
    patient, *, therapist, prescriber, admin, bp=(128, 82), order=True, checklist=True, days_ago=0
):
    """A booked dose for `patient` with everything in place to start, unless told otherwise.
    The first call also signs consent, completes a preparation session and takes the
    questionnaires; a later one (another `days_ago`) only books another dose."""
    if not patient.consent_signatures.exists():
        sign_consent(patient, by=therapist, admin=admin)
        prepare(patient, by=therapist)
        questionnaires_today(patient, by=therapist)
    at = timezone.localtime() - timedelta(days=days_ago)
    midnight = at.replace(hour=0, minute=0, second=0, microsecond=0)
    appointment = AppointmentFactory(
        patient=patient,
        course=patient.courses.get(),
        type=kind("dosing"),
        clinician=therapist,
        # Five minutes ago, but never on the day before: a dose starts on its appointment's day.
        start=max(at - timedelta(minutes=5), midnight),
    )
    dose = doses.dose_prepare(by=therapist, appointment=appointment)
    if checklist:
        for item in ChecklistItem.Item.values:
            doses.checklist_check(by=therapist, dose=dose, item=item)
    if order:
        doses.dose_order(
            by=prescriber,
            dose=dose,
            drug="ketamine",
            route="im",
            dose_mg=Decimal("35"),
            weight_kg=Decimal("70"),
            order_text="Ketamine 0.5 mg/kg IM",
        )
    if bp:
        monitoring.vitals_record(
            by=therapist,
            dose=dose,
            moment="pre_dose",
            systolic=bp[0],
            diastolic=bp[1],
            heart_rate=72,
            spo2=98,
            respiratory_rate=14,
        )
    dose.refresh_from_db()
    return dose


def wind_back(dose, minutes: int = 125):
    """Move the dose's start and every reading `minutes` into the past, as if the patient had
    been monitored that long."""
    shift = timedelta(minutes=minutes)
    Dose.objects.filter(pk=dose.pk).update(started_at=F("started_at") - shift)
    VitalSigns.objects.filter(dose=dose).update(taken_at=F("taken_at") - shift)
    dose.refresh_from_db()
    return dose


FULL_SET = {"systolic": 132, "diastolic": 84, "heart_rate": 76, "spo2": 97, "respiratory_rate": 14}


def discharge_vitals(dose, *, by, moment="discharge", **values):
    """A full set of vitals (blood pressure, heart rate, SpO2, respiratory rate)."""
    return monitoring.vitals_record(by=by, dose=dose, moment=moment, **{**FULL_SET, **values})


LINES = {
    "quantity_drawn_mg": Decimal("35"),
    "quantity_given_mg": Decimal("35"),
    "quantity_wasted_mg": Decimal("0"),
}


def administer(dose, *, by, lot="K2231", **changes):
    """The Schedule III lines of a started dose: 35 mg drawn and given, nothing wasted, from a
    lot on the shelf (`lot`: a Lot, or the number of one)."""
    lot = shelf_lot(lot) if isinstance(lot, str) else lot
    return administration.administration_record(by=by, dose=dose, lot=lot, **{**LINES, **changes})


def discharged(dose, *, by):
    """Administer, wind the clock on two hours, take a full set of vitals and discharge."""
    administer(dose, by=by)
    dose = wind_back(dose)
    discharge_vitals(dose, by=by)
    return doses.dose_discharge(
        by=by,
        dose=dose,
        alert_and_oriented=True,
        walking_steadily=True,
        escort_present=True,
        no_driving_acknowledged=True,
    )
