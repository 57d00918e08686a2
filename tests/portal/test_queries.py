"""Every portal page costs the same number of queries whatever the length of the history."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from tests.sessions.records_factories import sign

pytestmark = pytest.mark.django_db

PAGES = [
    ("portal:home", []),
    ("portal:questionnaires", []),
    ("portal:consent", []),
    ("portal:journal", []),
    ("portal:progress", []),
    ("portal:record", []),
    ("portal:access_log", []),
    ("portal:record_pdf", []),
    ("portal:messages", []),
    ("portal:appointment", ["dosing"]),
    ("portal:journal_write", ["assignment"]),
]


def counts(client, portal) -> dict[str, int]:
    found = {}
    for name, args in PAGES:
        url = reverse(name, args=[portal[a].pk for a in args])
        client.get(url)  # a first visit may give a finished dose its prompts
        with CaptureQueriesContext(connection) as queries:
            assert client.get(url).status_code == 200
        found[name] = len(queries)
    return found


def test_portal_pages_cost_a_fixed_number_of_queries(
    signed_in, patient, portal, history, therapist
):
    sign(patient, therapist)
    client = signed_in(patient.user)
    short = counts(client, portal)
    history(8)
    long = counts(client, portal)
    assert long == short
    assert max(short.values()) <= 16, short


def test_the_follow_up_journal_costs_a_fixed_number_of_queries(
    signed_in, patient, portal, history, therapist
):
    client = signed_in(therapist)
    url = reverse("portal:followup_journal", args=[portal["followup"].pk])
    with CaptureQueriesContext(connection) as before:
        client.get(url)
    history(5)
    with CaptureQueriesContext(connection) as after:
        client.get(url)
    assert len(after) == len(before)
