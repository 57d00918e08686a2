"""The esketamine REMS in Chromium: the therapist records the patient's enrollment on the chart;
after a charted esketamine session the form waits in the queue, filled from the chart; the
missing answers are given on one page and the form is marked submitted with its reference.
A loss of stock reaches the administrator as an urgent alert about no patient."""

from decimal import Decimal

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from sessions.rems import rules
from sessions.stock import services as stock
from tests.browser.screens import shoot
from tests.sessions.rems.setup import esketamine_session
from tests.sessions.stock.setup import esketamine, receive, registration

pytestmark = [pytest.mark.heavy, pytest.mark.django_db(transaction=True)]


def test_enroll_chart_and_submit_the_monitoring_form(
    sign_in,
    live_server,
    patient,
    therapist,
    prescriber,
    clinic_admin,
    screening_policy,
    appointment_types,
):
    registration(prescriber)
    lot = receive(
        by=prescriber, witness=clinic_admin, number="E-4410", product=esketamine(), containers=6
    )
    page = sign_in(therapist)
    page.goto(f"{live_server.url}/patients/{patient.pk}/")
    section = page.get_by_test_id("rems-section")
    expect(section).to_contain_text("Not enrolled")
    section.locator("#id_rems_patient_id").fill("RP-55812")
    section.locator("#id_enrolled_on").fill(str(timezone.localdate()))
    section.get_by_role("button", name="Record enrollment").click()
    expect(page.get_by_test_id("rems-enrollment")).to_contain_text("RP-55812")
    shoot(page, "chart-rems")

    dose = esketamine_session(
        patient, therapist=therapist, prescriber=prescriber, admin=clinic_admin, lot=lot
    )
    page.get_by_role("link", name="REMS forms").click()
    queue = page.get_by_test_id("rems-queue")
    expect(queue).to_contain_text("Paula Reyes")
    # 7 days from the session's local date (6 when the first device was before midnight).
    left = rules.days_left(timezone.localdate(dose.started_at), timezone.localdate())
    expect(queue).to_contain_text(f"{left} days left")
    shoot(page, "rems-queue")
    queue.get_by_role("link", name="Open the form").click()
    expect(page.get_by_text("152/94 at 40 min")).to_be_visible()

    form = page.get_by_test_id("rems-form")
    form.get_by_role("button", name="Mark submitted").click()
    expect(form).to_contain_text("Benzodiazepines: answer yes or no.")
    shoot(page, "rems-form-refused")
    for name in ("benzodiazepines", "non_benzodiazepine_hypnotics", "maois"):
        form.locator(f"input[name={name}][value=no]").check()
    form.locator("input[name=psychostimulants][value=yes]").check()
    form.locator("input[name=sedation][value=yes]").check()
    for name, value in (
        ("ready_to_leave_minutes", "95"),
        ("sedation_onset_minutes", "10"),
        ("sedation_resolved_minutes", "70"),
        ("dissociation_onset_minutes", "5"),
        ("dissociation_resolved_minutes", "60"),
        ("respiratory_resolved_minutes", "35"),
        ("reference", "RMS-778812"),
    ):
        form.locator(f"#id_{name}").fill(value)
    form.get_by_role("button", name="Mark submitted").click()
    expect(page.get_by_test_id("rems-status")).to_contain_text("RMS-778812")
    expect(page.get_by_text("Yes · onset 10 min, resolved 70 min")).to_be_visible()
    shoot(page, "rems-form-submitted")
    page.locator("#nav").get_by_role("link", name="REMS forms").click()
    expect(page.get_by_test_id("rems-queue")).to_contain_text("No form is due")
    assert dose.rems_form.reference == "RMS-778812"

    stock.loss_record(by=prescriber, lot=lot, quantity_mg=Decimal(28), reason="Device missing")
    page = sign_in(clinic_admin)
    expect(page.get_by_test_id("open-alerts")).to_contain_text("lot E-4410")
    page.get_by_test_id("open-alerts").get_by_role("link", name="Open").click()
    expect(page.get_by_text("Form 106")).to_be_visible()
    shoot(page, "alert-stock-loss")
    page.fill("#id_note", "DEA Form 106 filed online today.")
    page.get_by_role("button", name="Resolve").click()
    expect(page.get_by_role("alert")).to_contain_text("Alert resolved")
