"""Keyboard only (issue 19): intake screens a candidate, a prescriber clears the review and the
candidate is enrolled; a prescriber charts a dose from the checklist to discharge. Every control
is reached with Tab (or Shift+Tab) and used with Enter, Space, arrows or typing: no mouse."""

from datetime import timedelta

import pytest
from django.db.models import F
from playwright.sync_api import expect

from screening.facts import YES_NO_FACTS
from sessions.models import Dose, VitalSigns
from tests.browser.keyboard import choose, pick_radio, press, tab_to, type_into
from tests.conftest import PASSWORD
from tests.sessions.stock.setup import receive

pytestmark = [pytest.mark.heavy, pytest.mark.django_db(transaction=True)]


def sign_in(page, live_server, user):
    page.context.clear_cookies()
    page.goto(f"{live_server.url}/accounts/login/")
    type_into(page, page.locator("#id_username"), user.username)
    type_into(page, page.locator("#id_password"), PASSWORD)
    page.keyboard.press("Enter")
    page.wait_for_url(f"{live_server.url}/")


def questionnaire(page, title, answers):
    press(page, page.get_by_role("listitem").filter(has_text=title).get_by_role("link"))
    for field, choice in answers.items():
        pick_radio(page, page.locator(f"input[name={field}]"), choice)
    press(page, page.get_by_role("button", name="Complete"))


def test_intake_screening_and_enrollment_by_keyboard(
    page, live_server, screening_policy, intake, prescriber, therapist, candidate
):
    sign_in(page, live_server, intake)
    press(page, page.get_by_role("link", name="Intake queue"))
    press(page, page.get_by_role("row").filter(has_text="Nakamura").get_by_role("button"))

    for fact in YES_NO_FACTS:
        pick_radio(
            page, page.locator(f"input[name={fact}]"), 2 if fact == "bipolar_disorder" else 1
        )
    choose(page, page.locator("#id_substance_use"), value="none")
    type_into(page, page.locator("#id_weight_kg"), "68")
    press(page, page.get_by_role("button", name="Save history"))
    expect(page.locator(".alert-success")).to_contain_text("History saved")

    for systolic, diastolic in [("124", "80"), ("120", "78")]:
        type_into(page, page.locator("#id_systolic"), systolic)
        type_into(page, page.locator("#id_diastolic"), diastolic)
        page.keyboard.press("Enter")  # submits the reading's form
        expect(page.get_by_test_id("bp-readings")).to_contain_text(f"{systolic}/{diastolic}")

    questionnaire(page, "PHQ-9", {f"item{i}": 1 for i in range(8)} | {"item8": 0})
    questionnaire(page, "C-SSRS", {"q1": 0, "q2": 0, "q6": 0})
    press(page, page.get_by_role("button", name="Run screening"))
    expect(page.get_by_test_id("outcome")).to_have_text("Needs review")
    decision_url = page.url

    sign_in(page, live_server, prescriber)
    page.goto(decision_url)
    review = page.get_by_test_id("review-bipolar")
    pick_radio(page, review.locator("input[type=radio]"), 0)  # Clear
    type_into(page, review.locator("textarea"), "Bipolar II, euthymic for three years.")
    press(page, review.get_by_role("button", name="Record review"))
    expect(page.get_by_test_id("screening-status")).to_have_text("Eligible")

    press(page, page.get_by_role("button", name="Enroll"))
    expect(page.get_by_test_id("enroll-error")).to_contain_text("primary therapist")
    press(page, page.get_by_role("link", name="Cara Nakamura"))
    for clinician, role, primary in [
        (therapist, "Therapist", True),
        (prescriber, "Prescriber", False),
    ]:
        form = page.get_by_test_id("care-team-form")
        choose(page, form.locator("select"), label=f"{clinician} ({role})")
        if primary:
            tab_to(page, form.locator("input[type=checkbox]"))
            page.keyboard.press("Space")
        press(page, form.get_by_role("button"))
        expect(page.locator(".alert-success")).to_contain_text("is on the care team")
    page.goto(decision_url)
    press(page, page.get_by_role("button", name="Enroll"))
    expect(page.get_by_test_id("phase-timeline")).to_contain_text("Preparation")


def record_vitals(page, moment, systolic, diastolic, heart_rate, spo2, rate):
    form = page.get_by_test_id("vitals-form")
    choose(page, form.locator("select"), value=moment)
    names = ("systolic", "diastolic", "heart_rate", "spo2", "respiratory_rate")
    for name, value in zip(names, (systolic, diastolic, heart_rate, spo2, rate), strict=True):
        type_into(page, form.locator(f"#id_vitals-{name}"), str(value))
    press(page, form.get_by_role("button", name="Record"))


def test_a_dose_from_checklist_to_discharge_by_keyboard(
    page, live_server, ready, prescriber, clinic_admin
):
    dose = ready(checklist=False, bp=None)
    lot = receive(by=prescriber, witness=clinic_admin, number="KX-2231")
    sign_in(page, live_server, prescriber)
    page.set_viewport_size({"width": 820, "height": 1180})
    page.goto(f"{live_server.url}/doses/{dose.pk}/")
    for item in ("identity", "allergies", "medications", "pregnancy", "fasting", "escort"):
        press(page, page.get_by_test_id(f"check-{item}"))
        expect(page.get_by_test_id(f"check-{item}")).to_have_count(0)
    expect(page.get_by_test_id("checklist-summary")).to_contain_text("all 6 checked")
    record_vitals(page, "pre_dose", 128, 82, 72, 98, 14)
    press(page, page.get_by_role("button", name="Start dose"))
    expect(page.get_by_test_id("dose-status")).to_have_text("Started")
    record_vitals(page, "peak", 150, 92, 96, 95, 13)

    choose(page, page.locator("#id_administration-lot"), value=str(lot.pk))
    type_into(page, page.locator("#id_administration-quantity_drawn_mg"), "35")
    type_into(page, page.locator("#id_administration-quantity_given_mg"), "35")
    press(page, page.get_by_role("button", name="Record administration"))
    expect(page.get_by_test_id("administration-summary")).to_contain_text("KX-2231")

    back = timedelta(minutes=125)
    Dose.objects.filter(pk=dose.pk).update(started_at=F("started_at") - back)
    VitalSigns.objects.filter(dose=dose, struck_at=None).update(taken_at=F("taken_at") - back)
    page.reload()
    record_vitals(page, "discharge", 132, 84, 76, 98, 14)
    for label in ("Alert and oriented", "Walking steadily", "Named escort present"):
        tab_to(page, page.get_by_label(label))
        page.keyboard.press("Space")
    tab_to(page, page.get_by_label("Patient acknowledges", exact=False))
    page.keyboard.press("Space")
    press(page, page.get_by_role("button", name="Discharge", exact=True))
    expect(page.get_by_test_id("dose-status")).to_have_text("Discharged")
