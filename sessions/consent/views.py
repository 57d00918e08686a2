"""Consent pages: where the patient's consent stands, signing on the tablet, the signed copy
and its PDF, withdrawal. Thin: parse, call one service, render."""

from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_http_methods, require_POST

from audit.context import request_ip
from audit.models import Action
from audit.services import record
from kap_clinic.pdf import pdf_response
from patients.access import Access, require
from sessions.consent import services as consent
from sessions.consent.forms import ConsentSignForm, WithdrawForm
from sessions.errors import SessionsError
from sessions.models import (
    ConsentSignature,
    ConsentWithdrawal,
)
from sessions.pages import clinicians_only, patient_for, show_refusal

# --- Consent --------------------------------------------------------------------------------------


def _consent_page(request, patient, *, withdraw_form=None, status=200):
    state = consent.consent_state(patient)
    signatures = list(
        ConsentSignature.objects.filter(patient=patient)
        .select_related("version", "witnessed_by")
        .defer("pdf")
    )
    withdrawals = list(
        ConsentWithdrawal.objects.filter(patient=patient).select_related("recorded_by")
    )
    record(user=request.user, action=Action.VIEW, patient_id=patient.pk, obj=state.signature)
    return render(
        request,
        "sessions/consent/consent.html",
        {
            "patient": patient,
            "state": state,
            "signatures": signatures,
            "withdrawals": withdrawals,
            "withdraw_form": withdraw_form or WithdrawForm(),
        },
        status=status,
    )


@clinicians_only
def consent_overview(request, patient_pk):
    return _consent_page(request, patient_for(request, patient_pk))


@clinicians_only
@require_http_methods(["GET", "POST"])
def consent_sign(request, patient_pk):
    """The page handed to the patient on the tablet: the exact text, their name, a tick, sign."""
    patient = patient_for(request, patient_pk, Access.CHANGE_RECORD)
    version = consent.current_version()
    if version is None:
        messages.error(request, "No consent version is published yet.")
        return redirect("consent", patient_pk=patient.pk)
    form = ConsentSignForm(
        request.POST or None, initial={"version": version.pk, "shown_sha256": version.text_sha256}
    )
    status = 200
    if request.method == "POST":
        if form.is_valid():
            data = form.cleaned_data
            shown = get_object_or_404(type(version), pk=data["version"])
            try:
                signature = consent.consent_sign(
                    by=request.user,
                    patient=patient,
                    version=shown,
                    typed_name=data["typed_name"],
                    shown_sha256=data["shown_sha256"],
                    understood=data["understood"],
                    ip=request_ip(request),
                )
            except SessionsError as error:
                show_refusal(form, error)
            else:
                return redirect("consent_signed", signature_pk=signature.pk)
        status = 400
    else:
        record(user=request.user, action=Action.VIEW, patient_id=patient.pk, obj=version)
    return render(
        request,
        "sessions/consent/sign.html",
        {"patient": patient, "version": version, "form": form},
        status=status,
    )


def _signature(request, signature_pk) -> ConsentSignature:
    signature = get_object_or_404(
        ConsentSignature.objects.select_related("patient", "version").defer("pdf"),
        pk=signature_pk,
    )
    require(request.user, Access.VIEW_RECORD, signature.patient, signature)
    return signature


@clinicians_only
def consent_signed(request, signature_pk):
    signature = _signature(request, signature_pk)
    record(user=request.user, action=Action.VIEW, patient_id=signature.patient_id, obj=signature)
    return render(
        request,
        "sessions/consent/signed.html",
        {"signature": signature, "patient": signature.patient},
    )


@clinicians_only
def consent_pdf(request, signature_pk):
    signature = _signature(request, signature_pk)
    data = consent.signature_pdf(signature)
    record(user=request.user, action=Action.PRINT, patient_id=signature.patient_id, obj=signature)
    return pdf_response(data, filename=f"consent-{signature.pk}.pdf")


@clinicians_only
@require_POST
def consent_withdraw(request, patient_pk):
    patient = patient_for(request, patient_pk, Access.CHANGE_RECORD)
    form = WithdrawForm(request.POST)
    if form.is_valid():
        try:
            consent.consent_withdraw(
                by=request.user, patient=patient, reason=form.cleaned_data["reason"]
            )
        except SessionsError as error:
            show_refusal(form, error)
        else:
            messages.warning(request, "Consent withdrawn: no further doses until a new signature.")
            return redirect("consent", patient_pk=patient.pk)
    return _consent_page(request, patient, withdraw_form=form, status=400)
