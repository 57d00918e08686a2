"""Dosing in Chromium: a prescriber starts a dose after the checklist, charts vitals, records an
adverse event and discharges; a dose at 165/95 is refused with the reason shown; the session
record PDF holds the dose, the lot and every vitals row."""

import os
import shutil
import subprocess
from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from sessions.models import Dose
from tests.conftest import service_missing
from tests.sessions.dosing.setup import dose_ready
from tests.sessions.stock.setup import receive

pytestmark = [pytest.mark.heavy, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def ready(patient, therapist, prescriber, clinic_admin, screening_policy, appointment_types):
    def make(**changes):
        return dose_ready(
            patient, therapist=therapist, prescriber=prescriber, admin=clinic_admin, **changes
        )

    return make


def vitals(page, moment, systolic, diastolic, heart_rate, spo2, rate):
    form = page.get_by_test_id("vitals-form")
    form.locator("select").select_option(moment)
    for name, value in (
        ("systolic", systolic),
        ("diastolic", diastolic),
        ("heart_rate", heart_rate),
        ("spo2", spo2),
        ("respiratory_rate", rate),
    ):
        form.locator(f"#id_vitals-{name}").fill(str(value))
    form.get_by_role("button", name="Record").click()


def test_start_chart_and_discharge(sign_in, live_server, ready, prescriber, clinic_admin):
    dose = ready(checklist=False, bp=None)
    lot = receive(by=prescriber, witness=clinic_admin, number="KX-2231")
    page = sign_in(prescriber)
    page.goto(f"{live_server.url}/doses/{dose.pk}/")
    expect(page.get_by_test_id("start-problems")).to_contain_text("Checklist incomplete")
    for item in ("identity", "allergies", "medications", "pregnancy", "fasting", "escort"):
        page.get_by_test_id(f"check-{item}").click()
    vitals(page, "pre_dose", 128, 82, 72, 98, 14)
    page.get_by_role("button", name="Start dose").click()
    expect(page.get_by_test_id("dose-status")).to_have_text("Started")

    vitals(page, "during", 142, 88, 84, 97, 14)
    vitals(page, "peak", 186, 102, 96, 95, 13)
    expect(page.locator(".vital-alert").first).to_contain_text("186/102")
    page.select_option("#id_event-kind", "nausea")
    page.select_option("#id_event-severity", "mild")
    page.select_option("#id_event-action_taken", "rescue")
    page.fill("#id_event-notes", "Ondansetron 4 mg ODT")
    page.get_by_role("button", name="Record adverse event").click()
    expect(page.get_by_test_id("events")).to_contain_text("Nausea")

    page.select_option("#id_administration-lot", str(lot.pk))
    page.fill("#id_administration-quantity_drawn_mg", "35")
    page.fill("#id_administration-quantity_given_mg", "35")
    page.get_by_role("button", name="Record administration").click()
    expect(page.get_by_test_id("administration")).to_contain_text("KX-2231")

    if os.environ.get("SCREENSHOTS_DIR"):  # for looking at the page, not for asserting
        page.screenshot(path=f"{os.environ['SCREENSHOTS_DIR']}/dose.png", full_page=True)
    # Two hours later (the monitoring itself is not waited for in a test).
    Dose.objects.filter(pk=dose.pk).update(started_at=timezone.now() - timedelta(minutes=125))
    vitals(page, "discharge", 132, 84, 76, 98, 14)
    for label in ("Alert and oriented", "Walking steadily", "Named escort present"):
        page.get_by_label(label).check()
    page.get_by_role("button", name="Discharge").click()
    expect(page.get_by_test_id("dose-error")).to_contain_text("no driving")
    page.get_by_label("Alert and oriented").check()
    page.get_by_label("Walking steadily").check()
    page.get_by_label("Named escort present").check()
    page.get_by_label("Patient acknowledges", exact=False).check()
    page.get_by_role("button", name="Discharge").click()
    expect(page.get_by_test_id("dose-status")).to_have_text("Discharged")

    if not shutil.which("pdftotext"):
        service_missing("pdftotext (poppler-utils)")
    pdf = page.context.request.get(f"{live_server.url}/doses/{dose.pk}/record.pdf").body()
    text = subprocess.run(
        ["pdftotext", "-layout", "-", "-"], input=pdf, capture_output=True, check=True
    ).stdout.decode()
    assert "35 mg (0.50 mg/kg" in text and "KX-2231" in text
    for row in ("128/82", "142/88", "186/102", "132/84"):
        assert row in text


def test_a_dose_at_165_95_is_refused_with_the_reason(sign_in, live_server, ready, prescriber):
    dose = ready(bp=(165, 95))
    page = sign_in(prescriber)
    page.goto(f"{live_server.url}/doses/{dose.pk}/")
    page.get_by_role("button", name="Start dose").click()
    expect(page.get_by_test_id("dose-error")).to_contain_text(
        "165/95 is at or above 160/100: no dose today"
    )
    expect(page.get_by_test_id("dose-status")).to_have_text("Booked")
