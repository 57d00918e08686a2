"""Integration in Chromium: a prescriber discharges a dose; the therapist's home shows its
follow-up; the therapist signs the integration note; the dose is integrated and the next dose
starts without a prescriber's override."""

import os
from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from integration.followups import dispatch
from integration.models import FollowUp
from sessions.models import Appointment, Dose
from tests.integration.followups.setup import finished_dose, monitored
from tests.sessions.dosing.setup import dose_ready
from tests.sessions.factories import RoomFactory, works

pytestmark = [pytest.mark.heavy, pytest.mark.django_db(transaction=True)]


def shot(page, name):
    """For looking at the pages (desktop and tablet), not for asserting."""
    if not os.environ.get("SCREENSHOTS_DIR"):
        return
    for width, height in ((1366, 900), (820, 1180)):
        page.set_viewport_size({"width": width, "height": height})
        page.screenshot(path=f"{os.environ['SCREENSHOTS_DIR']}/{name}-{width}.png", full_page=True)


@pytest.fixture
def two_doses(patient, therapist, prescriber, clinic_admin, screening_policy, appointment_types):
    """A dose started two days ago (monitored, the discharge reading taken) and the next dose
    booked for now, ready to start; the care team works 07:00-20:00 every day."""
    RoomFactory(name="Willow")
    works(therapist)
    works(prescriber)
    first = monitored(
        patient, therapist=therapist, prescriber=prescriber, admin=clinic_admin, days_ago=2
    )
    following = dose_ready(patient, therapist=therapist, prescriber=prescriber, admin=clinic_admin)
    return first, following


def test_discharge_follow_up_sign_and_the_next_dose_starts(
    sign_in, live_server, two_doses, prescriber, therapist
):
    first, following = two_doses
    page = sign_in(prescriber)
    page.goto(f"{live_server.url}/doses/{first.pk}/")
    for label in ("Alert and oriented", "Walking steadily", "Named escort present"):
        page.get_by_label(label).check()
    page.get_by_label("Patient acknowledges", exact=False).check()
    page.get_by_role("button", name="Discharge").click()
    expect(page.get_by_test_id("dose-status")).to_have_text("Discharged")

    page = sign_in(therapist)
    followup = FollowUp.objects.get(dose=first)
    entry = page.get_by_test_id("home-followup")
    expect(entry).to_contain_text("Paula Reyes")
    expect(entry.get_by_test_id("followup-status")).to_have_text("Booked")
    shot(page, "therapist-home")

    # Two days later (the session itself is not waited for in a test).
    now = timezone.now()
    Appointment.objects.filter(pk=followup.appointment_id).update(
        start=now - timedelta(hours=4), end=now - timedelta(hours=3, minutes=10)
    )
    entry.get_by_role("link", name="Paula Reyes").click()
    expect(page.get_by_role("heading", name="Integration follow-up")).to_be_visible()
    page.get_by_label("How the dose went").fill("Settled quickly; vivid imagery of the sea.")
    page.get_by_label("Themes and insights").fill("Letting go of control at work.")
    page.get_by_label("Journal prompts").fill("Body: Where do you hold tension at work?")
    page.get_by_label("No current risk concerns").check()
    shot(page, "followup-note")
    page.get_by_test_id("note-sign").click()
    expect(page.get_by_test_id("note-status")).to_contain_text("Signed")
    expect(page.get_by_test_id("followup-status")).to_have_text("Integrated")
    shot(page, "followup-signed")
    assert Dose.objects.get(pk=first.pk).status == "integrated"

    page = sign_in(prescriber)
    page.goto(f"{live_server.url}/doses/{following.pk}/")
    page.get_by_role("button", name="Start dose").click()
    expect(page.get_by_test_id("dose-status")).to_have_text("Started")
    following.refresh_from_db()
    assert following.previous_dose_reason == ""

    page.goto(
        f"{live_server.url}/patients/{following.course.patient_id}/courses/{following.course_id}/series/"
    )
    expect(page.get_by_test_id("series-followup").first).to_contain_text("Integrated")
    shot(page, "series")


def test_no_free_time_goes_to_the_work_queue_and_one_click_books(
    sign_in, live_server, patient, therapist, prescriber, appointment_types
):
    works(prescriber)  # the therapist has no hours at all
    dose = finished_dose(patient, therapist, timezone.now() - timedelta(days=1))
    dispatch.followups_sweep()
    dispatch.followups_dispatch()
    page = sign_in(therapist)
    expect(page.get_by_test_id("open-alerts")).to_contain_text("needs a time")
    entry = page.get_by_test_id("home-followup")
    expect(entry.get_by_test_id("followup-status")).to_have_text("Needs a time")
    shot(page, "home-work-queue")
    entry.get_by_role("link", name="Paula Reyes").click()
    expect(page.get_by_test_id("followup-problem")).to_contain_text("no free 50-minute time")
    shot(page, "work-queue")
    page.get_by_test_id("queue-slot").first.click()
    expect(page.get_by_test_id("followup-status")).to_have_text("Booked")
    followup = FollowUp.objects.get(dose=dose)
    assert followup.appointment.clinician == prescriber
