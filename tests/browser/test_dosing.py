"""Dosing in Chromium at the chair side, on a tablet (820×1180): a prescriber ticks the checklist,
starts the dose, charts vitals, strikes a mistyped reading with a reason (it stays, struck
through), records the Schedule III lines from a lot on the shelf and an adverse event, and
discharges; the header keeps the state, the start and the minutes in view; the session record PDF
holds every row, the struck one with its reason. A dose at 165/95 is refused with the reason."""

import os
import shutil
import subprocess
from datetime import timedelta

import pytest
from django.db.models import F
from playwright.sync_api import expect

from sessions.models import Appointment, Dose, VitalSigns
from tests.browser.screens import shoot
from tests.conftest import service_missing
from tests.sessions.stock.setup import receive

pytestmark = [pytest.mark.heavy, pytest.mark.django_db(transaction=True)]
TABLET = {"width": 820, "height": 1180}


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


def in_view(page, locator) -> bool:
    box = locator.bounding_box()
    return box is not None and 0 <= box["y"] < page.viewport_size["height"]


def test_chart_a_dose_at_the_chair_side(sign_in, live_server, ready, prescriber, clinic_admin):
    dose = ready(checklist=False, bp=None)
    lot = receive(by=prescriber, witness=clinic_admin, number="KX-2231")
    page = sign_in(prescriber)
    page.set_viewport_size(TABLET)
    page.goto(f"{live_server.url}/doses/{dose.pk}/")
    expect(page.get_by_test_id("start-problems")).to_contain_text("Checklist incomplete")
    # No previous dose: the prescriber is not asked why it is not integrated.
    expect(page.locator("#id_start-previous_dose_reason")).to_have_count(0)
    shoot(page, "dose-checklist", landscape=True)
    for item in ("identity", "allergies", "medications", "pregnancy", "fasting", "escort"):
        page.get_by_test_id(f"check-{item}").click()
    expect(page.get_by_test_id("checklist-summary")).to_contain_text("all 6 checked")
    vitals(page, "pre_dose", 128, 82, 72, 98, 14)
    page.get_by_role("button", name="Start dose").click()
    expect(page.get_by_test_id("dose-status")).to_have_text("Started")
    expect(page.get_by_test_id("started-at")).to_be_visible()
    expect(page.get_by_test_id("next-due")).to_contain_text("Next reading")
    assert Appointment.objects.get(pk=dose.appointment_id).status == "in_progress"

    vitals(page, "during", 142, 88, 84, 97, 14)
    vitals(page, "during", 186, 90, 84, 97, 14)  # mistyped: 136 was read off the monitor
    expect(page.locator(".vital-alert").first).to_contain_text("186/90")
    page.get_by_text("Correct a wrongly entered reading").click()
    form = page.get_by_test_id("strike-vitals-form")
    form.locator("select").select_option(
        label=form.locator("option", has_text="186/90").inner_text()
    )
    form.locator("#id_strike_vitals-reason").fill("Typed 186 for 136")
    form.get_by_role("button", name="Strike the reading").click()
    expect(page.get_by_test_id("struck-row")).to_contain_text("186/90")
    expect(page.locator(".vitals-strike-reason")).to_contain_text("Typed 186 for 136")
    expect(page.locator(".vital-alert")).to_have_count(0)  # a struck row alerts no more
    vitals(page, "during", 136, 90, 84, 97, 14)
    vitals(page, "peak", 150, 92, 96, 95, 13)

    page.get_by_text("Record an adverse event").click()
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
    expect(page.get_by_test_id("administration-summary")).to_contain_text("KX-2231")

    # The header stays in view at the bottom of the page; Discharge is one tap away.
    page.mouse.wheel(0, 5000)
    expect(page.get_by_test_id("dose-bar")).to_be_visible()
    assert in_view(page, page.get_by_test_id("dose-bar"))
    page.get_by_role("link", name="Discharge").click()
    assert in_view(page, page.get_by_role("button", name="Discharge"))
    page.evaluate("window.scrollTo(0, 0)")
    shoot(page, "dose-in-progress", landscape=True)
    shoot(page, "dose-in-progress-view", landscape=True, full_page=False)

    # Two hours later (the monitoring itself is not waited for in a test).
    # (A struck row is never moved, even by a test: the database refuses it.)
    back = timedelta(minutes=125)
    Dose.objects.filter(pk=dose.pk).update(started_at=F("started_at") - back)
    VitalSigns.objects.filter(dose=dose, struck_at=None).update(taken_at=F("taken_at") - back)
    page.reload()
    expect(page.get_by_test_id("next-due")).to_contain_text("late by")
    vitals(page, "discharge", 132, 84, 76, 98, 14)
    for label in ("Alert and oriented", "Walking steadily", "Named escort present"):
        page.get_by_label(label).check()
    page.get_by_role("button", name="Discharge", exact=True).click()
    expect(page.get_by_test_id("dose-error")).to_contain_text("no driving")
    page.get_by_label("Alert and oriented").check()
    page.get_by_label("Walking steadily").check()
    page.get_by_label("Named escort present").check()
    page.get_by_label("Patient acknowledges", exact=False).check()
    page.get_by_role("button", name="Discharge", exact=True).click()
    expect(page.get_by_test_id("dose-status")).to_have_text("Discharged")
    expect(page.get_by_test_id("struck-row")).to_contain_text("186/90")
    assert Appointment.objects.get(pk=dose.appointment_id).status == "completed"
    shoot(page, "dose-discharged", landscape=True)

    if not shutil.which("pdftotext"):
        service_missing("pdftotext (poppler-utils)")
    pdf = page.context.request.get(f"{live_server.url}/doses/{dose.pk}/record.pdf").body()
    if os.environ.get("SCREENSHOTS_DIR"):  # for looking at the record, not for asserting
        with open(f"{os.environ['SCREENSHOTS_DIR']}/session-record.pdf", "wb") as out:
            out.write(pdf)
    text = subprocess.run(
        ["pdftotext", "-layout", "-", "-"], input=pdf, capture_output=True, check=True
    ).stdout.decode()
    assert "35 mg (0.50 mg/kg" in text and "KX-2231" in text
    for row in ("128/82", "142/88", "186/90", "136/90", "150/92", "132/84"):
        assert row in text
    assert "Struck (not counted)" in text and "Typed 186 for 136" in text
    assert "Cleared the start" in text


def test_a_dose_at_165_95_is_refused_with_the_reason(sign_in, live_server, ready, prescriber):
    dose = ready(bp=(165, 95))
    page = sign_in(prescriber)
    page.set_viewport_size(TABLET)
    page.goto(f"{live_server.url}/doses/{dose.pk}/")
    page.get_by_role("button", name="Start dose").click()
    expect(page.get_by_test_id("dose-error")).to_contain_text(
        "165/95 is at or above 160/100: no dose today"
    )
    expect(page.get_by_test_id("dose-status")).to_have_text("Booked")
    expect(page.locator(".vitals-note")).to_contain_text("Refused pre-dose reading")
