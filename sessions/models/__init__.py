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
from sessions.models.rems import RemsEnrollment, RemsMonitoringForm
from sessions.models.stock import (
    ClinicRegistration,
    Count,
    Discrepancy,
    Lot,
    Movement,
    Product,
    Receipt,
    Supplier,
)

__all__ = [
    "INACTIVE",
    "AdministrationAmendment",
    "AdverseEvent",
    "Appointment",
    "AppointmentType",
    "CalendarFeed",
    "ChecklistItem",
    "ClinicClosedDay",
    "ClinicRegistration",
    "ClinicianDayOff",
    "ClinicianHours",
    "ConsentSignature",
    "ConsentVersion",
    "ConsentWithdrawal",
    "Count",
    "Discrepancy",
    "Dose",
    "IncidentReport",
    "Lot",
    "Movement",
    "NoteStatus",
    "PreparationRecord",
    "Product",
    "ProgressNote",
    "ProgressNoteAddendum",
    "PsychotherapyNote",
    "PsychotherapyNoteAddendum",
    "Receipt",
    "RemsEnrollment",
    "RemsMonitoringForm",
    "Room",
    "Supplier",
    "VitalSigns",
    "Weekday",
]
