"""The clinician's iCalendar feed: a secret, revocable address with initials only."""

import re

import pytest
from django.urls import reverse
from icalendar import Calendar

from audit.models import AuditEvent
from sessions.booking import services
from sessions.models import CalendarFeed
from tests.sessions.factories import AppointmentFactory, kind, local

pytestmark = pytest.mark.django_db


def issue(client) -> str:
    """Issue a feed from the clinician's page; returns the address shown once."""
    response = client.post(reverse("calendar_feed_issue"))
    assert response.status_code == 200
    match = re.search(r'data-testid="feed-url">([^<]+)<', response.content.decode())
    return match.group(1)


def test_the_feed_parses_and_holds_initials_not_names(
    signed_in, client, therapist, prescriber, patient, rooms
):
    dose = AppointmentFactory(
        patient=patient, clinician=therapist, room=rooms[0], type=kind("dosing")
    )
    dose.staff.add(prescriber)
    AppointmentFactory(
        patient=patient,
        clinician=therapist,
        room=None,
        type=kind("integration"),
        start=local(9, "10:00"),
    )
    AppointmentFactory(
        patient=patient,
        clinician=therapist,
        start=local(8, "10:00"),
        status="cancelled",
        cancel_reason="x",
    )
    url = issue(signed_in(therapist))
    client.logout()  # calendar apps do not sign in
    response = client.get(url)
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/calendar")
    body = response.content.decode()
    for secret in ["Paula", "Reyes", patient.mrn, str(patient.pk), patient.phone]:
        assert secret not in body
    events = Calendar.from_ical(response.content).walk("VEVENT")
    assert sorted(str(e["SUMMARY"]) for e in events) == ["PR · Dosing", "PR · Integration"]
    by_summary = {str(e["SUMMARY"]): e for e in events}
    assert by_summary["PR · Dosing"].decoded("DTSTART") == dose.start
    assert str(by_summary["PR · Dosing"]["LOCATION"]) == rooms[0].name
    assert str(by_summary["PR · Integration"]["LOCATION"]) == "Telehealth"
    event = AuditEvent.objects.filter(action="export").get()
    assert (event.user, event.detail) == (therapist, {"patients": [str(patient.pk)]})


def test_further_staff_see_the_appointments_they_supervise(
    signed_in, client, therapist, prescriber, patient, rooms
):
    dose = AppointmentFactory(patient=patient, clinician=therapist, room=rooms[0])
    dose.staff.add(prescriber)
    url = issue(signed_in(prescriber))
    client.logout()
    events = Calendar.from_ical(client.get(url).content).walk("VEVENT")
    assert [str(e["SUMMARY"]) for e in events] == ["PR · Preparation (further staff)"]


def test_only_the_hash_is_stored(signed_in, therapist):
    url = issue(signed_in(therapist))
    token = url.rsplit("/", 1)[1].removesuffix(".ics")
    feed = CalendarFeed.objects.get()
    assert token not in feed.token_hash and feed.token_hash == services.feed_token_hash(token)


def test_a_new_address_revokes_the_old_and_revoke_stops_it(signed_in, client, therapist):
    page = signed_in(therapist)
    first = issue(page)
    second = issue(page)
    assert first != second
    assert client.get(first).status_code == 404
    assert client.get(second).status_code == 200
    response = page.post(reverse("calendar_feed_revoke"))
    assert response.status_code == 302
    assert client.get(second).status_code == 404
    assert CalendarFeed.objects.filter(revoked_at=None).count() == 0


def test_an_unknown_address_is_not_found(client, db):
    assert client.get(reverse("calendar_feed", args=["nope"])).status_code == 404


def test_an_inactive_clinicians_feed_stops(signed_in, client, therapist):
    url = issue(signed_in(therapist))
    therapist.is_active = False
    therapist.save()
    assert client.get(url).status_code == 404


def test_the_address_is_shown_once(signed_in, therapist):
    page = signed_in(therapist)
    issue(page)
    response = page.get(reverse("my_schedule"))
    assert b'data-testid="feed-url"' not in response.content
    assert b"A feed address is active" in response.content


@pytest.mark.parametrize("role", ["frontdesk", "intake", "admin"])
def test_feeds_are_for_clinicians(signed_in, make_user, role):
    assert signed_in(make_user(role)).post(reverse("calendar_feed_issue")).status_code == 403
