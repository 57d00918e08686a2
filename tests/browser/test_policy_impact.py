"""Policy impact in Chromium (issue 20): an administrator drafts a stricter blood-pressure limit
in the admin site, previews whose screening it would change, publishes it, and the prescriber
finds the review alert on their home page."""

import json

import pytest
from playwright.sync_api import expect

from screening.models import PolicyReview
from tests.patients.factories import CareTeamFactory, CourseFactory, PatientFactory
from tests.screening.factories import candidate_facts, store_decision

pytestmark = [pytest.mark.heavy, pytest.mark.django_db(transaction=True)]

HIGH_BP = [[150, 80], [148, 82]]  # needs review under v2's 140/90; excluded by a 145 limit


def test_draft_preview_publish_then_the_prescriber_is_alerted(
    sign_in, live_server, screening_policy, clinic_admin, intake, prescriber, patient
):
    # Paula Reyes (in treatment, `prescriber` on her team) and a completed course were screened
    # with a high blood pressure; a candidate with a normal one.
    store_decision(
        course=patient.courses.get(), by=intake, facts=candidate_facts(bp_readings=HIGH_BP)
    )
    done = CourseFactory(patient=PatientFactory(), phase="completed")
    CareTeamFactory(patient=done.patient, clinician=prescriber)
    store_decision(course=done, by=intake, facts=candidate_facts(bp_readings=HIGH_BP))
    store_decision(course=CourseFactory(), by=intake, facts=candidate_facts())

    # The administrator copies the active version into a draft and lowers the exclusion limit.
    page = sign_in(clinic_admin)
    page.goto(f"{live_server.url}/admin/screening/screeningpolicy/")
    page.get_by_role("row").filter(has_text=screening_policy.label).locator(
        "input[type=checkbox]"
    ).check()
    page.select_option("select[name=action]", "new_draft")
    page.get_by_role("button", name="Go").click()
    expect(page.locator(".messagelist")).to_contain_text("Draft v4 created")
    data = json.loads(page.locator("#id_data").input_value())
    data["hypertension_uncontrolled_systolic"] = 145
    page.locator("#id_data").fill(json.dumps(data, indent=2))
    page.locator("#id_notes").fill("Exclude from a mean systolic of 145 mmHg.")
    page.get_by_role("button", name="Save and continue editing").click()
    expect(page.locator(".messagelist")).to_contain_text("was changed successfully")

    # The preview: counts, the affected list (counted: an administrator sees no names).
    page.get_by_role("link", name="Preview whose screening this version would change").click()
    expect(page.get_by_role("heading", name="Impact of policy v4")).to_be_visible()
    expect(page.get_by_test_id("differences")).to_contain_text("160")
    expect(page.get_by_test_id("replayed-count")).to_have_text("3")
    expect(page.get_by_test_id("outcome-changed-count")).to_have_text("2")
    expect(page.get_by_test_id("transitions")).to_contain_text("Needs review → Excluded")
    expect(page.get_by_test_id("newly-firing")).to_contain_text("Uncontrolled blood pressure")
    expect(page.get_by_test_id("stopped-firing")).to_contain_text(
        "Blood pressure in the review band"
    )
    affected = page.get_by_test_id("affected-counts")
    expect(affected).to_contain_text("Needs review → Excluded")
    expect(affected).not_to_contain_text("Reyes")
    expect(page.get_by_test_id("reviews-on-publish")).to_contain_text("1 enrolled patient")

    page.get_by_role("button", name="Publish and activate v4").click()
    expect(page.get_by_role("alert").first).to_contain_text("Policy v4 is published and active")
    assert PolicyReview.objects.get().course.patient == patient

    # The prescriber finds the alert and the review on their home page.
    page = sign_in(prescriber)
    alerts = page.get_by_test_id("open-alerts")
    expect(alerts).to_contain_text("Screening policy v4 would exclude this enrolled patient")
    expect(alerts).to_contain_text("Paula Reyes")
    reviews = page.get_by_test_id("policy-reviews")
    expect(reviews).to_contain_text("Paula Reyes")
    reviews.get_by_role("link", name="Document the review").click()
    expect(page.get_by_test_id("review-rules")).to_contain_text("Uncontrolled blood pressure")
    page.get_by_label("Continue the course").check()
    page.get_by_label("Reason (kept in the record)").fill("Home readings 128/80 for three weeks.")
    page.get_by_role("button", name="Document the review").click()
    expect(page.get_by_test_id("review-status")).to_contain_text("Continued by")
