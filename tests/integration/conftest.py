# The scheduling fixtures of the sessions tests: rooms, and the care team's hours.
from tests.sessions.conftest import clinic_hours, rooms  # noqa: F401
