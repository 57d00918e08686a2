"""Outcomes in Chromium (issue 15) at 1366×900 and 820×1180: the chart's Outcomes section (the one
scores chart, the change in words, the values as a table), the course summary written and
signed, and the practice dashboard with its filters and CSV links. Screenshots with
SCREENSHOTS_DIR."""

import re

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from patients.models import CareTeamMember, TreatmentCourse
from tests.browser.screens import SIZES, shoot
from tests.outcomes.seed import seed

pytestmark = [pytest.mark.heavy, pytest.mark.django_db(transaction=True)]


@pytest.fixture(params=list(SIZES))
def size(request, page):
    width, height = SIZES[request.param]
    page.set_viewport_size({"width": width, "height": height})
    return request.param


def test_the_chart_summary_and_dashboard(
    sign_in, live_server, prescriber, therapist, appointment_types, size
):
    seed(40, clinicians=[prescriber, therapist], by=prescriber)
    course = TreatmentCourse.objects.order_by("pk")[4]  # 5 doses, PHQ-9 16 → 8
    CareTeamMember.objects.create(patient=course.patient, clinician=prescriber, primary=True)
    page = sign_in(prescriber)

    page.goto(live_server.url + reverse("chart", args=[course.patient_id]))
    section = page.get_by_test_id("chart-outcomes")
    expect(section).to_contain_text("PHQ-9 16 → 8 after 5 doses: response")
    expect(section.locator("svg title")).to_have_count(1)
    section.get_by_text("The scores as a table").click()
    expect(section.get_by_test_id("outcomes-table")).to_be_visible()
    section.scroll_into_view_if_needed()
    if size == "desktop":
        shoot(page, "outcomes-chart-section")

    section.get_by_role("link", name="Course summary").click()
    page.get_by_role("textbox", name="Summary for the referring clinician").fill(
        "Five doses of esketamine; PHQ-9 fell by half. Continue maintenance monthly."
    )
    page.get_by_role("button", name="Save draft").click()
    page.get_by_role("button", name="Sign the saved summary").click()
    expect(page.get_by_test_id("summary-text")).to_contain_text("Continue maintenance monthly.")
    if size == "desktop":
        shoot(page, "outcomes-course-summary")

    nav = page.locator("nav a.nav-link", has_text="Outcomes")
    expect(nav).to_have_count(1)  # in the navigation (folded away on the tablet)
    page.goto(live_server.url + reverse("outcomes_dashboard"))
    expect(page.get_by_role("heading", name="Practice outcomes")).to_be_visible()
    integration = page.get_by_test_id("outcomes-integration-and-response")
    expect(integration).to_contain_text("all integrated inside the window")
    page.get_by_label("Drug").select_option("esketamine")
    page.get_by_role("button", name="Show").click()
    expect(page).to_have_url(
        re.compile(r"/outcomes/\?start=[-0-9]+&end=[-0-9]+&clinician=&drug=esketamine$")
    )
    with page.expect_download() as download:
        page.get_by_test_id("outcomes-doses-per-week").get_by_role("link", name="CSV").click()
    assert download.value.suggested_filename.startswith("outcomes-doses-per-week-")
    if size == "desktop":
        shoot(page, "outcomes-dashboard")
