"""REMS pages: the queue of monitoring forms due, one form (filled from the chart, the missing
fields asked on one page, saved or submitted with the REMS reference), its PDF, and the chart's
REMS section with the patient's enrollment. Thin: parse, call one service, render."""

from django.contrib import messages
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from audit.models import Action
from audit.services import record
from kap_clinic.pdf import pdf_response, render_pdf
from patients.access import Access, may, require
from sessions.errors import SessionsError
from sessions.models import Dose, RemsEnrollment, RemsMonitoringForm
from sessions.pages import clinicians_only, patient_for, show_refusal
from sessions.rems import rules, selectors, services
from sessions.rems.forms import EnrollmentEndForm, EnrollmentForm, MonitoringForm


@never_cache
@clinicians_only
def rems_queue(request):
    due = selectors.forms_due(request.user)
    record(
        user=request.user,
        action=Action.LIST,
        detail={"patients": sorted({str(d.course.patient_id) for d in due})},
    )
    return render(request, "sessions/rems/queue.html", {"due": due, "due_days": rules.DUE_DAYS})


def _dose(request, dose_pk, action=Access.VIEW_RECORD) -> Dose:
    try:
        dose = selectors.form_dose(dose_pk)
    except Dose.DoesNotExist as error:
        raise Http404("No such esketamine session") from error
    require(request.user, action, dose.course.patient, dose)
    return dose


def _stored(dose) -> RemsMonitoringForm | None:
    return RemsMonitoringForm.objects.select_related("submitted_by").filter(dose=dose).first()


def _form_page(request, dose, stored, form=None, status=200):
    missing = selectors.missing_fields(dose)
    submitted = stored is not None and stored.status == RemsMonitoringForm.Status.SUBMITTED
    if form is None and not submitted:
        form = MonitoringForm(missing=missing, initial=MonitoringForm.initial_from(stored))
    day = timezone.localdate(dose.started_at)
    return render(
        request,
        "sessions/rems/form.html",
        {
            "dose": dose,
            "patient": dose.course.patient,
            "stored": stored,
            "submitted": submitted,
            "sections": stored.filed["sections"]
            if submitted
            else selectors.form_sections(dose, stored),
            "form": form,
            "due_on": rules.due_on(day),
            "days_left": rules.days_left(day, timezone.localdate()),
            "finished": dose.status in Dose.FINISHED,
        },
        status=status,
    )


@never_cache
@clinicians_only
def rems_form(request, dose_pk):
    dose = _dose(request, dose_pk)
    stored = _stored(dose)
    if request.method == "GET":
        record(user=request.user, action=Action.VIEW, patient_id=dose.course.patient_id, obj=dose)
        return _form_page(request, dose, stored)
    dose = _dose(request, dose_pk, Access.CHANGE_RECORD)
    form = MonitoringForm(request.POST, missing=selectors.missing_fields(dose))
    if form.is_valid():
        try:
            if "submit" in request.POST:
                services.rems_form_submit(
                    by=request.user,
                    dose=dose,
                    answers=form.answers(),
                    reference=form.cleaned_data["reference"],
                )
                messages.success(request, "The REMS monitoring form is submitted.")
            else:
                services.rems_form_save(by=request.user, dose=dose, answers=form.answers())
                messages.success(request, "Saved.")
        except services.FormIncomplete as error:
            for field, message in error.problems.items():
                form.add_error(field if field in form.fields else None, message)
        except SessionsError as error:
            show_refusal(form, error)
        else:
            return redirect("rems_form", dose_pk=dose.pk)
    return _form_page(request, dose, stored, form=form, status=400)


@never_cache
@clinicians_only
def rems_form_pdf(request, dose_pk):
    dose = _dose(request, dose_pk)
    stored = _stored(dose)
    record(
        user=request.user,
        action=Action.PRINT,
        patient_id=dose.course.patient_id,
        obj=dose,
        detail={"document": "rems form"},  # the dose's own print is its session record
    )
    submitted = stored is not None and stored.status == RemsMonitoringForm.Status.SUBMITTED
    context = {
        "dose": dose,
        "stored": stored,
        "submitted": submitted,
        "sections": stored.filed["sections"]
        if submitted
        else selectors.form_sections(dose, stored),
        "printed_at": timezone.now(),
    }
    return pdf_response(
        render_pdf("sessions/rems/form_pdf.html", context),
        filename=f"rems-monitoring-form-{dose.pk}.pdf",
    )


# --- The chart's REMS section ------------------------------------------------------------------


def _section(request, patient, *, form=None, end_form=None, status=200):
    enrollments = list(patient.rems_enrollments.select_related("recorded_by"))
    current = next((e for e in enrollments if e.ended_on is None), None)
    sessions = list(
        Dose.objects.filter(course__patient=patient, drug=Dose.Drug.ESKETAMINE)
        .exclude(started_at=None)
        .select_related("rems_form")
        .order_by("-started_at")[:10]
    )
    return render(
        request,
        "sessions/rems/_chart_section.html",
        {
            "patient": patient,
            "current": current,
            "enrollments": enrollments,
            "sessions": sessions,
            "may_change": may(request.user, Access.CHANGE_RECORD, patient),
            "form": form or EnrollmentForm(),
            "end_form": end_form or EnrollmentEndForm(),
        },
        status=status,
    )


@never_cache
@clinicians_only
def chart_section(request, patient_pk):
    patient = patient_for(request, patient_pk)
    record(user=request.user, action=Action.VIEW, patient_id=patient.pk, detail={"rems": True})
    return _section(request, patient)


@never_cache
@clinicians_only
@require_POST
def enroll(request, patient_pk):
    patient = patient_for(request, patient_pk, Access.CHANGE_RECORD)
    form = EnrollmentForm(request.POST)
    if form.is_valid():
        try:
            services.rems_enroll(by=request.user, patient=patient, **form.cleaned_data)
        except SessionsError as error:
            show_refusal(form, error)
        else:
            return _section(request, patient)
    return _section(request, patient, form=form, status=400)


@never_cache
@clinicians_only
@require_POST
def enrollment_end(request, enrollment_pk):
    enrollment = get_object_or_404(
        RemsEnrollment.objects.select_related("patient"), pk=enrollment_pk
    )
    require(request.user, Access.CHANGE_RECORD, enrollment.patient, enrollment)
    form = EnrollmentEndForm(request.POST)
    if form.is_valid():
        try:
            services.rems_enrollment_end(
                by=request.user, enrollment=enrollment, reason=form.cleaned_data["reason"]
            )
        except SessionsError as error:
            show_refusal(form, error)
        else:
            return _section(request, enrollment.patient)
    return _section(request, enrollment.patient, end_form=form, status=400)
