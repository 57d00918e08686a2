"""'Who has seen my record' in the portal (issue 17): the HIPAA accounting of disclosures. A
patient sees each access to their own record by clinic staff (who, their role, when, what, in
words), newest first, a page at a time at a fixed query count; never another patient's, never
their own actions; viewing it is recorded."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from audit.models import AuditEvent
from audit.services import record
from portal.views import ACCESS_LOG_PAGE

pytestmark = pytest.mark.django_db

URL = reverse("portal:access_log")


def test_the_patient_sees_staff_accesses_to_their_record_in_words(
    signed_in, patient, other_patient, therapist, prescriber, outside_clinician
):
    record(user=therapist, action="view", patient_id=patient.pk, obj=patient)
    record(user=prescriber, action="print", patient_id=patient.pk, detail={"document": "rems form"})
    record(user=outside_clinician, action="denied", patient_id=patient.pk)  # nothing was shown
    record(user=None, action="create", patient_id=patient.pk)  # the scheduler
    record(user=patient.user, action="view", patient_id=patient.pk, obj=patient)  # her own
    record(user=outside_clinician, action="view", patient_id=other_patient.pk, obj=other_patient)
    response = signed_in(patient.user).get(URL)
    assert response.status_code == 200
    entries = response.context["entries"]
    assert [(e["what"], e["who"], e["role"]) for e in entries] == [
        ("Printed a REMS form", prescriber.get_full_name(), "Prescriber"),
        ("Viewed your chart", therapist.get_full_name(), "Therapist"),
    ]
    html = response.content.decode()
    assert "Printed a REMS form" in html and prescriber.get_full_name() in html
    assert outside_clinician.get_full_name() not in html


def test_viewing_it_is_recorded_and_not_listed_back(signed_in, patient, therapist):
    record(user=therapist, action="view", patient_id=patient.pk, obj=patient)
    client = signed_in(patient.user)
    client.get(URL)
    mine = AuditEvent.objects.filter(user=patient.user).latest("id")
    assert (mine.action, mine.patient_id) == ("view", patient.pk)
    assert mine.detail == {"access_log": {"rows": 1}}
    assert len(client.get(URL).context["entries"]) == 1


def test_the_administrators_look_at_her_log_is_itself_listed(signed_in, patient, clinic_admin):
    signed_in(clinic_admin).get(reverse("audit_events"), {"patient": patient.pk})
    entries = signed_in(patient.user).get(URL).context["entries"]
    assert [(e["what"], e["role"]) for e in entries] == [
        ("Viewed the access log of your record", "Administrator")
    ]


def test_another_patient_sees_only_their_own(signed_in, patient, other_patient, therapist):
    record(user=therapist, action="view", patient_id=patient.pk, obj=patient)
    response = signed_in(other_patient.user).get(URL)
    assert response.context["entries"] == []
    assert "No one at the clinic has opened your record yet." in response.content.decode()


@pytest.mark.parametrize("persona", ["therapist", "clinic_admin", "frontdesk", "intake"])
def test_staff_get_403(request, signed_in, patient, persona):
    assert signed_in(request.getfixturevalue(persona)).get(URL).status_code == 403


def test_pages_of_the_list_at_a_fixed_query_count(signed_in, patient, therapist):
    client = signed_in(patient.user)
    client.get(URL)

    def fetch(**query):
        with CaptureQueriesContext(connection) as ctx:
            response = client.get(URL, query)
        assert response.status_code == 200
        return len(ctx), response.context

    record(user=therapist, action="view", patient_id=patient.pk, obj=patient)
    one, _ = fetch()
    events = [
        record(user=therapist, action="view", patient_id=patient.pk, obj=patient)
        for _ in range(ACCESS_LOG_PAGE + 3)
    ]
    many, first = fetch()
    assert one == many
    assert len(first["entries"]) == ACCESS_LOG_PAGE
    assert first["page"].older == events[3].pk
    _, older = fetch(before=first["page"].older)
    assert len(older["entries"]) == 4 and older["page"].older is None
    assert older["page"].newer is not None


def test_the_record_page_and_home_link_to_it(signed_in, patient):
    client = signed_in(patient.user)
    assert URL in client.get(reverse("portal:record")).content.decode()
    assert URL in client.get(reverse("portal:home")).content.decode()
