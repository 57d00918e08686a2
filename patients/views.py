from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_http_methods, require_POST

from accounts.decorators import role_required, staff_required
from accounts.roles import CLINICIANS
from audit.models import Action
from audit.services import record
from patients import break_glass, phases, selectors, services
from patients.access import Access, may, patients_for, require
from patients.errors import PatientsError
from patients.forms import (
    AlertResolveForm,
    BreakGlassForm,
    CareTeamForm,
    PatientForm,
    PatientSearchForm,
    PhaseChangeForm,
)
from patients.models import Alert, Patient, TreatmentCourse

PAGE_SIZE = 25


@staff_required
@require_http_methods(["GET", "POST"])
def patient_list(request):
    """The patients this user may see. Search terms come in a POST body, never in the URL."""
    form = PatientSearchForm(request.POST if request.method == "POST" else None)
    term, page_number = "", request.GET.get("page") or 1
    if form.is_bound and form.is_valid():
        term = form.cleaned_data["q"]
        page_number = form.cleaned_data["page"] or 1
    page = selectors.patient_page(
        patients_for(request.user, Access.VIEW_DEMOGRAPHICS), term, page_number, PAGE_SIZE
    )
    record(
        user=request.user,
        action=Action.SEARCH if term else Action.LIST,
        detail={"page": page.number, "patients": [str(p.pk) for p in page]},
    )
    template = "patients/_results.html" if request.headers.get("HX-Request") else None
    return render(
        request,
        template or "patients/list.html",
        {
            "form": form if form.is_bound else PatientSearchForm(),
            "page": page,
            "term": term,
            "may_register": request.user.role in services.REGISTRARS,
        },
    )


@role_required(*services.REGISTRARS)
@require_http_methods(["GET", "POST"])
def patient_register(request):
    form = PatientForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            patient = services.patient_register(by=request.user, **form.cleaned_data)
        except PatientsError as error:
            form.add_error(error.field, error.message)
        else:
            messages.success(request, f"Registered {patient.display_name} ({patient.mrn}).")
            return redirect("chart", patient_pk=patient.pk)
    status = 400 if form.is_bound and form.errors else 200
    return render(request, "patients/register.html", {"form": form}, status=status)


@staff_required
@require_http_methods(["GET", "POST"])
def patient_edit(request, patient_pk):
    patient = get_object_or_404(
        patients_for(request.user, Access.CHANGE_DEMOGRAPHICS), pk=patient_pk
    )
    form = PatientForm(request.POST or None, instance=patient)
    if request.method == "POST" and form.is_valid():
        try:
            services.patient_update(by=request.user, patient=patient, **form.cleaned_data)
        except PatientsError as error:
            form.add_error(error.field, error.message)
        else:
            messages.success(request, "Details saved.")
            return redirect("chart", patient_pk=patient.pk)
    else:
        record(user=request.user, action=Action.VIEW, patient_id=patient.pk, obj=patient)
    status = 400 if form.is_bound and form.errors else 200
    return render(request, "patients/edit.html", {"form": form, "patient": patient}, status=status)


@staff_required
@require_http_methods(["GET", "POST"])
def course_phase(request, patient_pk, course_pk):
    course = get_object_or_404(
        TreatmentCourse.objects.select_related("patient"), pk=course_pk, patient_id=patient_pk
    )
    if not may(request.user, Access.CHANGE_RECORD, course.patient):
        record(user=request.user, action=Action.DENIED, patient_id=course.patient_id, obj=course)
        raise PermissionDenied
    form = PhaseChangeForm(request.POST or None, current_phase=course.phase)
    if request.method == "POST" and form.is_valid():
        try:
            services.course_change_phase(
                by=request.user,
                course=course,
                to_phase=form.cleaned_data["to_phase"],
                reason=form.cleaned_data["reason"],
            )
        except PatientsError as error:
            form.add_error(error.field, error.message)
        else:
            messages.success(request, "Course phase changed.")
            return redirect("chart", patient_pk=course.patient_id)
    status = 400 if form.is_bound and form.errors else 200
    context = {"form": form, "course": course}
    if status == 400 and form.cleaned_data.get("to_phase") == phases.PREPARATION:
        # The refusal links to the care-team form when that is what it waits for.
        context["needs_primary"] = selectors.needs_primary_therapist(course.patient_id)
    return render(request, "patients/phase_change.html", context, status=status)


@staff_required
@require_POST
def care_team_add(request, patient_pk):
    patient = get_object_or_404(Patient, pk=patient_pk)
    require(request.user, Access.VIEW_RECORD, patient, patient)
    form = CareTeamForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Choose a clinician to add to the care team.")
    else:
        try:
            services.care_team_add(by=request.user, patient=patient, **form.cleaned_data)
        except PatientsError as error:
            messages.error(request, error.message)
        else:
            messages.success(request, f"{form.cleaned_data['clinician']} is on the care team.")
    return redirect("chart", patient_pk=patient.pk)


def _alert_for(request, alert_pk) -> Alert:
    alert = get_object_or_404(Alert.objects.select_related("patient", "recipient"), pk=alert_pk)
    if not services.may_act_on_alert(request.user, alert):
        record(user=request.user, action=Action.DENIED, patient_id=alert.patient_id, obj=alert)
        raise PermissionDenied
    return alert


@staff_required
def alert_detail(request, alert_pk, form=None, status=200):
    alert = _alert_for(request, alert_pk)
    record(user=request.user, action=Action.VIEW, patient_id=alert.patient_id, obj=alert)
    return render(
        request,
        "patients/alert.html",
        {"alert": alert, "form": form or AlertResolveForm()},
        status=status,
    )


@staff_required
@require_POST
def alert_acknowledge(request, alert_pk):
    alert = _alert_for(request, alert_pk)
    try:
        services.alert_acknowledge(by=request.user, alert=alert)
    except PatientsError as error:
        messages.error(request, error.message)
    return redirect("alert", alert_pk=alert.pk)


@staff_required
@require_POST
def alert_resolve(request, alert_pk):
    alert = _alert_for(request, alert_pk)
    form = AlertResolveForm(request.POST)
    if form.is_valid():
        try:
            services.alert_resolve(by=request.user, alert=alert, note=form.cleaned_data["note"])
        except PatientsError as error:
            form.add_error("note" if error.field == "note" else None, error.message)
        else:
            messages.success(request, "Alert resolved.")
            return redirect("home")
    return alert_detail(request, alert_pk, form=form, status=400)


@role_required(*CLINICIANS)
def emergency_access(request):
    """Break-glass: a clinician outside the care team opens a chart for 4 hours, with a reason."""
    form = BreakGlassForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            grant = break_glass.break_glass_open(
                user=request.user, mrn=form.cleaned_data["mrn"], reason=form.cleaned_data["reason"]
            )
        except PatientsError as error:
            form.add_error(error.field if error.field in form.fields else None, error.message)
        else:
            break_glass.remember(request.session, grant)
            return redirect("chart", patient_pk=grant.patient_id)
    status = 400 if form.errors else 200
    return render(request, "patients/emergency_access.html", {"form": form}, status=status)
