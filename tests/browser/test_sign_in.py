"""Every role signs in through Chromium and lands on its own home page."""

import pytest
from playwright.sync_api import expect

pytestmark = [pytest.mark.heavy, pytest.mark.django_db(transaction=True)]


HOMES = {
    "intake": "Intake",
    "therapist": "Therapist",
    "prescriber": "Prescriber",
    "frontdesk": "Front desk",
    "admin": "Clinic administration",
    "patient": "Hello, Paula",
}


def test_each_role_signs_in_to_its_home_page(
    sign_in, live_server, intake, therapist, prescriber, frontdesk, clinic_admin, patient
):
    users = {
        "intake": intake,
        "therapist": therapist,
        "prescriber": prescriber,
        "frontdesk": frontdesk,
        "admin": clinic_admin,
        "patient": patient.user,
    }
    for role, user in users.items():
        page = sign_in(user)
        expect(page.locator("h1")).to_have_text(HOMES[role])
        expect(page.get_by_test_id("user-menu")).to_contain_text(user.get_role_display())


def test_a_clinician_opens_a_chart_from_the_home_page(sign_in, therapist, patient):
    page = sign_in(therapist)
    page.get_by_role("link", name="Reyes, Paula").click()
    expect(page.get_by_test_id("chart-name")).to_have_text("Paula Reyes")
    assert str(patient.pk) in page.url and "Reyes" not in page.url


def test_a_patient_cannot_open_another_patients_chart(sign_in, live_server, patient, other_patient):
    page = sign_in(patient.user)
    response = page.goto(f"{live_server.url}/patients/{other_patient.pk}/")
    assert response.status in (403, 404)
    expect(page.locator("body")).not_to_contain_text("Lindqvist")


def test_search_keeps_the_term_out_of_the_address_bar(sign_in, live_server, frontdesk, patient):
    page = sign_in(frontdesk)
    page.goto(f"{live_server.url}/patients/")
    page.fill("#id_q", "Reyes")
    page.keyboard.press("Enter")
    expect(page.locator("#results")).to_contain_text("Reyes, Paula")
    assert "Reyes" not in page.url
