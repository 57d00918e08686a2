"""Who may book and change appointments, on top of the one patient access policy.

- front desk and administrators: any patient, any type (scheduling is their work; they see
  demographics and the schedule, never the clinical record);
- therapists and prescribers: the patients whose care team they are on;
- intake: preparation appointments for candidates (the patients intake may see), so a candidate
  can leave the intake call with a first preparation session booked;
- patients: none (the portal shows their appointments later, read only).
"""

from accounts.roles import CLINICIANS, Role
from patients.access import Access, may
from sessions.models import AppointmentType

DESK = frozenset({Role.FRONTDESK, Role.ADMIN})
# Roles that may book at all; the per-patient answer is `may_book`.
BOOKERS = DESK | CLINICIANS | {Role.INTAKE}


def bookable_codes(role: str) -> frozenset[str]:
    """The appointment types a role may book, whatever the patient."""
    if role in DESK or role in CLINICIANS:
        return frozenset(AppointmentType.Code.values)
    if role == Role.INTAKE:
        return frozenset({AppointmentType.Code.PREPARATION})
    return frozenset()


def may_book(user, patient, code: str | None = None) -> bool:
    """May `user` book (or change) an appointment of type `code` for `patient`?

    With `code` None: may they book anything at all for this patient.
    """
    codes = bookable_codes(getattr(user, "role", ""))
    if not codes or (code is not None and code not in codes):
        return False
    if user.role in DESK:
        return True
    return may(user, Access.CHANGE_RECORD, patient)
