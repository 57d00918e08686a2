"""Informed consent: versions, the tablet signature, the archived PDF, withdrawal (issue 6)."""

import hashlib
import subprocess

import pytest
from django.db import DatabaseError
from django.urls import reverse

from audit.models import AuditEvent
from sessions.consent import services as consent
from sessions.errors import SessionsError
from sessions.models import ConsentSignature, ConsentVersion, ConsentWithdrawal
from tests.sessions.records_factories import CONSENT_TEXT, published_version, raw, sign


@pytest.fixture
def v1(clinic_admin):
    return published_version(clinic_admin)


def _form(version, **overrides):
    return {
        "version": version.pk,
        "shown_sha256": version.text_sha256,
        "typed_name": "Paula Reyes",
        "understood": "on",
        **overrides,
    }


# --- consent_problem: the contract the dose start guard reads -------------------------------------


def test_without_a_published_version_nobody_has_consented(patient, clinic_admin):
    consent.consent_version_create(by=clinic_admin, text="A draft only.")
    assert consent.consent_problem(patient) == "No consent version is published yet."


def test_an_unsigned_patient_has_no_consent(patient, v1):
    assert consent.consent_problem(patient) == "No signed consent."


def test_a_signature_of_the_current_version_is_consent(patient, therapist, v1):
    sign(patient, therapist)
    assert consent.consent_problem(patient) is None


def test_a_new_version_asks_for_a_new_signature(patient, therapist, clinic_admin, v1):
    old = sign(patient, therapist)
    v2 = published_version(clinic_admin, text=CONSENT_TEXT + "\nNew paragraph in version 2.")
    assert v2.version == 2 and consent.current_version() == v2
    assert consent.consent_problem(patient) == "Consent version 2 needs a new signature."
    # The old signature stays what it was: a signature of version 1.
    old.refresh_from_db()
    assert old.version == v1
    sign(patient, therapist)
    assert consent.consent_problem(patient) is None


def test_a_draft_version_does_not_replace_the_current_one(patient, therapist, clinic_admin, v1):
    sign(patient, therapist)
    consent.consent_version_create(by=clinic_admin, text="Version 2, still a draft.")
    assert consent.current_version() == v1
    assert consent.consent_problem(patient) is None


def test_withdrawal_blocks_until_signed_again(patient, therapist, v1):
    sign(patient, therapist)
    consent.consent_withdraw(by=therapist, patient=patient, reason="Changed her mind.")
    problem = consent.consent_problem(patient)
    assert problem.startswith("Consent was withdrawn on ") and problem.endswith(
        ": no further doses."
    )
    sign(patient, therapist)
    assert consent.consent_problem(patient) is None


def test_consent_problem_only_reads(patient, therapist, v1, django_assert_num_queries):
    sign(patient, therapist)
    with django_assert_num_queries(3):
        assert consent.consent_problem(patient) is None


# --- Signing --------------------------------------------------------------------------------------


def test_signing_on_the_tablet_stores_the_exact_text_hash_and_an_archived_pdf(
    signed_in, therapist, patient, v1
):
    client = signed_in(therapist)
    page = client.get(reverse("consent_sign", args=[patient.pk]))
    assert page.status_code == 200
    assert "I agree to ketamine-assisted psychotherapy" in page.content.decode()
    # The tablet page offers no way into the rest of the records.
    assert 'href="/"' not in page.content.decode()
    assert 'data-testid="user-menu"' not in page.content.decode()
    response = client.post(
        reverse("consent_sign", args=[patient.pk]),
        _form(v1, typed_name="  paula   REYES "),
        REMOTE_ADDR="192.0.2.44",
    )
    signature = ConsentSignature.objects.get()
    assert response.status_code == 302
    assert response.url == reverse("consent_signed", args=[signature.pk])
    assert signature.text_sha256 == hashlib.sha256(CONSENT_TEXT.encode("utf-8")).hexdigest()
    assert signature.text_sha256 == v1.text_sha256
    assert signature.typed_name == "paula REYES"
    assert str(signature.ip) == "192.0.2.44"
    assert signature.witnessed_by == therapist and signature.signed_at is not None
    pdf = bytes(signature.pdf)
    assert pdf.startswith(b"%PDF") and signature.pdf_sha256 == hashlib.sha256(pdf).hexdigest()
    assert AuditEvent.objects.filter(
        action="create", object_type="kap_sessions.consentsignature", patient_id=patient.pk
    ).exists()


def test_the_archived_pdf_holds_the_typed_name_the_version_and_the_text(
    signed_in, therapist, patient, v1, tmp_path
):
    signature = sign(patient, therapist, typed_name="PAULA reyes")
    response = signed_in(therapist).get(reverse("consent_pdf", args=[signature.pk]))
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert "Reyes" not in response["Content-Disposition"]
    assert response.content == bytes(signature.pdf)
    path = tmp_path / "consent.pdf"
    path.write_bytes(response.content)
    text = subprocess.run(
        ["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True, check=True
    ).stdout
    assert "PAULA reyes" in text
    assert "consent version 1" in text
    assert v1.text_sha256 in text
    assert "I will not drive until the next day after sleep" in text
    assert AuditEvent.objects.filter(action="print", object_id=str(signature.pk)).exists()


def test_a_tampered_archive_is_refused(patient, therapist, v1):
    signature = sign(patient, therapist)
    signature.pdf_sha256 = "0" * 64  # as if the stored hash no longer matched the bytes
    with pytest.raises(SessionsError, match="does not match"):
        consent.signature_pdf(signature)


@pytest.mark.parametrize(
    "overrides, field",
    [
        ({"typed_name": "Paula R."}, "typed_name"),
        ({"typed_name": "Paola Reyes"}, "typed_name"),
        ({"understood": ""}, "understood"),
    ],
)
def test_the_name_must_match_and_the_box_be_ticked(
    signed_in, therapist, patient, v1, overrides, field
):
    response = signed_in(therapist).post(
        reverse("consent_sign", args=[patient.pk]), _form(v1, **overrides)
    )
    assert response.status_code == 400
    assert field in response.context["form"].errors
    assert not ConsentSignature.objects.exists()


def test_the_text_shown_must_be_the_text_signed(patient, therapist, v1):
    with pytest.raises(SessionsError, match="not the text of this version"):
        consent.consent_sign(
            by=therapist,
            patient=patient,
            version=v1,
            typed_name="Paula Reyes",
            shown_sha256=hashlib.sha256(b"another text").hexdigest(),
            understood=True,
        )


def test_a_page_left_open_while_a_new_version_is_published_is_refused(
    signed_in, therapist, patient, v1, clinic_admin
):
    client = signed_in(therapist)
    form = _form(v1)
    published_version(clinic_admin, text="Version 2 text.")
    response = client.post(reverse("consent_sign", args=[patient.pk]), form)
    assert response.status_code == 400
    assert "no longer the current version" in response.content.decode()
    assert not ConsentSignature.objects.exists()


def test_a_signed_current_version_is_not_signed_twice(patient, therapist, v1):
    sign(patient, therapist)
    with pytest.raises(SessionsError, match="already signed"):
        sign(patient, therapist)


def test_the_patient_may_sign_for_themselves_but_not_for_another(patient, other_patient, v1):
    signature = sign(patient, patient.user)
    assert signature.witnessed_by is None
    with pytest.raises(SessionsError):
        sign(other_patient, patient.user)


@pytest.mark.parametrize("who", ["outside_clinician", "frontdesk", "intake"])
def test_only_the_patients_clinicians_take_consent(request, signed_in, patient, v1, who):
    user = request.getfixturevalue(who)
    client = signed_in(user)
    response = client.get(reverse("consent_sign", args=[patient.pk]))
    assert response.status_code in (403, 404)
    response = client.post(reverse("consent_sign", args=[patient.pk]), _form(v1))
    assert response.status_code in (403, 404)
    with pytest.raises(SessionsError):
        sign(patient, user)
    assert not ConsentSignature.objects.exists()


def test_a_signature_is_never_changed_or_deleted(patient, therapist, v1):
    signature = sign(patient, therapist)
    signature.typed_name = "Someone Else"
    with pytest.raises(SessionsError):
        signature.save()
    with pytest.raises(SessionsError):
        signature.delete()


@pytest.mark.postgres
def test_the_database_refuses_to_rewrite_a_signature(patient, therapist, v1):
    signature = sign(patient, therapist)
    with pytest.raises(DatabaseError, match="never changed"):
        raw(
            "UPDATE kap_sessions_consentsignature SET typed_name = 'X' WHERE id = %s",
            [signature.pk],
        )
    with pytest.raises(DatabaseError):
        raw("DELETE FROM kap_sessions_consentsignature WHERE id = %s", [signature.pk])
    assert ConsentSignature.objects.get().typed_name == "Paula Reyes"


# --- Withdrawal -----------------------------------------------------------------------------------


def test_a_clinician_records_a_withdrawal_with_a_reason(signed_in, therapist, patient, v1):
    sign(patient, therapist)
    client = signed_in(therapist)
    refused = client.post(reverse("consent_withdraw", args=[patient.pk]), {"reason": " "})
    assert refused.status_code == 400 and not ConsentWithdrawal.objects.exists()
    response = client.post(
        reverse("consent_withdraw", args=[patient.pk]), {"reason": "Wants to stop."}, follow=True
    )
    withdrawal = ConsentWithdrawal.objects.get()
    assert withdrawal.recorded_by == therapist and withdrawal.reason == "Wants to stop."
    assert "no further doses" in response.content.decode()
    assert consent.consent_problem(patient).startswith("Consent was withdrawn")


def test_there_is_nothing_to_withdraw_without_a_signature(patient, therapist, v1):
    with pytest.raises(SessionsError, match="no consent to withdraw"):
        consent.consent_withdraw(by=therapist, patient=patient, reason="x")
    sign(patient, therapist)
    consent.consent_withdraw(by=therapist, patient=patient, reason="x")
    with pytest.raises(SessionsError, match="no consent to withdraw"):
        consent.consent_withdraw(by=therapist, patient=patient, reason="again")


def test_outsiders_cannot_withdraw(signed_in, patient, therapist, outside_clinician, v1):
    sign(patient, therapist)
    response = signed_in(outside_clinician).post(
        reverse("consent_withdraw", args=[patient.pk]), {"reason": "x"}
    )
    assert response.status_code == 404
    assert not ConsentWithdrawal.objects.exists()
    assert consent.consent_problem(patient) is None


def test_a_withdrawal_is_never_changed(patient, therapist, v1):
    sign(patient, therapist)
    withdrawal = consent.consent_withdraw(by=therapist, patient=patient, reason="x")
    withdrawal.reason = "y"
    with pytest.raises(SessionsError):
        withdrawal.save()
    with pytest.raises(SessionsError):
        withdrawal.delete()


# --- Versions in the admin ------------------------------------------------------------------------


def test_an_administrator_writes_and_publishes_a_version_in_the_admin(signed_in, clinic_admin):
    client = signed_in(clinic_admin)
    add = client.post(
        reverse("admin:kap_sessions_consentversion_add"),
        {"title": "Informed consent", "text": "Version one text.", "notes": ""},
    )
    assert add.status_code == 302
    draft = ConsentVersion.objects.get()
    assert draft.version == 1 and draft.status == "draft" and draft.created_by == clinic_admin
    change_url = reverse("admin:kap_sessions_consentversion_change", args=[draft.pk])
    fixed = {"title": "Informed consent", "text": "Version one, fixed.", "notes": ""}
    client.post(change_url, fixed)
    draft.refresh_from_db()
    assert draft.text == "Version one, fixed."
    client.post(
        reverse("admin:kap_sessions_consentversion_changelist"),
        {"action": "publish", "_selected_action": [draft.pk]},
    )
    draft.refresh_from_db()
    assert draft.is_published
    assert draft.text_sha256 == hashlib.sha256(b"Version one, fixed.").hexdigest()
    # Published: the change form is read only and a POST changes nothing.
    response = client.post(change_url, {"title": "T", "text": "Rewritten.", "notes": ""})
    assert response.status_code == 403
    draft.refresh_from_db()
    assert draft.text == "Version one, fixed."


def test_a_published_text_is_final(v1):
    v1.text = "Rewritten."
    with pytest.raises(SessionsError, match="published"):
        v1.save()
    with pytest.raises(SessionsError):
        ConsentVersion.objects.get(pk=v1.pk).delete()


def test_an_older_draft_cannot_be_published_after_a_newer_version(clinic_admin):
    old_draft = consent.consent_version_create(by=clinic_admin, text="One.")
    published_version(clinic_admin, text="Two.")
    with pytest.raises(SessionsError, match="already published"):
        consent.consent_version_publish(by=clinic_admin, version=old_draft)


def test_only_administrators_write_versions(therapist):
    with pytest.raises(SessionsError):
        consent.consent_version_create(by=therapist, text="x")


@pytest.mark.postgres
def test_the_database_refuses_to_rewrite_a_published_version(v1):
    with pytest.raises(DatabaseError, match="published"):
        raw("UPDATE kap_sessions_consentversion SET text = 'x' WHERE id = %s", [v1.pk])
    v1.refresh_from_db()
    assert v1.text == CONSENT_TEXT


# --- Pages ----------------------------------------------------------------------------------------


def test_the_consent_page_and_the_chart_show_where_consent_stands(
    signed_in, therapist, patient, v1
):
    client = signed_in(therapist)
    page = client.get(reverse("consent", args=[patient.pk])).content.decode()
    assert "No signed consent." in page and reverse("consent_sign", args=[patient.pk]) in page
    sign(patient, therapist)
    chart = client.get(reverse("chart", args=[patient.pk])).content.decode()
    assert "Consent version 1 signed" in chart
