"""The administrator's audit page and its CSV (issue 17): only the administrator, newest first,
keyset pages at a fixed query count, filters by patient, staff member, action and clinic days,
the find-by-record-number form that never puts the MRN in a URL, and the audited export."""

import csv
import io
from datetime import date, datetime, time, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from audit.models import AuditEvent
from audit.selectors import PAGE_SIZE
from audit.services import record
from sessions.demo import DemoClock

pytestmark = pytest.mark.django_db

URL = reverse("audit_events")
CSV_URL = reverse("audit_export")


def _at(day: date, hour: int = 10) -> datetime:
    return timezone.make_aware(datetime.combine(day, time(hour)))


def _view(user, patient, n=1):
    return [record(user=user, action="view", patient_id=patient.pk, obj=patient) for _ in range(n)]


@pytest.mark.parametrize(
    "persona, status",
    [
        ("clinic_admin", 200),
        ("therapist", 403),
        ("prescriber", 403),
        ("intake", 403),
        ("frontdesk", 403),
    ],
)
def test_only_the_administrator_opens_the_audit_page_and_its_export(
    request, signed_in, patient, persona, status
):
    client = signed_in(request.getfixturevalue(persona))
    assert client.get(URL).status_code == status
    assert client.get(CSV_URL).status_code == status
    assert client.post(URL, {"mrn": patient.mrn}).status_code in (status, 302)


def test_a_patient_and_anonymous_get_nothing(client, signed_in, patient):
    assert client.get(URL).status_code == 302  # to the sign-in page
    assert signed_in(patient.user).get(URL).status_code == 403
    assert signed_in(patient.user).get(CSV_URL).status_code == 403


def test_events_newest_first_in_words_without_a_patients_name(
    signed_in, clinic_admin, therapist, patient
):
    _view(therapist, patient)
    dose_print = record(user=therapist, action="print", patient_id=patient.pk)
    response = signed_in(clinic_admin).get(URL)
    rows = response.context["rows"]
    assert [r.event.pk for r in rows][:2] == [dose_print.pk, dose_print.pk - 1]
    first_view = rows[1]
    assert (first_view.who, first_view.role, first_view.action, first_view.what) == (
        therapist.get_full_name() or therapist.username,
        "Therapist",
        "Viewed",
        "Chart",
    )
    html = response.content.decode()
    assert str(patient.pk).split("-")[0] in html
    for phi in (patient.first_name, patient.last_name, patient.mrn):
        assert phi not in html
    assert "patients.patient" not in html and ">view<" not in html


def test_the_listing_is_audited_with_its_filters_not_ids(
    signed_in, clinic_admin, therapist, patient
):
    _view(therapist, patient, 3)
    signed_in(clinic_admin).get(URL, {"action": "view", "start": "2026-01-01"})
    listing = AuditEvent.objects.filter(user=clinic_admin).latest("id")
    assert listing.action == "view" and listing.patient_id is None
    assert listing.detail == {
        "audit_log": {"user": None, "action": "view", "start": "2026-01-01", "end": "", "rows": 3}
    }


def test_a_patient_filter_names_the_patient_and_is_audited_against_them(
    signed_in, clinic_admin, therapist, patient, other_patient
):
    _view(therapist, patient, 2)
    _view(therapist, other_patient, 1)
    response = signed_in(clinic_admin).get(URL, {"patient": patient.pk})
    assert {r.event.patient_id for r in response.context["rows"]} == {patient.pk}
    assert response.context["patient"] == patient  # the admin may see every demographic
    assert patient.mrn in response.content.decode()
    listing = AuditEvent.objects.filter(user=clinic_admin).latest("id")
    assert listing.patient_id == patient.pk


def test_filters_by_staff_member_action_and_clinic_days(
    signed_in, clinic_admin, therapist, prescriber, patient
):
    day = date(2026, 3, 10)
    with DemoClock(_at(day - timedelta(days=1), 23)):
        early = _view(therapist, patient)[0]
    with DemoClock(_at(day, 0)):  # the first minute of the clinic's day counts
        on_the_day = _view(therapist, patient)[0]
    with DemoClock(_at(day, 23)):
        late = record(user=prescriber, action="print", patient_id=patient.pk)
    with DemoClock(_at(day + timedelta(days=1), 0)):
        _view(therapist, patient)
    client = signed_in(clinic_admin)

    def shown(**query):
        response = client.get(URL, query)
        assert response.status_code == 200, response.context["form"].errors
        return [r.event.pk for r in response.context["rows"]]

    assert shown(start="2026-03-10", end="2026-03-10") == [late.pk, on_the_day.pk]
    assert shown(user=prescriber.pk) == [late.pk]
    assert shown(action="view", end="2026-03-10") == [on_the_day.pk, early.pk]
    assert client.get(URL, {"start": "2026-03-11", "end": "2026-03-10"}).status_code == 400
    assert client.get(URL, {"start": "1899-01-01"}).status_code == 400


def test_keyset_pages_go_older_and_back_newer(signed_in, clinic_admin, therapist, patient):
    events = _view(therapist, patient, PAGE_SIZE + 5)
    client = signed_in(clinic_admin)
    # The therapist's events: the admin's own listings of this patient are events about them too.
    mine = {"patient": patient.pk, "user": therapist.pk}
    first = client.get(URL, mine).context
    assert [r.event.pk for r in first["rows"]] == [e.pk for e in reversed(events)][:PAGE_SIZE]
    assert first["page"].newer is None and first["page"].older == events[5].pk
    second = client.get(URL, {**mine, "before": first["page"].older}).context
    assert [r.event.pk for r in second["rows"]] == [e.pk for e in reversed(events[:5])]
    assert second["page"].older is None
    back = client.get(URL, {**mine, "after": second["page"].newer}).context
    assert [r.event.pk for r in back["rows"]] == [r.event.pk for r in first["rows"]]
    assert back["page"].newer is None  # the newest page again
    assert client.get(URL, {"before": "NaN"}).status_code == 200  # a refused cursor: the newest


def _queries(client, **query) -> int:
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(URL, query).status_code == 200
    return len(ctx)


def test_a_page_costs_the_same_queries_at_one_row_and_a_full_page(
    signed_in, clinic_admin, therapist, prescriber, patient
):
    client = signed_in(clinic_admin)
    _view(therapist, patient, 1)
    client.get(URL)  # warm the session
    one = _queries(client, action="print")  # nothing printed yet: the empty page
    record(user=therapist, action="print", patient_id=patient.pk)
    one_row = _queries(client, action="print")
    for user in (therapist, prescriber):
        for _ in range(PAGE_SIZE):
            record(user=user, action="print", patient_id=patient.pk)
    full = _queries(client, action="print")
    filtered = _queries(client, action="print", patient=patient.pk, before=10**9)
    assert one == one_row == full
    assert filtered == full + 1  # the patient named by the policy
    # session, user, page, audit insert, staff list, session save (3 with its savepoint)
    assert full <= 8


def test_find_by_record_number_redirects_to_the_patients_uuid(signed_in, clinic_admin, patient):
    client = signed_in(clinic_admin)
    response = client.post(URL, {"mrn": f" {patient.mrn.lower()} "})
    assert response.status_code == 302
    assert response["Location"] == f"{URL}?patient={patient.pk}"
    assert patient.mrn not in response["Location"]
    search = AuditEvent.objects.filter(user=clinic_admin, action="search").get()
    assert search.patient_id == patient.pk
    assert patient.mrn not in str(search.detail)


def test_an_unknown_record_number_is_said_and_kept_in_the_field(signed_in, clinic_admin, db):
    response = signed_in(clinic_admin).post(URL, {"mrn": "NOPE-1"})
    assert response.status_code == 400
    html = response.content.decode()
    assert "No patient has that record number." in html and 'value="NOPE-1"' in html
    search = AuditEvent.objects.get(user=clinic_admin, action="search")
    assert search.patient_id is None and "NOPE" not in str(search.detail)


def _csv(response) -> list[list[str]]:
    return list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode())))


def test_the_csv_holds_the_filtered_events_in_words_and_is_itself_audited(
    signed_in, clinic_admin, therapist, prescriber, patient
):
    seen = _view(therapist, patient, 2)
    record(user=prescriber, action="print", patient_id=patient.pk)
    response = signed_in(clinic_admin).get(CSV_URL, {"user": therapist.pk})
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert response["Content-Disposition"].startswith('attachment; filename="audit-log-')
    assert "no-store" in response["Cache-Control"]
    export = AuditEvent.objects.filter(user=clinic_admin, action="export").get()
    header, *lines = _csv(response)
    assert header[:7] == [
        "Event", "When (clinic time)", "Staff member", "User name", "Role", "Action", "What",
    ]  # fmt: skip
    assert [int(line[0]) for line in lines] == [seen[1].pk, seen[0].pk]  # not the export's own
    assert lines[0][2:9] == [
        therapist.get_full_name() or therapist.username,
        therapist.username,
        "Therapist",
        "Viewed",
        "Chart",
        str(patient.pk),
        str(patient.pk),
    ]
    assert patient.last_name not in b"".join(response.streaming_content).decode()
    assert export.detail == {
        "audit_log": {
            "user": therapist.pk,
            "action": "",
            "start": "",
            "end": "",
            "through": seen[1].pk,
        }
    }


def test_the_csv_costs_the_same_queries_at_any_size_and_guards_formulas(
    signed_in, clinic_admin, make_user, patient
):
    client = signed_in(clinic_admin)
    sly = make_user("therapist", username="sly", first_name="=HYPERLINK(1)", last_name="")

    def exported() -> tuple[int, list]:
        with CaptureQueriesContext(connection) as ctx:
            rows = _csv(client.get(CSV_URL, {"user": sly.pk}))
        return len(ctx), rows

    record(user=sly, action="view", patient_id=patient.pk)
    small, rows = exported()
    assert rows[1][2] == "'=HYPERLINK(1)"
    for _ in range(30):
        record(user=sly, action="view", patient_id=patient.pk)
    large, rows = exported()
    assert len(rows) == 32 and small == large


def test_a_refused_filter_exports_nothing(signed_in, clinic_admin):
    response = signed_in(clinic_admin).get(CSV_URL, {"start": "9999-12-31"})
    assert response.status_code == 400
    assert not AuditEvent.objects.filter(action="export").exists()


def test_the_chart_links_the_admin_to_the_patients_events(signed_in, clinic_admin, patient):
    html = signed_in(clinic_admin).get(reverse("chart", args=[patient.pk])).content.decode()
    assert f"{URL}?patient={patient.pk}" in html


def test_a_patients_own_portal_events_never_name_her(signed_in, clinic_admin, patient):
    record(user=patient.user, action="view", patient_id=patient.pk, detail={"record": True})
    response = signed_in(clinic_admin).get(URL)
    (mine,) = [r for r in response.context["rows"] if r.event.user_id == patient.user.pk]
    assert (mine.who, mine.role, mine.what) == ("The patient, in the portal", "Patient", "Record")
    assert patient.last_name not in response.content.decode()
    lines = _csv(signed_in(clinic_admin).get(CSV_URL, {"action": "view"}))
    assert patient.last_name not in str(lines) and patient.user.username not in str(lines)


def test_a_patient_reference_that_is_no_uuid_shows_everyone_and_says_so(signed_in, clinic_admin):
    response = signed_in(clinic_admin).get(URL, {"patient": "not-a-uuid"})
    assert response.status_code == 400
    assert "showing every patient" in response.content.decode()
