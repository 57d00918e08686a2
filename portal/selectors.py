"""The portal's reads: always the signed-in patient's own rows, each page in a fixed number of
queries whatever the length of the history (joins, one aggregate, prefetches)."""

from dataclasses import dataclass, field
from datetime import datetime

from django.db.models import Max, Prefetch
from django.utils import timezone

from integration.models import FollowUp, IntegrationNote
from patients.models import Patient
from portal import rules
from portal.models import JournalEntry, PortalInvitation, PromptAssignment
from screening.models import InstrumentAdministration
from sessions.booking.selectors import clinic_zone
from sessions.models import Appointment, ConsentSignature, Dose
from sessions.preparation.services import escort_for
from sessions.questionnaires import services as questionnaires

PAST_SHOWN = 50  # past appointments listed on the home page (newest first)
TAKEN = (InstrumentAdministration.Status.COMPLETED, InstrumentAdministration.Status.REPLACED)
WHAT_TO_BRING = {
    "dosing": [
        "Your escort: the person who takes you home",
        "A list of any medicines you took today",
        "Comfortable clothes, and an eye mask or headphones if you like your own",
    ],
    "preparation": ["Your questions, and a list of your current medicines"],
    "integration": ["Your journal, and anything you noticed since the dose"],
}


def own_patient(user) -> Patient | None:
    """The patient record of the signed-in patient user, or None."""
    if not getattr(user, "is_authenticated", False):
        return None
    return Patient.objects.filter(user=user).first()


def _appointments(patient: Patient):
    return Appointment.objects.filter(patient=patient).select_related(
        "type", "clinician", "room", "followup"
    )


def own_appointment(patient: Patient, pk) -> Appointment | None:
    return _appointments(patient).filter(pk=pk).first()


@dataclass
class Before:
    """What to do before one appointment."""

    appointment: Appointment
    kind: str
    fasting: rules.Fasting | None = None
    escort: tuple[str, str] | None = None
    drive_again: object = None
    bring: list[str] = field(default_factory=list)


def before(appointment: Appointment, escort=None) -> Before:
    kind = appointment.type.code
    found = Before(appointment=appointment, kind=kind, bring=WHAT_TO_BRING.get(kind, []))
    if kind == "dosing":
        zone = clinic_zone()
        found.fasting = rules.fasting_times(appointment.start, zone)
        found.drive_again = rules.drive_again_day(appointment.start, zone)
        found.escort = escort if escort is not None else escort_for(appointment.course)
    return found


def taken_times(patient: Patient) -> dict[str, datetime]:
    """When each questionnaire was last taken, in one aggregate."""
    rows = (
        InstrumentAdministration.objects.filter(
            patient=patient, instrument__in=questionnaires.IN_CLINIC_CODES, status__in=TAKEN
        )
        .values("instrument")
        .annotate(at=Max("completed_at"))
        .order_by()
    )
    return {row["instrument"]: row["at"] for row in rows}


def _dose_at(appointment: Appointment):
    followup = getattr(appointment, "followup", None)
    return followup.dose_at if followup is not None else None


def due(upcoming: list[Appointment], taken: dict[str, datetime], now=None):
    """(the next dose or follow-up within the coming week, the codes due before it) or None."""
    now = now or timezone.now()
    for appointment in upcoming:
        if appointment.start - now > rules.RECENT_WINDOW:
            return None
        codes = rules.due_codes(
            appointment.type.code, appointment.start, taken, _dose_at(appointment)
        )
        if appointment.type.code in ("dosing", "integration"):
            return (appointment, codes) if codes else None
    return None


@dataclass
class Home:
    next: Before | None  # the next booked appointment, with what to do before it
    later: list[Appointment]  # the other coming (or under way) appointments
    past: list[Appointment]
    due: tuple | None
    consent_problem: str | None


def home(patient: Patient, consent_problem: str | None) -> Home:
    now = timezone.now()
    coming = list(
        _appointments(patient).filter(end__gte=now).exclude(status__in=("cancelled", "no_show"))
    )
    past = list(_appointments(patient).filter(end__lt=now).order_by("-start")[:PAST_SHOWN])
    booked = [a for a in coming if a.status == "booked"]
    nxt = booked[0] if booked else None
    return Home(
        next=before(nxt) if nxt else None,
        later=[a for a in coming if a is not nxt],
        past=past,
        due=due(booked, taken_times(patient), now),
        consent_problem=consent_problem,
    )


# --- Progress -------------------------------------------------------------------------------------


def score_points(patient: Patient) -> dict[str, list[rules.Point]]:
    """Completed PHQ-9 and GAD-7 results, oldest first, by title, in one query."""
    series: dict[str, list[rules.Point]] = {"PHQ-9": [], "GAD-7": []}
    rows = InstrumentAdministration.objects.filter(
        patient=patient,
        instrument__in=("phq9", "gad7"),
        status=InstrumentAdministration.Status.COMPLETED,
    ).order_by("completed_at", "id")
    zone = clinic_zone()
    for row in rows.values("instrument", "completed_at", "score"):
        title = questionnaires.SHORT_NAMES[row["instrument"]]
        day = timezone.localtime(row["completed_at"], zone).date()
        series[title].append(rules.Point(day, row["score"]["total"], row["score"]["severity"]))
    return series


# --- Journal --------------------------------------------------------------------------------------


def signed_note(dose: Dose) -> IntegrationNote | None:
    followup = getattr(dose, "followup", None)
    note = getattr(followup, "note", None) if followup is not None else None
    return note if note is not None and note.is_signed else None


@dataclass
class DoseJournal:
    dose: Dose
    homework: str
    assignments: list[PromptAssignment]


def journal(patient: Patient) -> list[DoseJournal]:
    """The prompts of every dose, newest dose first, with the patient's entries and the homework
    of the dose's signed integration note."""
    assignments = (
        PromptAssignment.objects.filter(patient=patient)
        .select_related("dose__appointment", "dose__followup__note")
        .prefetch_related(
            Prefetch("entries", queryset=JournalEntry.objects.order_by("-created_at", "-id"))
        )
        .order_by("-dose__started_at", "id")
    )
    groups: dict[int, DoseJournal] = {}
    for assignment in assignments:
        if assignment.dose_id not in groups:
            note = signed_note(assignment.dose)
            groups[assignment.dose_id] = DoseJournal(
                assignment.dose, note.homework if note else "", []
            )
        groups[assignment.dose_id].assignments.append(assignment)
    return list(groups.values())


def own_assignment(patient: Patient, pk) -> PromptAssignment | None:
    return (
        PromptAssignment.objects.filter(patient=patient, pk=pk)
        .select_related("dose__appointment", "dose__followup__note")
        .first()
    )


def own_entry(patient: Patient, pk) -> JournalEntry | None:
    return JournalEntry.objects.filter(patient=patient, pk=pk).select_related("assignment").first()


def shared_for_followup(followup: FollowUp):
    """For the therapist before the follow-up: the entries the patient shared against this
    dose's prompts, and the homework of the latest integration note signed before it."""
    entries = list(
        JournalEntry.objects.filter(
            patient_id=followup.patient_id, shared=True, assignment__dose_id=followup.dose_id
        )
        .select_related("assignment")
        .order_by("shared_at", "id")
    )
    previous = (
        IntegrationNote.objects.filter(
            patient_id=followup.patient_id,
            status="signed",
            followup__dose_at__lt=followup.dose_at,
        )
        .order_by("-followup__dose_at")
        .values_list("homework", flat=True)
        .first()
    )
    return entries, previous or ""


# --- Invitations ----------------------------------------------------------------------------------


def latest_invitation(patient: Patient) -> PortalInvitation | None:
    invitation = PortalInvitation.objects.filter(patient=patient).order_by("-created_at").first()
    return invitation


# --- My record ------------------------------------------------------------------------------------


def record(patient: Patient) -> dict:
    """Everything the record PDF holds, in a fixed number of queries. Never psychotherapy notes:
    they are kept apart from the chart and are not part of the patient's own record."""
    return {
        "appointments": list(_appointments(patient).order_by("start")),
        "signatures": list(
            ConsentSignature.objects.filter(patient=patient)
            .select_related("version")
            .defer("pdf")
            .order_by("signed_at")
        ),
        "questionnaires": list(
            InstrumentAdministration.objects.filter(
                patient=patient,
                instrument__in=questionnaires.IN_CLINIC_CODES,
                status=InstrumentAdministration.Status.COMPLETED,
            ).order_by("completed_at", "id")
        ),
        "doses": list(
            Dose.objects.filter(course__patient=patient, status__in=Dose.FINISHED)
            .select_related("appointment")
            .order_by("started_at")
        ),
        "summaries": list(
            IntegrationNote.objects.filter(patient=patient, status="signed")
            .select_related("followup__dose")
            .order_by("followup__dose__started_at")
        ),
    }
