import pytest

from tests.sessions.rems.setup import esketamine_session as esketamine_session_for
from tests.sessions.stock.setup import esketamine, receive, registration


@pytest.fixture
def clinic(prescriber):
    return registration(prescriber)


@pytest.fixture
def spray_lot(clinic, prescriber, clinic_admin):
    return receive(
        by=prescriber, witness=clinic_admin, number="E-4410", product=esketamine(), containers=6
    )


@pytest.fixture
def esketamine_session(
    patient, therapist, prescriber, clinic_admin, screening_policy, appointment_types, spray_lot
):
    """`esketamine_session()`: each call charts one more session."""
    made = []

    def make(**changes):
        dose = esketamine_session_for(
            patient,
            therapist=therapist,
            prescriber=prescriber,
            admin=clinic_admin,
            lot=spray_lot,
            **changes,
        )
        made.append(dose)
        return dose

    return make
