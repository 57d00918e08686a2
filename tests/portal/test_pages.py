"""The portal's pages as the patient sees them (issue 14): the next dose with its fasting times
and escort, questionnaires with the intake's instruments and safety alerts, consent through the
tablet's signature service, the journal and what the therapist sees, progress, the record PDF."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from audit.models import AuditEvent
from integration.models import FollowUp
from patients.models import Alert
from portal import rules
from portal.models import JournalEntry
from screening.models import InstrumentAdministration
from sessions.booking.selectors import clinic_zone
from sessions.models import ConsentSignature
from tests.portal.setup import score
from tests.sessions.factories import AppointmentFactory, kind, local

pytestmark = pytest.mark.django_db

PORTAL_PAGES = [
    "portal:home",
    "portal:questionnaires",
    "portal:consent",
    "portal:journal",
    "portal:progress",
    "portal:record",
    "portal:access_log",
    "portal:messages",
]


def test_the_patients_home_is_the_portal(signed_in, patient, portal):
    client = signed_in(patient.user)
    assert client.get("/").url == reverse("portal:home")


@pytest.mark.parametrize("name", PORTAL_PAGES)
def test_every_page_is_the_patients_own_audited_and_not_for_staff(
    name, signed_in, patient, portal, therapist
):
    client = signed_in(patient.user)
    before = AuditEvent.objects.filter(patient_id=patient.pk).count()
    response = client.get(reverse(name))
    assert response.status_code == 200
    assert (
        response["Cache-Control"].startswith("no-store") or "no-store" in response["Cache-Control"]
    )
    page = response.content.decode()
    assert 'href="tel:988"' in page and "(555) 010-0100" in page  # the help bar, always
    assert AuditEvent.objects.filter(patient_id=patient.pk).count() > before
    assert signed_in(therapist).get(reverse(name)).status_code == 403


def test_home_shows_the_next_dose_with_fasting_times_escort_and_driving(signed_in, patient, portal):
    page = signed_in(patient.user).get(reverse("portal:home")).content.decode()
    fasting = rules.fasting_times(portal["dosing"].start, clinic_zone())
    assert "Dosing" in page
    assert "No food after" in page and fasting.food_until.strftime("%-I:%M") in page
    assert fasting.food_until.strftime("%-I:%M") == "6:00"  # a 10:00 dose: 4 h before
    assert fasting.liquids_until.strftime("%-I:%M") == "8:00"
    assert "Marco Reyes" in page and "555-0199" in page
    assert "Do not drive" in page
    assert reverse("portal:appointment_ics", args=[portal["dosing"].pk]) in page
    assert "Past appointments" in page


def test_a_follow_up_after_the_dose_is_listed_and_its_questionnaires_due(
    signed_in, patient, portal, therapist
):
    followup = portal["followup"]
    appointment = AppointmentFactory(
        patient=patient, type=kind("integration"), clinician=therapist, start=local(1, "15:00")
    )
    FollowUp.objects.filter(pk=followup.pk).update(appointment=appointment, status="booked")
    AppointmentFactory(
        patient=patient, type=kind("preparation"), clinician=therapist, start=local(20, "11:00")
    )
    # A PHQ-9 taken after the dose counts for the follow-up; the GAD-7 before it does not.
    score(patient, therapist, "phq9", 6, followup.dose_at + timedelta(hours=5))
    score(patient, therapist, "gad7", 6, followup.dose_at - timedelta(days=1))
    page = signed_in(patient.user).get(reverse("portal:home")).content.decode()
    assert "Integration session" in page and "Preparation session" in page
    assert "1 questionnaire to answer before your follow-up" in page
    listing = signed_in(patient.user).get(reverse("portal:questionnaires")).content.decode()
    assert 'data-testid="due-gad7"' in listing and 'data-testid="due-phq9"' not in listing


def test_the_ics_names_no_one_and_is_audited_as_an_export(signed_in, patient, portal):
    response = signed_in(patient.user).get(
        reverse("portal:appointment_ics", args=[portal["dosing"].pk])
    )
    body = response.content.decode()
    assert response["Content-Type"] == "text/calendar"
    assert f'filename="appointment-{portal["dosing"].pk}.ics"' in response["Content-Disposition"]
    assert "BEGIN:VEVENT" in body and "KAP Clinic: Dosing" in body
    assert patient.last_name not in body and patient.first_name not in body
    assert AuditEvent.objects.filter(patient_id=patient.pk, action="export").exists()


def test_questionnaires_due_before_the_dose_and_answering_a_phq9(signed_in, patient, portal):
    client = signed_in(patient.user)
    page = client.get(reverse("portal:questionnaires")).content.decode()
    assert 'data-testid="due-phq9"' in page and 'data-testid="due-gad7"' in page
    answers = {f"item{i}": "1" for i in range(9)} | {"item8": "0", "complete": "1"}
    response = client.post(reverse("portal:questionnaire", args=["phq9"]), answers)
    assert response.status_code == 302 and response.url == reverse("portal:questionnaires")
    done = InstrumentAdministration.objects.get(patient=patient, instrument="phq9")
    assert done.score["total"] == 8 and done.entered_by == patient.user and done.screening is None
    assert not Alert.objects.filter(patient=patient).exists()
    page = client.get(reverse("portal:questionnaires")).content.decode()
    assert 'data-testid="due-phq9"' not in page and 'data-testid="due-gad7"' in page


def test_an_incomplete_questionnaire_keeps_the_answers_and_names_the_item(
    signed_in, patient, portal
):
    answers = {f"item{i}": "2" for i in range(8)} | {"complete": "1"}
    response = signed_in(patient.user).post(reverse("portal:questionnaire", args=["phq9"]), answers)
    assert response.status_code == 400
    assert 'value="2" class="btn-check"' in response.content.decode().replace("checked ", "")
    assert not InstrumentAdministration.objects.filter(status="completed").exists()


def test_item_9_raises_the_same_safety_alert_and_shows_the_crisis_line(
    signed_in, patient, portal, therapist
):
    client = signed_in(patient.user)
    answers = {f"item{i}": "1" for i in range(9)} | {"complete": "1"}
    response = client.post(reverse("portal:questionnaire", args=["phq9"]), answers)
    assert response.url == reverse("portal:crisis")
    alert = Alert.objects.get(patient=patient, recipient=therapist)
    assert alert.kind == "safety" and alert.message.startswith("Portal questionnaire:")
    page = client.get(response.url).content.decode()
    assert "988" in page and "911" in page


def test_a_high_risk_cssrs_alerts_the_on_call_prescriber(signed_in, patient, portal, prescriber):
    answers = {"q1": "yes", "q2": "yes", "q3": "yes", "q4": "yes", "q5": "no", "q6": "no"}
    response = signed_in(patient.user).post(
        reverse("portal:questionnaire", args=["cssrs"]), {**answers, "complete": "1"}
    )
    assert response.url == reverse("portal:crisis")
    assert Alert.objects.filter(patient=patient, recipient=prescriber, severity="urgent").exists()


def test_signing_the_consent_uses_the_tablets_signature_record(signed_in, patient, portal):
    client = signed_in(patient.user)
    version = portal["version"]
    page = client.get(reverse("portal:consent")).content.decode()
    assert 'data-testid="consent-form"' in page
    form = {"version": version.version, "shown_sha256": version.text_sha256, "understood": "on"}
    wrong = client.post(reverse("portal:consent"), {**form, "typed_name": "Someone Else"})
    assert wrong.status_code == 400 and "Someone Else" in wrong.content.decode()
    response = client.post(reverse("portal:consent"), {**form, "typed_name": "paula  REYES"})
    assert response.status_code == 302
    signature = ConsentSignature.objects.get(patient=patient)
    assert signature.witnessed_by is None and signature.text_sha256 == version.text_sha256
    assert signature.ip == "127.0.0.1" and len(signature.pdf_sha256) == 64
    page = client.get(reverse("portal:consent")).content.decode()
    assert 'data-testid="consent-signed"' in page
    pdf = client.get(reverse("portal:consent_pdf", args=[signature.pk]))
    assert pdf.content.startswith(b"%PDF") and pdf["Content-Disposition"].endswith(
        f'filename="consent-{signature.pk}.pdf"'
    )


def test_a_shared_entry_reaches_the_follow_up_and_a_private_one_does_not(
    signed_in, patient, portal, therapist
):
    client = signed_in(patient.user)
    assignment = portal["assignment"]
    page = client.get(reverse("portal:journal")).content.decode()
    assert assignment.text in page
    url = reverse("portal:journal_write", args=[assignment.pk])
    client.post(url, {"text": "Warmth in my chest.", "sharing": "shared"})
    client.post(url, {"text": "Only for me.", "sharing": "private"})
    shared = JournalEntry.objects.get(shared=True)
    assert shared.shared_at is not None and shared.assignment == assignment
    staff = signed_in(therapist)
    followup_page = staff.get(reverse("followup", args=[portal["followup"].pk])).content.decode()
    assert reverse("portal:followup_journal", args=[portal["followup"].pk]) in followup_page
    section = staff.get(reverse("portal:followup_journal", args=[portal["followup"].pk]))
    text = section.content.decode()
    assert "Warmth in my chest." in text and "Only for me." not in text
    # Unsharing takes it back.
    client = signed_in(patient.user)
    client.post(
        reverse("portal:journal_entry", args=[shared.pk]),
        {"text": "Warmth in my chest.", "sharing": "private"},
    )
    text = signed_in(therapist).get(
        reverse("portal:followup_journal", args=[portal["followup"].pk])
    )
    assert "Warmth in my chest." not in text.content.decode()


def test_an_empty_entry_is_refused_with_the_choice_kept(signed_in, patient, portal):
    url = reverse("portal:journal_write", args=[portal["assignment"].pk])
    response = signed_in(patient.user).post(url, {"text": "   ", "sharing": "shared"})
    assert response.status_code == 400
    assert not JournalEntry.objects.exists()


def test_an_outside_clinician_may_not_read_the_shared_journal(signed_in, portal, outside_clinician):
    url = reverse("portal:followup_journal", args=[portal["followup"].pk])
    assert signed_in(outside_clinician).get(url).status_code == 404


def test_progress_draws_the_scores_with_a_plain_reading(signed_in, patient, portal, therapist):
    # The chart is the course's (outcomes.charts): the scores fall inside the course.
    patient.courses.update(opened_at=timezone.now() - timedelta(days=30))
    score(patient, therapist, "phq9", 18, timezone.now() - timedelta(days=20))
    score(patient, therapist, "phq9", 8, timezone.now() - timedelta(days=1))
    page = signed_in(patient.user).get(reverse("portal:progress")).content.decode()
    assert "<svg" in page and ">18</text>" in page and ">8</text>" in page
    assert "Your latest PHQ-9 score is 8 (mild)" in page and "10 points lower" in page
    assert "response to treatment" in page


def test_the_record_pdf_is_audited_as_a_print_without_phi_in_its_name(signed_in, patient, portal):
    response = signed_in(patient.user).get(reverse("portal:record_pdf"))
    assert response.content.startswith(b"%PDF")
    assert response["Content-Disposition"] == 'attachment; filename="my-clinic-record.pdf"'
    assert AuditEvent.objects.filter(patient_id=patient.pk, action="print").exists()


def test_an_account_without_a_record_is_told_so_and_has_no_pages(signed_in, make_user):
    client = signed_in(make_user("patient"))
    assert b"not linked to a patient record" in client.get(reverse("portal:home")).content
    assert client.get(reverse("portal:journal")).status_code == 404


def test_the_patient_sets_how_the_clinic_reminds_them(signed_in, patient, portal):
    from notifications.models import ContactPreference

    client = signed_in(patient.user)
    assert 'data-testid="messages-form"' in client.get(reverse("portal:messages")).content.decode()
    refused = client.post(reverse("portal:messages"), {"email": "on", "sms": "on"})
    assert refused.status_code == 400 and "no e-mail address" in refused.content.decode()
    response = client.post(reverse("portal:messages"), {"sms": "on"})
    assert response.status_code == 302
    preference = ContactPreference.objects.get(patient=patient)
    assert (preference.email, preference.sms, preference.updated_by) == (
        False,
        True,
        patient.user,
    )
