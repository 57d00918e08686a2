"""course_change_phase: the one writer of a course's phase."""

import threading

import pytest
from django.db import IntegrityError, connection, transaction

from audit.models import AuditEvent
from patients import services
from patients.errors import PatientsError
from patients.models import PhaseChange, TreatmentCourse
from tests.patients.factories import place_in_phase

pytestmark = pytest.mark.django_db


def move(course, by, to, reason=""):
    return services.course_change_phase(by=by, course=course, to_phase=to, reason=reason)


@pytest.mark.parametrize(
    ("start", "target"),
    [
        ("screening", "preparation"),
        # preparation → treatment: only the first dose's start (tests/sessions/dosing)
        ("treatment", "maintenance"),
        ("maintenance", "completed"),
        ("screening", "discontinued"),
        ("treatment", "discontinued"),
    ],
)
def test_allowed_changes_are_recorded_with_who_when_and_why(
    patient, prescriber, enrollable, start, target
):
    course = place_in_phase(patient.courses.get(), start, by=prescriber)
    if target == "preparation":
        enrollable(course)  # the enrollment guard wants an approved screening
    before = PhaseChange.objects.filter(course=course).count()
    moved = move(course, prescriber, target, reason="Clinical decision")
    course.refresh_from_db()
    assert course.phase == moved.phase == target
    assert PhaseChange.objects.filter(course=course).count() == before + 1
    change = PhaseChange.objects.filter(course=course).latest("id")
    assert (change.from_phase, change.to_phase, change.by, change.reason) == (
        start,
        target,
        prescriber,
        "Clinical decision",
    )
    assert change.at is not None
    assert (course.closed_at is not None) == (target in ("completed", "discontinued"))
    event = AuditEvent.objects.filter(object_type="patients.treatmentcourse").latest("id")
    assert event.detail == {"from": start, "to": target}
    assert event.patient_id == patient.pk and event.user == prescriber


@pytest.mark.parametrize(
    ("start", "target"),
    [
        ("screening", "treatment"),
        ("screening", "completed"),
        ("preparation", "screening"),
        ("preparation", "maintenance"),
        ("treatment", "preparation"),
        ("treatment", "completed"),
        ("maintenance", "treatment"),
        ("completed", "treatment"),
        ("discontinued", "preparation"),
        ("treatment", "treatment"),
    ],
)
def test_refused_changes_write_nothing(patient, prescriber, start, target):
    course = place_in_phase(patient.courses.get(), start, by=prescriber)
    before = PhaseChange.objects.filter(course=course).count()
    with pytest.raises(PatientsError):
        move(course, prescriber, target, reason="Try")
    course.refresh_from_db()
    assert course.phase == start
    assert PhaseChange.objects.filter(course=course).count() == before


def test_discontinuing_without_reason_is_refused(patient, therapist):
    with pytest.raises(PatientsError, match="needs a reason"):
        move(patient.courses.get(), therapist, "discontinued", reason="  ")


@pytest.mark.parametrize("who", ["outside_clinician", "frontdesk", "clinic_admin", "intake"])
def test_only_those_with_change_access_may_move_a_course(request, patient, who):
    user = request.getfixturevalue(who)
    with pytest.raises(PatientsError, match="may not change"):
        move(patient.courses.get(), user, "maintenance")


def test_intake_may_move_a_candidate(candidate, intake):
    course = move(candidate.courses.get(), intake, "discontinued", reason="Withdrew")
    assert course.phase == "discontinued"


def test_a_registered_guard_can_refuse(patient, prescriber):
    def no_maintenance_on_tuesdays(course, by, reason):
        raise PatientsError("Guard says no.")

    services.register_phase_guard("maintenance")(no_maintenance_on_tuesdays)
    try:
        with pytest.raises(PatientsError, match="Guard says no"):
            move(patient.courses.get(), prescriber, "maintenance")
        assert patient.courses.get().phase == "treatment"
    finally:
        services._GUARDS["maintenance"].remove(no_maintenance_on_tuesdays)


def test_a_patient_has_one_open_course(patient, intake):
    with pytest.raises(PatientsError, match="already has an open course"):
        services.course_open(by=intake, patient=patient)


def test_a_new_course_may_open_after_the_last_closed(candidate, intake):
    move(candidate.courses.get(), intake, "discontinued", reason="Withdrew")
    course = services.course_open(by=intake, patient=candidate)
    assert course.phase == "screening"
    assert course.phase_changes.get().reason == "Course opened"


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_concurrent_changes_one_wins(patient, prescriber, therapist):
    course = patient.courses.get()
    barrier = threading.Barrier(2)
    results = []

    def attempt(user):
        barrier.wait()
        try:
            move(course, user, "maintenance")
            results.append("ok")
        except PatientsError as error:
            results.append(error.message)
        finally:
            connection.close()

    threads = [threading.Thread(target=attempt, args=(u,)) for u in (prescriber, therapist)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(results) == ["A course cannot move from Maintenance to Maintenance.", "ok"]
    assert PhaseChange.objects.filter(course=course).count() == 1


# --- The database wall: a phase moves only with its PhaseChange row ----------------------------


def _raw_update(course, phase):
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE patients_treatmentcourse SET phase = %s WHERE id = %s", [phase, course.pk]
        )


def _save(course, phase):
    course.phase = phase
    course.save()


@pytest.mark.postgres
@pytest.mark.parametrize(
    "write",
    [
        lambda course, phase: TreatmentCourse.objects.filter(pk=course.pk).update(phase=phase),
        _save,
        _raw_update,
    ],
    ids=["update", "save", "raw-sql"],
)
def test_a_phase_never_changes_without_its_phase_change_row(patient, write):
    course = patient.courses.get()
    with pytest.raises(IntegrityError, match="without a phase change"), transaction.atomic():
        write(course, "maintenance")
    assert TreatmentCourse.objects.get(pk=course.pk).phase == "treatment"


@pytest.mark.postgres
def test_the_row_must_name_that_phase_and_survive_its_savepoint(patient, prescriber):
    course = patient.courses.get()
    with pytest.raises(IntegrityError), transaction.atomic():
        PhaseChange.objects.create(
            course=course, from_phase="treatment", to_phase="completed", by=prescriber
        )
        TreatmentCourse.objects.filter(pk=course.pk).update(phase="maintenance")
    with pytest.raises(IntegrityError), transaction.atomic():
        try:
            with transaction.atomic():
                PhaseChange.objects.create(
                    course=course, from_phase="treatment", to_phase="maintenance", by=prescriber
                )
                raise RuntimeError("rolled back")
        except RuntimeError:
            pass
        TreatmentCourse.objects.filter(pk=course.pk).update(phase="maintenance")
    with transaction.atomic():  # with its row in the same transaction, the move is recorded
        PhaseChange.objects.create(
            course=course, from_phase="treatment", to_phase="maintenance", by=prescriber
        )
        TreatmentCourse.objects.filter(pk=course.pk).update(phase="maintenance")
    assert TreatmentCourse.objects.get(pk=course.pk).phase == "maintenance"


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_phase_change_row_from_an_earlier_transaction_does_not_count(patient, prescriber):
    course = patient.courses.get()
    PhaseChange.objects.create(
        course=course, from_phase="treatment", to_phase="maintenance", by=prescriber
    )
    with pytest.raises(IntegrityError, match="without a phase change"):
        TreatmentCourse.objects.filter(pk=course.pk).update(phase="maintenance")
    assert TreatmentCourse.objects.get(pk=course.pk).phase == "treatment"
