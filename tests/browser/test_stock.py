"""Controlled substances in Chromium: a prescriber receives a lot, gives two doses from it to two
patients, and the ledger shows both draws with the patients' records linked; a count one mg short
opens a discrepancy that the administrator sees on the dashboard and resolves with a reason."""

from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from sessions.dosing import services as doses
from sessions.models import Discrepancy, Lot
from sessions.stock import selectors
from tests.browser.screens import shoot
from tests.conftest import PASSWORD
from tests.patients.factories import CareTeamFactory, CourseFactory, PatientFactory
from tests.sessions.dosing.setup import dose_ready
from tests.sessions.stock.setup import ketamine, registration, supplier

pytestmark = [pytest.mark.heavy, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def two_started_doses(
    patient, therapist, prescriber, clinic_admin, make_user, screening_policy, appointment_types
):
    """Two patients in two chairs, each with their own therapist, the same prescriber."""
    second = PatientFactory(first_name="Marta", last_name="Lindgren")
    CourseFactory(patient=second, phase="treatment")
    tess = make_user("therapist", username="tess")
    CareTeamFactory(patient=second, clinician=tess, primary=True)
    CareTeamFactory(patient=second, clinician=prescriber)
    started = []
    for person, clinician in ((patient, therapist), (second, tess)):
        dose = dose_ready(person, therapist=clinician, prescriber=prescriber, admin=clinic_admin)
        started.append(doses.dose_start(by=prescriber, dose=dose))
    return started


def administer(page, live_server, dose, lot, drawn, given, wasted="0", witness=None):
    page.goto(f"{live_server.url}/doses/{dose.pk}/")
    page.select_option("#id_administration-lot", str(lot.pk))
    page.fill("#id_administration-quantity_drawn_mg", drawn)
    page.fill("#id_administration-quantity_given_mg", given)
    page.fill("#id_administration-quantity_wasted_mg", wasted)
    if witness:
        page.fill("#id_administration-witness_username", witness)
        page.fill("#id_administration-witness_password", PASSWORD)
    page.get_by_role("button", name="Record administration").click()
    expect(page.get_by_test_id("administration")).to_contain_text("K-5150")


def test_receive_dose_twice_count_short_and_resolve(
    sign_in, live_server, two_started_doses, prescriber, clinic_admin, therapist, patient
):
    registration(prescriber)
    product, source = ketamine(), supplier()
    page = sign_in(prescriber)

    page.get_by_role("link", name="Controlled substances").click()
    shoot(page, "stock-empty")
    page.get_by_role("link", name="Receive stock").click()
    page.select_option("#id_supplier", str(source.pk))
    page.fill("#id_invoice_number", "INV-2231")
    page.select_option("#id_line-0-product", str(product.pk))
    page.fill("#id_line-0-lot_number", "K-5150")
    page.fill("#id_line-0-expiry", str(timezone.localdate() + timedelta(days=400)))
    page.fill("#id_line-0-containers", "1")
    page.fill("#id_witness_username", clinic_admin.username)
    page.fill("#id_witness_password", "not the password")
    page.get_by_role("button", name="Record the delivery").click()
    expect(page.get_by_test_id("receive-form")).to_contain_text("second staff member")
    shoot(page, "stock-receive-refused")
    page.fill("#id_witness_password", PASSWORD)
    page.get_by_role("button", name="Record the delivery").click()
    expect(page.get_by_test_id("stock-on-hand")).to_contain_text("500 mg")
    lot = Lot.objects.get(number="K-5150")

    first, second = two_started_doses
    administer(page, live_server, first, lot, "50", "35", "15", witness=therapist.username)
    shoot(page, "dose-administration")
    administer(page, live_server, second, lot, "35", "35")

    page.goto(f"{live_server.url}/stock/lots/{lot.pk}/")
    ledger = page.get_by_test_id("ledger")
    expect(ledger.get_by_test_id("ledger-line")).to_have_count(3)
    expect(ledger).to_contain_text("Paula Reyes")
    expect(ledger).to_contain_text("Marta Lindgren")
    expect(page.get_by_test_id("lot-balance")).to_have_text("415 mg")
    expect(ledger.get_by_role("link", name="Paula Reyes")).to_have_attribute(
        "href", f"/patients/{patient.pk}/"
    )
    ledger.get_by_test_id("dose-link").first.click()
    expect(page.get_by_test_id("dose-status")).to_have_text("Started")
    page.go_back()

    # One mg short: 414 counted against 415 in the ledger.
    form = page.get_by_test_id("count-form")
    form.locator("#id_count-counted_mg").fill("414")
    form.locator("#id_count-second_username").fill(clinic_admin.username)
    form.locator("#id_count-second_password").fill(PASSWORD)
    form.get_by_role("button", name="Record the count").click()
    expect(page.get_by_role("alert")).to_contain_text("a discrepancy is open")
    expect(page.get_by_test_id("counts")).to_contain_text("Discrepancy open")
    shoot(page, "stock-lot-ledger")
    page.goto(f"{live_server.url}/stock/")
    shoot(page, "stock-home")

    page = sign_in(clinic_admin)
    dashboard = page.get_by_test_id("open-discrepancies")
    expect(dashboard).to_contain_text("lot K-5150")
    expect(dashboard).to_contain_text("-1 mg")
    shoot(page, "admin-home")
    dashboard.get_by_role("link", name="Open").click()
    expect(page.get_by_test_id("difference")).to_contain_text("-1 mg (missing)")
    shoot(page, "stock-discrepancy")
    page.get_by_label("Ledger adjusted to the count").check()
    page.fill("#id_reason", "Residue left in the vial after two draws; recount confirmed 414 mg.")
    page.get_by_role("button", name="Resolve the discrepancy").click()
    expect(page.get_by_test_id("discrepancy-status")).to_have_text("Resolved")
    expect(page.get_by_test_id("resolution")).to_contain_text("Residue left in the vial")
    shoot(page, "stock-discrepancy-resolved")

    assert Discrepancy.objects.get().movement.change_mg == -1
    assert selectors.lot_balance(lot) == 414
    page.goto(f"{live_server.url}/")
    expect(page.get_by_test_id("open-discrepancies")).to_contain_text("No open discrepancy")

    page.goto(f"{live_server.url}/stock/inventory/?on={timezone.localdate()}")
    expect(page.get_by_test_id("inventory")).to_contain_text("K-5150")
    shoot(page, "stock-inventory")
    page.goto(f"{live_server.url}/stock/patients/{patient.pk}/")
    expect(page.get_by_test_id("dispensing")).to_contain_text("K-5150")
    shoot(page, "stock-dispensing")
