"""Clinical notes: draft → signed, immutability below the view, addenda, psychotherapy notes kept
apart from the chart (issue 6)."""

import pytest
from django.contrib import admin
from django.db import DatabaseError
from django.urls import reverse

from audit.models import AuditEvent
from sessions.errors import SessionsError
from sessions.models import (
    ProgressNote,
    ProgressNoteAddendum,
    PsychotherapyNote,
)
from sessions.notes import services as notes
from tests.sessions.records_factories import appointment, raw


@pytest.fixture
def visit(patient, therapist):
    return appointment(patient, therapist, "preparation")


@pytest.fixture
def signed_note(visit, therapist):
    note = notes.note_create(by=therapist, appointment=visit, text="Calm, goals set.")
    return notes.note_sign(by=therapist, note=note)


# --- The lifecycle through the pages --------------------------------------------------------------


def test_write_a_draft_rewrite_it_then_sign_it(signed_in, therapist, visit):
    client = signed_in(therapist)
    url = reverse("appointment_notes", args=[visit.pk])
    assert client.get(url).status_code == 200
    created = client.post(
        reverse("note_new", args=[visit.pk]), {"kind": "progress", "text": "First draft."}
    )
    assert created.status_code == 302
    note = ProgressNote.objects.get()
    assert note.status == "draft" and note.author == therapist and note.patient == visit.patient
    prefix = f"progress-{note.pk}"
    client.post(reverse("note_edit", args=["progress", note.pk]), {f"{prefix}-text": "Second."})
    note.refresh_from_db()
    assert note.text == "Second."
    # Sign signs the text on screen, saved in the same transaction.
    client.post(reverse("note_sign", args=["progress", note.pk]), {f"{prefix}-text": "Final."})
    note.refresh_from_db()
    assert note.is_signed and note.text == "Final." and note.signed_at and note.signed_sha256
    page = client.get(url).content.decode()
    assert 'data-testid="note-edit-form"' not in page
    assert "Final." in page and 'data-testid="addendum-form"' in page


def test_only_the_author_edits_or_signs_a_draft(signed_in, therapist, prescriber, visit):
    note = notes.note_create(by=therapist, appointment=visit, text="Mine.")
    with pytest.raises(SessionsError, match="author"):
        notes.note_update(by=prescriber, note=note, text="Not yours.")
    with pytest.raises(SessionsError, match="author"):
        notes.note_sign(by=prescriber, note=note)
    response = signed_in(prescriber).post(
        reverse("note_edit", args=["progress", note.pk]), {f"progress-{note.pk}-text": "x"}
    )
    assert response.status_code == 400
    note.refresh_from_db()
    assert note.text == "Mine." and note.status == "draft"


def test_an_empty_note_is_refused(therapist, visit):
    with pytest.raises(SessionsError, match="needs some text"):
        notes.note_create(by=therapist, appointment=visit, text="   ")


def test_a_cancelled_appointment_takes_no_note(therapist, visit):
    type(visit).objects.filter(pk=visit.pk).update(status="cancelled", cancel_reason="Ill")
    with pytest.raises(SessionsError, match="cancelled"):
        notes.note_create(by=therapist, appointment=visit, text="x")


@pytest.mark.parametrize("who", ["outside_clinician", "frontdesk", "intake", "clinic_admin"])
def test_others_cannot_read_or_write_the_notes(request, signed_in, visit, signed_note, who):
    user = request.getfixturevalue(who)
    client = signed_in(user)
    assert client.get(reverse("appointment_notes", args=[visit.pk])).status_code in (403, 404)
    response = client.post(reverse("note_new", args=[visit.pk]), {"kind": "progress", "text": "x"})
    assert response.status_code in (403, 404)
    with pytest.raises(SessionsError):
        notes.note_create(by=user, appointment=visit, text="x")
    assert ProgressNote.objects.count() == 1


# --- A signed note is immutable: the view, a service call, the model, the admin, the database -----


def test_the_view_refuses_to_change_a_signed_note(signed_in, therapist, signed_note):
    prefix = f"progress-{signed_note.pk}"
    client = signed_in(therapist)
    response = client.post(
        reverse("note_edit", args=["progress", signed_note.pk]), {f"{prefix}-text": "Changed."}
    )
    assert response.status_code == 400
    assert "never changed" in response.content.decode()
    client.post(reverse("note_sign", args=["progress", signed_note.pk]), {f"{prefix}-text": "X"})
    signed_note.refresh_from_db()
    assert signed_note.text == "Calm, goals set."


def test_a_service_call_cannot_change_a_signed_note(therapist, signed_note):
    with pytest.raises(SessionsError, match="never changed"):
        notes.note_update(by=therapist, note=signed_note, text="Changed.")
    with pytest.raises(SessionsError, match="never changed"):
        notes.note_sign(by=therapist, note=signed_note, text="Changed.")
    signed_note.refresh_from_db()
    assert signed_note.text == "Calm, goals set."


def test_the_model_refuses_to_save_or_delete_a_signed_note(signed_note):
    signed_note.text = "Changed."
    with pytest.raises(SessionsError, match="never changed"):
        signed_note.save()
    with pytest.raises(SessionsError, match="never deleted"):
        ProgressNote.objects.get(pk=signed_note.pk).delete()
    assert ProgressNote.objects.get().text == "Calm, goals set."


def test_the_admin_cannot_change_a_signed_note(client, make_user, signed_note):
    superuser = make_user("admin", username="root", is_superuser=True)
    client.force_login(superuser)
    url = reverse("admin:kap_sessions_progressnote_change", args=[signed_note.pk])
    assert client.get(url).status_code == 200  # read only
    response = client.post(url, {"text": "Changed in the admin.", "status": "draft"})
    assert response.status_code == 403
    delete = client.post(
        reverse("admin:kap_sessions_progressnote_delete", args=[signed_note.pk]), {"post": "yes"}
    )
    assert delete.status_code == 403
    signed_note.refresh_from_db()
    assert signed_note.text == "Calm, goals set." and signed_note.is_signed
    assert AuditEvent.objects.filter(
        user=superuser, action="view", object_id=str(signed_note.pk)
    ).exists()


def test_psychotherapy_notes_are_not_in_the_admin():
    assert PsychotherapyNote not in admin.site._registry


@pytest.mark.postgres
def test_the_database_refuses_to_change_a_signed_note(signed_note):
    for sql in (
        "UPDATE kap_sessions_progressnote SET text = 'raw' WHERE id = %s",
        "UPDATE kap_sessions_progressnote SET status = 'draft' WHERE id = %s",
        "DELETE FROM kap_sessions_progressnote WHERE id = %s",
    ):
        with pytest.raises(DatabaseError, match="signed note"):
            raw(sql, [signed_note.pk])
    signed_note.refresh_from_db()
    assert signed_note.text == "Calm, goals set." and signed_note.is_signed


@pytest.mark.postgres
def test_the_database_lets_a_draft_change(therapist, visit):
    note = notes.note_create(by=therapist, appointment=visit, text="Draft.")
    raw("UPDATE kap_sessions_progressnote SET text = 'x' WHERE id = %s", [note.pk])
    note.refresh_from_db()
    assert note.text == "x"


# --- Addenda --------------------------------------------------------------------------------------


def test_addenda_correct_a_signed_note(signed_in, therapist, prescriber, signed_note):
    client = signed_in(prescriber)  # any clinician of the patient
    prefix = f"progress-{signed_note.pk}"
    client.post(
        reverse("addendum_new", args=["progress", signed_note.pk]),
        {f"{prefix}-text": "Correction: BP was 128/82."},
    )
    addendum = ProgressNoteAddendum.objects.get()
    assert addendum.note == signed_note and addendum.author == prescriber
    page = client.get(reverse("appointment_notes", args=[signed_note.appointment_id]))
    assert "Correction: BP was 128/82." in page.content.decode()
    signed_note.refresh_from_db()
    assert signed_note.text == "Calm, goals set."


def test_a_draft_takes_no_addendum(therapist, visit):
    note = notes.note_create(by=therapist, appointment=visit, text="Draft.")
    with pytest.raises(SessionsError, match="addenda are for signed notes"):
        notes.addendum_add(by=therapist, note=note, text="x")


def test_an_addendum_is_never_changed(therapist, signed_note):
    addendum = notes.addendum_add(by=therapist, note=signed_note, text="Added.")
    addendum.text = "Changed."
    with pytest.raises(SessionsError):
        addendum.save()
    with pytest.raises(SessionsError):
        addendum.delete()


@pytest.mark.postgres
def test_the_database_refuses_to_change_an_addendum(therapist, signed_note):
    addendum = notes.addendum_add(by=therapist, note=signed_note, text="Added.")
    with pytest.raises(DatabaseError, match="addendum"):
        raw(
            "UPDATE kap_sessions_progressnoteaddendum SET text = 'x' WHERE id = %s",
            [addendum.pk],
        )


# --- Psychotherapy notes: their author alone reads them -------------------------------------------


@pytest.fixture
def private_note(therapist, visit):
    note = notes.note_create(
        by=therapist, appointment=visit, kind="psychotherapy", text="Private process note."
    )
    return notes.note_sign(by=therapist, note=note)


def test_a_psychotherapy_note_is_a_separate_record(private_note):
    assert isinstance(private_note, PsychotherapyNote)
    assert not ProgressNote.objects.exists()


def test_its_author_reads_it(signed_in, therapist, visit, private_note):
    page = signed_in(therapist).get(reverse("appointment_notes", args=[visit.pk]))
    assert "Private process note." in page.content.decode()


def test_the_rest_of_the_care_team_never_sees_it(signed_in, prescriber, visit, private_note):
    client = signed_in(prescriber)
    page = client.get(reverse("appointment_notes", args=[visit.pk]))
    assert page.status_code == 200
    assert "Private process note." not in page.content.decode()
    prefix = f"psychotherapy-{private_note.pk}"
    for name in ("note_edit", "note_sign", "addendum_new"):
        response = client.post(
            reverse(name, args=["psychotherapy", private_note.pk]), {f"{prefix}-text": "x"}
        )
        assert response.status_code == 404
    with pytest.raises(SessionsError):
        notes.addendum_add(by=prescriber, note=private_note, text="x")
    assert AuditEvent.objects.filter(
        user=prescriber, action="denied", object_id=str(private_note.pk)
    ).exists()
    assert not notes.may_read(prescriber, private_note)


def test_it_is_never_on_the_chart(signed_in, therapist, patient, private_note, signed_note):
    for reader in (therapist, signed_note.author):
        chart = signed_in(reader).get(reverse("chart", args=[patient.pk])).content.decode()
        assert "Private process note." not in chart
        assert "Psychotherapy" not in chart
    assert [n.pk for n in notes.chart_notes(patient)] == [signed_note.pk]


def test_the_chart_lists_progress_notes(signed_in, therapist, patient, signed_note):
    chart = signed_in(therapist).get(reverse("chart", args=[patient.pk])).content.decode()
    assert reverse("appointment_notes", args=[signed_note.appointment_id]) in chart


@pytest.mark.postgres
def test_the_database_refuses_to_change_a_signed_psychotherapy_note(private_note):
    with pytest.raises(DatabaseError, match="signed note"):
        raw(
            "UPDATE kap_sessions_psychotherapynote SET text = 'x' WHERE id = %s",
            [private_note.pk],
        )
