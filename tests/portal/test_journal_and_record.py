"""Prompts after each dose (the integration note's, else the library's), the homework beside them,
and the record PDF: the doses' facts and integration summaries, never psychotherapy notes."""

import shutil
import subprocess

import pytest
from django.urls import reverse

from portal import services
from portal.models import PromptAssignment
from sessions.notes import services as notes
from tests.conftest import service_missing
from tests.portal.setup import signed_note

pytestmark = pytest.mark.django_db


def test_the_library_gives_three_prompts_of_different_categories(portal, patient):
    given = PromptAssignment.objects.filter(patient=patient)
    assert given.count() == 3 and {a.source for a in given} == {"library"}
    assert len({a.category for a in given}) == 3
    assert services.ensure_assignments(patient) == 0  # idempotent


def test_the_notes_prompts_replace_unanswered_library_ones(signed_in, portal, patient, therapist):
    answered = portal["assignment"]
    services.journal_entry_write(
        by=patient.user, patient=patient, assignment=answered, text="Kept.", shared=False
    )
    signed_note(
        portal["followup"],
        therapist,
        homework="Walk daily; write one letter (unsent).",
        journal_prompts="Body: Where did you feel the warmth?\nWhat would you tell him now?",
    )
    page = signed_in(patient.user).get(reverse("portal:journal")).content.decode()
    given = PromptAssignment.objects.filter(patient=patient).order_by("id")
    assert [(a.source, a.category, a.text) for a in given] == [
        ("library", answered.category, answered.text),
        ("note", "body", "Where did you feel the warmth?"),
        ("note", "", "What would you tell him now?"),
    ]
    assert "Walk daily; write one letter (unsent)." in page and "Kept." in page
    staff = signed_in(therapist).get(
        reverse("portal:followup_journal", args=[portal["followup"].pk])
    )
    assert "Kept." not in staff.content.decode()  # private


def test_the_record_holds_the_doses_and_summaries_never_psychotherapy_notes(
    signed_in, portal, patient, therapist
):
    if not shutil.which("pdftotext"):
        service_missing("pdftotext (poppler-utils)")
    notes.psychotherapy_note_create(
        by=therapist, appointment=portal["dose"].appointment, text="Private process notes."
    )
    signed_note(portal["followup"], therapist, how_it_went="Calm onset, then grief.")
    response = signed_in(patient.user).get(reverse("portal:record_pdf"))
    text = subprocess.run(
        ["pdftotext", "-layout", "-", "-"], input=response.content, capture_output=True, check=True
    ).stdout.decode()
    assert "Ketamine (racemic)" in text and "IM injection" in text and "35 mg" in text
    assert "Calm onset, then grief." in text and "Marco" not in text
    assert "Private process notes." not in text
