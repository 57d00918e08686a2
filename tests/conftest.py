"""Shared fixtures: personas, service checks, and the rules for which tests run where.

- On SQLite, tests marked `postgres` (constraints, triggers, concurrency) and `heavy` (browser,
  real Celery worker) are deselected: they run in CI's PostgreSQL pass.
- With CI=true, a test whose service (PostgreSQL, Redis, Chromium) is unreachable fails instead
  of skipping.
"""

import os
import shutil
from datetime import date

import pytest

# Playwright's sync API runs an event loop; the ORM calls in browser tests are still synchronous.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

IN_CI = os.environ.get("CI", "").lower() == "true"
CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")


def on_postgresql() -> bool:
    from django.conf import settings

    return settings.DATABASES["default"]["ENGINE"].endswith("postgresql")


def pytest_collection_modifyitems(config, items):
    if on_postgresql():
        return
    keep, drop = [], []
    for item in items:
        (
            drop
            if item.get_closest_marker("postgres") or item.get_closest_marker("heavy")
            else keep
        ).append(item)
    if drop:
        config.hook.pytest_deselected(items=drop)
        items[:] = keep


def service_missing(what: str):
    """Skip a test whose service is absent, except in CI, where that is a failure."""
    if IN_CI:
        pytest.fail(f"{what} is not reachable, and CI=true requires it")
    pytest.skip(f"{what} is not reachable")


# --- Browser ---------------------------------------------------------------------------------


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args, browser_name):
    if browser_name and browser_name != "chromium":
        return browser_type_launch_args
    if not shutil.which(CHROMIUM):
        service_missing(f"Chromium ({CHROMIUM})")
    return {
        **browser_type_launch_args,
        "executable_path": CHROMIUM,
        "args": [
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--no-first-run",
        ],
    }


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args):
    # Reduced motion: Bootstrap then runs no transitions, so axe never reads a colour halfway
    # through one (a button the pointer lands on after a section shrinks, caught mid-fade).
    return {**browser_context_args, "reduced_motion": "reduce"}


# --- Personas --------------------------------------------------------------------------------

PASSWORD = "Correct-Horse-Battery-42"


@pytest.fixture
def make_user(db):
    from tests.accounts.factories import UserFactory

    def make(role, **kwargs):
        return UserFactory(role=role, **kwargs)

    return make


@pytest.fixture
def therapist(make_user):
    """A clinician on the care team of `patient`."""
    return make_user("therapist", username="theo")


@pytest.fixture
def prescriber(make_user):
    return make_user("prescriber", username="priya", on_call=True)


@pytest.fixture
def outside_clinician(make_user):
    """A therapist who is on no care team of the patients under test."""
    return make_user("therapist", username="olga")


@pytest.fixture
def intake(make_user):
    return make_user("intake", username="ines")


@pytest.fixture
def frontdesk(make_user):
    return make_user("frontdesk", username="fred")


@pytest.fixture
def clinic_admin(make_user):
    return make_user("admin", username="ada")


@pytest.fixture
def patient(db, therapist, prescriber, make_user):
    """A patient in treatment with a portal account, cared for by `therapist` and `prescriber`."""
    from tests.patients.factories import CareTeamFactory, CourseFactory, PatientFactory

    person = PatientFactory(
        first_name="Paula",
        last_name="Reyes",
        date_of_birth=date(1987, 4, 9),
        user=make_user("patient", username="paula"),
    )
    CourseFactory(patient=person, phase="treatment")
    CareTeamFactory(patient=person, clinician=therapist, primary=True)
    CareTeamFactory(patient=person, clinician=prescriber)
    return person


@pytest.fixture
def other_patient(db, outside_clinician, make_user):
    """Another patient with a portal account, on `outside_clinician`'s team only."""
    from tests.patients.factories import CareTeamFactory, CourseFactory, PatientFactory

    person = PatientFactory(
        first_name="Oscar", last_name="Lindqvist", user=make_user("patient", username="oscar")
    )
    CourseFactory(patient=person, phase="preparation")
    CareTeamFactory(patient=person, clinician=outside_clinician, primary=True)
    return person


@pytest.fixture
def candidate(db):
    """A candidate in screening, with no care team yet."""
    from tests.patients.factories import CourseFactory, PatientFactory

    person = PatientFactory(first_name="Cara", last_name="Nakamura")
    CourseFactory(patient=person, phase="screening")
    return person


@pytest.fixture
def signed_in(client):
    """`signed_in(user)` returns the test client signed in as `user`."""

    def sign_in(user):
        client.force_login(user)
        return client

    return sign_in


@pytest.fixture(autouse=True)
def _sign_ins_already_verified(request):
    """Test sign-ins (force_login, the sign-in page in browser tests) come already through the
    second factor, so the suite needs no codes. Tests of the two-factor wall itself are marked
    `two_factor` and meet the real wall."""
    if request.node.get_closest_marker("two_factor"):
        yield
        return
    from django.contrib.auth.signals import user_logged_in
    from django_otp import DEVICE_ID_SESSION_KEY

    def verified(sender, request, user, **kwargs):
        if request is not None and hasattr(request, "session"):
            request.session[DEVICE_ID_SESSION_KEY] = "tests.already-verified"

    user_logged_in.connect(verified, dispatch_uid="tests.sign-ins-verified")
    yield
    user_logged_in.disconnect(dispatch_uid="tests.sign-ins-verified")


@pytest.fixture(autouse=True, scope="session")
def _tasks_run_in_process():
    """A task queued after a commit (a dose finished → book its follow-up) runs in the test's
    process, as in `make demo`; tests of the real worker turn this off (`tests/workers.py`)."""
    from kap_clinic.celery import app

    app.conf.task_always_eager = True
    yield
    app.conf.task_always_eager = False


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    # Production hashing costs ~0.3 s a user; tests create many users.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def screening_policy(db):
    """The active clinic policy (v3 after the migrations: v1's screening numbers plus the dosing
    numbers and plausible weights), re-created when a transactional test emptied the table."""
    from django.utils import timezone

    from screening.models import ScreeningPolicy
    from screening.rules import POLICY_V1_DATA
    from sessions.dosing.policy import DOSING_V3_DATA

    active = ScreeningPolicy.objects.filter(active=True).first()
    if active is not None:
        return active
    return ScreeningPolicy.objects.create(
        label="v3",
        data={**POLICY_V1_DATA, "label": "v3", "dosing": DOSING_V3_DATA},
        status="published",
        active=True,
        published_at=timezone.now(),
    )


@pytest.fixture
def enrollable(screening_policy, intake):
    """`enrollable(course)`: screen the course's candidate as eligible, through the services."""
    from screening.demo import screen_candidate

    def screen(course):
        return screen_candidate(course=course, by=intake)

    return screen


@pytest.fixture
def appointment_types(db):
    """The three appointment types (re-created after a transactional test's flush)."""
    from tests.sessions.factories import restore_appointment_types

    restore_appointment_types()


# Real Celery workers (tests/workers.py); imported last: that module uses `service_missing`.
from tests.workers import redis_up, start_worker  # noqa: E402, F401
