"""The clinic's day on the chart and the home pages (issue 11): the chart's Administration and
Integration sections, "In clinic now", the prescriber's review queue. Each asserted at a fixed
query count with one row and with many."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from audit.models import AuditEvent
from integration.followups import dispatch
from patients.models import Alert
from screening.models import ReviewItem, Screening
from sessions.booking.selectors import day_bounds, local_today
from sessions.models import AdverseEvent, Dose, VitalSigns
from tests.accounts.factories import UserFactory
from tests.integration.followups.setup import finished_dose
from tests.patients.factories import CareTeamFactory, CourseFactory, PatientFactory
from tests.sessions.factories import AppointmentFactory, RoomFactory, kind

pytestmark = pytest.mark.django_db


def count_queries(client, url) -> tuple[int, object]:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200
    return len(queries), response


# --- The chart ------------------------------------------------------------------------------


def past_doses(patient, clinician, n: int, *, first: int = 0):
    """`n` finished doses, four days apart, the `first`-th onwards (never overlapping)."""
    made = []
    for i in range(first, first + n):
        at = timezone.now() - timedelta(days=2 + 4 * i)
        dose = finished_dose(patient, clinician, at)
        Dose.objects.filter(pk=dose.pk).update(
            mg_per_kg=Decimal("0.5"), weight_kg=Decimal("70"), monitoring_minutes=125
        )
        AdverseEvent.objects.create(
            dose=dose,
            kind="nausea",
            severity="mild",
            action_taken="observed",
            recorded_by=clinician,
        )
        dispatch.followup_open(dose_id=dose.pk)
        made.append(dose)
    return made


@pytest.mark.parametrize("n", [1, 6])
def test_the_chart_lists_each_dose_and_its_follow_up_at_a_fixed_cost(
    signed_in, therapist, patient, appointment_types, n
):
    client = signed_in(therapist)
    url = reverse("chart", args=[patient.pk])
    client.get(url)  # warm the session
    past_doses(patient, therapist, 1)
    one, _ = count_queries(client, url)
    past_doses(patient, therapist, n - 1, first=1)
    many, response = count_queries(client, url)
    assert many == one
    page = response.content.decode()
    assert page.count('data-testid="chart-dose"') == n
    assert page.count('data-testid="chart-followup"') == n
    assert "Ketamine (racemic) · IM injection" in page
    assert "35 mg" in page and "0.50 mg/kg at 70 kg" in page and "Monitored 125 min" in page
    assert "1 adverse event</span>: Nausea" in page and "(days 1–3)" in page
    dose = Dose.objects.filter(course__patient=patient).first()
    assert reverse("dose", args=[dose.pk]) in page
    assert reverse("dose_record_pdf", args=[dose.pk]) in page
    assert "No dosing sessions yet" not in page


def test_the_chart_without_doses_says_so(signed_in, therapist, patient):
    page = signed_in(therapist).get(reverse("chart", args=[patient.pk])).content.decode()
    assert "No dosing sessions yet." in page and "No integration follow-ups yet." in page


def test_the_front_desk_chart_shows_no_administration(signed_in, frontdesk, therapist, patient):
    past_doses(patient, therapist, 1)
    page = signed_in(frontdesk).get(reverse("chart", args=[patient.pk])).content.decode()
    assert "section-administration" not in page and "Ketamine" not in page


# --- In clinic now ----------------------------------------------------------------------------


def started_today(patient, clinician, room, minutes_ago=30) -> Dose:
    """A dose in progress (test data), started today `minutes_ago` minutes ago at most."""
    midnight = day_bounds(local_today())[0]
    at = max(timezone.now() - timedelta(minutes=minutes_ago), midnight + timedelta(seconds=1))
    appointment = AppointmentFactory(
        patient=patient,
        course=patient.courses.get(),
        type=kind("dosing"),
        clinician=clinician,
        room=room,
        start=at,
    )
    dose = Dose.objects.create(
        appointment=appointment,
        course=appointment.course,
        status="started",
        drug="ketamine",
        route="im",
        dose_mg=Decimal("35"),
        started_at=at,
    )
    VitalSigns.objects.create(
        dose=dose,
        moment="during",
        taken_at=at,
        systolic=142,
        diastolic=88,
        heart_rate=80,
        spo2=97,
        respiratory_rate=14,
        taken_by=clinician,
    )
    return dose


def vitals_alert(patient, recipient):
    Alert.objects.create(
        patient=patient,
        recipient=recipient,
        kind="vitals",
        severity="urgent",
        message="Dosing vitals: systolic 186.",
    )


def another_patient_dosing(therapist, n):
    person = PatientFactory(first_name=f"Nadia{n}", last_name="Quill")
    CourseFactory(patient=person, phase="treatment")
    CareTeamFactory(patient=person, clinician=therapist, primary=True)
    # Another clinician attends each room at once (one clinician is never booked twice).
    attending = UserFactory(username=f"attending{n}", role="therapist")
    CareTeamFactory(patient=person, clinician=attending)
    return started_today(person, attending, RoomFactory(name=f"Room {n + 10}"))


@pytest.mark.parametrize("role", ["therapist", "frontdesk"])
def test_in_clinic_now_at_a_fixed_cost(
    signed_in, request, therapist, patient, appointment_types, role
):
    user = request.getfixturevalue(role)
    client = signed_in(user)
    dose = started_today(patient, therapist, RoomFactory(name="Sage"))
    client.get(reverse("home"))  # warm the session
    one, response = count_queries(client, reverse("home"))
    assert len(response.context["in_clinic"]) == 1
    for n in range(5):
        another_patient_dosing(therapist, n)
    many, response = count_queries(client, reverse("home"))
    assert many == one
    assert len(response.context["in_clinic"]) == 6
    listed = AuditEvent.objects.filter(user=user, action="list").latest("id").detail
    assert str(dose.course.patient_id) in listed["patients"]


def test_the_front_desk_reads_initials_rooms_and_minutes_only(
    signed_in, frontdesk, therapist, patient, appointment_types
):
    started_today(patient, therapist, RoomFactory(name="Sage"))
    vitals_alert(patient, therapist)
    page = signed_in(frontdesk).get(reverse("home")).content.decode()
    board = page[page.index('data-testid="in-clinic"') :]
    board = board[: board.index('data-testid="today"')]
    assert "Sage" in board and ">PR<" in board and " min<" in board
    for clinical in ("Paula", "Reyes", "142/88", "systolic 186", "Last vitals", "/doses/"):
        assert clinical not in board


def test_a_clinician_reads_names_last_vitals_and_open_alerts(
    signed_in, therapist, outside_clinician, patient, appointment_types
):
    dose = started_today(patient, therapist, RoomFactory(name="Sage"))
    vitals_alert(patient, therapist)
    page = signed_in(therapist).get(reverse("home")).content.decode()
    assert "Paula Reyes" in page or "Reyes" in page
    assert "BP 142/88" in page and "systolic 186" in page
    assert reverse("dose", args=[dose.pk]) in page
    # A clinician of another care team sees the room and initials, nothing of the record.
    page = signed_in(outside_clinician).get(reverse("home")).content.decode()
    board = page[page.index('data-testid="in-clinic"') :]
    assert ">PR<" in board and "142/88" not in board and "Reyes" not in board


def test_a_finished_dose_or_one_started_yesterday_is_not_in_clinic(
    signed_in, therapist, patient, appointment_types
):
    dose = started_today(patient, therapist, RoomFactory(name="Sage"))
    Dose.objects.filter(pk=dose.pk).update(started_at=timezone.now() - timedelta(days=1))
    response = signed_in(therapist).get(reverse("home"))
    assert response.context["in_clinic"] == []
    assert b"No dose in progress." in response.content


# --- The prescriber's review queue ------------------------------------------------------------


def awaiting_review(intake, n: int) -> list:
    from screening.demo import screen_candidate

    made = []
    for i in range(n):
        person = PatientFactory(first_name=f"Rae{i}", last_name="Voss")
        course = CourseFactory(patient=person, phase="screening")
        made.append(screen_candidate(course=course, by=intake, history={"bipolar_disorder": True}))
    return made


@pytest.mark.parametrize("n", [1, 8])
def test_the_prescribers_review_queue_at_a_fixed_cost(
    signed_in, prescriber, intake, screening_policy, n
):
    client = signed_in(prescriber)
    client.get(reverse("home"))
    first = awaiting_review(intake, 1)[0]
    assert first.status == Screening.Status.AWAITING_REVIEW
    one, response = count_queries(client, reverse("home"))
    awaiting_review(intake, n - 1)
    many, response = count_queries(client, reverse("home"))
    assert many == one
    queue = response.context["review_queue"]
    assert len(queue) == n
    page = response.content.decode()
    decision = first.decisions.get()
    assert reverse("screening_decision", args=[decision.pk]) in page
    assert "Bipolar disorder" in page and "bipolar</" not in page


def test_a_reviewed_screening_leaves_the_queue(signed_in, prescriber, intake, screening_policy):
    screening = awaiting_review(intake, 1)[0]
    item = ReviewItem.objects.get(decision__screening=screening)
    client = signed_in(prescriber)
    client.post(
        reverse("screening_review", args=[item.pk]),
        {"decision": "clear", "reason": "Stable on lithium for 5 years."},
    )
    assert signed_in(prescriber).get(reverse("home")).context["review_queue"] == []


def test_the_therapist_has_no_review_queue(signed_in, therapist, intake, screening_policy):
    awaiting_review(intake, 1)
    response = signed_in(therapist).get(reverse("home"))
    assert (
        "review_queue" not in response.context and b"Screenings to review" not in response.content
    )
