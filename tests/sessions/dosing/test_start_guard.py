"""Start guard gaps (issue 10): the appointment, a dose already in progress, the escort, the
band's reading and alerts before the start. Through the service and through the dosing page."""

from datetime import timedelta

import pytest
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone

from patients.models import Alert
from sessions.booking.services import appointment_cancel
from sessions.dosing import monitoring
from sessions.dosing import services as doses
from sessions.errors import SessionsError
from sessions.models import Appointment, Dose, PreparationRecord

pytestmark = pytest.mark.django_db


def refused(client, dose, by, fragment):
    """The service refuses with `fragment`, and so does the Start button."""
    with pytest.raises(SessionsError, match=fragment):
        doses.dose_start(by=by, dose=dose)
    response = client.post(reverse("dose_action", args=[dose.pk, "start"]))
    assert response.status_code == 400
    assert fragment.encode() in response.content
    dose.refresh_from_db()
    assert dose.status == "booked" and dose.started_at is None


def test_a_cancelled_appointment_does_not_start(ready, signed_in, therapist):
    dose = ready()
    appointment_cancel(by=therapist, appointment=dose.appointment, reason="Patient unwell")
    refused(signed_in(therapist), dose, therapist, "The appointment is cancelled")


@pytest.mark.parametrize("days", [-2, 2])
def test_a_dose_starts_only_on_its_appointments_day(ready, signed_in, therapist, days):
    dose = ready()
    shift = timedelta(days=days)
    Appointment.objects.filter(pk=dose.appointment_id).update(
        start=dose.appointment.start + shift, end=dose.appointment.end + shift
    )
    refused(signed_in(therapist), dose, therapist, "not today")


def test_a_second_dose_does_not_start_while_the_first_is_in_progress(
    ready, signed_in, therapist, prescriber
):
    first = doses.dose_start(by=therapist, dose=ready())
    earlier = timedelta(hours=3)  # its appointment is over; the patient is still monitored
    Appointment.objects.filter(pk=first.appointment_id).update(
        start=first.appointment.start - earlier, end=first.appointment.end - earlier
    )
    second = ready()
    with pytest.raises(SessionsError, match="still in progress"):
        doses.dose_start(by=prescriber, dose=second, previous_dose_reason="Booster")
    refused(signed_in(therapist), second, therapist, "still in progress")


def test_the_database_holds_one_dose_in_progress_per_course(ready, therapist):
    first = doses.dose_start(by=therapist, dose=ready())
    earlier = timedelta(hours=3)
    Appointment.objects.filter(pk=first.appointment_id).update(
        start=first.appointment.start - earlier, end=first.appointment.end - earlier
    )
    second = ready()
    with pytest.raises(IntegrityError), transaction.atomic():
        Dose.objects.filter(pk=second.pk).update(status="started", started_at=timezone.now())


def test_a_named_escort_is_required(ready, signed_in, therapist):
    dose = ready()
    PreparationRecord.objects.update(escort_name="", escort_phone="")
    refused(signed_in(therapist), dose, therapist, "Name the escort")


def test_the_band_reads_the_latest_reading_before_the_start_whatever_its_label(
    ready, signed_in, therapist
):
    dose = ready(bp=(128, 82))
    monitoring.vitals_record(by=therapist, dose=dose, moment="during", systolic=168, diastolic=102)
    refused(signed_in(therapist), dose, therapist, "168/102 is at or above 160/100")


def test_a_re_measure_under_another_label_is_the_one_the_band_reads(ready, therapist):
    dose = ready(bp=(165, 95))
    monitoring.vitals_record(by=therapist, dose=dose, moment="during", systolic=128, diastolic=80)
    dose = doses.dose_start(by=therapist, dose=dose)
    assert (dose.start_reading.systolic, dose.start_reading.diastolic) == (128, 80)


def test_a_reading_past_an_alert_limit_before_the_start_alerts(
    ready, signed_in, therapist, prescriber
):
    dose = ready()
    response = signed_in(therapist).post(
        reverse("dose_action", args=[dose.pk, "vitals"]),
        {"vitals-moment": "pre_dose", "vitals-heart_rate": "131", "vitals-spo2": "90"},
    )
    assert response.status_code == 302
    alerts = Alert.objects.filter(kind="vitals")
    assert {a.recipient for a in alerts} == {therapist, prescriber}
    assert "Heart rate 131/min" in alerts.first().message


def test_a_pending_policy_review_blocks_the_start_until_a_prescriber_documents_it(
    ready, signed_in, therapist, prescriber, clinic_admin
):
    """Issue 20's hook: a published version that newly excludes this enrolled patient stops the
    next dose until a prescriber documents the review."""
    from screening import services as screening_services
    from screening.models import PolicyReview
    from tests.screening.factories import candidate_facts, store_decision

    dose = ready()
    store_decision(
        course=dose.course, by=prescriber, facts=candidate_facts(bp_readings=[[150, 80]] * 2)
    )
    draft = screening_services.policy_draft_from(by=clinic_admin)
    draft = screening_services.policy_update_draft(
        by=clinic_admin,
        policy=draft,
        data={**draft.data, "hypertension_uncontrolled_systolic": 145},
    )
    screening_services.policy_publish(by=clinic_admin, policy=draft)
    review = PolicyReview.objects.get(course=dose.course)
    refused(signed_in(therapist), dose, therapist, "a prescriber documents a review")

    screening_services.policy_review_document(
        by=prescriber, review=review, decision="continue", reason="BP controlled on treatment."
    )
    assert doses.dose_start(by=therapist, dose=dose).status == Dose.Status.STARTED
