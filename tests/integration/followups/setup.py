"""Finished doses for follow-up tests: through the real dosing services (`discharged_now`), or
written as test data at a chosen time (`finished_dose`), e.g. a Saturday before the clocks
change."""

from datetime import datetime, timedelta
from decimal import Decimal

from django.db.models import F

from sessions.dosing import services as doses
from sessions.models import Appointment, Dose
from tests.sessions.dosing.setup import administer, discharge_vitals, dose_ready, wind_back
from tests.sessions.factories import AppointmentFactory, kind


def monitored(patient, *, therapist, prescriber, admin, days_ago=0) -> Dose:
    """A dose started through the services (on its appointment's day), its Schedule III lines
    recorded, moved `days_ago` days and two hours into the past with its readings, and its
    discharge reading taken: ready to discharge."""
    dose = dose_ready(patient, therapist=therapist, prescriber=prescriber, admin=admin)
    dose = doses.dose_start(by=prescriber, dose=dose)
    administer(dose, by=prescriber)
    if days_ago:
        back = timedelta(days=days_ago)
        Appointment.objects.filter(pk=dose.appointment_id).update(
            start=F("start") - back, end=F("end") - back
        )
    dose = wind_back(dose, minutes=125 + days_ago * 24 * 60)
    discharge_vitals(dose, by=therapist)
    dose.refresh_from_db()
    return dose


def discharged_now(patient, *, therapist, prescriber, admin, days_ago=0) -> Dose:
    """A dose started and discharged through the services."""
    dose = monitored(
        patient, therapist=therapist, prescriber=prescriber, admin=admin, days_ago=days_ago
    )
    return doses.dose_discharge(
        by=prescriber,
        dose=dose,
        alert_and_oriented=True,
        walking_steadily=True,
        escort_present=True,
        no_driving_acknowledged=True,
    )


def finished_dose(patient, clinician, at: datetime, status="discharged") -> Dose:
    """A dose that started at `at` and finished (test data: no rules, no signal)."""
    appointment = AppointmentFactory(
        patient=patient,
        course=patient.courses.get(),
        type=kind("dosing"),
        clinician=clinician,
        start=at - timedelta(minutes=5),
        status="completed",
    )
    return Dose.objects.create(
        appointment=appointment,
        course=appointment.course,
        status=status,
        drug="ketamine",
        route="im",
        dose_mg=Decimal("35"),
        started_at=at,
        ended_at=at + timedelta(minutes=125),
        disposition="stopped" if status == "ended_early" else "",
        ended_early_reason="Nausea; dose stopped." if status == "ended_early" else "",
    )
