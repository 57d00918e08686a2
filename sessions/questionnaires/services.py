"""In-clinic questionnaires: PHQ-9, GAD-7 and the C-SSRS screener, given by staff to an enrolled
patient on the clinic's tablet, with the screening engine's instruments.

They are `screening.InstrumentAdministration` rows without a screening: the same answers, version,
score and immutability once completed. Their safety flags raise the same alerts as at screening.
Unlike screening, a new administration does not replace an earlier one: in-clinic results are a
series over the course. `recent_questionnaires_problem` is the pure read the dose start guard
asks.
"""

from datetime import datetime, timedelta

from django.db import transaction
from django.db.models import F, QuerySet, Window
from django.db.models.functions import RowNumber
from django.utils import timezone

from accounts.roles import CLINICIANS, Role
from audit.models import Action
from audit.services import record
from patients import phases
from patients.access import Access, may
from patients.models import Patient, TreatmentCourse
from screening import instruments, intake, rules
from screening.facts import parse_facts
from screening.intake import raise_safety_alert
from screening.models import InstrumentAdministration
from sessions.errors import SessionsError

IN_CLINIC_CODES = ("phq9", "gad7", "cssrs")
# Both must have been taken within this window before a dose starts (DESIGN.md).
RECENT_WINDOW = timedelta(days=7)
REQUIRED_BEFORE_DOSE = ("phq9", "cssrs")
TAKEN = (InstrumentAdministration.Status.COMPLETED, InstrumentAdministration.Status.REPLACED)
ENROLLED = (phases.PREPARATION, phases.TREATMENT, phases.MAINTENANCE)
ALERT_SOURCE = "In-clinic questionnaire"
CRISIS_PROTOCOL = intake.CRISIS_PROTOCOL
SHORT_NAMES = {"phq9": "PHQ-9", "gad7": "GAD-7", "cssrs": "C-SSRS"}


def title(code: str) -> str:
    return (instruments.CSSRS if code == "cssrs" else instruments.INSTRUMENTS[code]).title


def _version(code: str) -> str:
    return (instruments.CSSRS if code == "cssrs" else instruments.INSTRUMENTS[code]).version


def enrolled_course(patient: Patient) -> TreatmentCourse | None:
    return patient.courses.filter(phase__in=ENROLLED).order_by("-opened_at").first()


# --- Reads ----------------------------------------------------------------------------------------


def recent_questionnaires_problem(patient: Patient, at: datetime) -> str | None:
    """None when a PHQ-9 and a C-SSRS were taken (screening or in clinic) within the 7 days
    before `at`; else a sentence naming what is missing. Reads only (the dose start guard)."""
    taken = set(
        InstrumentAdministration.objects.filter(
            patient=patient,
            instrument__in=REQUIRED_BEFORE_DOSE,
            status__in=TAKEN,
            completed_at__gte=at - RECENT_WINDOW,
            completed_at__lte=at,
        ).values_list("instrument", flat=True)
    )
    missing = [SHORT_NAMES[code] for code in REQUIRED_BEFORE_DOSE if code not in taken]
    if not missing:
        return None
    return f"No {' and no '.join(missing)} in the 7 days before the dose."


def history(patient: Patient, limit: int = 30) -> QuerySet[InstrumentAdministration]:
    """The patient's questionnaires, screening and in-clinic alike, newest first."""
    return (
        InstrumentAdministration.objects.filter(
            patient=patient, instrument__in=IN_CLINIC_CODES, status__in=TAKEN
        )
        .select_related("entered_by")
        .order_by("-completed_at", "-id")[:limit]
    )


def latest(patient: Patient, code: str) -> InstrumentAdministration | None:
    """The latest taken administration of `code`, at screening or in clinic."""
    return (
        InstrumentAdministration.objects.filter(patient=patient, instrument=code, status__in=TAKEN)
        .order_by("-completed_at", "-id")
        .first()
    )


def latest_by_code(patient: Patient) -> dict[str, InstrumentAdministration]:
    """The latest taken administration of each in-clinic questionnaire, in one query."""
    newest_first = Window(
        RowNumber(),
        partition_by=[F("instrument")],
        order_by=[F("completed_at").desc(), F("id").desc()],
    )
    rows = (
        InstrumentAdministration.objects.filter(
            patient=patient, instrument__in=IN_CLINIC_CODES, status__in=TAKEN
        )
        .annotate(rank=newest_first)
        .filter(rank=1)
    )
    return {row.instrument: row for row in rows}


def in_progress(patient: Patient, code: str) -> InstrumentAdministration | None:
    return InstrumentAdministration.objects.filter(
        patient=patient,
        screening__isnull=True,
        instrument=code,
        status=InstrumentAdministration.Status.IN_PROGRESS,
    ).first()


# --- Writes ---------------------------------------------------------------------------------------


def _validated(code: str, answers):
    try:
        if code == "cssrs":
            return instruments.validate_cssrs(answers).as_dict()
        return list(instruments.validate_answers(instruments.INSTRUMENTS[code], answers))
    except instruments.InstrumentError as error:
        raise SessionsError(error.message, field=error.path) from error


def _may_give(by, patient: Patient) -> bool:
    """A clinician of the patient on the clinic's tablet, or the patient themselves (the portal)."""
    if by.role == Role.PATIENT:
        return patient.user_id == by.pk
    return by.role in CLINICIANS and may(by, Access.CHANGE_RECORD, patient)


@transaction.atomic
def questionnaire_save(
    *, by, patient: Patient, code: str, answers, complete: bool, source: str = ALERT_SOURCE
):
    """Save answers part-way (`complete=False`) or complete an in-clinic administration (or one
    the patient answers in the portal; `source` opens its alerts' message).

    Completing validates and scores it and raises the safety alerts its answers call for, as at
    screening. Returns the administration and the safety flags raised.
    """
    if code not in IN_CLINIC_CODES:
        raise SessionsError(f"Unknown questionnaire {code!r}.")
    patient = Patient.objects.select_for_update().get(pk=patient.pk)
    if not _may_give(by, patient):
        raise SessionsError("Only a clinician of this patient may give questionnaires.")
    if enrolled_course(patient) is None:
        raise SessionsError("In-clinic questionnaires are for enrolled patients.")
    current = in_progress(patient, code) or InstrumentAdministration(
        patient=patient, screening=None, instrument=code, version=_version(code), entered_by=by
    )
    flags: tuple[rules.SafetyFlag, ...] = ()
    if complete:
        answers = _validated(code, answers)
        current.score = instruments.score(code, answers).as_dict()
        current.completed_at = timezone.now()
        current.status = InstrumentAdministration.Status.COMPLETED
        if code in ("phq9", "cssrs"):
            flags = rules.safety_flags(parse_facts({code: answers}))
    current.answers = answers
    current.entered_by = by
    current.save()
    record(
        user=by,
        action=Action.CREATE if complete else Action.CHANGE,
        patient_id=patient.pk,
        obj=current,
        detail={"instrument": code, "status": current.status, "in_clinic": True},
    )
    for flag in flags:
        raise_safety_alert(patient, flag, by, source=source)
    return current, flags
