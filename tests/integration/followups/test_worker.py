"""Exactly one follow-up per dose through real Celery workers on Redis (no eager mode): the fast
path after a discharge, two dispatchers at once, a task delivered twice, a worker killed with
SIGKILL mid-task and taken over after its lease, and the broker down during the discharge."""

import shutil
import subprocess
import time
from datetime import timedelta

import psycopg2
import pytest
from django.db import connection
from django.utils import timezone

from integration.followups import dispatch, tasks
from integration.models import FollowUp
from integration.schedule.services import SCHEDULER_USERNAME
from sessions.models import Appointment, Dose
from tests.conftest import service_missing
from tests.integration.followups.setup import discharged_now, finished_dose
from tests.patients.factories import CareTeamFactory, CourseFactory, PatientFactory
from tests.workers import broker, ping, wait_for

pytestmark = [pytest.mark.heavy, pytest.mark.postgres, pytest.mark.django_db(transaction=True)]
OWN_REDIS_PORT = 6391


def integration_appointments():
    return Appointment.objects.filter(type__code="integration").exclude(status="cancelled")


def booked(followup_ids):
    return FollowUp.objects.filter(pk__in=followup_ids, status="booked").count() == len(
        followup_ids
    )


@pytest.fixture
def ready(patient, therapist, prescriber, clinic_admin, screening_policy, rooms, clinic_hours):
    def discharge():
        return discharged_now(
            patient, therapist=therapist, prescriber=prescriber, admin=clinic_admin
        )

    return discharge


@pytest.fixture
def due_followups(therapist, prescriber, rooms, clinic_hours):
    """`due_followups(n)`: n patients of `therapist`, each with a finished dose whose follow-up
    is open and due (the signal's message lost: only the dispatcher will book them)."""

    def make(n):
        ids = []
        for i in range(n):
            person = PatientFactory(first_name=f"Dispatch{i}")
            CourseFactory(patient=person, phase="treatment")
            CareTeamFactory(patient=person, clinician=therapist, primary=True)
            CareTeamFactory(patient=person, clinician=prescriber)
            dose = finished_dose(person, therapist, timezone.now() - timedelta(days=1, hours=3 * i))
            ids.append(dispatch.followup_open(dose_id=dose.pk).pk)
        return ids

    return make


def test_a_discharge_is_followed_up_by_the_worker(start_worker, ready):
    start_worker()
    dose = ready()  # committed: the receiver queues the booking after the commit
    followup = wait_for(
        lambda: FollowUp.objects.filter(dose=dose, status="booked").first(), what="booking"
    )
    assert integration_appointments().count() == 1
    assert followup.appointment.created_by.username == SCHEDULER_USERNAME
    assert Dose.objects.get(pk=dose.pk).status == "discharged"


def test_two_dispatchers_at_once_book_each_follow_up_once(start_worker, due_followups):
    ids = due_followups(6)
    first, second = start_worker("one"), start_worker("two")
    for _ in range(4):
        tasks.dispatch_followups.apply_async(kwargs={"limit": 2})
    try:
        wait_for(lambda: booked(ids), what="six bookings")
    except BaseException:
        print(list(FollowUp.objects.values("status", "attempts", "problem", "last_error")))
        print(first.output()[-4000:], second.output()[-4000:])
        raise
    assert integration_appointments().count() == 6
    assert set(FollowUp.objects.values_list("attempts", flat=True)) == {1}  # each claimed once
    starts = list(integration_appointments().values_list("start", flat=True))
    assert len(set(starts)) == 6  # one therapist: six different times
    assert "succeeded" in first.output() and "succeeded" in second.output()


def test_a_task_delivered_twice_books_once(start_worker, due_followups):
    (followup_id,) = due_followups(1)
    start_worker("one"), start_worker("two")
    for _ in range(2):
        tasks.book_followup.apply_async(args=(followup_id,))
    tasks.dispatch_followups.apply_async()
    wait_for(lambda: booked([followup_id]), what="the booking")
    time.sleep(2)  # let the other deliveries finish too
    assert integration_appointments().count() == 1
    assert FollowUp.objects.get(pk=followup_id).attempts == 1


def _waiting_on_a_lock() -> bool:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
            "AND wait_event_type = 'Lock'"
        )
        return cursor.fetchone()[0] > 0


def test_a_worker_killed_mid_task_is_taken_over_after_its_lease(start_worker, due_followups):
    (followup_id,) = due_followups(1)
    course_id = FollowUp.objects.get(pk=followup_id).course_id
    db = connection.settings_dict
    # Another session holds the course row: the worker claims, then waits on it mid-task.
    blocker = psycopg2.connect(
        dbname=db["NAME"],
        user=db["USER"],
        password=db["PASSWORD"],
        host=db["HOST"],
        port=db["PORT"],
    )
    try:
        with blocker.cursor() as cursor:
            cursor.execute(
                "SELECT id FROM patients_treatmentcourse WHERE id = %s FOR UPDATE", [course_id]
            )
        doomed = start_worker("doomed")
        tasks.book_followup.apply_async(args=(followup_id,))
        wait_for(
            lambda: FollowUp.objects.filter(pk=followup_id).exclude(claimed_by="").exists(),
            what="the claim",
        )
        wait_for(_waiting_on_a_lock, what="the worker to wait mid-task")
        doomed.kill()
    finally:
        blocker.rollback()
        blocker.close()
    claimed = FollowUp.objects.get(pk=followup_id)
    assert claimed.status == "due" and claimed.attempts == 1

    lease = 15
    heir = start_worker("heir", env={"SCHEDULE_LEASE_SECONDS": str(lease)})
    expires = claimed.claimed_at + timedelta(seconds=lease)
    tasks.dispatch_followups.apply_async()  # while the lease is live: nothing to claim
    wait_for(lambda: heir.output().count("dispatch_followups") >= 2, what="the first run")
    if timezone.now() < expires - timedelta(seconds=1):  # a loaded machine may be slower
        assert FollowUp.objects.get(pk=followup_id).status == "due"
    time.sleep(max(0.0, (expires - timezone.now()).total_seconds() + 0.5))
    tasks.dispatch_followups.apply_async()  # beat's next minute
    wait_for(lambda: booked([followup_id]), what="the takeover")
    followup = FollowUp.objects.get(pk=followup_id)
    assert followup.attempts == 2 and followup.claimed_by == ""
    assert integration_appointments().count() == 1


@pytest.fixture
def own_redis(tmp_path):
    """A redis-server of this test's own on another port, `stop()`ped and `start()`ed at will."""
    if not shutil.which("redis-server"):
        service_missing("redis-server")
    pidfile = tmp_path / "redis.pid"
    url = f"redis://127.0.0.1:{OWN_REDIS_PORT}/0"

    def start():
        subprocess.run(
            [
                "redis-server",
                "--port",
                str(OWN_REDIS_PORT),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
                "--daemonize",
                "yes",
                "--pidfile",
                str(pidfile),
                "--logfile",
                str(tmp_path / "redis.log"),
            ],
            check=True,
        )
        wait_for(lambda: ping(url), seconds=20, what="redis-server")

    def stop():
        pid = int(pidfile.read_text())
        subprocess.run(["kill", "-TERM", str(pid)], check=True)
        wait_for(lambda: not ping(url), seconds=20, what="redis-server to stop")

    start()
    own = type(
        "OwnRedis", (), {"url": url, "start": staticmethod(start), "stop": staticmethod(stop)}
    )
    yield own
    if ping(url):
        stop()


def test_broker_down_the_discharge_succeeds_and_the_follow_up_comes_later(
    start_worker, own_redis, ready
):
    worker = start_worker("patient", broker_url=own_redis.url)
    with broker(own_redis.url):
        own_redis.stop()
        started = time.monotonic()
        dose = ready()  # the receiver cannot queue the booking: logged, not raised
        assert time.monotonic() - started < 30
        assert Dose.objects.get(pk=dose.pk).status == "discharged"
        followup = FollowUp.objects.get(dose=dose)
        assert followup.status == "due"  # stored: nothing is lost
        own_redis.start()
        wait_for(lambda: worker.output().count("Connected to redis") >= 2, what="the reconnect")
        tasks.dispatch_followups.apply_async()  # beat's next minute, once the broker is back
        wait_for(lambda: booked([followup.pk]), what="the booking")
    assert integration_appointments().count() == 1
