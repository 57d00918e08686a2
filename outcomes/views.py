import csv
import io

from django import forms
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods

from accounts.decorators import role_required
from accounts.roles import CLINICIANS, Role
from audit.models import Action
from audit.services import record
from integration.followups import selectors as followups
from kap_clinic.pdf import pdf_response, render_pdf
from outcomes import selectors, services
from outcomes.errors import OutcomesError
from outcomes.forms import DashboardFilterForm, SummaryForm
from outcomes.models import CourseSummary
from outcomes.tables import tables
from patients.access import Access, may, require
from patients.models import TreatmentCourse
from sessions.dosing import selectors as dosing

DASHBOARD_ROLES = (Role.PRESCRIBER, Role.ADMIN)


# --- The practice dashboard -----------------------------------------------------------------------


def _figures(request) -> tuple[DashboardFilterForm, selectors.Filters, list]:
    form = DashboardFilterForm(request.GET)
    if form.is_valid():
        data = form.cleaned_data
    else:  # a refused filter: the default range, the reason shown, 400
        fallback = DashboardFilterForm({})
        fallback.is_valid()
        data = fallback.cleaned_data
    clinician = data.get("clinician")
    filters = selectors.Filters(
        start=data["start"],
        end=data["end"],
        clinician_id=clinician.pk if clinician else None,
        drug=data.get("drug") or "",
    )
    return form, filters, tables(selectors.dashboard(filters))


def _filter_detail(filters) -> dict:
    return {
        "start": filters.start.isoformat(),
        "end": filters.end.isoformat(),
        "clinician": filters.clinician_id,
        "drug": filters.drug,
    }


@role_required(*DASHBOARD_ROLES)
@require_GET
def dashboard(request):
    form, filters, shown = _figures(request)
    record(user=request.user, action=Action.VIEW, detail={"dashboard": _filter_detail(filters)})
    if not form.errors:  # show the range in effect, the defaults filled in
        form = DashboardFilterForm(
            {**request.GET.dict(), "start": filters.start, "end": filters.end}
        )
    return render(
        request,
        "outcomes/dashboard.html",
        {"form": form, "filters": filters, "tables": shown, "query": request.GET.urlencode()},
        status=400 if form.errors else 200,
    )


class ExportForm(forms.Form):
    table = forms.SlugField(max_length=40)


@role_required(*DASHBOARD_ROLES)
@require_GET
def dashboard_csv(request):
    which = ExportForm(request.GET)
    form, filters, shown = _figures(request)
    wanted = which.cleaned_data["table"] if which.is_valid() else None
    table = next((t for t in shown if t.slug == wanted), None)
    if table is None or form.errors:
        return HttpResponse("Choose a table of the dashboard to export.", status=400)
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(table.headers)
    writer.writerows(table.rows)
    record(
        user=request.user,
        action=Action.EXPORT,
        detail={"dashboard": _filter_detail(filters), "table": table.slug},
    )
    response = HttpResponse(buffer.getvalue(), content_type="text/csv; charset=utf-8")
    name = f"outcomes-{table.slug}-{filters.start:%Y%m%d}-{filters.end:%Y%m%d}.csv"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    response["Cache-Control"] = "no-store"
    return response


# --- The course summary ---------------------------------------------------------------------------


def _course(request, course_pk, action=Access.VIEW_RECORD) -> TreatmentCourse:
    course = get_object_or_404(TreatmentCourse.objects.select_related("patient"), pk=course_pk)
    require(request.user, action, course.patient, course)
    return course


def summary_context(course: TreatmentCourse) -> dict:
    doses = list(reversed(dosing.for_chart([course.pk])))
    listed = followups.for_chart([course.pk])
    held = [f for f in listed if f.status in ("held", "integrated")]
    return {
        "course": course,
        "patient": course.patient,
        "outcomes": selectors.course_outcomes(course, doses),
        "doses": doses,
        "first_dose": doses[0] if doses else None,
        "last_dose": doses[-1] if doses else None,
        "course_followups": list(reversed(listed)),
        "followups_held": len(held),
        "summary": CourseSummary.objects.filter(course=course)
        .select_related("signed_by", "written_by")
        .first(),
    }


@role_required(*CLINICIANS)
@require_http_methods(["GET", "POST"])
def course_summary(request, course_pk):
    course = _course(request, course_pk)
    context = summary_context(course)
    summary = context["summary"]
    may_write = may(request.user, Access.CHANGE_RECORD, course.patient)
    form = SummaryForm(initial={"text": summary.text if summary else ""})
    status = 200
    if request.method == "POST" and may_write:
        form = SummaryForm(request.POST)
        try:
            if "sign" in request.POST:
                services.summary_sign(by=request.user, course_pk=course.pk)
                return redirect("course_summary", course_pk=course.pk)
            if form.is_valid():
                services.summary_save(
                    by=request.user, course_pk=course.pk, text=form.cleaned_data["text"]
                )
                return redirect("course_summary", course_pk=course.pk)
        except OutcomesError as error:
            form.add_error(error.field if error.field in form.fields else None, error.message)
        status = 400
    elif request.method == "POST":
        status = 403
    record(user=request.user, action=Action.VIEW, patient_id=course.patient_id, obj=course)
    return render(
        request,
        "outcomes/summary.html",
        {**context, "form": form if may_write and not (summary and summary.signed) else None},
        status=status,
    )


@role_required(*CLINICIANS)
@require_GET
def course_summary_pdf(request, course_pk):
    course = _course(request, course_pk)
    context = {**summary_context(course), "printed_at": timezone.now()}
    data = render_pdf("outcomes/summary_pdf.html", context)
    record(
        user=request.user,
        action=Action.PRINT,
        patient_id=course.patient_id,
        obj=course,
        detail={"document": "course summary"},
    )
    return pdf_response(data, filename=f"course-summary-{course.pk}.pdf")
