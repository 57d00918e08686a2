"""Intake in Chromium: screen a candidate who needs review, a prescriber clears it, the
candidate is enrolled; an excluded candidate cannot be; a high-risk C-SSRS answer shows the
crisis protocol."""

import pytest
from playwright.sync_api import expect

from screening.demo import screen_candidate
from screening.facts import YES_NO_FACTS

pytestmark = [pytest.mark.heavy, pytest.mark.django_db(transaction=True)]


def answer(page, field, choice):
    """Click the toggle button for `choice` (its index in the choices) of `field`."""
    page.click(f"label[for=id_{field}_{choice}]")


def give_questionnaire(page, title, answers):
    page.get_by_role("listitem").filter(has_text=title).get_by_role("link").click()
    for field, choice in answers.items():
        answer(page, field, choice)
    page.get_by_role("button", name="Complete").click()


def test_needs_review_then_cleared_then_enrolled(
    sign_in, live_server, screening_policy, intake, prescriber, therapist, candidate
):
    page = sign_in(intake)
    page.get_by_role("link", name="Intake queue").click()
    page.get_by_role("row").filter(has_text="Nakamura").get_by_role("button").click()

    for fact in YES_NO_FACTS:
        answer(page, fact, 2 if fact == "bipolar_disorder" else 1)  # 0 unknown, 1 no, 2 yes
    page.select_option("#id_substance_use", "none")
    page.fill("#id_weight_kg", "68")
    page.get_by_role("button", name="Save history").click()
    expect(page.locator(".alert-success")).to_contain_text("History saved")

    for systolic, diastolic in [("124", "80"), ("120", "78")]:
        page.fill("#id_systolic", systolic)
        page.fill("#id_diastolic", diastolic)
        page.get_by_role("button", name="Add").click()
    expect(page.get_by_test_id("bp-readings")).to_contain_text("120/78")

    give_questionnaire(page, "PHQ-9", {f"item{i}": 1 for i in range(8)} | {"item8": 0})
    give_questionnaire(page, "C-SSRS", {"q1": 0, "q2": 0, "q6": 0})
    page.get_by_role("button", name="Run screening").click()
    expect(page.get_by_test_id("outcome")).to_have_text("Needs review")
    expect(page.get_by_test_id("fired-rules")).to_contain_text("bipolar")
    decision_url = page.url

    page = sign_in(prescriber)
    page.goto(decision_url)
    review = page.get_by_test_id("review-bipolar")
    review.locator("label", has_text="Clear").first.click()
    review.locator("textarea").fill("Bipolar II, euthymic for three years on lithium.")
    review.get_by_role("button", name="Record review").click()
    expect(page.get_by_test_id("screening-status")).to_have_text("Eligible")

    page.get_by_role("button", name="Enroll").click()
    expect(page.get_by_test_id("enroll-error")).to_contain_text("primary therapist")
    page.get_by_role("link", name="Cara Nakamura").click()
    for clinician, role, primary in [
        (therapist, "Therapist", True),
        (prescriber, "Prescriber", False),
    ]:
        form = page.get_by_test_id("care-team-form")
        form.locator("select").select_option(label=f"{clinician} ({role})")
        if primary:
            form.locator("input[type=checkbox]").check()
        form.get_by_role("button").click()
        expect(page.locator(".alert-success")).to_contain_text("is on the care team")
    page.goto(decision_url)
    page.get_by_role("button", name="Enroll").click()
    expect(page.get_by_test_id("phase-timeline")).to_contain_text("Preparation")


def test_a_psychosis_history_cannot_be_enrolled(sign_in, screening_policy, intake, candidate):
    screen_candidate(course=candidate.courses.get(), by=intake, history={"psychosis_history": True})
    page = sign_in(intake)
    page.get_by_role("link", name="Nakamura, Cara").click()
    form = page.get_by_test_id("phase-form")
    form.locator("select").select_option("preparation")
    form.get_by_role("button").click()
    expect(page.locator(".invalid-feedback, .alert-danger").first).to_contain_text(
        "excluded the candidate (psychosis)"
    )


def test_a_high_risk_answer_shows_the_crisis_protocol(
    sign_in, screening_policy, intake, prescriber, candidate
):
    page = sign_in(intake)
    page.get_by_role("link", name="Intake queue").click()
    page.get_by_role("row").filter(has_text="Nakamura").get_by_role("button").click()
    give_questionnaire(page, "C-SSRS", {"q1": 1, "q2": 1, "q3": 1, "q4": 1, "q5": 0, "q6": 0})
    protocol = page.get_by_test_id("crisis-protocol")
    expect(protocol).to_contain_text("Stay with the candidate")
    expect(protocol).to_contain_text("on-call prescriber has been alerted")


def test_the_queue_pages_and_starts_a_screening_from_page_two(
    sign_in, screening_policy, intake, candidate, monkeypatch
):
    """Issue 21: the queue shows QUEUE_PAGE_SIZE candidates a page, oldest first; one form
    starts any screening."""
    from screening import selectors
    from tests.browser.screens import shoot
    from tests.patients.factories import CourseFactory, PatientFactory

    monkeypatch.setattr(selectors, "QUEUE_PAGE_SIZE", 5)
    for n in range(6):
        course = CourseFactory(patient=PatientFactory(last_name=f"Queue{n}"), phase="screening")
        if n % 2:
            screen_candidate(course=course, by=intake)
    page = sign_in(intake)
    page.get_by_role("link", name="Intake queue").click()
    expect(page.get_by_role("row")).to_have_count(6)  # the header and five candidates
    shoot(page, "intake-queue-page-1")
    page.get_by_role("link", name="Next page").click()
    expect(page.get_by_text("Page 2", exact=True)).to_be_visible()
    expect(page.get_by_role("row")).to_have_count(3)
    shoot(page, "intake-queue-page-2")
    page.get_by_role("row").filter(has_text="Queue4").get_by_role("button").click()
    expect(page.get_by_role("button", name="Save history")).to_be_visible()
