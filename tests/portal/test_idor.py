"""A second patient asking for every portal URL with the first patient's object ids gets 404,
GET and POST, PDFs and .ics included: the patient always comes from the signed-in user."""

import pytest
from django.urls import URLPattern, get_resolver, reverse

from portal import services
from portal.models import JournalEntry
from tests.sessions.records_factories import sign

pytestmark = pytest.mark.django_db

# The staff pieces and the anonymous invitation link take no patient-owned id of the portal.
NOT_PATIENT_PAGES = {"invite", "followup_journal", "accept"}


def portal_routes() -> dict[str, tuple[str, ...]]:
    resolver = get_resolver().namespace_dict["portal"][1]
    return {
        p.name: tuple(p.pattern.converters)
        for p in resolver.url_patterns
        if isinstance(p, URLPattern)
    }


@pytest.fixture
def pauls_objects(patient, portal, other_patient):
    signature = sign(patient, patient.user)
    entry = services.journal_entry_write(
        by=patient.user,
        patient=patient,
        assignment=portal["assignment"],
        text="Mine alone.",
        shared=True,
    )
    return {
        "appointment_pk": portal["dosing"].pk,
        "signature_pk": signature.pk,
        "assignment_pk": portal["assignment"].pk,
        "entry_pk": entry.pk,
    }


def test_every_id_of_another_patient_answers_404(signed_in, other_patient, pauls_objects):
    client = signed_in(other_patient.user)
    with_ids = {n: p for n, p in portal_routes().items() if p and n not in NOT_PATIENT_PAGES}
    assert set(with_ids) == {
        "appointment",
        "appointment_ics",
        "consent_pdf",
        "journal_write",
        "journal_entry",
        "questionnaire",
    }
    for name, params in with_ids.items():
        if name == "questionnaire":
            continue  # a code, not an id: the same three questionnaires for everyone
        url = reverse(f"portal:{name}", kwargs={p: pauls_objects[p] for p in params})
        assert client.get(url).status_code == 404, f"GET {url}"
        post = client.post(url, {"text": "Overwritten", "sharing": "shared"})
        assert post.status_code in (404, 405), f"POST {url}"
    entry = JournalEntry.objects.get()
    assert entry.text == "Mine alone." and JournalEntry.objects.count() == 1


def test_pages_without_ids_show_only_ones_own(signed_in, patient, other_patient, pauls_objects):
    client = signed_in(other_patient.user)
    for name, params in portal_routes().items():
        if params or name in NOT_PATIENT_PAGES:
            continue
        response = client.get(reverse(f"portal:{name}"))
        assert response.status_code == 200, name
        body = response.content
        assert b"Mine alone." not in body and patient.last_name.encode() not in body, name


def test_get_only_pages_refuse_a_post(signed_in, patient, portal):
    client = signed_in(patient.user)
    for name in ("home", "journal", "progress", "record", "record_pdf", "questionnaires"):
        assert client.post(reverse(f"portal:{name}")).status_code == 405
