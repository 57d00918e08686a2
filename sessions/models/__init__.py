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
from sessions.models.consent import ConsentSignature, ConsentVersion, ConsentWithdrawal
from sessions.models.doses import (
    AdministrationAmendment,
    AdverseEvent,
    ChecklistItem,
    Dose,
    IncidentReport,
    VitalSigns,
)
from sessions.models.notes import (
    NoteStatus,
    ProgressNote,
    ProgressNoteAddendum,
    PsychotherapyNote,
    PsychotherapyNoteAddendum,
)
from sessions.models.preparation import PreparationRecord

__all__ = [
    "INACTIVE",
    "AdministrationAmendment",
    "AdverseEvent",
    "Appointment",
    "AppointmentType",
    "CalendarFeed",
    "ChecklistItem",
    "ClinicClosedDay",
    "ClinicianDayOff",
    "ClinicianHours",
    "ConsentSignature",
    "ConsentVersion",
    "ConsentWithdrawal",
    "Dose",
    "IncidentReport",
    "NoteStatus",
    "PreparationRecord",
    "ProgressNote",
    "ProgressNoteAddendum",
    "PsychotherapyNote",
    "PsychotherapyNoteAddendum",
    "Room",
    "VitalSigns",
    "Weekday",
]
