"""The sessions app's models, one module per part of the clinic's work."""

from sessions.models.booking import (
    INACTIVE,
    Appointment,
    AppointmentType,
    CalendarFeed,
    ClinicClosedDay,
    ClinicianDayOff,
    ClinicianHours,
    Room,
    Weekday,
)

__all__ = [
    "INACTIVE",
    "Appointment",
    "AppointmentType",
    "CalendarFeed",
    "ClinicClosedDay",
    "ClinicianDayOff",
    "ClinicianHours",
    "Room",
    "Weekday",
]
