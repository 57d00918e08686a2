"""The chart's Messages, the patient's channels and consent, sending again, the clinic-wide pause
and the crisis protocol page: who may, what they see, and bad input answered with field errors."""

import pytest
from django.urls import reverse

from audit.models import AuditEvent
from notifications import dispatch
from notifications.models import ContactPreference, Message, MessagingPause
from tests.sessions.factories import local

pytestmark = pytest.mark.django_db


def test_the_chart_lists_the_patients_messages(signed_in, therapist, book, reachable):
    appointment = book(reachable, "preparation", local(3, "10:00"), therapist)
    dispatch.messages_dispatch(now=local(2, "10:00"))
    page = signed_in(therapist).get(reverse("chart", args=[reachable.pk])).content.decode()
    assert 'data-testid="chart-messages"' in page
    assert "Appointment reminder" in page and "Sent" in page
    assert "E-mail to p•••@example.org: delivered" in page
    assert "Text message to •••0100: delivered" in page
    assert "no details in messages" in page
    assert Message.objects.filter(appointment=appointment).count() == 1


def test_front_desk_sets_channels_and_consent(signed_in, frontdesk, reachable):
    client = signed_in(frontdesk)
    url = reverse("message_preferences", args=[reachable.pk])
    assert client.get(url).status_code == 200
    response = client.post(url, {"email": "on", "unencrypted_consent": "on"})
    assert response.status_code == 302
    preference = ContactPreference.objects.get(patient=reachable)
    assert (preference.email, preference.sms, preference.unencrypted_consent) == (
        True,
        False,
        True,
    )
    chart = client.get(reverse("chart", args=[reachable.pk])).content.decode()
    assert "details allowed in unencrypted messages" in chart


def test_text_messages_without_a_phone_is_a_field_error(signed_in, frontdesk, patient):
    patient.phone = ""
    patient.save(update_fields=["phone"])
    url = reverse("message_preferences", args=[patient.pk])
    response = signed_in(frontdesk).post(url, {"sms": "on"})
    assert response.status_code == 400
    assert "no phone number" in response.content.decode()


def test_an_outsider_may_not_see_or_change_preferences(signed_in, outside_clinician, patient):
    url = reverse("message_preferences", args=[patient.pk])
    assert signed_in(outside_clinician).get(url).status_code == 404
    assert signed_in(outside_clinician).post(url, {"email": "on"}).status_code == 404


def test_sending_again_asks_a_reason_and_is_audited(
    signed_in, frontdesk, therapist, book, reachable
):
    appointment = book(reachable, "preparation", local(3, "10:00"), therapist)
    message = Message.objects.get(appointment=appointment)
    Message.objects.filter(pk=message.pk).update(status="failed", note="Refused: SMTP down")
    client = signed_in(frontdesk)
    url = reverse("message_resend", args=[message.pk])
    assert "Why send it again" in client.get(url).content.decode()
    assert client.post(url, {"reason": ""}).status_code == 400
    assert client.post(url, {"reason": "SMTP was down; sent again."}).status_code == 302
    again = Message.objects.get(resend_of=message)
    assert again.resend_reason == "SMTP was down; sent again."
    assert AuditEvent.objects.filter(object_id=str(again.pk), action="create").exists()
    refused = client.post(url, {"reason": "Once more"})
    assert refused.status_code == 400 and "already sent again" in refused.content.decode()


def test_a_sent_message_is_not_sent_again(signed_in, frontdesk, therapist, book, reachable):
    appointment = book(reachable, "preparation", local(3, "10:00"), therapist)
    dispatch.messages_dispatch(now=local(2, "10:00"))
    message = Message.objects.get(appointment=appointment)
    response = signed_in(frontdesk).post(
        reverse("message_resend", args=[message.pk]), {"reason": "Try"}
    )
    assert response.status_code == 400
    assert "only a failed or interrupted message" in response.content.decode()


def test_only_an_administrator_pauses_all_messages(signed_in, clinic_admin, therapist):
    url = reverse("message_pause")
    assert signed_in(therapist).get(url).status_code == 403
    client = signed_in(clinic_admin)
    assert client.get(url).status_code == 200
    assert client.post(url, {"paused": "on", "reason": "Wrong dates"}).status_code == 302
    assert MessagingPause.objects.get(pk=1).paused
    assert "Paused" in client.get(url).content.decode()
    client.post(url, {"reason": ""})
    assert not MessagingPause.objects.get(pk=1).paused


def test_the_crisis_protocol_is_for_staff(signed_in, prescriber, patient):
    page = signed_in(prescriber).get(reverse("crisis_protocol"))
    assert page.status_code == 200 and "Call the on-call prescriber" in page.content.decode()
    assert signed_in(patient.user).get(reverse("crisis_protocol")).status_code == 403
