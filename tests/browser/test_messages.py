"""Messages in Chromium: the chart's Messages card, the front desk recording channels and consent,
sending a failed reminder again with a reason, and the administrator's pause."""

import pytest
from playwright.sync_api import expect

from notifications import dispatch
from notifications.models import Message
from sessions.booking import services as booking
from tests.browser.screens import shoot
from tests.sessions.factories import RoomFactory, kind, local, works

pytestmark = [pytest.mark.heavy, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def reminded(patient, therapist, frontdesk, appointment_types):
    """Paula has e-mail; one preparation reminder sent, one failed."""
    patient.email = "paula@example.org"
    patient.save(update_fields=["email"])
    works(therapist)
    room = RoomFactory(name="Willow")
    first = booking.appointment_book(
        by=frontdesk, patient=patient, type=kind("preparation"), clinician=therapist,
        start=local(2, "10:00"), room=room,
    )  # fmt: skip
    dispatch.messages_dispatch(now=local(1, "10:00"))
    second = booking.appointment_book(
        by=frontdesk, patient=patient, type=kind("preparation"), clinician=therapist,
        start=local(5, "11:00"), room=room,
    )  # fmt: skip
    Message.objects.filter(appointment=second).update(
        status="failed", note="Refused by the e-mail service."
    )
    return first, second


def test_front_desk_records_consent_and_sends_a_failed_reminder_again(
    sign_in, live_server, reminded, patient, frontdesk
):
    page = sign_in(frontdesk)
    page.goto(f"{live_server.url}/patients/{patient.pk}/")
    card = page.get_by_test_id("chart-messages")
    expect(card).to_contain_text("Appointment reminder")
    expect(card).to_contain_text("no details in messages")
    shoot(page, "messages-chart")

    card.get_by_role("link", name="How to reach").click()
    page.get_by_label("Consents to details in unencrypted messages").check()
    shoot(page, "messages-preferences")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_test_id("chart-messages")).to_contain_text(
        "details allowed in unencrypted messages"
    )

    page.get_by_role("link", name="Send again…").click()
    page.get_by_label("Why send it again").fill("The patient called: nothing arrived.")
    shoot(page, "messages-resend")
    page.get_by_role("button", name="Send again").click()
    expect(page.get_by_test_id("chart-messages")).to_contain_text("(sent again)")


def test_the_administrator_pauses_all_messages(sign_in, live_server, clinic_admin):
    page = sign_in(clinic_admin)
    page.get_by_role("link", name="Messages").click()
    page.get_by_label("Pause all messages").check()
    page.get_by_label("Reason").fill("Checking the text-message provider")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_test_id("pause-form")).to_be_visible()
    expect(page.locator("main")).to_contain_text("Paused")
    shoot(page, "messages-pause")
