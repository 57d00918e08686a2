"""The clinic's day in Chromium (issue 11), at a desktop's 1366×900 and a tablet's 820×1180: the
prescriber reviews a screening from their queue; a dose in progress shows on the front desk's
"In clinic now" with initials only; once discharged, the chart lists the dose with a working
record PDF. Screenshots of every page this change touched (SCREENSHOTS_DIR)."""

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from screening.demo import screen_candidate
from sessions.dosing import services as doses
from tests.browser.screens import SIZES, shoot
from tests.patients.factories import CareTeamFactory
from tests.sessions.dosing.setup import administer, discharge_vitals, dose_ready, wind_back

pytestmark = [pytest.mark.heavy, pytest.mark.django_db(transaction=True)]


def look(page, name, size):
    """Screenshots at both sizes, taken once (in the desktop run)."""
    if size == "desktop":
        shoot(page, name)


@pytest.fixture(params=list(SIZES))
def size(request, page):
    width, height = SIZES[request.param]
    page.set_viewport_size({"width": width, "height": height})
    return request.param


def test_the_prescriber_reviews_a_screening_from_their_queue(
    sign_in, live_server, prescriber, intake, therapist, candidate, screening_policy, size
):
    screening = screen_candidate(
        course=candidate.courses.get(), by=intake, history={"bipolar_disorder": True}
    )
    page = sign_in(prescriber)
    queue = page.get_by_test_id("review-queue")
    expect(queue).to_contain_text("Cara Nakamura")
    expect(queue).to_contain_text("Bipolar disorder")
    look(page, "home-prescriber", size)
    queue.get_by_role("link", name="Review").click()
    expect(page.get_by_test_id("fired-rules")).to_contain_text("Bipolar disorder")
    expect(page.locator("code")).to_have_count(0)
    item = screening.decisions.get().review_items.get()
    form = page.get_by_test_id(f"review-{item.code}")
    form.get_by_text("Clear", exact=True).click()
    form.get_by_label("Reason").fill("Euthymic on lithium for five years; psychiatrist agrees.")
    form.get_by_role("button", name="Record review").click()
    expect(page.get_by_test_id("screening-status")).to_have_text("Eligible")
    # Enrolling waits for a primary therapist: the refusal shows the way to the care team.
    expect(page.get_by_test_id("needs-primary")).to_be_visible()
    look(page, "decision-needs-primary", size)
    page.get_by_role("button", name="Enroll").click()
    expect(page.get_by_test_id("enroll-error")).to_contain_text("primary therapist")
    page.get_by_test_id("needs-primary").get_by_role("link").click()
    expect(page.get_by_test_id("care-team-form")).to_be_visible()
    # The chart's phase form meets the same wall, with the same way on.
    phase_form = page.get_by_test_id("phase-form")
    phase_form.locator("select").select_option("preparation")
    phase_form.locator("textarea").fill("Eligible after review.")
    phase_form.get_by_role("button", name="Change phase").click()
    expect(page.get_by_test_id("needs-primary")).to_be_visible()
    look(page, "phase-change-needs-primary", size)
    page.goto(f"{live_server.url}/")
    expect(page.get_by_test_id("review-queue")).to_contain_text("No screening is waiting")


def test_a_dose_in_clinic_now_then_on_the_chart_with_its_record(
    sign_in,
    live_server,
    patient,
    therapist,
    prescriber,
    frontdesk,
    clinic_admin,
    screening_policy,
    appointment_types,
    size,
):
    dose = dose_ready(patient, therapist=therapist, prescriber=prescriber, admin=clinic_admin)
    dose = doses.dose_start(by=prescriber, dose=dose)
    administer(dose, by=prescriber)
    discharge_vitals(dose, by=therapist, moment="during", systolic=138, diastolic=86)

    page = sign_in(frontdesk)
    board = page.get_by_test_id("in-clinic")
    expect(board.get_by_test_id("in-clinic-patient")).to_have_text("PR")
    expect(board).to_contain_text("min")
    for clinical in ("Paula", "Reyes", "138/86", "Last vitals"):
        expect(board).not_to_contain_text(clinical)
    look(page, "home-frontdesk", size)

    page = sign_in(therapist)
    board = page.get_by_test_id("in-clinic")
    expect(board.get_by_test_id("in-clinic-patient")).to_have_text("Paula Reyes")
    expect(board.get_by_test_id("in-clinic-vitals")).to_contain_text("BP 138/86")
    look(page, "home-therapist", size)
    page.goto(f"{live_server.url}{reverse('chart', args=[patient.pk])}")
    expect(page.get_by_test_id("chart-dose-status")).to_have_text("In progress")

    dose = wind_back(dose)
    discharge_vitals(dose, by=therapist)
    doses.dose_discharge(
        by=therapist,
        dose=dose,
        alert_and_oriented=True,
        walking_steadily=True,
        escort_present=True,
        no_driving_acknowledged=True,
    )
    page.reload()
    row = page.get_by_test_id("chart-dose")
    expect(row).to_contain_text("Ketamine (racemic)")
    expect(row).to_contain_text("0.50 mg/kg")
    expect(row.get_by_test_id("chart-dose-status")).to_have_text("Discharged")
    expect(page.get_by_test_id("chart-followup")).to_contain_text("days 1–3")
    look(page, "chart-with-dose", size)
    href = row.get_by_test_id("dose-pdf").get_attribute("href")
    pdf = page.context.request.get(f"{live_server.url}{href}")
    assert pdf.status == 200 and pdf.headers["content-type"] == "application/pdf"
    assert pdf.body().startswith(b"%PDF")
    page.goto(f"{live_server.url}/")
    expect(page.get_by_test_id("in-clinic")).to_contain_text("No dose in progress")
    page.goto(
        f"{live_server.url}{reverse('course_series', args=[patient.pk, patient.courses.get().pk])}"
    )
    expect(page.get_by_test_id("series-counts")).to_contain_text("1 dose done")
    look(page, "series", size)


def test_intake_learns_that_an_enrolled_patient_moved_to_the_care_team(
    sign_in, live_server, intake, therapist, candidate, screening_policy, size
):
    decision = screen_candidate(course=candidate.courses.get(), by=intake).decisions.get()
    CareTeamFactory(patient=candidate, clinician=therapist, primary=True)
    page = sign_in(intake)
    look(page, "home-intake", size)
    page.goto(f"{live_server.url}{reverse('screening_decision', args=[decision.pk])}")
    look(page, "decision-eligible", size)
    page.get_by_role("button", name="Enroll").click()
    page.goto(f"{live_server.url}{reverse('chart', args=[candidate.pk])}")
    expect(page.get_by_test_id("moved-to-care-team")).to_contain_text("moved to their care team")
    expect(page.locator("body")).not_to_contain_text("Nakamura")
    look(page, "moved-to-care-team", size)
