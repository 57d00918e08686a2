"""Helpers for the consent, preparation, questionnaire and notes tests (issue 6)."""

from datetime import timedelta

from django.db import connection, transaction
from django.utils import timezone

from sessions.consent import services as consent
from sessions.models import Appointment
from tests.sessions.factories import AppointmentFactory, kind

CONSENT_TEXT = (
    "I agree to ketamine-assisted psychotherapy at KAP Clinic.\n\n"
    "I understand the risks: raised blood pressure, nausea, dissociation.  Two spaces here.\n"
    "I will not drive until the next day after sleep. Ünïcödé ✓"
)


def published_version(by, text: str = CONSENT_TEXT):
    """A consent version written and published through the services by `by` (an admin)."""
    draft = consent.consent_version_create(by=by, text=text)
    return consent.consent_version_publish(by=by, version=draft)


def sign(patient, by, *, version=None, typed_name=None):
    version = version or consent.current_version()
    return consent.consent_sign(
        by=by,
        patient=patient,
        version=version,
        typed_name=typed_name or f"{patient.first_name} {patient.last_name}",
        shown_sha256=version.text_sha256,
        understood=True,
        ip="10.0.0.7",
    )


def appointment(patient, clinician, code: str = "preparation", days: int = -1) -> Appointment:
    """An appointment of `patient` with `clinician`, `days` from now (past by default)."""
    start = timezone.now().replace(microsecond=0) + timedelta(days=days)
    return AppointmentFactory(
        patient=patient,
        course=patient.courses.first(),
        clinician=clinician,
        type=kind(code),
        start=start,
        end=start + timedelta(minutes=kind(code).default_minutes),
    )


def raw(sql: str, params) -> None:
    """Run one SQL statement in its own savepoint, as a path around the ORM would."""
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(sql, params)
