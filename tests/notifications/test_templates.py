"""Every message template, rendered for a patient without consent to unencrypted messages, says
no clinical word; rendered with consent, it still names no drug, diagnosis, score or
instrument. Each kind is rendered with an appointment of every type it applies to."""

import re
from pathlib import Path

import pytest
from django.conf import settings
from django.utils import timezone

from notifications import compose
from notifications.models import Message
from notifications.rules import KINDS_FOR
from screening.rules import POLICY_V1_DATA
from tests.sessions.factories import AppointmentFactory, kind, local

pytestmark = pytest.mark.django_db

# Drugs (CLINICAL.md's interacting medications and ketamine itself), diagnoses, instruments and
# scores: never in any message.
NEVER = [
    "ketamine", "esketamine", "spravato", "KAP", "mg", "dose", "dosing", "medication",
    "depression", "depressive", "anxiety", "PTSD", "trauma", "psychosis", "psychotic", "bipolar",
    "mania", "suicid", "self-harm", "diagnos", "disorder", "score", "PHQ", "GAD", "PCL",
    "C-SSRS", "CSSRS", "CADSS", "risk", "severity", "psychedelic", "dissociat", "infusion",
    "lozenge", "intranasal", "injection",
]  # fmt: skip
# Without consent, not even a word that says what kind of care this is.
CLINICAL = [
    "session", "fast", "food", "drink", "escort", "ride home", "drive", "integration",
    "therapist", "therapy", "psychotherapy", "questionnaire", "preparation", "treatment",
    "follow-up", "reflection", "body", "feelings", "clinician", "room", "video",
]  # fmt: skip


def drug_names() -> list[str]:
    """Every medication name of the clinic policy's interacting-medication list."""
    groups = POLICY_V1_DATA.get("interacting_medications", {})
    return [name for names in groups.values() for name in names] if isinstance(groups, dict) else []


def found(words, text: str) -> list[str]:
    return [w for w in words if re.search(rf"\b{re.escape(w)}", text, flags=re.IGNORECASE)]


def rendered(message: Message, detail: bool) -> list[str]:
    texts = compose.render(
        message.kind, compose.context_for(message, detail=detail, now=timezone.now())
    )
    html_text = re.sub(r"<[^>]+>", " ", texts["html"])
    return [texts["subject"], texts["text"], html_text, texts["sms"]]


@pytest.fixture
def messages(patient, therapist, appointment_types):
    made = []
    for days, (code, kinds) in enumerate(KINDS_FOR.items(), start=3):
        appointment = AppointmentFactory(
            patient=patient, type=kind(code), clinician=therapist, start=local(days, "10:00")
        )
        for reminder in kinds:
            made.append(
                Message(
                    kind=reminder,
                    patient=patient,
                    appointment=appointment,
                    for_start=appointment.start,
                    due_at=timezone.now(),
                )
            )
    return made


def test_every_kind_has_its_four_templates():
    root = Path(settings.BASE_DIR) / "templates" / "notifications"
    for value in Message.Kind.values:
        for name in ("subject.txt", "body.txt", "body.html", "sms.txt"):
            assert (root / value / name).exists(), f"{value}/{name}"


def test_without_consent_no_clinical_word_in_any_subject_or_body(messages, patient):
    assert not getattr(patient, "contact_preference", None)
    assert {m.kind for m in messages} == set(Message.Kind.values) - {"urgent_alert"}
    for message in messages:
        assert compose.consented(message) is False
        for text in rendered(message, detail=compose.consented(message)):
            assert not found(NEVER + CLINICAL + drug_names(), text), (message.kind, text)
            assert patient.last_name not in text and patient.mrn not in text
        subject, body, html, sms = rendered(message, detail=False)
        assert " at 10:00" in body or message.kind == "integration_prompt"
        assert "https://clinic.example.org/" in body + sms


def test_with_consent_still_no_drug_diagnosis_score_or_instrument(messages, patient):
    for message in messages:
        for text in rendered(message, detail=True):
            assert not found(NEVER + drug_names(), text), (message.kind, text)
            assert patient.last_name not in text and patient.mrn not in text


def test_the_staff_alert_e_mail_carries_no_phi(patient, prescriber, therapist):
    from patients.models import Alert

    for recipient in (prescriber, therapist):
        alert = Alert.objects.create(
            patient=patient,
            recipient=recipient,
            kind="safety",
            severity="urgent",
            message="Screening: C-SSRS high risk (ketamine course, PHQ-9 item 9)",
        )
        message = Message(kind="urgent_alert", alert=alert, recipient=recipient)
        for text in rendered(message, detail=False):
            assert not found(NEVER + drug_names(), text), text
            for word in (patient.first_name, patient.last_name, patient.mrn):
                assert word not in text
