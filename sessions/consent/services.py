"""Informed consent: versions, the patient's signature on the clinic's tablet, withdrawal.

Each write runs in one transaction, checks its rule, writes, records the audit event and raises
`SessionsError` with a sentence the user can read when a rule says no. `consent_problem` is the
pure read the dose start guard asks.

- The current version is the published one with the highest number. A newer version asks every
  patient for a new signature; a signature of an older one no longer counts.
- A signature stores the typed name, the time, the address it came from, the SHA-256 of the exact
  text shown, and the archived PDF with its own SHA-256. It is never changed.
- A withdrawal (a clinician records it, with the patient's reason) blocks further doses until the
  patient signs the current version again.
"""

import hashlib
import re
from dataclasses import dataclass

from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from accounts.roles import CLINICIANS, Role
from audit.context import client_ip
from audit.models import Action
from audit.services import record
from kap_clinic.pdf import render_pdf, sha256
from patients.access import Access, may
from patients.models import Patient
from sessions.errors import SessionsError
from sessions.models import ConsentSignature, ConsentVersion, ConsentWithdrawal

PDF_TEMPLATE = "sessions/consent/signed_pdf.html"


def text_sha256(text: str) -> str:
    """The SHA-256 of a consent text as signed: its exact characters, encoded as UTF-8."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _normalized(name: str) -> str:
    return re.sub(r"\s+", " ", name or "").strip().casefold()


def legal_name(patient: Patient) -> str:
    return f"{patient.first_name} {patient.last_name}"


def name_matches(typed: str, patient: Patient) -> bool:
    """The typed name is the patient's legal name, whatever its case and spacing."""
    return bool(_normalized(typed)) and _normalized(typed) == _normalized(legal_name(patient))


# --- Reads ----------------------------------------------------------------------------------------


def current_version() -> ConsentVersion | None:
    return (
        ConsentVersion.objects.filter(status=ConsentVersion.Status.PUBLISHED)
        .order_by("-version")
        .first()
    )


@dataclass(frozen=True)
class ConsentState:
    current: ConsentVersion | None
    signature: ConsentSignature | None  # the patient's latest signature, of any version
    withdrawal: ConsentWithdrawal | None  # the latest withdrawal, if after that signature
    problem: str | None

    @property
    def signed_current(self) -> bool:
        return self.problem is None


def consent_state(patient: Patient) -> ConsentState:
    """Where the patient's consent stands, in three queries. Reads only."""
    current = current_version()
    signature = (
        ConsentSignature.objects.filter(patient=patient)
        .select_related("version", "witnessed_by")
        .defer("pdf")
        .order_by("-signed_at", "-id")
        .first()
    )
    withdrawal = (
        ConsentWithdrawal.objects.filter(patient=patient)
        .select_related("recorded_by")
        .order_by("-withdrawn_at", "-id")
        .first()
    )
    if withdrawal and signature and withdrawal.withdrawn_at < signature.signed_at:
        withdrawal = None  # signed again since
    if current is None:
        problem = "No consent version is published yet."
    elif withdrawal is not None:
        day = timezone.localtime(withdrawal.withdrawn_at)
        problem = f"Consent was withdrawn on {day:%b %d, %Y}: no further doses."
    elif signature is None:
        problem = "No signed consent."
    elif signature.version_id != current.pk:
        problem = f"Consent version {current.version} needs a new signature."
    else:
        problem = None
    return ConsentState(
        current=current, signature=signature, withdrawal=withdrawal, problem=problem
    )


def consent_problem(patient: Patient) -> str | None:
    """None when the patient holds a signature, not withdrawn, of the current consent version;
    else a sentence saying why not. Reads only (the dose start guard calls it)."""
    return consent_state(patient).problem


# --- Versions (kept by administrators in the admin) -----------------------------------------------


def _may_manage(by) -> bool:
    return by.is_superuser or by.role == Role.ADMIN


@transaction.atomic
def consent_version_create(*, by, text: str, title: str = "", notes: str = "") -> ConsentVersion:
    """A new draft, numbered after every existing version."""
    if not _may_manage(by):
        raise SessionsError("Only an administrator may write consent versions.")
    if not (text or "").strip():
        raise SessionsError("A consent version needs its text.", field="text")
    # Lock the newest row so two drafts started at once do not take the same number.
    list(ConsentVersion.objects.select_for_update().order_by("-version")[:1])
    number = (ConsentVersion.objects.aggregate(n=Max("version"))["n"] or 0) + 1
    version = ConsentVersion(version=number, text=text, notes=notes, created_by=by)
    if title:
        version.title = title
    version.save()
    record(user=by, action=Action.CREATE, obj=version, detail={"version": number})
    return version


@transaction.atomic
def consent_version_publish(*, by, version: ConsentVersion) -> ConsentVersion:
    """Publish a draft: its text becomes final and, being the newest, current for every patient."""
    if not _may_manage(by):
        raise SessionsError("Only an administrator may publish a consent version.")
    version = ConsentVersion.objects.select_for_update().get(pk=version.pk)
    if version.is_published:
        raise SessionsError(f"Consent version {version.version} is already published.")
    if not version.text.strip():
        raise SessionsError("A consent version needs its text.", field="text")
    newer = ConsentVersion.objects.filter(
        status=ConsentVersion.Status.PUBLISHED, version__gt=version.version
    ).first()
    if newer is not None:
        raise SessionsError(
            f"Version {newer.version} is already published: publish a version numbered after it."
        )
    version.status = ConsentVersion.Status.PUBLISHED
    version.text_sha256 = text_sha256(version.text)
    version.published_at = timezone.now()
    version.published_by = by
    version.save()
    record(user=by, action=Action.CHANGE, obj=version, detail={"published": version.version})
    return version


# --- Signing and withdrawing ----------------------------------------------------------------------


def _may_sign_for(by, patient: Patient) -> bool:
    """A clinician of the patient hands over the tablet; the patient may sign for themselves (the
    portal, later)."""
    if by.role == Role.PATIENT:
        return patient.user_id == by.pk
    return by.role in CLINICIANS and may(by, Access.CHANGE_RECORD, patient)


@transaction.atomic
def consent_sign(
    *,
    by,
    patient: Patient,
    version: ConsentVersion,
    typed_name: str,
    shown_sha256: str,
    understood: bool,
    ip: str | None = None,
) -> ConsentSignature:
    """The patient signs `version`, whose text they were shown (`shown_sha256` is the hash of the
    text the page displayed). Stores the signature and its archived PDF."""
    patient = Patient.objects.select_for_update().get(pk=patient.pk)
    if not _may_sign_for(by, patient):
        raise SessionsError("You may not take this patient's consent.")
    current = current_version()
    version = ConsentVersion.objects.get(pk=version.pk)
    if current is None or version.pk != current.pk:
        raise SessionsError(
            "This consent text is no longer the current version: reload the page and read the "
            "new text."
        )
    if shown_sha256 != version.text_sha256:
        raise SessionsError(
            "The text shown is not the text of this version: reload the page and read it again."
        )
    if not understood:
        raise SessionsError(
            "Tick the box to confirm you have read and understood the text.", field="understood"
        )
    typed_name = re.sub(r"\s+", " ", typed_name or "").strip()
    if not name_matches(typed_name, patient):
        raise SessionsError(
            "The typed name must be the patient's full name as registered.", field="typed_name"
        )
    state = consent_state(patient)
    if state.problem is None:
        raise SessionsError(f"Consent version {version.version} is already signed.")
    signed_at = timezone.now()
    ip = ip or client_ip.get()
    witness = by if by.role != Role.PATIENT else None
    pdf = render_pdf(
        PDF_TEMPLATE,
        {
            "patient": patient,
            "version": version,
            "typed_name": typed_name,
            "signed_at": signed_at,
            "ip": ip,
            "text_sha256": version.text_sha256,
            "witness": witness,
        },
    )
    signature = ConsentSignature.objects.create(
        patient=patient,
        version=version,
        typed_name=typed_name,
        signed_at=signed_at,
        ip=ip,
        text_sha256=version.text_sha256,
        witnessed_by=witness,
        pdf=pdf,
        pdf_sha256=sha256(pdf),
    )
    record(
        user=by,
        action=Action.CREATE,
        patient_id=patient.pk,
        obj=signature,
        detail={"version": version.version},
    )
    return signature


@transaction.atomic
def consent_withdraw(*, by, patient: Patient, reason: str) -> ConsentWithdrawal:
    """Record the patient's withdrawal of consent: no further doses until they sign again."""
    patient = Patient.objects.select_for_update().get(pk=patient.pk)
    if by.role not in CLINICIANS or not may(by, Access.CHANGE_RECORD, patient):
        raise SessionsError("Only a clinician of this patient may record a withdrawal of consent.")
    reason = (reason or "").strip()
    if not reason:
        raise SessionsError("A withdrawal needs the patient's reason.", field="reason")
    state = consent_state(patient)
    if state.signature is None or state.withdrawal is not None:
        raise SessionsError("There is no consent to withdraw.")
    withdrawal = ConsentWithdrawal.objects.create(
        patient=patient, withdrawn_at=timezone.now(), recorded_by=by, reason=reason
    )
    record(user=by, action=Action.CREATE, patient_id=patient.pk, obj=withdrawal)
    return withdrawal


def signature_pdf(signature: ConsentSignature) -> bytes:
    """The archived PDF, checked against the SHA-256 stored when it was signed."""
    data = bytes(ConsentSignature.objects.values_list("pdf", flat=True).get(pk=signature.pk))
    if sha256(data) != signature.pdf_sha256:
        raise SessionsError("The archived consent PDF does not match its stored SHA-256.")
    return data
