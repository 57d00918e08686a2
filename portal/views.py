"""The patient portal's pages, and the two staff pieces it adds (the chart's invitation section,
the follow-up's shared journal). Thin: parse, call one service or selector, audit, render.

The patient is always `request.user`'s own record: no portal URL names a patient, and an object
id that is not the patient's own answers 404 (with a denied audit event), exactly like one that
does not exist.
"""

import re
from functools import partial

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth.decorators import login_not_required
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods

from accounts import lockout
from accounts.decorators import role_required, staff_required
from accounts.roles import CLINICIANS, Role
from audit import selectors as audit_selectors
from audit import words
from audit.forms import CursorForm
from audit.models import Action
from audit.services import record
from integration.models import FollowUp
from kap_clinic.pdf import pdf_response, render_pdf
from notifications import services as notifications
from notifications.errors import NotificationsError
from outcomes import selectors as outcomes
from patients.access import Access, may, require
from patients.models import Patient
from portal import ics, rules, selectors, services
from portal.errors import PortalError
from portal.forms import AcceptForm, JournalEntryForm, MessagesForm
from screening.answering import answer
from screening.errors import ScreeningError
from sessions.consent import services as consent
from sessions.consent.forms import ConsentSignForm
from sessions.errors import SessionsError
from sessions.questionnaires import services as questionnaires

patient_only = role_required(Role.PATIENT)
PORTAL_CODES = ("phq9", "gad7", "cssrs")
ALERT_SOURCE = "Portal questionnaire"


def _clinic() -> dict:
    """The clinic's phone, as shown and as dialled, for the help bar on every portal page."""
    return {
        "clinic_phone": settings.CLINIC_PHONE,
        "clinic_tel": re.sub(r"[^\d+]", "", settings.CLINIC_PHONE),
    }


def _patient(request) -> Patient:
    patient = selectors.own_patient(request.user)
    if patient is None:
        raise Http404("No patient record is linked to this account")
    return patient


def _refused(request, patient: Patient, what: str):
    """An id that is not the patient's own: the same 404 as one that does not exist."""
    record(user=request.user, action=Action.DENIED, patient_id=patient.pk, detail={"what": what})
    raise Http404("Not found")


def _page(request, template: str, patient: Patient, context: dict, status: int = 200):
    context = {
        "patient": patient,
        **_clinic(),
        "section": template.rsplit("/", 1)[-1].removesuffix(".html"),
        **context,
    }
    return render(request, template, context, status=status)


# --- Home and appointments ------------------------------------------------------------------------


@patient_only
@require_GET
def home(request):
    patient = selectors.own_patient(request.user)
    if patient is None:  # an account the clinic has not linked to a record (yet)
        return render(request, "portal/unlinked.html", _clinic())
    state = consent.consent_state(patient)
    page = selectors.home(patient, state.problem)
    record(
        user=request.user,
        action=Action.VIEW,
        patient_id=patient.pk,
        obj=patient,
        detail={"appointments": len(page.later) + len(page.past) + bool(page.next)},
    )
    return _page(request, "portal/home.html", patient, {"page": page, "consent": state})


def _own_appointment(request, patient, appointment_pk):
    appointment = selectors.own_appointment(patient, appointment_pk)
    if appointment is None:
        _refused(request, patient, "appointment")
    return appointment


@patient_only
@require_GET
def appointment(request, appointment_pk):
    patient = _patient(request)
    found = _own_appointment(request, patient, appointment_pk)
    record(user=request.user, action=Action.VIEW, patient_id=patient.pk, obj=found)
    upcoming = found.end >= timezone.now() and found.status == "booked"
    return _page(
        request,
        "portal/appointment.html",
        patient,
        {"before": selectors.before(found) if upcoming else None, "appointment": found},
    )


@patient_only
@require_GET
def appointment_ics(request, appointment_pk):
    patient = _patient(request)
    found = _own_appointment(request, patient, appointment_pk)
    record(
        user=request.user,
        action=Action.EXPORT,
        patient_id=patient.pk,
        obj=found,
        detail={"format": "ics"},
    )
    response = HttpResponse(ics.appointment_ical(found), content_type="text/calendar")
    response["Content-Disposition"] = f'attachment; filename="appointment-{found.pk}.ics"'
    response["Cache-Control"] = "no-store"
    return response


# --- Questionnaires -------------------------------------------------------------------------------


@patient_only
@require_GET
def questionnaire_list(request):
    patient = _patient(request)
    page = selectors.home(patient, None)
    taken = list(questionnaires.history(patient))
    for administration in taken:
        administration.short_name = questionnaires.SHORT_NAMES[administration.instrument]
    record(
        user=request.user,
        action=Action.LIST,
        patient_id=patient.pk,
        detail={"questionnaires": len(taken)},
    )
    return _page(
        request,
        "portal/questionnaires.html",
        patient,
        {
            "due": page.due,
            "taken": taken,
            "codes": [(code, questionnaires.title(code)) for code in PORTAL_CODES],
        },
    )


@patient_only
@require_http_methods(["GET", "POST"])
def questionnaire(request, code):
    patient = _patient(request)
    if code not in PORTAL_CODES:
        raise Http404("No such questionnaire")
    current = questionnaires.in_progress(patient, code)  # answers saved part-way, anywhere

    def save(**answers):
        return questionnaires.questionnaire_save(
            by=request.user, patient=patient, code=code, source=ALERT_SOURCE, **answers
        )

    form, saved = answer(request, code, current, save, (SessionsError, ScreeningError))
    status = 200
    if saved:
        if saved[1]:
            return redirect("portal:crisis")
        messages.success(
            request,
            "Thank you: your answers are saved for your care team."
            if "complete" in request.POST
            else "Your answers so far are saved: you can finish later.",
        )
        return redirect("portal:questionnaires")
    if request.method == "POST":
        status = 400
    else:
        record(
            user=request.user,
            action=Action.VIEW,
            patient_id=patient.pk,
            obj=current,
            detail={"instrument": code},
        )
    return _page(request, "portal/questionnaire.html", patient, {"form": form}, status=status)


@patient_only
@require_GET
def crisis(request):
    """Shown at once when answers raised a safety alert: the crisis line first."""
    patient = _patient(request)
    record(user=request.user, action=Action.VIEW, patient_id=patient.pk, detail={"crisis": True})
    return _page(request, "portal/crisis.html", patient, {})


# --- Consent --------------------------------------------------------------------------------------


@patient_only
@require_http_methods(["GET", "POST"])
def consent_page(request):
    patient = _patient(request)
    state = consent.consent_state(patient)
    version = state.current
    form = None
    status = 200
    if version is not None and state.problem is not None:
        form = ConsentSignForm(
            request.POST or None,
            initial={"version": version.version, "shown_sha256": version.text_sha256},
        )
        if request.method == "POST":
            if form.is_valid():
                try:
                    consent.consent_sign(
                        by=request.user,
                        patient=patient,
                        version=version,
                        typed_name=form.cleaned_data["typed_name"],
                        shown_sha256=form.cleaned_data["shown_sha256"],
                        understood=form.cleaned_data["understood"],
                    )
                except SessionsError as error:
                    field = error.field if error.field in form.fields else None
                    form.add_error(field, error.message)
                else:
                    messages.success(request, "Thank you: your consent is signed.")
                    return redirect("portal:consent")
            status = 400
    elif request.method == "POST":
        messages.info(request, "There is nothing to sign now.")
        return redirect("portal:consent")
    signatures = list(
        patient.consent_signatures.select_related("version").defer("pdf").order_by("-signed_at")
    )
    record(
        user=request.user,
        action=Action.VIEW,
        patient_id=patient.pk,
        obj=version,
        detail={"signatures": len(signatures)},
    )
    return _page(
        request,
        "portal/consent.html",
        patient,
        {"state": state, "version": version, "form": form, "signatures": signatures},
        status=status,
    )


@patient_only
@require_GET
def consent_pdf(request, signature_pk):
    patient = _patient(request)
    signature = patient.consent_signatures.defer("pdf").filter(pk=signature_pk).first()
    if signature is None:
        _refused(request, patient, "consent signature")
    try:
        data = consent.signature_pdf(signature)
    except SessionsError as error:
        raise Http404(error.message) from error
    record(user=request.user, action=Action.PRINT, patient_id=patient.pk, obj=signature)
    return pdf_response(data, filename=f"consent-{signature.pk}.pdf")


# --- Journal --------------------------------------------------------------------------------------


@patient_only
@require_GET
def journal(request):
    patient = _patient(request)
    services.ensure_assignments(patient)
    groups = selectors.journal(patient)
    record(
        user=request.user,
        action=Action.LIST,
        patient_id=patient.pk,
        detail={"prompts": sum(len(g.assignments) for g in groups)},
    )
    return _page(request, "portal/journal.html", patient, {"groups": groups})


def _journal_form(request, patient, *, obj, save, template, context, initial=None):
    """Write or rewrite an entry: `save(text=…, shared=…)` calls the service."""
    form = JournalEntryForm(request.POST or None, initial=initial)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                save(text=form.cleaned_data["text"], shared=form.shared)
            except PortalError as error:
                form.add_error(error.field if error.field in form.fields else None, error.message)
            else:
                messages.success(
                    request,
                    "Saved and shared with your care team."
                    if form.shared
                    else "Saved: only you can read it.",
                )
                return redirect("portal:journal")
        status = 400
    else:
        record(user=request.user, action=Action.VIEW, patient_id=patient.pk, obj=obj)
    return _page(request, template, patient, {**context, "form": form}, status=status)


@patient_only
@require_http_methods(["GET", "POST"])
def journal_write(request, assignment_pk):
    patient = _patient(request)
    assignment = selectors.own_assignment(patient, assignment_pk)
    if assignment is None:
        _refused(request, patient, "journal prompt")
    note = selectors.signed_note(assignment.dose)
    return _journal_form(
        request,
        patient,
        obj=assignment,
        save=partial(
            services.journal_entry_write, by=request.user, patient=patient, assignment=assignment
        ),
        template="portal/journal_write.html",
        context={"assignment": assignment, "homework": note.homework if note else ""},
    )


@patient_only
@require_http_methods(["GET", "POST"])
def journal_entry(request, entry_pk):
    patient = _patient(request)
    entry = selectors.own_entry(patient, entry_pk)
    if entry is None:
        _refused(request, patient, "journal entry")
    return _journal_form(
        request,
        patient,
        obj=entry,
        save=partial(services.journal_entry_update, by=request.user, patient=patient, entry=entry),
        template="portal/journal_entry.html",
        context={"entry": entry, "assignment": entry.assignment},
        initial={"text": entry.text, "sharing": "shared" if entry.shared else "private"},
    )


# --- Progress and my record -----------------------------------------------------------------------


def _progress(patient: Patient) -> dict:
    points = selectors.score_points(patient)
    course = outcomes.patient_course(patient.pk)
    # The one scores chart (outcomes.charts), drawn at a phone's width for the portal.
    chart = outcomes.course_outcomes(course, width=360).svg if course else ""
    return {
        "chart": chart,
        "readings": [(title, rules.reading(title, ps)) for title, ps in points.items()],
        "points": points,
    }


@patient_only
@require_GET
def progress(request):
    patient = _patient(request)
    context = _progress(patient)
    record(
        user=request.user,
        action=Action.VIEW,
        patient_id=patient.pk,
        detail={"scores": sum(len(p) for p in context["points"].values())},
    )
    return _page(request, "portal/progress.html", patient, context)


@patient_only
@require_GET
def my_record(request):
    patient = _patient(request)
    record(user=request.user, action=Action.VIEW, patient_id=patient.pk, detail={"record": True})
    return _page(request, "portal/record.html", patient, {})


ACCESS_LOG_PAGE = 20


@patient_only
@require_GET
def access_log(request):
    """Who has seen my record: each access by clinic staff, newest first (the HIPAA accounting
    of disclosures). The patient's own actions are left out; viewing it is recorded."""
    patient = _patient(request)
    cursor = CursorForm(request.GET).cursor()
    rows = audit_selectors.accounting(patient.pk, own_user_id=request.user.pk)
    page = audit_selectors.keyset_page(rows, **cursor, size=ACCESS_LOG_PAGE)
    record(
        user=request.user,
        action=Action.VIEW,
        patient_id=patient.pk,
        detail={"access_log": {**cursor, "rows": len(page.rows)}},
    )
    entries = [
        {
            "at": event.at,
            "what": words.sentence(event.action, event.object_type, event.detail),
            "who": event.user.get_full_name() or event.user.username,
            "role": Role(event.role).label if event.role in Role.values else "",
        }
        for event in page.rows
    ]
    return _page(request, "portal/access_log.html", patient, {"page": page, "entries": entries})


@patient_only
@require_GET
def record_pdf(request):
    patient = _patient(request)
    context = {
        "patient": patient,
        "printed_at": timezone.now(),
        **selectors.record(patient),
        **_progress(patient),
    }
    data = render_pdf("portal/record_pdf.html", context)
    record(
        user=request.user,
        action=Action.PRINT,
        patient_id=patient.pk,
        obj=patient,
        detail={"document": "patient record"},
    )
    return pdf_response(data, filename="my-clinic-record.pdf", inline=False)


# --- How the clinic reaches me (the notifications app's preference, set by the patient) ----------


@patient_only
@require_http_methods(["GET", "POST"])
def messages_page(request):
    patient = _patient(request)
    form = MessagesForm(request.POST or None, instance=notifications.preference_of(patient))
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                notifications.preference_set(by=request.user, patient=patient, **form.cleaned_data)
            except NotificationsError as error:
                form.add_error(error.field if error.field in form.fields else None, error.message)
            else:
                messages.success(request, "Saved: this is how the clinic will remind you.")
                return redirect("portal:messages")
        status = 400
    else:
        record(user=request.user, action=Action.VIEW, patient_id=patient.pk, detail={"contact": 1})
    return _page(request, "portal/messages.html", patient, {"form": form}, status=status)


# --- The invitation: staff send it from the chart; the patient accepts it -------------------------


def _invite_context(request, patient: Patient) -> dict:
    return {
        "patient": patient,
        "invitation": selectors.latest_invitation(patient),
        "may_invite": may(request.user, Access.CHANGE_DEMOGRAPHICS, patient),
    }


@staff_required
@require_http_methods(["GET", "POST"])
def invite(request, patient_pk):
    """GET: the chart's portal section (loaded over htmx). POST: send a new invitation."""
    patient = get_object_or_404(Patient, pk=patient_pk)
    action = Access.CHANGE_DEMOGRAPHICS if request.method == "POST" else Access.VIEW_DEMOGRAPHICS
    require(request.user, action, patient)
    if request.method == "POST":
        try:
            services.invitation_send(
                by=request.user,
                patient=patient,
                accept_url=lambda token: request.build_absolute_uri(
                    reverse("portal:accept", kwargs={"token": token})
                ),
            )
        except PortalError as error:
            messages.error(request, error.message)
        else:
            messages.success(request, "Portal invitation sent by e-mail (the link lasts 72 hours).")
        return redirect("chart", patient_pk=patient.pk)
    record(
        user=request.user,
        action=Action.VIEW,
        patient_id=patient.pk,
        detail={"portal_invitation": True},
    )
    return render(request, "portal/_invite_section.html", _invite_context(request, patient))


@login_not_required
@require_http_methods(["GET", "POST"])
def accept(request, token):
    """The invitation link: choose a password, then straight into the portal. Guessing links is
    met by the sign-in page's lockout (accounts.lockout): 5 bad links from one address, a wait."""
    wait = lockout.door_locked_minutes(request, "invitation")
    if wait is not None:
        problem = f"Too many attempts, try again in {wait} minute{'s' if wait != 1 else ''}."
        context = {"problem": problem, "form": None, "username": "", **_clinic()}
        return render(request, "portal/accept.html", context, status=429)
    invitation = services.invitation_for(token)
    if invitation is None:
        lockout.door_failed(request, "invitation")
    problem = (
        "This invitation link is not valid."
        if invitation is None
        else services.STATE_MESSAGES.get(invitation.state)
    )
    form = AcceptForm(request.POST or None) if problem is None else None
    status = 200 if problem is None else 404
    if form is not None and request.method == "POST":
        if form.is_valid():
            try:
                user = services.invitation_accept(
                    token=token, password=form.cleaned_data["new_password1"]
                )
            except PortalError as error:
                form.add_error(error.field if error.field in form.fields else None, error.message)
            else:
                login(request, user, backend="django.contrib.auth.backends.ModelBackend")
                messages.success(request, "Welcome: your password is set.")
                return redirect("portal:home")
        status = 400
    return render(
        request,
        "portal/accept.html",
        {
            "problem": problem,
            "form": form,
            "username": invitation.email if invitation else "",
            **_clinic(),
        },
        status=status,
    )


# --- For the therapist: shared entries on the follow-up page --------------------------------------


@role_required(*CLINICIANS)
@require_GET
def followup_journal(request, pk):
    followup = get_object_or_404(FollowUp.objects.select_related("patient"), pk=pk)
    require(request.user, Access.VIEW_RECORD, followup.patient, followup)
    entries, homework = selectors.shared_for_followup(followup)
    record(
        user=request.user,
        action=Action.VIEW,
        patient_id=followup.patient_id,
        obj=followup,
        detail={"shared_journal_entries": len(entries)},
    )
    return render(
        request,
        "portal/_followup_journal.html",
        {"entries": entries, "homework": homework, "followup": followup},
    )
