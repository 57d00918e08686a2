"""What every chair-side write does first: read the active policy's dosing numbers, lock the dose
row and check that the user may chart it, refuse a dose in the wrong state, and record the change
in the audit log. Used by the dosing services, monitoring and the controlled-substance record."""

from accounts.roles import CLINICIANS, Role
from audit.models import Action
from audit.services import record
from patients.access import Access, may
from screening.selectors import active_policy
from sessions.dosing.policy import DosingPolicy
from sessions.errors import SessionsError
from sessions.models.doses import Dose


def dosing_policy() -> tuple[str, DosingPolicy]:
    """The active clinic policy's dosing numbers, with its label."""
    policy = active_policy()
    data = policy.data.get("dosing")
    if data is None:
        raise SessionsError(
            f"The active clinic policy {policy.label} has no dosing section: publish one."
        )
    return policy.label, DosingPolicy.from_dict(data)


def lock_dose(dose: Dose, by, *, prescriber: bool = False) -> Dose:
    dose = (
        Dose.objects.select_for_update()
        .select_related("course__patient", "appointment")
        .get(pk=dose.pk)
    )
    if by.role not in CLINICIANS or not may(by, Access.CHANGE_RECORD, dose.course.patient):
        raise SessionsError("Only a clinician on the care team may chart this dose.")
    if prescriber and by.role != Role.PRESCRIBER:
        raise SessionsError("Only a prescriber may do this.")
    return dose


def audit_change(by, dose: Dose, obj=None, **detail):
    record(
        user=by,
        action=Action.CHANGE,
        patient_id=dose.course.patient_id,
        obj=obj or dose,
        detail=detail,
    )


def require_status(dose: Dose, *statuses: str, doing: str) -> None:
    if dose.status not in statuses:
        raise SessionsError(f"A dose that is {dose.get_status_display().lower()} cannot {doing}.")
