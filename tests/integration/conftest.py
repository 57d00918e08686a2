import pytest

from tests.sessions.factories import RoomFactory, works


@pytest.fixture
def rooms(appointment_types):
    return [RoomFactory(name="Sage"), RoomFactory(name="Cedar")]


@pytest.fixture
def clinic_hours(therapist, prescriber):
    """The care team of `patient` works 07:00-20:00 every day."""
    works(therapist)
    works(prescriber)
