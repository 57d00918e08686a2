"""The booking services: guards, permissions, clashes (both databases) and concurrency."""

import json
import subprocess
import sys
import threading
from datetime import timedelta

import pytest
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.db.models import Exists, OuterRef
from django.utils import timezone

from audit.models import AuditEvent
from sessions.booking import services
from sessions.errors import SessionsError
from sessions.models import (
    INACTIVE,
    Appointment,
    ClinicClosedDay,
    ClinicianDayOff,
)
from tests.conftest import on_postgresql
from tests.patients.factories import CareTeamFactory, CourseFactory, PatientFactory
from tests.sessions.factories import AppointmentFactory, kind, local, works

pytestmark = pytest.mark.django_db


def book(by, patient, clinician, start=None, code="preparation", room=None, **kwargs):
    return services.appointment_book(
        by=by,
        patient=patient,
        type=kind(code),
        clinician=clinician,
        start=start or local(7, "10:00"),
        room=room,
        **kwargs,
    )


def team_patient(*clinicians, phase="treatment", **names):
    person = PatientFactory(**names)
    CourseFactory(patient=person, phase=phase)
    for clinician in clinicians:
        CareTeamFactory(patient=person, clinician=clinician)
    return person


def overlapping_pairs(column: str):
    """The self-join: active appointments overlapping another active one on `column`."""
    others = (
        Appointment.objects.exclude(status__in=INACTIVE)
        .filter(**{column: OuterRef(column)}, start__lt=OuterRef("end"), end__gt=OuterRef("start"))
        .exclude(pk=OuterRef("pk"))
    )
    return Appointment.objects.exclude(status__in=INACTIVE).filter(Exists(others))


@pytest.fixture(autouse=True)
def _setup(clinic_hours, rooms):
    pass


# --- Booking ------------------------------------------------------------------------------------


def test_front_desk_books_a_preparation_audited(frontdesk, patient, therapist, rooms):
    appointment = book(frontdesk, patient, therapist, room=rooms[0])
    assert appointment.status == "booked"
    assert appointment.course == patient.courses.get()
    assert appointment.end - appointment.start == timedelta(minutes=60)
    assert appointment.start.utcoffset() == timedelta(0)
    event = AuditEvent.objects.get(action="create", object_type="kap_sessions.appointment")
    assert (event.patient_id, event.user, event.detail) == (
        patient.pk,
        frontdesk,
        {"type": "preparation"},
    )


def test_the_type_gives_the_length_unless_minutes_are_given(frontdesk, patient, therapist, rooms):
    dose = book(frontdesk, patient, therapist, code="dosing", room=rooms[0])
    assert dose.minutes == 150
    later = book(frontdesk, patient, therapist, start=local(8, "10:00"), room=rooms[0], minutes=90)
    assert later.minutes == 90


def test_back_to_back_bookings_succeed(frontdesk, patient, therapist, rooms):
    first = book(frontdesk, patient, therapist, start=local(7, "10:00"), room=rooms[0])
    second = book(frontdesk, patient, therapist, start=first.end, room=rooms[0])
    assert second.start == first.end
    assert not overlapping_pairs("clinician").exists()


@pytest.mark.parametrize(
    ("same", "message"),
    [
        ({"clinician"}, "The clinician already has an appointment at this time."),
        ({"room"}, "The room already has an appointment at this time."),
        ({"patient"}, "The patient already has an appointment at this time."),
        (
            {"clinician", "room"},
            "The clinician and the room already have an appointment at this time.",
        ),
        (
            {"clinician", "room", "patient"},
            "The clinician, the room and the patient already have an appointment at this time.",
        ),
    ],
)
def test_a_clash_names_what_clashes(
    frontdesk, patient, therapist, prescriber, rooms, same, message
):
    other = team_patient(therapist, prescriber)
    book(frontdesk, patient, therapist, start=local(7, "10:00"), room=rooms[0])
    with pytest.raises(SessionsError) as refused:
        book(
            frontdesk,
            patient if "patient" in same else other,
            therapist if "clinician" in same else prescriber,
            start=local(7, "10:30"),
            room=rooms[0] if "room" in same else rooms[1],
        )
    assert refused.value.message == message
    assert refused.value.field == "start"
    assert Appointment.objects.count() == 1


def test_rebooking_a_cancelled_or_missed_slot_succeeds(frontdesk, patient, therapist, rooms):
    first = book(frontdesk, patient, therapist, room=rooms[0])
    services.appointment_cancel(by=frontdesk, appointment=first, reason="Patient unwell")
    again = book(frontdesk, patient, therapist, room=rooms[0])
    Appointment.objects.filter(pk=again.pk).update(status="no_show")  # as if it had passed
    third = book(frontdesk, patient, therapist, room=rooms[0])
    assert first.start == again.start == third.start
    assert Appointment.objects.exclude(status__in=INACTIVE).get() == third


def test_two_rooms_supervised_by_one_prescriber(frontdesk, therapist, prescriber, rooms, make_user):
    """The prescriber is further staff on both doses: listed, not booked."""
    second_therapist = make_user("therapist")
    works(second_therapist)
    first = team_patient(therapist, prescriber)
    second = team_patient(second_therapist, prescriber)
    doses = [
        book(frontdesk, person, attending, code="dosing", room=room, staff=[prescriber])
        for person, attending, room in [
            (first, therapist, rooms[0]),
            (second, second_therapist, rooms[1]),
        ]
    ]
    assert [list(d.staff.all()) for d in doses] == [[prescriber], [prescriber]]
    assert doses[0].start == doses[1].start


def test_the_attending_clinician_is_not_also_further_staff(frontdesk, patient, therapist, rooms):
    appointment = book(frontdesk, patient, therapist, room=rooms[0], staff=[therapist])
    assert not appointment.staff.exists()


def test_further_staff_are_clinicians(frontdesk, patient, therapist, rooms, intake):
    with pytest.raises(SessionsError, match="Further staff"):
        book(frontdesk, patient, therapist, room=rooms[0], staff=[intake])


def test_telehealth_integration_needs_no_room_and_holds_none(
    frontdesk, patient, therapist, prescriber, make_user
):
    other_therapist = make_user("therapist")
    works(other_therapist)
    other = team_patient(other_therapist)
    first = book(frontdesk, patient, therapist, code="integration")
    second = book(frontdesk, other, other_therapist, code="integration")
    assert first.room is None and second.room is None and first.start == second.start


def test_a_room_is_needed_where_the_type_says_so(frontdesk, patient, therapist):
    with pytest.raises(SessionsError, match="A dosing appointment needs a room.") as refused:
        book(frontdesk, patient, therapist, code="dosing")
    assert refused.value.field == "room"


def test_a_room_out_of_use_is_refused(frontdesk, patient, therapist, rooms):
    rooms[0].is_active = False
    rooms[0].save()
    with pytest.raises(SessionsError, match="not in use"):
        book(frontdesk, patient, therapist, room=rooms[0])


# --- Guards: the course, the care team, the hours -------------------------------------------------


@pytest.mark.parametrize("phase", ["preparation", "treatment", "maintenance"])
@pytest.mark.parametrize("code", ["dosing", "integration"])
def test_dosing_and_integration_need_an_enrolled_course(frontdesk, therapist, rooms, phase, code):
    person = team_patient(therapist, phase=phase)
    assert book(frontdesk, person, therapist, code=code, room=rooms[0]).course.phase == phase


def test_dosing_is_refused_in_screening(frontdesk, therapist, rooms):
    person = team_patient(therapist, phase="screening")
    with pytest.raises(SessionsError, match="needs an enrolled course") as refused:
        book(frontdesk, person, therapist, code="dosing", room=rooms[0])
    assert "in screening" in refused.value.message


def test_preparation_may_be_booked_during_screening(frontdesk, therapist, rooms):
    person = team_patient(therapist, phase="screening")
    assert book(frontdesk, person, therapist, room=rooms[0]).course.phase == "screening"


def test_no_open_course_no_booking(frontdesk, therapist, rooms):
    person = team_patient(therapist, phase="completed")
    with pytest.raises(SessionsError, match="no open course"):
        book(frontdesk, person, therapist, room=rooms[0])


def test_the_attending_clinician_must_be_on_the_care_team(
    frontdesk, patient, outside_clinician, rooms
):
    works(outside_clinician)
    with pytest.raises(SessionsError, match="not on this patient's care team"):
        book(frontdesk, patient, outside_clinician, room=rooms[0])


def test_the_attending_clinician_must_be_a_clinician(frontdesk, patient, intake, rooms):
    with pytest.raises(SessionsError, match="therapist or prescriber"):
        book(frontdesk, patient, intake, room=rooms[0])


def test_outside_the_clinicians_hours_is_refused(frontdesk, patient, make_user, rooms):
    clinician = make_user("therapist", first_name="Tess", last_name="Lund")
    CareTeamFactory(patient=patient, clinician=clinician)
    works(clinician, "09:00", "12:00")
    works(clinician, "13:00", "17:00")
    with pytest.raises(SessionsError) as refused:
        book(frontdesk, patient, clinician, start=local(7, "11:30"), room=rooms[0])
    day = (timezone.localdate() + timedelta(days=7)).strftime("%A")
    assert refused.value.message == (
        f"This time is outside Tess Lund's hours on {day}s (09:00–12:00, 13:00–17:00)."
    )


def test_a_clinician_without_hours_cannot_be_booked(frontdesk, patient, make_user, rooms):
    clinician = make_user("therapist", first_name="Nell", last_name="Ray")
    CareTeamFactory(patient=patient, clinician=clinician)
    with pytest.raises(SessionsError, match="Nell Ray has no working hours"):
        book(frontdesk, patient, clinician, room=rooms[0])


def test_closed_days_and_days_off_are_refused(frontdesk, patient, therapist, rooms):
    day = timezone.localdate() + timedelta(days=7)
    ClinicianDayOff.objects.create(clinician=therapist, first_day=day, last_day=day)
    with pytest.raises(SessionsError, match="is off on"):
        book(frontdesk, patient, therapist, room=rooms[0])
    ClinicClosedDay.objects.create(day=day, reason="Holiday")
    with pytest.raises(SessionsError, match="The clinic is closed on"):
        book(frontdesk, patient, therapist, room=rooms[0])


def test_the_past_cannot_be_booked(frontdesk, patient, therapist, rooms):
    with pytest.raises(SessionsError, match="cannot start in the past"):
        book(frontdesk, patient, therapist, start=local(-1, "10:00"), room=rooms[0])


@pytest.mark.parametrize("minutes", [4, 601])
def test_lengths_are_sane(frontdesk, patient, therapist, rooms, minutes):
    with pytest.raises(SessionsError, match="lasts 5 to 600 minutes"):
        book(frontdesk, patient, therapist, room=rooms[0], minutes=minutes)


# --- Who may book ---------------------------------------------------------------------------------


@pytest.mark.parametrize("who", ["frontdesk", "clinic_admin", "therapist", "prescriber"])
def test_desk_and_the_care_team_book_any_type(request, patient, therapist, rooms, who):
    user = request.getfixturevalue(who)
    assert book(user, patient, therapist, code="dosing", room=rooms[0]).created_by == user


def test_intake_books_preparation_for_a_candidate(intake, candidate, therapist, rooms):
    CareTeamFactory(patient=candidate, clinician=therapist)
    assert book(intake, candidate, therapist, room=rooms[0]).type.code == "preparation"


def test_intake_books_no_preparation_for_an_enrolled_patient(intake, patient, therapist, rooms):
    with pytest.raises(SessionsError, match="You may not book"):
        book(intake, patient, therapist, room=rooms[0])


def test_intake_books_no_dosing(intake, therapist, rooms):
    person = team_patient(therapist, phase="screening")
    with pytest.raises(SessionsError, match="You may not book dosing"):
        book(intake, person, therapist, code="dosing", room=rooms[0])


@pytest.mark.parametrize("who", ["outside_clinician", "patient_user"])
def test_outsiders_and_patients_book_nothing(request, patient, therapist, rooms, who):
    user = patient.user if who == "patient_user" else request.getfixturevalue(who)
    with pytest.raises(SessionsError, match="You may not book"):
        book(user, patient, therapist, room=rooms[0])
    assert not Appointment.objects.exists()


# --- Reschedule, cancel, no-show, complete --------------------------------------------------------


def test_reschedule_moves_the_appointment_audited(frontdesk, patient, therapist, rooms):
    appointment = book(frontdesk, patient, therapist, room=rooms[0])
    moved = services.appointment_reschedule(
        by=frontdesk,
        appointment=appointment,
        start=local(9, "14:00"),
        clinician=therapist,
        room=rooms[1],
    )
    assert (moved.start, moved.minutes, moved.room) == (local(9, "14:00"), 60, rooms[1])
    event = AuditEvent.objects.filter(action="change").latest("id")
    assert event.detail == {"fields": ["start", "end", "room"]}


def test_reschedule_may_overlap_its_own_old_time(frontdesk, patient, therapist, rooms):
    appointment = book(frontdesk, patient, therapist, room=rooms[0])
    moved = services.appointment_reschedule(
        by=frontdesk,
        appointment=appointment,
        start=appointment.start + timedelta(minutes=30),
        clinician=therapist,
        room=rooms[0],
    )
    assert moved.start == local(7, "10:30")


def test_reschedule_onto_a_clash_is_refused_and_changes_nothing(
    frontdesk, patient, therapist, rooms
):
    first = book(frontdesk, patient, therapist, room=rooms[0])
    second = book(frontdesk, patient, therapist, start=local(7, "12:00"), room=rooms[0])
    with pytest.raises(SessionsError, match="The clinician, the room and the patient"):
        services.appointment_reschedule(
            by=frontdesk, appointment=second, start=first.start, clinician=therapist, room=rooms[0]
        )
    second.refresh_from_db()
    assert second.start == local(7, "12:00")


def test_cancel_needs_a_reason_kept_out_of_the_audit_log(frontdesk, patient, therapist, rooms):
    appointment = book(frontdesk, patient, therapist, room=rooms[0])
    with pytest.raises(SessionsError, match="needs a reason") as refused:
        services.appointment_cancel(by=frontdesk, appointment=appointment, reason="  ")
    assert refused.value.field == "reason"
    services.appointment_cancel(by=frontdesk, appointment=appointment, reason="Flu")
    appointment.refresh_from_db()
    assert (appointment.status, appointment.cancel_reason) == ("cancelled", "Flu")
    assert appointment.status_changed_by == frontdesk
    event = AuditEvent.objects.filter(action="change").latest("id")
    assert event.detail == {"status": "cancelled"}
    with pytest.raises(SessionsError, match="is cancelled; it can no longer be cancelled"):
        services.appointment_cancel(by=frontdesk, appointment=appointment, reason="Again")


def test_the_database_refuses_a_cancellation_without_a_reason(patient, therapist):
    appointment = AppointmentFactory(patient=patient, clinician=therapist)
    with pytest.raises(IntegrityError), transaction.atomic():
        Appointment.objects.filter(pk=appointment.pk).update(status="cancelled")


def past(patient, therapist, hours_ago=2):
    start = timezone.now() - timedelta(hours=hours_ago)
    return AppointmentFactory(patient=patient, clinician=therapist, start=start)


def test_no_show_after_the_start_only(frontdesk, patient, therapist, rooms):
    upcoming = book(frontdesk, patient, therapist, room=rooms[0])
    with pytest.raises(SessionsError, match="has not started"):
        services.appointment_mark_no_show(by=frontdesk, appointment=upcoming)
    missed = services.appointment_mark_no_show(by=frontdesk, appointment=past(patient, therapist))
    assert missed.status == "no_show"


def test_an_appointment_that_is_over_is_not_cancelled(frontdesk, patient, therapist):
    with pytest.raises(SessionsError, match="is over"):
        services.appointment_cancel(
            by=frontdesk, appointment=past(patient, therapist, 3), reason="Late"
        )


def test_only_clinicians_complete(frontdesk, therapist, patient):
    held = past(patient, therapist)
    with pytest.raises(SessionsError, match="Only a therapist or prescriber"):
        services.appointment_complete(by=frontdesk, appointment=held)
    assert services.appointment_complete(by=therapist, appointment=held).status == "completed"
    with pytest.raises(SessionsError, match="is completed; it can no longer be rescheduled"):
        services.appointment_reschedule(
            by=therapist, appointment=held, start=local(7, "10:00"), clinician=therapist, room=None
        )


def test_outsiders_change_nothing(outside_clinician, patient, therapist, frontdesk, rooms):
    appointment = book(frontdesk, patient, therapist, room=rooms[0])
    with pytest.raises(SessionsError, match="You may not change this appointment"):
        services.appointment_cancel(by=outside_clinician, appointment=appointment, reason="x")


# --- The constraint, on each database -------------------------------------------------------------


def test_full_clean_is_usable_on_both_databases(patient, therapist, rooms):
    """On SQLite the exclusion constraints validate nothing (the service checks); on PostgreSQL
    they refuse an overlap in full_clean as in the database."""
    AppointmentFactory(patient=patient, clinician=therapist, room=rooms[0])
    overlapping = AppointmentFactory.build(
        patient=patient, clinician=therapist, room=rooms[1], start=local(7, "10:30")
    )
    if on_postgresql():
        with pytest.raises(ValidationError, match="The clinician already has"):
            overlapping.full_clean()
    else:
        overlapping.full_clean()


@pytest.mark.postgres
@pytest.mark.parametrize("column", ["clinician", "room", "patient"])
def test_postgresql_refuses_an_overlap_written_past_the_service(
    patient, therapist, prescriber, rooms, make_user, column
):
    first = AppointmentFactory(patient=patient, clinician=therapist, room=rooms[0])
    other = team_patient(prescriber)
    values = {
        "patient": other,
        "clinician": prescriber,
        "room": rooms[1],
        column: getattr(first, column),
    }
    overlap = f"appointment_{column}_no_overlap"
    with pytest.raises(IntegrityError, match=overlap), transaction.atomic():
        AppointmentFactory(start=local(7, "10:59"), **values)
    AppointmentFactory(start=first.end, **values)  # [) ranges: back to back passes


@pytest.mark.postgres
def test_the_constraint_path_gives_the_same_message(
    frontdesk, patient, therapist, rooms, monkeypatch
):
    """A booking that passed the check but lost the race ends in the check's own sentence."""
    book(frontdesk, patient, therapist, room=rooms[0])
    other = team_patient(therapist)
    real_clashes, calls = services._clashes, []

    def late_check(appointment):
        calls.append(appointment)
        return [] if len(calls) == 1 else real_clashes(appointment)

    monkeypatch.setattr(services, "_clashes", late_check)
    with pytest.raises(SessionsError) as refused:
        book(frontdesk, other, therapist, start=local(7, "10:30"), room=rooms[0])
    assert (
        refused.value.message
        == "The clinician and the room already have an appointment at this time."
    )
    assert len(calls) == 2


@pytest.mark.postgres
def test_the_constraint_alone_still_names_the_resource(
    frontdesk, patient, therapist, prescriber, rooms, monkeypatch
):
    book(frontdesk, patient, therapist, room=rooms[0])
    other = team_patient(therapist)
    monkeypatch.setattr(services, "_clashes", lambda appointment: [])
    with pytest.raises(SessionsError) as refused:
        book(frontdesk, other, therapist, start=local(7, "10:30"), room=rooms[1])
    assert refused.value.message == "The clinician already has an appointment at this time."


# --- Concurrency ----------------------------------------------------------------------------------

RACERS = 24
CLASH = "The clinician and the room already have an appointment at this time."


def race(frontdesk, therapist, room):
    """RACERS threads book overlapping doses for one clinician and room at the same moment."""
    people = [team_patient(therapist) for _ in range(RACERS)]
    ten = local(7, "10:00")
    barrier = threading.Barrier(RACERS)
    results, lock = [], threading.Lock()

    def attempt(index, person):
        try:
            barrier.wait()
            book(
                frontdesk,
                person,
                therapist,
                code="dosing",
                room=room,
                start=ten + timedelta(minutes=5 * index),
            )
            outcome = "booked"
        except SessionsError as error:
            outcome = error.message
        except Exception as error:  # noqa: BLE001 - the test reports any unhandled error
            outcome = f"unhandled {type(error).__name__}: {error}"
        finally:
            connection.close()
        with lock:
            results.append(outcome)

    threads = [threading.Thread(target=attempt, args=pair) for pair in enumerate(people)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results


def assert_one_winner(results):
    assert len(results) == RACERS
    assert [r for r in results if r.startswith("unhandled")] == []
    assert results.count("booked") == 1
    assert set(results) - {"booked"} == {CLASH}
    assert Appointment.objects.exclude(status__in=INACTIVE).count() == 1
    for column in ("clinician", "room", "patient"):
        assert not overlapping_pairs(column).exists()


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_overlapping_bookings_on_postgresql_one_wins(frontdesk, therapist, rooms):
    assert_one_winner(race(frontdesk, therapist, rooms[0]))


def test_concurrent_overlapping_bookings_on_an_sqlite_file_queue_and_one_wins(tmp_path):
    """The demo's path: SQLite in IMMEDIATE mode, writers queue and the service's check holds."""
    child = subprocess.run(
        [
            sys.executable,
            "-m",
            "tests.sessions.booking.sqlite_race",
            str(tmp_path / "race.db"),
            str(RACERS),
        ],
        capture_output=True,
        text=True,
        timeout=300,
        cwd=settings.BASE_DIR,
    )
    assert child.returncode == 0, child.stderr
    outcome = json.loads(child.stdout.splitlines()[-1])
    results = outcome["results"]
    assert len(results) == RACERS
    assert [r for r in results if r.startswith("unhandled")] == []
    assert results.count("booked") == 1
    assert set(results) - {"booked"} == {CLASH}
    assert (outcome["active"], outcome["overlaps"]) == (1, 0)
