"""Patient pages: search in POST bodies, registration, editing, phase changes, fixed query costs."""

import pytest
from django.urls import reverse

from audit.models import AuditEvent
from patients.models import Patient, PhaseChange
from tests.patients.factories import CareTeamFactory, CourseFactory, PatientFactory

pytestmark = pytest.mark.django_db

NEW_PATIENT = {
    "first_name": "Maren",
    "last_name": "Holt",
    "preferred_name": "",
    "date_of_birth": "1991-03-14",
    "sex": "female",
    "email": "maren@example.invalid",
    "phone": "555-0142",
    "address": "",
    "emergency_contact_name": "Ola Holt",
    "emergency_contact_relationship": "brother",
    "emergency_contact_phone": "555-0143",
}


def test_search_by_name_mrn_or_birth_date(signed_in, frontdesk, patient, other_patient):
    client = signed_in(frontdesk)
    for term in ["reyes", "Paula Reyes", patient.mrn, "1987-04-09", "04/09/1987"]:
        response = client.post(reverse("patient_list"), {"q": term})
        assert list(response.context["page"].object_list) == [patient], term


def test_the_search_term_never_reaches_the_url_or_the_audit_log(signed_in, frontdesk, patient):
    response = signed_in(frontdesk).post(reverse("patient_list"), {"q": "Reyes"})
    assert response.request["PATH_INFO"] == "/patients/"
    assert response.request["QUERY_STRING"] == ""
    event = AuditEvent.objects.latest("id")
    assert event.action == "search"
    assert "Reyes" not in str(event.detail)
    assert event.detail["patients"] == [str(patient.pk)]


def test_the_htmx_search_returns_only_the_results(signed_in, frontdesk, patient):
    response = signed_in(frontdesk).post(
        reverse("patient_list"), {"q": "Reyes"}, headers={"HX-Request": "true"}
    )
    assert [t.name for t in response.templates][0] == "patients/_results.html"
    assert b"Reyes" in response.content and b"<nav" not in response.content


def test_pagination_keeps_the_term_in_the_post_body(signed_in, frontdesk):
    PatientFactory.create_batch(30, last_name="Lindgren")
    client = signed_in(frontdesk)
    first = client.post(reverse("patient_list"), {"q": "Lindgren"})
    assert first.context["page"].paginator.num_pages == 2
    assert b'name="page" value="2"' in first.content
    second = client.post(reverse("patient_list"), {"q": "Lindgren", "page": "2"})
    assert len(second.context["page"].object_list) == 5


@pytest.mark.parametrize("term", ["", "Okafor"])
@pytest.mark.parametrize("count", [1, 40])
def test_the_patient_list_costs_a_fixed_number_of_queries(
    signed_in, therapist, django_assert_num_queries, count, term
):
    for _ in range(count):
        person = PatientFactory(last_name="Okafor")
        CourseFactory(patient=person, phase="treatment")
        CareTeamFactory(patient=person, clinician=therapist)
    client = signed_in(therapist)
    # session, user, count (a search: its matches, once), page, courses, audit insert, session
    # update in a savepoint
    with django_assert_num_queries(9):
        response = client.post(reverse("patient_list"), {"q": term})
    assert len(response.context["page"].object_list) == min(count, 25)


def test_search_results_are_alphabetical_and_a_broad_one_is_capped(
    signed_in, frontdesk, monkeypatch
):
    from patients import selectors

    for last, first in [("lind", "Bo"), ("Lindgren", "Ada"), ("Lind", "Al"), ("Berglind", "Cy")]:
        PatientFactory(last_name=last, first_name=first)
    client = signed_in(frontdesk)
    page = client.post(reverse("patient_list"), {"q": "lind"}).context["page"]
    names = [(p.last_name, p.first_name) for p in page.object_list]
    assert names == [("Berglind", "Cy"), ("Lind", "Al"), ("lind", "Bo"), ("Lindgren", "Ada")]
    assert page.paginator.count == 4
    monkeypatch.setattr(selectors, "LIST_CAP", 2)
    monkeypatch.setattr("patients.views.PAGE_SIZE", 2)
    response = client.post(reverse("patient_list"), {"q": "lind"})
    assert response.context["page"].paginator.capped
    assert "more than 2 patients" in response.content.decode()
    assert len(response.context["page"].object_list) == 2


@pytest.mark.parametrize("changes", [1, 30])
def test_the_chart_costs_a_fixed_number_of_queries(
    signed_in, therapist, patient, django_assert_num_queries, changes
):
    course = patient.courses.get()
    PhaseChange.objects.bulk_create(
        PhaseChange(course=course, from_phase="", to_phase="treatment", by=therapist)
        for _ in range(changes)
    )
    client = signed_in(therapist)
    client.get(reverse("chart", args=[patient.pk]))  # warm the session
    # session, user, patient, access, chart (patient, courses, timeline, team, alerts), screening,
    # the clinicians for the care-team form, the preparation section (consent 3, preparation
    # appointments and records 2, latest questionnaires 1), the progress notes, the doses and
    # the follow-ups (the doses' adverse events only when there are doses), the messages
    # (messages, contact preference, pause: 3), the outcomes' scores (1: the doses are shared),
    # audit insert, session update in a savepoint
    with django_assert_num_queries(28):
        response = client.get(reverse("chart", args=[patient.pk]))
    assert response.status_code == 200


def test_register_a_candidate_opens_a_course_in_screening(signed_in, intake):
    response = signed_in(intake).post(reverse("patient_register"), NEW_PATIENT)
    patient = Patient.objects.get(last_name="Holt")
    assert response.status_code == 302 and response.url == reverse("chart", args=[patient.pk])
    assert patient.mrn.startswith("KC") and patient.created_by == intake
    assert patient.courses.get().phase == "screening"
    assert "Holt" not in response.url


def test_mrns_are_sequential_and_unique(signed_in, intake):
    client = signed_in(intake)
    for name in ["Holt", "Berg"]:
        client.post(reverse("patient_register"), {**NEW_PATIENT, "last_name": name})
    first, second = (Patient.objects.get(last_name=n).mrn for n in ["Holt", "Berg"])
    assert int(second[2:]) == int(first[2:]) + 1


def test_bad_registration_keeps_what_was_typed(signed_in, intake):
    response = signed_in(intake).post(
        reverse("patient_register"), {**NEW_PATIENT, "date_of_birth": "14th of March"}
    )
    assert response.status_code == 400
    assert "date_of_birth" in response.context["form"].errors
    assert b'value="Maren"' in response.content and b'value="555-0142"' in response.content
    assert not Patient.objects.filter(last_name="Holt").exists()


@pytest.mark.parametrize("role", ["therapist", "prescriber", "patient"])
def test_only_registrars_register(signed_in, make_user, role):
    response = signed_in(make_user(role)).post(reverse("patient_register"), NEW_PATIENT)
    assert response.status_code == 403
    assert not Patient.objects.filter(last_name="Holt").exists()


def test_edit_details_is_audited_with_field_names_only(signed_in, frontdesk, patient):
    data = {
        **NEW_PATIENT,
        "first_name": "Paula",
        "last_name": "Reyes",
        "date_of_birth": "1987-04-09",
        "phone": "555-0999",
    }
    response = signed_in(frontdesk).post(reverse("patient_edit", args=[patient.pk]), data)
    assert response.status_code == 302
    patient.refresh_from_db()
    assert patient.phone == "555-0999"
    event = AuditEvent.objects.filter(action="change").latest("id")
    assert "phone" in event.detail["fields"] and "555-0999" not in str(event.detail)


def test_phase_change_from_the_chart(signed_in, prescriber, patient):
    course = patient.courses.get()
    url = reverse("course_phase", args=[patient.pk, course.pk])
    response = signed_in(prescriber).post(url, {"to_phase": "maintenance", "reason": "Six doses"})
    assert response.status_code == 302
    course.refresh_from_db()
    assert course.phase == "maintenance"
    timeline = signed_in(prescriber).get(reverse("chart", args=[patient.pk]))
    assert b"Six doses" in timeline.content and b"Maintenance" in timeline.content


def test_a_refused_phase_change_keeps_the_reason_typed(signed_in, prescriber, patient):
    course = patient.courses.get()
    url = reverse("course_phase", args=[patient.pk, course.pk])
    response = signed_in(prescriber).post(url, {"to_phase": "discontinued", "reason": "   "})
    assert response.status_code == 400
    assert b"needs a reason" in response.content
    response = signed_in(prescriber).post(url, {"to_phase": "screening", "reason": "Back"})
    assert response.status_code == 400
    assert b"Back</textarea>" in response.content
    course.refresh_from_db()
    assert course.phase == "treatment"


# --- Dates of birth outside a plausible range (issue 10) ------------------------------------------


@pytest.mark.parametrize("born", ["0001-01-01", "1899-12-31", "9999-12-31", "tomorrow"])
def test_an_implausible_birth_date_is_a_field_error_that_keeps_the_rest(signed_in, intake, born):
    from datetime import timedelta

    from django.utils import timezone

    if born == "tomorrow":
        born = (timezone.localdate() + timedelta(days=1)).isoformat()
    client = signed_in(intake)
    response = client.post(reverse("patient_register"), {**NEW_PATIENT, "date_of_birth": born})
    assert response.status_code == 400
    errors = response.context["form"].errors
    assert list(errors) == ["date_of_birth"]
    assert "between Jan 1, 1900 and today" in errors["date_of_birth"][0]
    assert b'value="Maren"' in response.content and f'value="{born}"'.encode() in response.content
    assert not Patient.objects.filter(last_name="Holt").exists()


def test_editing_refuses_an_implausible_birth_date(signed_in, frontdesk, patient):
    url = reverse("patient_edit", args=[patient.pk])
    response = signed_in(frontdesk).post(url, {**NEW_PATIENT, "date_of_birth": "9999-12-31"})
    assert response.status_code == 400 and "date_of_birth" in response.context["form"].errors
    patient.refresh_from_db()
    assert patient.date_of_birth.year == 1987


def test_the_services_refuse_an_implausible_birth_date(intake, frontdesk, patient):
    from datetime import date

    from patients.errors import PatientsError
    from patients.services import patient_register, patient_update

    fields = {**NEW_PATIENT, "date_of_birth": date(1850, 5, 1)}
    with pytest.raises(PatientsError, match="between Jan 1, 1900 and today") as error:
        patient_register(by=intake, **fields)
    assert error.value.field == "date_of_birth"
    with pytest.raises(PatientsError, match="between Jan 1, 1900 and today"):
        patient_update(by=frontdesk, patient=patient, date_of_birth=date(3000, 1, 1))
    assert patient_register(by=intake, **{**fields, "date_of_birth": date(1900, 1, 1)}).pk


def test_the_database_refuses_a_birth_date_before_1900(patient):
    from datetime import date

    from django.db import IntegrityError, transaction

    with pytest.raises(IntegrityError), transaction.atomic():
        Patient.objects.filter(pk=patient.pk).update(date_of_birth=date(1, 1, 1))


def test_a_forged_care_team_form_count_builds_twenty_forms_at_most(
    signed_in, clinic_admin, patient
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    url = reverse("admin:patients_patient_change", args=[patient.pk])
    data = {
        **NEW_PATIENT,
        "care_team-TOTAL_FORMS": "99999999999999999999",
        "care_team-INITIAL_FORMS": "0",
    }
    client = signed_in(clinic_admin)
    with CaptureQueriesContext(connection) as queries:
        response = client.post(url, data)
    assert response.status_code == 200
    assert "Please submit at most 20 forms" in response.content.decode()
    assert len(queries) < 40
