"""Intake pages: the queue, a screening, its questionnaires, the decision and its review."""

from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_http_methods, require_POST

from accounts.decorators import role_required
from accounts.roles import Role
from audit.models import Action
from audit.services import record
from kap_clinic.pdf import pdf_response, render_pdf
from patients import phases
from patients import selectors as patient_selectors
from patients.access import Access, may, require
from patients.errors import PatientsError
from patients.models import TreatmentCourse
from patients.services import course_change_phase
from screening import instruments, intake, rules, selectors, wording
from screening.answering import answer, tell_staff
from screening.errors import ScreeningError
from screening.forms import (
    BloodPressureForm,
    HistoryForm,
    QueueFilterForm,
    ReviewForm,
)
from screening.models import InstrumentAdministration, ReviewItem, Screening, ScreeningDecision

SCREENERS = (Role.INTAKE, Role.PRESCRIBER, Role.THERAPIST)
STATUS_LABELS = dict(Screening.Status.choices)


@role_required(*SCREENERS)
def queue(request):
    """Candidates by screening status, oldest first, a page at a time, with counts."""
    # Parsed, never passed on raw: an unknown status (or a NUL byte) shows the whole queue.
    filters = QueueFilterForm(request.GET)
    cleaned = filters.cleaned_data if filters.is_valid() else {}
    wanted = cleaned.get("status") or ""
    after = cleaned.get("after")
    number = (cleaned.get("page") or 1) if after else 1
    page = selectors.intake_queue(request.user, status=wanted, after=after)
    for course in page.courses:
        course.queue_status = course.screening_status or Screening.Status.IN_PROGRESS
        course.queue_label = (
            STATUS_LABELS[course.screening_status] if course.screening_id else "Not started"
        )
    # What was shown, by page: never the list of every candidate's id (issue 21). The
    # per-patient accounting ("who viewed my record") counts charts, PDFs and exports.
    record(
        user=request.user,
        action=Action.LIST,
        detail={"queue": wanted or "all", "page": number, "shown": len(page.courses)},
    )
    counts = page.counts
    return render(
        request,
        "screening/queue.html",
        {
            "courses": page.courses,
            "wanted": wanted,
            "statuses": [
                (s, STATUS_LABELS[s], None if counts is None else counts.get(s, 0))
                for s in selectors.QUEUE_ORDER
            ],
            "total": page.total,
            "capped": counts is None,
            "cap": selectors.QUEUE_COUNT_CAP,
            "page_number": number,
            "next_after": page.next_after,
            "refusals": [error for errors in filters.errors.values() for error in errors],
        },
        status=400 if filters.errors else 200,
    )


@role_required(*SCREENERS)
@require_POST
def start(request, course_pk):
    course = get_object_or_404(TreatmentCourse.objects.select_related("patient"), pk=course_pk)
    require(request.user, Access.CHANGE_RECORD, course.patient, course)
    try:
        screening = intake.screening_start(by=request.user, course=course)
    except ScreeningError as error:
        messages.error(request, error.message)
        return redirect("chart", patient_pk=course.patient_id)
    return redirect("screening", screening_pk=screening.pk)


def _screening(request, screening_pk, action=Access.VIEW_RECORD) -> Screening:
    screening = get_object_or_404(
        Screening.objects.select_related("course__patient"), pk=screening_pk
    )
    require(request.user, action, screening.course.patient, screening)
    return screening


def _render_screening(request, screening_pk, *, history_form=None, bp_form=None, status=200):
    screening = selectors.screening_page(screening_pk)
    record(
        user=request.user, action=Action.VIEW, patient_id=screening.course.patient_id, obj=screening
    )
    completed, drafts = {}, {}
    for administration in screening.current_administrations:
        done = administration.status == InstrumentAdministration.Status.COMPLETED
        (completed if done else drafts)[administration.instrument] = administration
    questionnaires = [
        {
            "code": code,
            "title": (
                instruments.CSSRS if code == "cssrs" else instruments.INSTRUMENTS[code]
            ).title,
            "administration": completed.get(code) or drafts.get(code),
            # Given again: the completed one counts until this draft is completed.
            "repeat": drafts.get(code) if code in completed else None,
            "optional": code in ("gad7", "pcl5"),
        }
        for code in intake.INSTRUMENT_CODES
    ]
    cssrs = completed.get("cssrs")
    return render(
        request,
        "screening/screening.html",
        {
            "screening": screening,
            "patient": screening.course.patient,
            "history_form": history_form
            or HistoryForm(initial=HistoryForm.initial_from(screening)),
            "bp_form": bp_form or BloodPressureForm(),
            "questionnaires": questionnaires,
            "crisis": bool(cssrs and cssrs.score and cssrs.score.get("risk") == "high"),
            "crisis_protocol": intake.CRISIS_PROTOCOL,
            "decisions": list(screening.decisions.all()),
        },
        status=status,
    )


@role_required(*SCREENERS)
def screening_detail(request, screening_pk):
    _screening(request, screening_pk)
    return _render_screening(request, screening_pk)


@role_required(*SCREENERS)
@require_POST
def history(request, screening_pk):
    screening = _screening(request, screening_pk, Access.CHANGE_RECORD)
    form = HistoryForm(request.POST)
    if form.is_valid():
        try:
            intake.screening_record_history(
                by=request.user,
                screening=screening,
                history=form.history(),
                weight_kg=form.cleaned_data["weight_kg"],
            )
        except ScreeningError as error:
            form.add_error(error.field if error.field in form.fields else None, error.message)
        else:
            messages.success(request, "History saved.")
            return redirect("screening", screening_pk=screening.pk)
    return _render_screening(request, screening_pk, history_form=form, status=400)


@role_required(*SCREENERS)
@require_POST
def blood_pressure(request, screening_pk):
    screening = _screening(request, screening_pk, Access.CHANGE_RECORD)
    form = BloodPressureForm(request.POST)
    if form.is_valid():
        try:
            intake.screening_add_bp(by=request.user, screening=screening, **form.cleaned_data)
        except ScreeningError as error:
            form.add_error(error.field, error.message)
        else:
            return redirect("screening", screening_pk=screening.pk)
    return _render_screening(request, screening_pk, bp_form=form, status=400)


@role_required(*SCREENERS)
@require_http_methods(["GET", "POST"])
def questionnaire(request, screening_pk, code):
    screening = _screening(request, screening_pk)
    if code not in intake.INSTRUMENT_CODES:
        return redirect("screening", screening_pk=screening.pk)
    current = screening.administrations.filter(
        instrument=code, status=InstrumentAdministration.Status.IN_PROGRESS
    ).first()
    if request.method == "POST":
        require(request.user, Access.CHANGE_RECORD, screening.course.patient, screening)

    def save(**answers):
        return intake.instrument_save(by=request.user, screening=screening, code=code, **answers)

    form, saved = answer(request, code, current, save, ScreeningError)
    status = 200
    if saved:
        tell_staff(request, saved[1])
        return redirect("screening", screening_pk=screening.pk)
    if request.method == "POST":
        status = 400
    else:
        record(
            user=request.user,
            action=Action.VIEW,
            patient_id=screening.course.patient_id,
            obj=current or screening,
        )
    return render(
        request,
        "screening/questionnaire.html",
        {"screening": screening, "patient": screening.course.patient, "form": form},
        status=status,
    )


@role_required(*SCREENERS)
@require_POST
def decide(request, screening_pk):
    screening = _screening(request, screening_pk, Access.CHANGE_RECORD)
    try:
        decision = intake.screening_decide(by=request.user, screening=screening)
    except ScreeningError as error:
        messages.error(request, error.message)
        return redirect("screening", screening_pk=screening.pk)
    return redirect("screening_decision", decision_pk=decision.pk)


def _decision(request, decision_pk, action=Access.VIEW_RECORD) -> ScreeningDecision:
    decision = get_object_or_404(
        ScreeningDecision.objects.select_related("screening__course__patient", "decided_by"),
        pk=decision_pk,
    )
    require(request.user, action, decision.screening.course.patient, decision)
    return decision


def _decision_context(decision: ScreeningDecision) -> dict:
    items = {item.code: item for item in decision.review_items.select_related("reviewed_by")}
    return {
        "decision": decision,
        "screening": decision.screening,
        "patient": decision.screening.course.patient,
        "facts": wording.fact_lines(decision.facts or {}),
        "scores": wording.score_lines(decision.scores or {}),
        "missing": wording.missing_text(decision.missing or ()),
        "reasons": [
            {
                **reason,
                "title": wording.rule_title(reason["code"]),
                "rule": rules.RULES_BY_CODE.get(reason["code"]),
                "review": items.get(reason["code"]),
            }
            for reason in decision.reasons
        ],
        "review_items": list(items.values()),
    }


@role_required(*SCREENERS)
def decision_detail(request, decision_pk, review_form=None, enroll_error=None, status=200):
    decision = _decision(request, decision_pk)
    record(
        user=request.user,
        action=Action.VIEW,
        patient_id=decision.screening.course.patient_id,
        obj=decision,
    )
    context = _decision_context(decision)
    course = decision.screening.course
    context.update(
        review_form=review_form,
        review_form_item=getattr(review_form, "item_pk", None),
        can_review=request.user.role == Role.PRESCRIBER,
        is_latest=decision.screening.decisions.latest().pk == decision.pk,
        can_enroll=course.phase == phases.SCREENING
        and decision.screening.status == Screening.Status.ELIGIBLE,
        enroll_error=enroll_error,
    )
    if context["can_enroll"]:
        context["needs_primary"] = patient_selectors.needs_primary_therapist(course.patient_id)
    return render(request, "screening/decision.html", context, status=status)


@role_required(Role.PRESCRIBER)
@require_POST
def review(request, item_pk):
    item = get_object_or_404(ReviewItem.objects.select_related("decision"), pk=item_pk)
    _decision(request, item.decision_id, Access.CHANGE_RECORD)
    form = ReviewForm(request.POST)
    form.item_pk = item.pk
    if form.is_valid():
        try:
            intake.review_item_decide(
                by=request.user,
                item=item,
                cleared=form.cleaned_data["decision"] == "clear",
                reason=form.cleaned_data["reason"],
            )
        except ScreeningError as error:
            form.add_error(error.field if error.field in form.fields else None, error.message)
        else:
            return redirect("screening_decision", decision_pk=item.decision_id)
    return decision_detail(request, item.decision_id, review_form=form, status=400)


@role_required(*SCREENERS)
@require_POST
def enroll(request, decision_pk):
    decision = _decision(request, decision_pk, Access.CHANGE_RECORD)
    try:
        course_change_phase(
            by=request.user,
            course=decision.screening.course,
            to_phase=phases.PREPARATION,
            reason=f"Enrolled on screening decision {decision.pk} ({decision.policy_label}).",
        )
    except PatientsError as error:
        return decision_detail(request, decision_pk, enroll_error=error.message, status=400)
    messages.success(request, "Enrolled: the course is now in preparation.")
    patient = decision.screening.course.patient
    if may(request.user, Access.VIEW_RECORD, patient):
        return redirect("chart", patient_pk=patient.pk)
    # Enrolled patients leave intake's view: the care team holds the chart from now on.
    return redirect("intake_queue")


@role_required(*SCREENERS)
def decision_pdf(request, decision_pk):
    decision = _decision(request, decision_pk)
    record(
        user=request.user,
        action=Action.PRINT,
        patient_id=decision.screening.course.patient_id,
        obj=decision,
    )
    pdf = render_pdf("screening/summary_pdf.html", _decision_context(decision))
    return pdf_response(pdf, filename=f"screening-summary-{decision.pk}.pdf")
