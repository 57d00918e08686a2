"""Reads for the esketamine REMS: the enrollment the dose guard asks for, the monitoring form filled
from the chart, and the queue of forms due."""

from dataclasses import dataclass, field
from datetime import date

from django.db.models import Exists, OuterRef, Prefetch, Q
from django.utils import timezone

from patients.access import Access, patients_for
from sessions.models import (
    AdverseEvent,
    ClinicRegistration,
    Dose,
    Movement,
    RemsEnrollment,
    RemsMonitoringForm,
    VitalSigns,
)
from sessions.rems import rules

ESKETAMINE = Dose.Drug.ESKETAMINE
ASKED = (
    *(name for name, _ in rules.CONCOMITANT),
    "ready_to_leave_minutes",
    *(
        name
        for effect, _ in rules.EFFECTS
        for name in (
            rules.effect_field(effect),
            f"{effect}_onset_minutes",
            f"{effect}_resolved_minutes",
        )
    ),
    "vitals_acceptable_at_completion",
)


def current_enrollment(patient, on: date | None = None) -> RemsEnrollment | None:
    on = on or timezone.localdate()
    return (
        RemsEnrollment.objects.filter(patient=patient, enrolled_on__lte=on)
        .filter(Q(ended_on__isnull=True) | Q(ended_on__gt=on))
        .order_by("-enrolled_on", "-id")
        .first()
    )


def rems_problem(dose: Dose) -> str | None:
    """The dose start guard's question: esketamine only for a patient enrolled in its REMS."""
    if dose.drug != ESKETAMINE:
        return None
    if current_enrollment(dose.course.patient) is None:
        return "Esketamine needs the patient's Spravato REMS enrollment: record it on the chart."
    return None


def form_dose(dose_pk) -> Dose:
    """An esketamine dose with everything its monitoring form reads, in a fixed few queries."""
    return (
        Dose.objects.select_related("course__patient", "appointment__clinician", "confirmed_by")
        .prefetch_related(
            Prefetch(  # a struck (amended) reading is not what the chart knows
                "vitals",
                queryset=VitalSigns.objects.filter(systolic__isnull=False, struck_at__isnull=True),
            ),
            Prefetch("adverse_events", queryset=AdverseEvent.objects.order_by("at", "id")),
            Prefetch(
                "stock_movements",
                queryset=Movement.objects.filter(
                    kind=Movement.Kind.DRAWN, reversed_by__isnull=True
                ).select_related("lot"),
                to_attr="draws",
            ),
        )
        .get(pk=dose_pk, drug=ESKETAMINE)
    )


def _minutes(dose: Dose, at) -> float:
    return (at - dose.started_at).total_seconds() / 60


def chart_answers(dose: Dose) -> dict:
    """The form's questions the chart answers: dissociation from the clinician's rating,
    respiratory depression from the adverse events, and acceptable vitals at completion from a
    discharge (whose criteria include them)."""
    answers = {}
    if dose.dissociation is not None:
        answers["dissociation"] = dose.dissociation > 0
    respiratory = [e for e in dose.adverse_events.all() if e.kind == AdverseEvent.Kind.RESPIRATORY]
    if respiratory:
        answers["respiratory_depression"] = True
        answers["respiratory_onset_minutes"] = max(0, round(_minutes(dose, respiratory[0].at)))
    if dose.status in (Dose.Status.DISCHARGED, Dose.Status.INTEGRATED):
        answers["vitals_acceptable_at_completion"] = True
    return answers


def missing_fields(dose: Dose) -> list[str]:
    chart = chart_answers(dose)
    return [name for name in ASKED if name not in chart]


def effective_answers(dose: Dose, form: RemsMonitoringForm | None) -> dict:
    stored = {name: getattr(form, name) for name in ASKED} if form else {}
    return {**{k: v for k, v in stored.items() if v is not None}, **chart_answers(dose)}


@dataclass
class Section:
    title: str
    rows: list[tuple[str, str]] = field(default_factory=list)


def _yes_no(value) -> str:
    return "" if value is None else ("Yes" if value else "No")


def _onset(answers, effect) -> str:
    onset = answers.get(f"{effect}_onset_minutes")
    resolved = answers.get(f"{effect}_resolved_minutes")
    parts = []
    if onset is not None:
        parts.append(f"onset {onset} min")
    if resolved is not None:
        parts.append(f"resolved {resolved} min")
    return ", ".join(parts)


def form_sections(dose: Dose, form: RemsMonitoringForm | None) -> list[Section]:
    """Every field of the Patient Monitoring Form, in its order, as clinic words."""
    patient = dose.course.patient
    day = timezone.localdate(dose.started_at)
    enrollment = current_enrollment(patient, day)
    earlier = Dose.objects.filter(
        course__patient=patient, drug=ESKETAMINE, started_at__lt=dose.started_at
    ).exists()
    setting = ClinicRegistration.objects.first()
    readings = [
        rules.Reading(_minutes(dose, v.taken_at), v.systolic, v.diastolic, v.moment)
        for v in dose.vitals.all()
    ]
    before, near_40 = rules.bp_before(readings), rules.bp_near_40(readings)
    completion = rules.bp_at_completion(readings)
    answers = effective_answers(dose, form)
    draw = dose.draws[0] if dose.draws else None
    events = [
        f"{e.get_kind_display()} ({e.get_severity_display().lower()}, "
        f"{e.get_action_taken_display().lower()}) at {round(_minutes(dose, e.at))} min"
        for e in dose.adverse_events.all()
    ]
    return [
        Section(
            "Patient",
            [
                ("Name", f"{patient.first_name} {patient.last_name}"),
                ("Date of birth", f"{patient.date_of_birth:%b %-d, %Y}"),
                ("Sex", patient.get_sex_display()),
                ("First treatment", "No" if earlier else "Yes"),
                (
                    "REMS enrollment",
                    f"{enrollment.rems_patient_id}, enrolled {enrollment.enrolled_on:%b %-d, %Y}"
                    if enrollment
                    else "Not enrolled",
                ),
            ],
        ),
        Section(
            "Concomitant medications that may sedate or change blood pressure",
            [(label, _yes_no(answers.get(name))) for name, label in rules.CONCOMITANT],
        ),
        Section(
            "Treatment",
            [
                ("Monitoring clinician", str(dose.appointment.clinician)),
                (
                    "Healthcare setting",
                    f"{setting.name} (REMS setting {setting.rems_setting_id or 'not recorded'})"
                    if setting
                    else "Not recorded",
                ),
                ("Treatment date", f"{day:%b %-d, %Y}"),
                ("Dose", rules.dose_label(dose.quantity_given_mg or dose.dose_mg)),
                ("Lot", draw.lot.number if draw else (dose.lot or "Not recorded")),
                (
                    "Total minutes from the first device to the end of monitoring",
                    str(dose.monitoring_minutes) if dose.monitoring_minutes is not None else "",
                ),
                (
                    "Would have been ready to leave (minutes after the first device)",
                    str(answers.get("ready_to_leave_minutes") or ""),
                ),
            ],
        ),
        Section(
            "Vital signs",
            [
                ("Acceptable before administration", "Yes" if dose.started_at else ""),
                (
                    "Acceptable at completion",
                    _yes_no(answers.get("vitals_acceptable_at_completion")),
                ),
                ("Blood pressure before administration", before.bp if before else ""),
                (
                    "Blood pressure at about 40 minutes",
                    f"{near_40.bp} at {round(near_40.minutes)} min" if near_40 else "",
                ),
                (
                    "Blood pressure before completion",
                    f"{completion.bp} at {round(completion.minutes)} min" if completion else "",
                ),
            ],
        ),
        Section(
            "Effects",
            [
                (
                    label,
                    " · ".join(
                        p
                        for p in (_yes_no(answers.get(rules.effect_field(e))), _onset(answers, e))
                        if p
                    ),
                )
                for e, label in rules.EFFECTS
            ]
            + [("Adverse events", "; ".join(events) or "None charted")],
        ),
    ]


def forms_due(user) -> list[Dose]:
    """Esketamine sessions whose form is not submitted yet, for the patients `user` may chart,
    oldest first (each due within 7 days of the session)."""
    submitted = RemsMonitoringForm.objects.filter(
        dose=OuterRef("pk"), status=RemsMonitoringForm.Status.SUBMITTED
    )
    doses = (
        Dose.objects.filter(
            drug=ESKETAMINE,
            started_at__isnull=False,
            status__in=Dose.FINISHED,
            course__patient__in=patients_for(user, Access.VIEW_RECORD),
        )
        .exclude(Exists(submitted))
        .select_related("course__patient", "appointment__clinician")
        .order_by("started_at")
    )
    today = timezone.localdate()
    out = list(doses)
    for dose in out:
        day = timezone.localdate(dose.started_at)
        dose.rems_due_on = rules.due_on(day)
        dose.rems_days_left = rules.days_left(day, today)
    return out
