"""Pages that span apps: the role home pages and the patient chart.

They live in the project package, the top of the house, so the apps below only import downward.
"""

from django.db.models import Count, Exists, OuterRef
from django.http import Http404
from django.shortcuts import redirect, render

from accounts.decorators import staff_required
from accounts.models import User
from accounts.roles import CLINICIANS, Role
from audit.models import Action, AuditSeal
from audit.services import record
from integration.followups import selectors as followups
from notifications.selectors import chart_messages
from outcomes import selectors as outcome_selectors
from patients import phases, selectors
from patients.access import Access, allowed_actions, patients_for
from patients.forms import CareTeamForm, PhaseChangeForm
from patients.models import TreatmentCourse
from screening import selectors as screening_selectors
from screening.selectors import latest_screening
from screening.services import may_preview
from sessions.booking import selectors as schedule
from sessions.dosing import selectors as dosing
from sessions.notes import services as clinical_notes
from sessions.preparation import services as preparation
from sessions.stock import selectors as stock

HOME_LIST_SIZE = 50


def home(request):
    user = request.user
    context = {"alerts": list(selectors.unresolved_alerts_for(user))}
    if user.role == Role.PATIENT:
        return _patient_home(request, context)
    shown = None
    if user.role == Role.INTAKE:
        # EXISTS, not a join: PostgreSQL walks the created_at index and stops at 50.
        in_screening = TreatmentCourse.objects.filter(
            patient=OuterRef("pk"), phase=phases.SCREENING
        )
        candidates = patients_for(user, Access.VIEW_RECORD).filter(Exists(in_screening))
        shown = context["candidates"] = list(
            selectors.with_courses(candidates.order_by("created_at"))[:HOME_LIST_SIZE]
        )
    elif user.role in CLINICIANS:
        mine = patients_for(user, Access.VIEW_RECORD)
        shown = context["my_patients"] = list(selectors.with_courses(mine)[:HOME_LIST_SIZE])
        if user.role == Role.PRESCRIBER:
            # Courses a newly published screening policy would exclude, awaiting their review.
            reviews = screening_selectors.pending_policy_reviews(
                TreatmentCourse.objects.filter(patient__in=mine)
            )
            context["policy_reviews"] = reviews
            queue = context["review_queue"] = screening_selectors.review_queue(user)
            shown = [
                *shown,
                *(review.course.patient for review in reviews),
                *(screening.course.patient for screening in queue),
            ]
            context["may_preview_policy"] = may_preview(user)
        context["followups"] = followups.for_home(user)
        shown = list(
            {p.pk: p for p in [*shown, *(f.patient for f in context["followups"])]}.values()
        )
    elif user.role == Role.ADMIN:
        context["phase_counts"] = _phase_counts()
        context["role_counts"] = [
            (Role(role).label, n)
            for role, n in User.objects.filter(is_active=True)
            .values_list("role")
            .annotate(n=Count("id"))
            .order_by("role")
        ]
        context["last_seal"] = AuditSeal.objects.order_by("-id").first()
        context["discrepancies"] = stock.open_discrepancies()  # controlled-substance counts
    if user.role in CLINICIANS or user.role == Role.FRONTDESK:
        # Doses in progress: names to clinicians who may see them, initials to the front desk.
        board = context["in_clinic"] = dosing.in_clinic_now(user)
        shown = [*(shown or []), *(entry.patient for entry in board)]
    today = schedule.today_list(user)  # a clinician's own; the clinic's for the front desk
    if today is not None:
        context["today"] = today
        named = [a.patient for a in today if a.show_patient]
        shown = [*(shown or []), *named]
    if shown is not None:
        shown = list({p.pk: p for p in shown}.values())
        record(user=user, action=Action.LIST, detail={"patients": [str(p.pk) for p in shown]})
    return render(request, f"home/{user.role}.html", context)


def _phase_counts() -> list[tuple[str, int]]:
    counts = dict(TreatmentCourse.objects.values_list("phase").annotate(n=Count("id")).order_by())
    return [(phases.LABELS[p], counts.get(p, 0)) for p in phases.PHASES]


def _patient_home(request, context):
    # The patient's home is the portal (issue 14).
    return redirect("portal:home")


@staff_required
def chart(request, patient_pk):
    """One patient's chart: demographics for everyone allowed; the clinical record by policy."""
    visible = patients_for(request.user, Access.VIEW_DEMOGRAPHICS).filter(pk=patient_pk)
    patient = visible.first()
    if patient is None:
        moved = selectors.moved_to_care_team(request.user, patient_pk)
        record(
            user=request.user,
            action=Action.DENIED,
            patient_id=patient_pk,
            detail={"moved_to_care_team": True} if moved else {},
        )
        if moved:  # intake's candidate was enrolled: say where the chart went, nothing more
            return render(request, "patients/moved.html", status=404)
        raise Http404("No such patient")
    actions = allowed_actions(request.user, patient)
    context = {
        "patient": patient,
        "actions": {a.value for a in actions},
        "notifications": chart_messages(patient),
    }
    if Access.VIEW_RECORD in actions:
        patient = selectors.chart(patient.pk)
        courses = list(patient.courses.all())
        current = next((c for c in courses if c.is_open), None)
        course_ids = [c.pk for c in courses]
        chart_doses = dosing.for_chart(course_ids)
        shown = current or (courses[0] if courses else None)
        context.update(
            doses=chart_doses,  # Administration
            outcomes_course=shown,  # Outcomes: the open course, else the latest
            chart_outcomes=outcome_selectors.course_outcomes(shown, chart_doses) if shown else None,
            chart_followups=followups.for_chart(course_ids),  # Integration
            patient=patient,
            courses=courses,
            current_course=current,
            care_team=list(patient.care_team.all()),
            screening=latest_screening(current) if current else None,
            prep=preparation.chart_section(patient, current),
            chart_notes=clinical_notes.chart_notes(patient),
            care_team_form=CareTeamForm() if Access.CHANGE_RECORD in actions else None,
            phase_form=PhaseChangeForm(current_phase=current.phase)
            if current and Access.CHANGE_RECORD in actions and phases.next_phases(current.phase)
            else None,
        )
    record(
        user=request.user,
        action=Action.VIEW,
        patient_id=patient.pk,
        obj=patient,
        detail={"record": Access.VIEW_RECORD in actions},
    )
    return render(request, "chart.html", context)
