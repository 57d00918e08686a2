import pytest

from tests.sessions.dosing.setup import dose_ready


@pytest.fixture
def ready(patient, therapist, prescriber, clinic_admin, screening_policy, appointment_types):
    """`ready(**changes)`: a booked dose for `patient` with everything in place to start."""

    def make(**changes):
        return dose_ready(
            patient, therapist=therapist, prescriber=prescriber, admin=clinic_admin, **changes
        )

    return make
