import pytest

from tests.sessions.factories import RoomFactory, restore_appointment_types, works


@pytest.fixture
def appointment_types(db):
    restore_appointment_types()


@pytest.fixture
def rooms(appointment_types):
    return [RoomFactory(name="Sage"), RoomFactory(name="Cedar")]


@pytest.fixture
def clinic_hours(therapist, prescriber):
    """The care team of `patient` works 07:00-20:00 every day."""
    works(therapist)
    works(prescriber)
