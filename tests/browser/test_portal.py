"""The patient portal in Chromium at a phone's 390×844 (issue 14): staff invite a patient from
the chart; the patient accepts the invitation, sees the next dose with its fasting times,
answers a PHQ-9, signs the consent and writes a shared journal entry against a prompt; the
therapist then sees it on the follow-up; the progress chart shows the score. Every portal page
fits a 390 px and a 360 px screen without scrolling sideways."""

import os
from datetime import timedelta

import pytest
from django.core import mail
from django.utils import timezone
from playwright.sync_api import expect

from integration.followups import dispatch
from portal import rules
from portal.library import seed_library
from portal.models import JournalPrompt
from sessions.booking.selectors import clinic_zone
from tests.conftest import PASSWORD
from tests.integration.followups.setup import finished_dose
from tests.patients.factories import CareTeamFactory, CourseFactory, PatientFactory
from tests.portal.setup import escort_named
from tests.sessions.factories import AppointmentFactory, kind, local
from tests.sessions.records_factories import published_version

pytestmark = [pytest.mark.heavy, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 390, "height": 844}


def phone_shot(page, name):
    """Check the page fits a phone (no sideways scrolling at 390 and 360 px) and, when
    SCREENSHOTS_DIR is set, keep a screenshot at 390×844 to look at."""
    page.wait_for_load_state()
    for width in (360, 390):
        page.set_viewport_size({"width": width, "height": 844})
        wide = page.evaluate("document.documentElement.scrollWidth")
        assert wide <= width, f"{name} scrolls sideways at {width} px ({wide} px wide)"
    folder = os.environ.get("SCREENSHOTS_DIR")
    if folder:
        # The whole page in one viewport, so the sticky help bar sits at its foot, not on top.
        tall = page.evaluate("document.documentElement.scrollHeight")
        page.set_viewport_size({"width": 390, "height": max(844, tall)})
        page.screenshot(path=f"{folder}/portal-{name}-390.png")
        page.set_viewport_size(PHONE)


@pytest.fixture
def newcomer(therapist, prescriber, clinic_admin, appointment_types, screening_policy):
    """A patient in treatment with no portal account yet: a dose finished two days ago (its
    follow-up opened, its prompts from the library), the next dose tomorrow at 09:30, the escort
    named at preparation, and a published consent to sign."""
    seed_library(JournalPrompt)
    person = PatientFactory(first_name="Nadia", last_name="Quist", email="nadia@example.org")
    CourseFactory(patient=person, phase="treatment")
    CareTeamFactory(patient=person, clinician=therapist, primary=True)
    CareTeamFactory(patient=person, clinician=prescriber)
    escort_named(person, therapist, "Jonas Quist", "555-0142")
    dose = finished_dose(person, therapist, timezone.now() - timedelta(days=2))
    followup = dispatch.followup_open(dose_id=dose.pk)
    dosing = AppointmentFactory(
        patient=person, type=kind("dosing"), clinician=prescriber, start=local(1, "09:30")
    )
    published_version(clinic_admin)
    return person, dosing, followup


def test_a_patient_accepts_answers_signs_writes_and_the_therapist_reads(
    page, sign_in, live_server, newcomer, therapist
):
    person, dosing, followup = newcomer
    # Staff invite from the chart (desktop).
    page = sign_in(therapist)
    page.goto(f"{live_server.url}/patients/{person.pk}/")
    section = page.get_by_test_id("portal-invite")
    expect(section).to_contain_text("No portal account yet")
    if os.environ.get("SCREENSHOTS_DIR"):
        page.screenshot(path=f"{os.environ['SCREENSHOTS_DIR']}/portal-chart-invite-1366.png")
    section.get_by_role("button", name="Invite to the portal").click()
    expect(page.get_by_text("Portal invitation sent")).to_be_visible()
    link = next(line for line in mail.outbox[-1].body.splitlines() if "/welcome/" in line)

    # The patient, on a phone.
    page.context.clear_cookies()
    page.set_viewport_size(PHONE)
    page.goto(link.strip())
    expect(page.get_by_text("nadia@example.org")).to_be_visible()
    phone_shot(page, "accept")
    page.get_by_label("Choose a password").fill(PASSWORD)
    page.get_by_label("Type it again").fill(PASSWORD)
    page.get_by_test_id("accept").click()
    page.wait_for_url(f"{live_server.url}/me/")

    # The next dose with its fasting times, escort and no driving.
    fasting = rules.fasting_times(dosing.start, clinic_zone())
    nxt = page.get_by_test_id("next-appointment")
    expect(nxt).to_contain_text("Dosing")
    expect(nxt.get_by_test_id("no-food")).to_have_text(fasting.food_until.strftime("%-I:%M %p"))
    expect(nxt.get_by_test_id("no-food")).to_have_text("5:30 AM")
    expect(nxt.get_by_test_id("no-liquids")).to_have_text("7:30 AM")
    expect(nxt.get_by_test_id("escort")).to_contain_text("Jonas Quist")
    expect(nxt.get_by_test_id("no-driving")).to_contain_text("after a night's sleep")
    expect(page.get_by_test_id("crisis-line")).to_be_visible()
    phone_shot(page, "home")
    page.get_by_test_id("appointment-line").first.click()
    phone_shot(page, "appointment")

    # A PHQ-9 before the dose.
    page.get_by_role("link", name="Questionnaires").click()
    phone_shot(page, "questionnaires")
    page.get_by_test_id("due-phq9").click()
    for item in range(9):
        page.locator(f"label[for=id_item{item}_{1 if item < 8 else 0}]").click()
    phone_shot(page, "questionnaire")
    page.get_by_test_id("questionnaire-done").click()
    expect(page.get_by_text("your answers are saved")).to_be_visible()
    expect(page.get_by_test_id("taken")).to_contain_text("PHQ-9")
    expect(page.get_by_test_id("due-phq9")).to_have_count(0)

    # The consent, signed with the tablet's signature record.
    page.get_by_role("link", name="Consent").click()
    phone_shot(page, "consent")
    page.get_by_label("I have read and understood").check()
    page.get_by_label("Type your full name").fill("Nadia Quist")
    page.get_by_test_id("consent-sign").click()
    expect(page.get_by_test_id("consent-signed")).to_be_visible()
    phone_shot(page, "consent-signed")

    # A shared journal entry against a prompt.
    page.get_by_role("link", name="Journal").click()
    phone_shot(page, "journal")
    prompt = page.get_by_test_id("prompt").first
    prompt_text = prompt.locator("p").inner_text()
    prompt.get_by_test_id("write").click()
    phone_shot(page, "journal-write")
    page.get_by_label("Your entry").fill("A warm, heavy feeling in my chest that softened.")
    page.get_by_text("Me and my care team").click()
    page.get_by_test_id("entry-save").click()
    expect(page.get_by_test_id("entry").first).to_contain_text("shared with your care team")
    phone_shot(page, "journal-written")
    page.get_by_test_id("entry").first.click()
    expect(page.get_by_test_id("entry-form")).to_be_visible()
    phone_shot(page, "journal-entry")

    # Progress and the record.
    page.get_by_role("link", name="My progress").click()
    expect(page.get_by_test_id("progress-chart")).to_contain_text("8")
    expect(page.get_by_test_id("reading").first).to_contain_text("PHQ-9 score is 8 (mild)")
    phone_shot(page, "progress")
    page.get_by_role("link", name="My record").click()
    phone_shot(page, "record")
    page.goto(f"{live_server.url}/me/messages/")
    phone_shot(page, "messages")
    page.goto(f"{live_server.url}/me/help-now/")
    phone_shot(page, "crisis")

    # The therapist, before the follow-up, reads what was shared.
    page = sign_in(therapist)
    page.set_viewport_size({"width": 1366, "height": 900})
    page.goto(f"{live_server.url}/followups/{followup.pk}/")
    shared = page.get_by_test_id("shared-journal")
    expect(shared).to_contain_text("A warm, heavy feeling in my chest that softened.")
    expect(shared).to_contain_text(prompt_text)
    if os.environ.get("SCREENSHOTS_DIR"):
        page.screenshot(
            path=f"{os.environ['SCREENSHOTS_DIR']}/portal-followup-shared-1366.png", full_page=True
        )
