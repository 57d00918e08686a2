"""The administrator's audit page and its CSV (issue 17).

It spans apps (the audit log, the staff accounts, the patient named by a filter), so it lives in
the project package. Rows name no patient: a patient is an opaque reference that filters the page
to that patient; only a page filtered to one patient names them, through the access policy (the
administrator may see every patient's demographics, never a clinical record), and that listing is
audited against the patient, so it appears in the patient's own "Who has seen my record".
"""

import csv
from dataclasses import dataclass
from datetime import datetime
from urllib.parse import urlencode

from django.http import HttpResponse, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods

from accounts.decorators import role_required
from accounts.roles import Role
from audit import selectors, words
from audit.forms import AuditFilterForm, CursorForm, FindByMrnForm
from audit.models import Action, AuditEvent
from audit.services import record
from patients.access import Access, patients_for

admin_only = role_required(Role.ADMIN)


def role_label(code: str) -> str:
    return Role(code).label if code in Role.values else ""


@dataclass
class Row:
    event: AuditEvent
    who: str
    role: str
    action: str
    what: str
    item: str  # the object's number, unless it is the patient (the Patient column says so)
    patient_ref: str

    @property
    def at(self) -> datetime:
        return self.event.at


def _who(event: AuditEvent) -> str:
    """The staff member's name; a patient's portal account is never named here (its name is the
    patient's: the row's patient reference says whose record it was)."""
    if event.user is None:
        return "No one signed in"
    if event.role == Role.PATIENT:
        return "The patient, in the portal"
    return event.user.get_full_name() or event.user.username


def patient_ref(patient_id) -> str:
    """The first block of a patient's UUID: opaque, short enough to read and compare."""
    return str(patient_id).split("-", 1)[0] if patient_id else ""


def row(event: AuditEvent) -> Row:
    return Row(
        event=event,
        who=_who(event),
        role=role_label(event.role),
        action=words.action_word(event.action),
        what=words.thing(event.action, event.object_type, event.detail).admin,
        item="" if event.object_id == str(event.patient_id) else event.object_id,
        patient_ref=patient_ref(event.patient_id),
    )


def _query(filters: selectors.Filters) -> dict:
    """The filters as the page's links carry them (read back through the form, never echoed)."""
    values = {
        "patient": filters.patient_id or "",
        "user": filters.user_id or "",
        "action": filters.action,
        "start": filters.start.isoformat() if filters.start else "",
        "end": filters.end.isoformat() if filters.end else "",
    }
    return {name: value for name, value in values.items() if value}


def _listing(request, form, find_form, status=200):
    filters = form.filters()
    cursor = CursorForm(request.GET).cursor()
    page = selectors.keyset_page(selectors.events(filters), **cursor)
    patient = None
    if filters.patient_id:  # named only when filtered to this one patient, by the policy
        visible = patients_for(request.user, Access.VIEW_DEMOGRAPHICS)
        patient = visible.filter(pk=filters.patient_id).first()
    record(
        user=request.user,
        action=Action.VIEW,
        patient_id=filters.patient_id,
        detail={"audit_log": {**filters.as_detail(), **cursor, "rows": len(page.rows)}},
    )
    query = _query(filters)
    return render(
        request,
        "audit/events.html",
        {
            "form": form,
            "find_form": find_form,
            "filters": filters,
            "patient": patient,
            "patient_ref": patient_ref(filters.patient_id),
            "page": page,
            "rows": [row(event) for event in page.rows],
            "query": urlencode(query),
            "unfiltered_patient": urlencode({k: v for k, v in query.items() if k != "patient"}),
        },
        status=status,
    )


@admin_only
@require_http_methods(["GET", "POST"])
def audit_events(request):
    """Audit events, newest first, filtered by patient, staff member, action and clinic days.
    A record number is POSTed to "Find" and answered with a redirect to the patient's UUID."""
    if request.method == "POST":
        find_form = FindByMrnForm(request.POST)
        if find_form.is_valid():
            visible = patients_for(request.user, Access.VIEW_DEMOGRAPHICS)
            found = visible.filter(mrn=find_form.cleaned_data["mrn"]).first()
            record(
                user=request.user,
                action=Action.SEARCH,
                patient_id=found.pk if found else None,
                detail={"audit_log": "find", "found": found is not None},  # never the MRN
            )
            if found is not None:
                return redirect(f"{reverse('audit_events')}?{urlencode({'patient': found.pk})}")
            find_form.add_error("mrn", "No patient has that record number.")
        return _listing(request, AuditFilterForm({}), find_form, status=400)
    form = AuditFilterForm(request.GET)
    return _listing(request, form, FindByMrnForm(), status=400 if form.errors else 200)


class _Echo:
    def write(self, value):
        return value


def _cell(value) -> str:
    """A cell a spreadsheet will not run as a formula."""
    text = str(value)
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


CSV_HEADER = [
    "Event",
    "When (clinic time)",
    "Staff member",
    "User name",
    "Role",
    "Action",
    "What",
    "Item number",
    "Patient reference",
    "Address",
]


def _csv_line(event: AuditEvent) -> list[str]:
    shown = row(event)
    when = timezone.localtime(event.at).strftime("%Y-%m-%d %H:%M:%S")
    return [
        _cell(value)
        for value in (
            event.pk,
            when,
            shown.who,
            event.user.username if event.user and event.role != Role.PATIENT else "",
            shown.role,
            shown.action,
            shown.what,
            event.object_id,
            event.patient_id or "",
            event.ip or "",
        )
    ]


@admin_only
@require_GET
def audit_export(request):
    """The filtered events as CSV, streamed. The export is itself audited, with its filters and
    the newest event it holds (the CSV holds the filtered events up to that one: reproducible)."""
    form = AuditFilterForm(request.GET)
    if not form.is_valid():
        return HttpResponse("Correct the filters on the audit page, then export.", status=400)
    filters = form.filters()
    rows = selectors.events(filters)
    newest = rows.values_list("pk", flat=True).first()
    record(
        user=request.user,
        action=Action.EXPORT,
        patient_id=filters.patient_id,
        detail={"audit_log": {**filters.as_detail(), "through": newest}},
    )
    writer = csv.writer(_Echo())

    def lines():
        yield writer.writerow(CSV_HEADER)
        if newest is None:
            return
        for event in rows.filter(pk__lte=newest).iterator(chunk_size=2000):
            yield writer.writerow(_csv_line(event))

    response = StreamingHttpResponse(lines(), content_type="text/csv; charset=utf-8")
    name = f"audit-log-{timezone.localdate():%Y%m%d}.csv"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    response["Cache-Control"] = "no-store"
    return response
