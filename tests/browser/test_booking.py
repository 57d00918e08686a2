"""The front desk books from proposed slots in Chromium; a clash keeps the form filled."""

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from sessions.models import Appointment
from tests.sessions.factories import RoomFactory, restore_appointment_types, works

pytestmark = [pytest.mark.heavy, pytest.mark.django_db(transaction=True)]

CLASH = "The clinician, the room and the patient already have an appointment at this time."


@pytest.fixture
def clinic(therapist, prescriber):
    restore_appointment_types()  # a transactional test before this one may have flushed them
    works(therapist)
    works(prescriber)
    return {"Sage": RoomFactory(name="Sage"), "Cedar": RoomFactory(name="Cedar")}


def book_from_first_proposal(page, button: str, room: str):
    # The booking page must have loaded, its scripts run: a room chosen before htmx is ready
    # asks for no proposals (a flake on a loaded machine).
    with page.expect_navigation():
        page.get_by_test_id("chart-appointments").get_by_role("link", name=button).click()
    page.select_option("#id_room", label=room)
    # Choosing the room refreshes the proposals (htmx) for clinician, room and patient together.
    expect(page.get_by_test_id("proposals")).to_contain_text(room)
    slot = page.get_by_test_id("slot").first
    slot.click()
    expect(slot).to_have_attribute("aria-pressed", "true")
    assert page.input_value("#id_day") and page.input_value("#id_time")
    page.get_by_role("button", name="Book", exact=True).click()


def test_front_desk_books_preparation_and_dosing_from_proposals(
    sign_in, live_server, frontdesk, patient, clinic
):
    page = sign_in(frontdesk)
    page.goto(f"{live_server.url}/patients/{patient.pk}/")

    book_from_first_proposal(page, "Book preparation", "Sage")
    expect(page.get_by_role("alert")).to_contain_text("Booked: Preparation")
    book_from_first_proposal(page, "Book dosing", "Cedar")
    expect(page.get_by_role("alert")).to_contain_text("Booked: Dosing")

    upcoming = page.get_by_test_id("upcoming-appointments")
    expect(upcoming.get_by_test_id("appointment-row")).to_have_count(2)
    expect(upcoming).to_contain_text("Preparation")
    expect(upcoming).to_contain_text("Dosing")
    booked = {a.type.code: a for a in Appointment.objects.select_related("type", "room")}
    assert booked["preparation"].room.name == "Sage" and booked["dosing"].room.name == "Cedar"
    assert booked["dosing"].minutes == 150
    assert booked["dosing"].start >= booked["preparation"].end  # the patient is not double-booked


def test_a_clashing_booking_shows_the_message_with_the_form_still_filled(
    sign_in, live_server, frontdesk, patient, clinic
):
    page = sign_in(frontdesk)
    page.goto(f"{live_server.url}/patients/{patient.pk}/")
    book_from_first_proposal(page, "Book dosing", "Cedar")
    dose = Appointment.objects.get()
    start = timezone.localtime(dose.start)

    with page.expect_navigation():
        page.get_by_test_id("chart-appointments").get_by_role("link", name="Book dosing").click()
    page.select_option("#id_room", label="Cedar")
    page.fill("#id_day", start.date().isoformat())
    page.fill("#id_time", start.strftime("%H:%M"))
    page.fill("#id_minutes", "180")  # a dosing appointment lasts at least 150
    page.get_by_role("button", name="Book", exact=True).click()

    expect(page.get_by_test_id("booking-error")).to_have_text(CLASH)
    assert page.input_value("#id_day") == start.date().isoformat()
    assert page.input_value("#id_time") == start.strftime("%H:%M")
    assert page.input_value("#id_minutes") == "180"
    expect(page.locator("#id_room option:checked")).to_have_text("Cedar")
    expect(page.locator("#id_type option:checked")).to_have_text("Dosing")
    assert Appointment.objects.count() == 1
