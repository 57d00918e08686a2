"""Dates no one means (9999-12-31, 0001-01-01, years ahead) on the booking page, the proposals and
the calendars: a field error or a 400, never a 500, and what was typed stays (issue 10)."""

from datetime import date, timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from sessions.booking import services
from sessions.booking.forms import CalendarForm
from sessions.booking.rules import BOOKING_AHEAD_DAYS
from sessions.errors import SessionsError
from sessions.models import Appointment
from tests.sessions.factories import kind, local

pytestmark = pytest.mark.django_db

ABSURD = ["9999-12-31", "0001-01-01"]


@pytest.fixture(autouse=True)
def _setup(clinic_hours, rooms):
    pass


# --- Calendars ------------------------------------------------------------------------------------


@pytest.mark.parametrize("day", ABSURD)
@pytest.mark.parametrize("view", ["day", "week"])
def test_calendars_refuse_an_absurd_day_with_a_400(signed_in, therapist, rooms, day, view):
    client = signed_in(therapist)
    for url in (
        reverse("clinician_calendar", args=[therapist.pk]),
        reverse("room_calendar", args=[rooms[0].pk]),
    ):
        response = client.get(url, {"day": day, "view": view})
        assert response.status_code == 400, url
        page = response.content.decode()
        assert "Choose a date between" in page
        assert f'value="{day}"' in page  # the typed date stays in the box
        assert response.context["view"] == view  # the other choice is kept
        assert response.context["first_day"] <= timezone.localdate() + timedelta(days=7)


def test_a_calendar_ten_years_back_still_opens(signed_in, therapist):
    back = timezone.localdate() - timedelta(days=365 * 9)
    url = reverse("clinician_calendar", args=[therapist.pk])
    assert signed_in(therapist).get(url, {"day": back.isoformat()}).status_code == 200


def test_the_calendar_form_names_its_range():
    form = CalendarForm({"day": "9999-12-31"}, today=date(2026, 3, 1))
    assert not form.is_valid()
    assert form.errors["day"] == ["Choose a date between Feb 29, 2016 and Mar 1, 2036."]
    assert not CalendarForm({"view": "month\x00"}, today=date(2026, 3, 1)).is_valid()


# --- Proposals and the booking page ---------------------------------------------------------------


@pytest.mark.parametrize("day", ABSURD)
def test_proposals_treat_an_absurd_day_as_not_chosen(signed_in, frontdesk, patient, therapist, day):
    client = signed_in(frontdesk)
    query = {"type": "dosing", "clinician": therapist.pk, "day": day}
    slots = client.get(reverse("appointment_slots", args=[patient.pk]), query)
    assert slots.status_code == 200 and slots.context["slots"]
    page = client.get(reverse("appointment_book", args=[patient.pk]), query)
    assert page.status_code == 200 and page.context["slots"]


@pytest.mark.parametrize(
    "day, refusal",
    [
        ("9999-12-31", "at most a year ahead"),
        ("2999-06-01", "at most a year ahead"),
        ("0001-01-01", "cannot start in the past"),
    ],
)
def test_booking_an_absurd_day_is_a_field_error_that_keeps_the_rest(
    signed_in, frontdesk, patient, therapist, rooms, day, refusal
):
    data = {
        "type": "preparation",
        "clinician": therapist.pk,
        "room": rooms[1].pk,
        "day": day,
        "time": "10:15",
        "minutes": "45",
    }
    response = signed_in(frontdesk).post(reverse("appointment_book", args=[patient.pk]), data)
    assert response.status_code == 400
    form = response.context["form"]
    assert list(form.errors) == ["day"] and refusal in form.errors["day"][0]
    page = response.content.decode()
    assert 'value="10:15"' in page and 'value="45"' in page and f'value="{day}"' in page
    assert not Appointment.objects.exists()


def test_the_service_refuses_a_booking_beyond_the_horizon(frontdesk, patient, therapist, rooms):
    def book(days_ahead):
        return services.appointment_book(
            by=frontdesk,
            patient=patient,
            type=kind("preparation"),
            clinician=therapist,
            start=local(days_ahead, "10:00"),
            room=rooms[0],
        )

    with pytest.raises(SessionsError, match="at most a year ahead") as error:
        book(BOOKING_AHEAD_DAYS + 2)
    assert error.value.field == "day"
    booked = book(BOOKING_AHEAD_DAYS - 1)
    too_far = local(BOOKING_AHEAD_DAYS + 2, "10:00")
    with pytest.raises(SessionsError, match="at most a year ahead"):
        services.appointment_reschedule(
            by=frontdesk, appointment=booked, start=too_far, clinician=therapist, room=rooms[0]
        )
