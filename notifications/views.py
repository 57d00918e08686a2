"""Message pages: a patient's channels and consent, sending a failed or interrupted message again,
the clinic-wide pause, and the crisis protocol the on-call prescriber's e-mail links to. Thin:
parse, call one service, render; a refused rule re-renders the form with what was typed (400)."""

from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect, render

from accounts.decorators import role_required, staff_required
from audit.models import Action
from audit.services import record
from notifications import services
from notifications.errors import NotificationsError
from notifications.forms import PauseForm, PreferenceForm, ResendForm
from notifications.models import Message, MessagingPause
from patients.access import Access, require
from patients.models import Patient
from screening.intake import CRISIS_PROTOCOL


def _refused(form, error: NotificationsError) -> None:
    form.add_error(error.field if error.field in form.fields else None, error.message)


@staff_required
def preference_edit(request, patient_pk):
    patient = get_object_or_404(Patient, pk=patient_pk)
    require(request.user, Access.CHANGE_DEMOGRAPHICS, patient)
    current = services.preference_of(patient)
    status = 200
    if request.method == "POST":
        form = PreferenceForm(request.POST, instance=current)
        if form.is_valid():
            try:
                services.preference_set(by=request.user, patient=patient, **form.cleaned_data)
            except NotificationsError as error:
                _refused(form, error)
            else:
                messages.success(request, "How the patient is reached was saved.")
                return redirect("chart", patient_pk=patient.pk)
        status = 400
    else:
        form = PreferenceForm(instance=current)
        record(user=request.user, action=Action.VIEW, patient_id=patient.pk, obj=patient)
    return render(
        request,
        "notifications/preferences.html",
        {"patient": patient, "form": form},
        status=status,
    )


@staff_required
def message_resend(request, message_pk):
    message = get_object_or_404(
        Message.objects.select_related("patient", "appointment__type").prefetch_related(
            "deliveries"
        ),
        pk=message_pk,
        patient__isnull=False,
    )
    require(request.user, Access.CHANGE_DEMOGRAPHICS, message.patient, message)
    status = 200
    if request.method == "POST":
        form = ResendForm(request.POST)
        if form.is_valid():
            try:
                services.message_resend(
                    by=request.user, message=message, reason=form.cleaned_data["reason"]
                )
            except NotificationsError as error:
                _refused(form, error)
            else:
                messages.success(request, "The message will be sent again.")
                return redirect("chart", patient_pk=message.patient_id)
        status = 400
    else:
        form = ResendForm()
        record(user=request.user, action=Action.VIEW, patient_id=message.patient_id, obj=message)
    return render(
        request,
        "notifications/resend.html",
        {"message": message, "patient": message.patient, "form": form},
        status=status,
    )


@role_required("admin")
def pause(request):
    row = MessagingPause.objects.filter(pk=1).first()
    status = 200
    if request.method == "POST":
        form = PauseForm(request.POST)
        if form.is_valid():
            try:
                services.pause_set(by=request.user, **form.cleaned_data)
            except NotificationsError as error:
                _refused(form, error)
            else:
                paused = form.cleaned_data["paused"]
                messages.success(
                    request, "All messages are paused." if paused else "Messages are sending."
                )
                return redirect("message_pause")
        status = 400
    else:
        form = PauseForm(
            initial={"paused": bool(row and row.paused), "reason": row.reason if row else ""}
        )
    waiting = Message.objects.filter(status=Message.Status.PENDING).count()
    return render(
        request,
        "notifications/pause.html",
        {"form": form, "row": row, "waiting": waiting},
        status=status,
    )


@staff_required
def crisis_protocol(request):
    return render(request, "notifications/crisis_protocol.html", {"protocol": CRISIS_PROTOCOL})
