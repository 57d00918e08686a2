"""Finished doses for follow-up tests: through the real dosing services (`discharged_now`), or
written as test data at a chosen time (`finished_dose`), e.g. a Saturday before the clocks
change."""

from datetime import datetime, timedelta
from decimal import Decimal

from django.utils import timezone

from sessions.dosing import monitoring
from sessions.dosing import services as doses
from sessions.models import Dose
from tests.sessions.dosing.setup import dose_ready
from tests.sessions.factories import AppointmentFactory, kind


def monitored(patient, *, therapist, prescriber, admin, days_ago=0) -> Dose:
    """A dose started through the services `days_ago` days ago (two hours of monitoring
    assumed) with its discharge reading taken: ready to discharge."""
    dose = dose_ready(
        patient, therapist=therapist, prescriber=prescriber, admin=admin, days_ago=days_ago
    )
    dose = doses.dose_start(by=prescriber, dose=dose)
    started = timezone.now() - timedelta(days=days_ago, minutes=125)
    Dose.objects.filter(pk=dose.pk).update(started_at=started)
    monitoring.vitals_record(
        by=therapist,
        dose=dose,
        moment="discharge",
        systolic=130,
        diastolic=84,
        heart_rate=74,
        spo2=98,
        respiratory_rate=14,
    )
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
