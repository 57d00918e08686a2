"""An esketamine session charted through the real services: enrolled in the REMS, 56 mg from
two devices of lot E-4410, vitals before, at 15 and 40 minutes and at discharge 130 minutes after
the first device, dissociation rated 3, respiratory depression at 20 minutes."""

from datetime import timedelta
from decimal import Decimal

from django.db.models import F
from django.utils import timezone

from sessions.dosing import administration, monitoring
from sessions.dosing import services as doses
from sessions.models import AdverseEvent, Appointment, Dose, VitalSigns
from sessions.rems import services as rems
from tests.sessions.dosing.setup import discharge_vitals, dose_ready


def order_esketamine(dose, prescriber):
    return doses.dose_order(
        by=prescriber,
        dose=dose,
        drug="esketamine",
        route="intranasal",
        dose_mg=Decimal(56),
        weight_kg=Decimal(70),
        order_text="Spravato 56 mg (two devices)",
    )


def esketamine_session(patient, *, therapist, prescriber, admin, lot, enroll=True, discharge=True):
    """One esketamine session charted through the services (see the module's docstring). An
    earlier session's appointment is moved five hours back first (test data): one patient, one
    chair, one appointment at a time."""
    earlier = Appointment.objects.filter(patient=patient)
    earlier.update(start=F("start") - timedelta(hours=5), end=F("end") - timedelta(hours=5))
    dose = dose_ready(patient, therapist=therapist, prescriber=prescriber, admin=admin, order=False)
    order_esketamine(dose, prescriber)
    if enroll and not patient.rems_enrollments.exists():
        rems.rems_enroll(
            by=therapist,
            patient=patient,
            rems_patient_id="RP-55812",
            enrolled_on=timezone.localdate() - timedelta(days=30),
        )
    dose = doses.dose_start(by=prescriber, dose=dose, previous_dose_reason="Series")
    first_device = timezone.now() - timedelta(minutes=130)
    Dose.objects.filter(pk=dose.pk).update(started_at=first_device)
    VitalSigns.objects.filter(dose=dose).update(taken_at=first_device - timedelta(minutes=5))
    for minutes, moment, bp in ((15, "during", (138, 86)), (40, "peak", (152, 94))):
        monitoring.vitals_record(
            by=therapist,
            dose=dose,
            moment=moment,
            taken_at=first_device + timedelta(minutes=minutes),
            systolic=bp[0],
            diastolic=bp[1],
            heart_rate=80,
            spo2=97,
            respiratory_rate=14,
        )
    event = monitoring.adverse_event_record(
        by=therapist, dose=dose, kind="respiratory", severity="mild", action_taken="oxygen"
    )
    AdverseEvent.objects.filter(pk=event.pk).update(at=first_device + timedelta(minutes=20))
    administration.administration_record(
        by=therapist,
        dose=dose,
        lot=lot,
        quantity_drawn_mg=Decimal(56),
        quantity_given_mg=Decimal(56),
        quantity_wasted_mg=Decimal(0),
    )
    doses.dose_update_notes(by=therapist, dose=dose, dissociation=3)
    if discharge:
        discharge_vitals(dose, by=therapist, systolic=130, diastolic=84)
        doses.dose_discharge(
            by=therapist,
            dose=dose,
            alert_and_oriented=True,
            walking_steadily=True,
            escort_present=True,
            no_driving_acknowledged=True,
        )
    dose.refresh_from_db()
    return dose
