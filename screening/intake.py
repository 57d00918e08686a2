"""Intake: every write of a candidate's screening, its decision and review, and the enrollment
gate.

Each function runs in one transaction, checks its rule, writes, records the audit event and raises
`ScreeningError` with a sentence the user can read (and the field it concerns) when a rule says no.
"""

from datetime import date

from django.db import transaction
from django.utils import timezone

from accounts.roles import Role
from audit.models import Action
from audit.services import record
from patients import phases
from patients.access import Access, may
from patients.errors import PatientsError
from patients.models import Alert, Patient, TreatmentCourse
from patients.services import alert_raise, on_call_prescribers, register_phase_guard
from screening import instruments, rules
from screening.errors import ScreeningError
from screening.facts import FACT_KEYS, FactsError, parse_facts
from screening.models import (
    BloodPressureReading,
    InstrumentAdministration,
    ReviewItem,
    Screening,
    ScreeningDecision,
    ScreeningPolicy,
)
from screening.selectors import active_policy

# Facts intake records on the history form; age comes from the date of birth, blood pressure from
# the readings, and the instruments from their administrations.
INSTRUMENT_CODES = ("phq9", "gad7", "pcl5", "cssrs")
HISTORY_KEYS = tuple(
    key for key in FACT_KEYS if key not in ("age", "bp_readings", *INSTRUMENT_CODES)
)
CRISIS_PROTOCOL = (
    "Stay with the candidate. Call the on-call prescriber now. If there is immediate danger, "
    "call 911 (or 988, the Suicide & Crisis Lifeline)."
)


def _check(by, patient: Patient) -> None:
    if not may(by, Access.CHANGE_RECORD, patient):
        raise ScreeningError("You may not screen this candidate.")


def _open(screening: Screening, by) -> Screening:
    screening = (
        Screening.objects.select_for_update().select_related("course__patient").get(pk=screening.pk)
    )
    _check(by, screening.course.patient)
    if not screening.is_open:
        raise ScreeningError(
            "This screening has a decision and its facts are final: start a new screening."
        )
    return screening


def age_on(born: date, day: date) -> int:
    return day.year - born.year - ((day.month, day.day) < (born.month, born.day))


@transaction.atomic
def screening_start(*, by, course: TreatmentCourse) -> Screening:
    course = TreatmentCourse.objects.select_for_update().select_related("patient").get(pk=course.pk)
    _check(by, course.patient)
    if course.phase != phases.SCREENING:
        raise ScreeningError("Only a course in screening can be screened.")
    if course.screenings.filter(status__in=Screening.OPEN).exists():
        raise ScreeningError("This course already has a screening in progress.")
    screening = Screening.objects.create(course=course, started_by=by)
    record(user=by, action=Action.CREATE, patient_id=course.patient_id, obj=screening)
    return screening


@transaction.atomic
def screening_record_history(*, by, screening: Screening, history: dict, weight_kg=None):
    """Store the history facts (None = unknown). Validated by the engine's own fact parser."""
    screening = _open(screening, by)
    unknown = set(history) - set(HISTORY_KEYS)
    if unknown:
        raise ScreeningError(f"Unknown history facts: {', '.join(sorted(unknown))}.")
    try:
        parse_facts(history)
    except FactsError as error:
        raise ScreeningError(error.message, field=error.path.split("[")[0]) from error
    screening.history = {key: value for key, value in history.items() if value is not None}
    screening.weight_kg = weight_kg
    screening.save(update_fields=["history", "weight_kg"])
    record(
        user=by,
        action=Action.CHANGE,
        patient_id=screening.course.patient_id,
        obj=screening,
        detail={"facts": sorted(screening.history)},
    )
    return screening


@transaction.atomic
def screening_add_bp(*, by, screening: Screening, systolic: int, diastolic: int):
    screening = _open(screening, by)
    if not (0 < diastolic < systolic <= 300):
        raise ScreeningError(
            "A reading needs a diastolic below the systolic, both above zero.", field="diastolic"
        )
    reading = BloodPressureReading.objects.create(
        screening=screening, systolic=systolic, diastolic=diastolic, taken_by=by
    )
    record(user=by, action=Action.CREATE, patient_id=screening.course.patient_id, obj=reading)
    return reading


def _validate_answers(code: str, answers):
    if code == "cssrs":
        return instruments.validate_cssrs(answers).as_dict()
    return list(instruments.validate_answers(instruments.INSTRUMENTS[code], answers))


@transaction.atomic
def instrument_save(*, by, screening: Screening, code: str, answers, complete: bool):
    """Save answers part-way (`complete=False`) or complete the administration.

    Completing validates and scores it, replaces any earlier completed administration of the
    same questionnaire in this screening, and raises the safety alerts its answers call for.
    A questionnaire given again keeps its completed administration (what a decision reads)
    beside the new draft until the draft is completed: one draft and one completed at most.
    Returns the administration and the safety flags raised.
    """
    if code not in INSTRUMENT_CODES:
        raise ScreeningError(f"Unknown questionnaire {code!r}.")
    screening = _open(screening, by)
    patient = screening.course.patient
    current = screening.administrations.filter(
        instrument=code, status=InstrumentAdministration.Status.IN_PROGRESS
    ).first() or InstrumentAdministration(
        patient=patient,
        screening=screening,
        instrument=code,
        version=(instruments.CSSRS if code == "cssrs" else instruments.INSTRUMENTS[code]).version,
        entered_by=by,
    )
    flags: tuple[rules.SafetyFlag, ...] = ()
    if complete:
        try:
            answers = _validate_answers(code, answers)
        except instruments.InstrumentError as error:
            raise ScreeningError(error.message, field=error.path) from error
        policy = active_policy().to_policy()
        current.score = instruments.score(
            code, answers, pcl5_threshold=policy.pcl5_probable_ptsd
        ).as_dict()
        current.completed_at = timezone.now()
        screening.administrations.filter(
            instrument=code, status=InstrumentAdministration.Status.COMPLETED
        ).update(status=InstrumentAdministration.Status.REPLACED)
        current.status = InstrumentAdministration.Status.COMPLETED
        flags = (
            rules.safety_flags(parse_facts({code: answers})) if code in ("phq9", "cssrs") else ()
        )
    current.answers = answers
    current.entered_by = by
    current.save()
    record(
        user=by,
        action=Action.CREATE if complete else Action.CHANGE,
        patient_id=patient.pk,
        obj=current,
        detail={"instrument": code, "status": current.status},
    )
    for flag in flags:
        raise_safety_alert(patient, flag, by)
    return current, flags


def raise_safety_alert(
    patient: Patient, flag: rules.SafetyFlag, by, *, source: str = "Screening"
) -> None:
    """Alert as CLINICAL.md says: a crisis the on-call prescriber at once; otherwise the care
    team (or the on-call prescriber when there is none). `source` opens the message.
    `alert_raise` keeps every alert inside the access policy and does the falling back."""
    crisis = flag.level == "crisis"
    intended = (
        on_call_prescribers()
        if crisis
        else [m.clinician for m in patient.care_team.select_related("clinician")]
    )
    try:
        alert_raise(
            patient=patient,
            recipients=intended,
            kind=Alert.Kind.SAFETY,
            severity=Alert.Severity.URGENT if crisis else Alert.Severity.WARNING,
            message=f"{source}: {flag.message}",
            by=by,
        )
    except PatientsError as error:  # nobody may receive it: the answers are not saved either
        raise ScreeningError(error.message) from error


_raise_safety_alert = raise_safety_alert  # the name it had before in-clinic questionnaires


def _facts(screening: Screening, today: date) -> dict:
    readings = [[r.systolic, r.diastolic] for r in screening.bp_readings.all()]
    facts = {
        **screening.history,
        "age": age_on(screening.course.patient.date_of_birth, today),
        "bp_readings": readings,
    }
    for administration in screening.administrations.filter(
        status=InstrumentAdministration.Status.COMPLETED
    ):
        facts[administration.instrument] = administration.answers
    return facts


def _status(decision: ScreeningDecision, items) -> str:
    if decision.outcome == "excluded" or any(
        i.status == ReviewItem.Status.NOT_CLEARED for i in items
    ):
        return Screening.Status.EXCLUDED
    if decision.outcome == "incomplete":
        return Screening.Status.INCOMPLETE
    if any(i.status == ReviewItem.Status.PENDING for i in items):
        return Screening.Status.AWAITING_REVIEW
    return Screening.Status.ELIGIBLE


@transaction.atomic
def screening_decide(*, by, screening: Screening) -> ScreeningDecision:
    """Run the active policy over the facts gathered and store the decision with all it read."""
    screening = _open(screening, by)
    policy_row = active_policy()
    facts = _facts(screening, timezone.localdate())
    decision = rules.evaluate(parse_facts(facts), policy_row.to_policy())
    stored = ScreeningDecision.objects.create(
        screening=screening,
        decided_by=by,
        policy_label=decision.policy,
        facts=facts,
        outcome=decision.outcome,
        reasons=[reason.as_dict() for reason in decision.reasons],
        missing=list(decision.missing),
        scores={code: dict(result) for code, result in decision.scores.items()},
        safety_flags=[flag.as_dict() for flag in decision.safety_flags],
    )
    items = []
    if decision.outcome == "needs_review":
        items = ReviewItem.objects.bulk_create(
            ReviewItem(decision=stored, code=r.code, message=r.message)
            for r in decision.reasons
            if r.severity == "review"
        )
    screening.status = _status(stored, items)
    screening.save(update_fields=["status"])
    record(
        user=by,
        action=Action.CREATE,
        patient_id=screening.course.patient_id,
        obj=stored,
        detail={"outcome": decision.outcome, "reasons": list(decision.codes)},
    )
    return stored


@transaction.atomic
def review_item_decide(*, by, item: ReviewItem, cleared: bool, reason: str) -> ReviewItem:
    """A prescriber clears a review item, or does not, with a written reason."""
    item = (
        ReviewItem.objects.select_for_update()
        .select_related("decision__screening__course__patient")
        .get(pk=item.pk)
    )
    screening = Screening.objects.select_for_update().get(pk=item.decision.screening_id)
    patient = item.decision.screening.course.patient
    if by.role != Role.PRESCRIBER or not may(by, Access.CHANGE_RECORD, patient):
        raise ScreeningError("Only a prescriber may review a screening.")
    if item.status != ReviewItem.Status.PENDING:
        raise ScreeningError("This item has been reviewed already.")
    if screening.decisions.latest().pk != item.decision_id:
        raise ScreeningError("A newer decision replaced this one: review that instead.")
    reason = (reason or "").strip()
    if not reason:
        raise ScreeningError("A review needs a written reason.", field="reason")
    item.status = ReviewItem.Status.CLEARED if cleared else ReviewItem.Status.NOT_CLEARED
    item.reason, item.reviewed_by, item.reviewed_at = reason, by, timezone.now()
    item.save()
    screening.status = _status(item.decision, list(item.decision.review_items.all()))
    screening.save(update_fields=["status"])
    record(
        user=by,
        action=Action.CHANGE,
        patient_id=patient.pk,
        obj=item,
        detail={"code": item.code, "status": item.status},
    )
    return item


# --- The enrollment gate -----------------------------------------------------------------------


def _refusal(decision: ScreeningDecision, items) -> str | None:
    """Why this decision does not open enrollment, or None when it is approved: eligible, or
    needs review with an item for every review reason, each cleared by a prescriber."""
    if decision.outcome == "eligible":
        return None
    if decision.outcome == "excluded":
        return "the screening excluded the candidate"
    if decision.outcome == "incomplete":
        return "the screening is incomplete"
    if decision.outcome != "needs_review":
        return "the screening is not decided"
    if any(i.status == ReviewItem.Status.NOT_CLEARED for i in items):
        return "the screening excluded the candidate"
    wanted = {r["code"] for r in decision.reasons if r["severity"] == "review"}
    cleared = {i.code for i in items if i.status == ReviewItem.Status.CLEARED}
    if not wanted or not wanted <= cleared:
        return "a prescriber has not yet reviewed every item"
    return None


def approval_problem(course: TreatmentCourse, today: date) -> str | None:
    """Why `course` may not enroll today, or None: it needs an approved decision (eligible, or
    every review item cleared) younger than its policy's re-screen interval.

    Read from the decision and its review items themselves, never from the derived
    `Screening.status`, which an ORM write could flip."""
    decision = (
        ScreeningDecision.objects.filter(screening__course=course)
        .order_by("-decided_at", "-id")
        .first()
    )
    if decision is None:
        return "No screening decision: screen the candidate before enrolling."
    explanation = _refusal(decision, list(decision.review_items.all()))
    if explanation:
        codes = ", ".join(r["code"] for r in decision.reasons if r["severity"] == "exclusion")
        return f"Enrollment refused: {explanation}{f' ({codes})' if codes else ''}."
    stored = ScreeningPolicy.objects.filter(label=decision.policy_label).first()
    policy = stored.to_policy() if stored else rules.POLICY_V1
    screened_on = timezone.localdate(decision.decided_at)
    if not policy.screening_current(screened_on, today):
        return (
            f"Enrollment refused: the screening of {screened_on:%b %d, %Y} is older than "
            f"{policy.rescreen_interval_days} days; screen again."
        )
    return None


@register_phase_guard(phases.PREPARATION)
def enrollment_guard(course: TreatmentCourse, by, reason: str) -> None:
    """Registered with the course's phase service: every path to preparation meets this wall."""
    problem = approval_problem(course, timezone.localdate())
    if problem:
        raise PatientsError(problem)
