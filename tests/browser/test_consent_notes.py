"""On the tablet: a clinician has the patient sign consent, then writes and signs a progress note;
the signed note shows no edit form (issue 6)."""

import pytest
from playwright.sync_api import expect

from sessions.consent import services as consent
from sessions.models import ConsentSignature, ProgressNote
from tests.sessions.factories import restore_appointment_types
from tests.sessions.records_factories import CONSENT_TEXT, appointment, published_version

pytestmark = [pytest.mark.heavy, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def visit(patient, therapist, clinic_admin):
    restore_appointment_types()  # a transactional test before this one may have flushed them
    published_version(clinic_admin)
    return appointment(patient, therapist, "preparation")


def test_consent_on_the_tablet_then_a_signed_progress_note(
    sign_in, live_server, therapist, patient, visit
):
    page = sign_in(therapist)
    page.set_viewport_size({"width": 1024, "height": 1366})  # a tablet, upright
    page.goto(f"{live_server.url}/patients/{patient.pk}/")
    section = page.get_by_test_id("chart-preparation")
    expect(section.get_by_test_id("chart-consent")).to_contain_text("No signed consent.")
    section.get_by_role("link", name="Consent").click()
    page.get_by_test_id("consent-hand-over").click()

    # The patient reads the exact text, ticks the box and types their name.
    expect(page.get_by_test_id("consent-text")).to_contain_text("I agree to ketamine-assisted")
    page.get_by_label("I have read and understood").check()
    page.get_by_label("Type your full name").fill("paula reyes")
    page.get_by_test_id("consent-sign").click()
    expect(page.get_by_test_id("consent-signed")).to_contain_text("hand the tablet back")
    signature = ConsentSignature.objects.get()
    assert signature.typed_name == "paula reyes" and signature.witnessed_by == therapist
    assert signature.text_sha256 == consent.text_sha256(CONSENT_TEXT)
    assert consent.consent_problem(patient) is None

    # Back with the clinician: the chart says consent is signed; a note on the session.
    page.get_by_role("link", name="Clinician: back to the consent record").click()
    expect(page.get_by_test_id("consent-status")).to_contain_text("Consent version 1 signed")
    page.goto(f"{live_server.url}/appointments/{visit.pk}/notes/")
    page.get_by_label("Progress note").check()
    page.get_by_test_id("note-new-form").get_by_role("textbox").fill("Reviewed goals; calm.")
    page.get_by_test_id("note-create").click()
    expect(page.get_by_role("alert")).to_contain_text("Draft saved.")
    note = ProgressNote.objects.get()
    card = page.get_by_test_id(f"note-progress-{note.pk}")
    card.get_by_role("textbox").fill("Reviewed goals and intentions; calm and hopeful.")
    card.get_by_test_id("note-sign").click()
    expect(page.get_by_role("alert")).to_contain_text("Note signed.")

    card = page.get_by_test_id(f"note-progress-{note.pk}")
    expect(card.get_by_test_id("note-status")).to_contain_text("Signed")
    expect(card.get_by_test_id("note-text")).to_contain_text("calm and hopeful")
    expect(card.get_by_test_id("note-edit-form")).to_have_count(0)
    expect(card.get_by_test_id("addendum-form")).to_be_visible()
    note.refresh_from_db()
    assert note.is_signed and note.text == "Reviewed goals and intentions; calm and hopeful."
