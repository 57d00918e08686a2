"""The audit reports in Chromium (issue 17): the administrator's audit page at 1366×900 and
820×1180 (filters, find by record number without the number in the address, the patient's events,
the CSV), and the patient's "Who has seen my record" at a phone's 390×844, after a therapist
opened her chart. Screenshots with SCREENSHOTS_DIR."""

import csv
import re
from pathlib import Path

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from audit.models import AuditEvent
from audit.services import record
from tests.browser.screens import shoot
from tests.browser.test_portal import phone_shot

pytestmark = [pytest.mark.heavy, pytest.mark.django_db(transaction=True)]


def test_the_administrator_reads_filters_finds_and_exports(
    sign_in, live_server, clinic_admin, therapist, prescriber, patient, other_patient
):
    record(user=therapist, action="view", patient_id=patient.pk, obj=patient)
    record(user=prescriber, action="print", patient_id=patient.pk, detail={"document": "rems form"})
    record(user=therapist, action="view", patient_id=other_patient.pk, obj=other_patient)
    record(user=None, action="sign_in_failed", detail={"path": "/accounts/login/"})
    page = sign_in(clinic_admin)

    page.get_by_role("link", name="Open the audit log").click()
    page.wait_for_url(re.compile(r"/audit/$"))
    table = page.get_by_test_id("audit-events")
    expect(table).to_contain_text("REMS form PDF")
    expect(table).to_contain_text("No one signed in")
    # (Not the last name alone: a factory's therapist may share it.)
    expect(table).not_to_contain_text(f"{patient.first_name} {patient.last_name}")
    expect(table).not_to_contain_text(patient.mrn)
    shoot(page, "audit-log")

    page.get_by_label("Action").select_option(label="Printed")
    page.get_by_role("button", name="Show").click()
    page.wait_for_url(re.compile(r"action=print"))
    expect(table.locator("tbody tr")).to_have_count(1)

    page.get_by_label("Find a patient by record number").fill(patient.mrn)
    page.get_by_role("button", name="Find").click()
    page.wait_for_url(re.compile(rf"/audit/\?patient={patient.pk}$"))
    assert patient.mrn not in page.url
    expect(page.get_by_test_id("audit-patient")).to_contain_text(patient.mrn)
    # The therapist's view, the prescriber's print and the administrator's own search.
    expect(table.locator("tbody tr")).to_have_count(3)
    expect(table).to_contain_text("Searched")
    shoot(page, "audit-log-one-patient")

    with page.expect_download() as download:
        page.get_by_test_id("audit-csv").click()
    assert download.value.suggested_filename.startswith("audit-log-")
    lines = list(csv.reader(Path(download.value.path()).read_text().splitlines()))
    assert {line[8] for line in lines[1:]} == {str(patient.pk)}
    assert AuditEvent.objects.filter(user=clinic_admin, action="export").count() == 1

    page.get_by_role("link", name="Open the chart").click()
    page.get_by_test_id("chart-audit-log").click()
    page.wait_for_url(re.compile(rf"/audit/\?patient={patient.pk}$"))

    page.get_by_label("From").fill("2026-12-01")
    page.get_by_label("To").fill("2026-11-01")
    page.get_by_role("button", name="Show").click()
    expect(page.get_by_text("The range ends before it starts.")).to_be_visible()


def test_the_patient_sees_who_opened_her_chart_on_a_phone(
    sign_in, live_server, therapist, prescriber, patient
):
    page = sign_in(therapist)
    page.goto(live_server.url + reverse("chart", args=[patient.pk]))
    expect(page.get_by_test_id("chart-name")).to_be_visible()
    for _ in range(3):
        record(user=prescriber, action="print", patient_id=patient.pk, detail={"document": "x"})
    record(user=prescriber, action="print", patient_id=patient.pk, obj=patient.courses.first())

    page.set_viewport_size({"width": 390, "height": 844})
    page = sign_in(patient.user)
    page.get_by_test_id("home-access-log-link").click()
    page.wait_for_url(re.compile(r"/me/record/who-has-seen-it/$"))
    log = page.get_by_test_id("access-log")
    expect(log.locator("li").first).to_contain_text("Printed your treatment course")
    expect(log.locator("li", has_text="Printed your record")).to_have_count(3)
    chart = log.locator("li", has_text="Viewed your chart")  # and the chart's own sections
    expect(chart).to_have_count(1)
    expect(chart).to_contain_text(therapist.get_full_name())
    expect(chart).to_contain_text("Therapist")
    phone_shot(page, "who-has-seen-my-record")
    shoot(page, "portal-who-has-seen-my-record")
