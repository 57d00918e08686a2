"""The access policy, role by role, against the patient list and the chart.

Each role has a case it is allowed and a case that must be refused.
"""

import pytest
from django.urls import reverse

from audit.models import AuditEvent
from patients.access import Access, may, patients_for

pytestmark = pytest.mark.django_db


def chart(patient):
    return reverse("chart", args=[patient.pk])


def listed(client):
    response = client.post(reverse("patient_list"), {"q": ""})
    assert response.status_code == 200
    return {p.pk for p in response.context["page"].object_list}


def test_care_team_clinician_sees_own_patients_only(signed_in, therapist, patient, other_patient):
    client = signed_in(therapist)
    assert listed(client) == {patient.pk}
    assert client.get(chart(patient)).status_code == 200
    assert client.get(chart(other_patient)).status_code == 404


def test_prescriber_on_team_sees_the_record(signed_in, prescriber, patient, other_patient):
    client = signed_in(prescriber)
    response = client.get(chart(patient))
    assert response.status_code == 200 and "view_record" in response.context["actions"]
    assert client.get(chart(other_patient)).status_code == 404


def test_outside_clinician_is_refused(signed_in, outside_clinician, patient, other_patient):
    client = signed_in(outside_clinician)
    assert listed(client) == {other_patient.pk}
    assert client.get(chart(patient)).status_code == 404


def test_intake_sees_candidates_not_patients_in_treatment(signed_in, intake, candidate, patient):
    client = signed_in(intake)
    assert listed(client) == {candidate.pk}
    response = client.get(chart(candidate))
    assert response.status_code == 200 and "view_record" in response.context["actions"]
    assert client.get(chart(patient)).status_code == 404


def test_frontdesk_sees_demographics_but_no_clinical_record(
    signed_in, frontdesk, patient, other_patient, candidate
):
    client = signed_in(frontdesk)
    assert listed(client) == {patient.pk, other_patient.pk, candidate.pk}
    response = client.get(chart(patient))
    assert response.status_code == 200
    assert "view_record" not in response.context["actions"]
    assert b"Course of treatment" not in response.content
    assert b"not shown to your role" in response.content


def test_admin_sees_demographics_but_no_clinical_record(signed_in, clinic_admin, patient):
    client = signed_in(clinic_admin)
    assert patient.pk in listed(client)
    response = client.get(chart(patient))
    assert response.status_code == 200
    assert "view_record" not in response.context["actions"]


def test_patient_may_not_use_staff_pages(signed_in, patient, other_patient):
    client = signed_in(patient.user)
    assert client.get(chart(other_patient)).status_code == 403
    assert client.get(chart(patient)).status_code == 403
    assert client.post(reverse("patient_list"), {"q": ""}).status_code == 403


def test_patient_policy_covers_own_record_only(patient, other_patient):
    user = patient.user
    assert may(user, Access.VIEW_RECORD, patient)
    assert not may(user, Access.VIEW_RECORD, other_patient)
    assert not may(user, Access.CHANGE_RECORD, patient)
    assert list(patients_for(user, Access.VIEW_RECORD)) == [patient]


def test_inactive_user_sees_nothing(therapist, patient):
    therapist.is_active = False
    therapist.save()
    assert not may(therapist, Access.VIEW_RECORD, patient)
    assert not patients_for(therapist).exists()


def test_signed_out_visitor_is_sent_to_sign_in(client, patient):
    response = client.get(chart(patient))
    assert response.status_code == 302
    assert response.url.startswith(reverse("login"))


def test_every_chart_view_writes_an_audit_event(signed_in, therapist, patient):
    client = signed_in(therapist)
    before = AuditEvent.objects.count()
    client.get(chart(patient), REMOTE_ADDR="10.1.2.3")
    event = AuditEvent.objects.latest("id")
    assert AuditEvent.objects.count() == before + 1
    assert (event.user, event.role, event.patient_id, event.action) == (
        therapist,
        "therapist",
        patient.pk,
        "view",
    )
    assert (event.object_type, event.object_id, event.ip) == (
        "patients.patient",
        str(patient.pk),
        "10.1.2.3",
    )


def test_a_refused_chart_is_audited_too(signed_in, outside_clinician, patient):
    signed_in(outside_clinician).get(chart(patient))
    event = AuditEvent.objects.latest("id")
    assert (event.action, event.patient_id, event.user) == ("denied", patient.pk, outside_clinician)


def test_phase_change_page_refuses_frontdesk(signed_in, frontdesk, patient):
    course = patient.courses.get()
    url = reverse("course_phase", args=[patient.pk, course.pk])
    response = signed_in(frontdesk).post(url, {"to_phase": "maintenance"})
    assert response.status_code == 403
    course.refresh_from_db()
    assert course.phase == "treatment"


# --- Former patients are not candidates (issue 10) --------------------------------------------


@pytest.fixture(params=["completed", "discontinued"])
def former_patient(request, screening_policy, intake, therapist):
    """A patient screened as a candidate, treated, and now with every course closed."""
    from screening.demo import screen_candidate
    from tests.patients.factories import (
        CareTeamFactory,
        CourseFactory,
        PatientFactory,
        place_in_phase,
    )

    person = PatientFactory(first_name="Fern", last_name="Albright")
    course = CourseFactory(patient=person, phase="screening")
    screen_candidate(course=course, by=intake)
    CareTeamFactory(patient=person, clinician=therapist, primary=True)
    place_in_phase(course, request.param, by=therapist)
    return person


def test_intake_policy_leaves_former_patients_out(intake, prescriber, former_patient, candidate):
    for action in Access:
        assert not may(intake, action, former_patient)
        assert not may(prescriber, action, former_patient)
    assert list(patients_for(intake, Access.VIEW_RECORD)) == [candidate]
    assert former_patient not in patients_for(prescriber, Access.VIEW_DEMOGRAPHICS)


def test_a_patient_with_no_course_ever_is_a_candidate(intake):
    from tests.patients.factories import PatientFactory

    newcomer = PatientFactory()
    assert may(intake, Access.CHANGE_RECORD, newcomer)
    assert newcomer in patients_for(intake, Access.VIEW_RECORD)


def test_a_former_patient_screened_again_is_a_candidate_again(intake, former_patient):
    from tests.patients.factories import CourseFactory

    CourseFactory(patient=former_patient, phase="screening")
    assert may(intake, Access.CHANGE_RECORD, former_patient)


def test_intake_pages_refuse_a_former_patient(signed_in, intake, former_patient):
    from screening.models import ScreeningDecision

    client = signed_in(intake)
    decision = ScreeningDecision.objects.get(screening__course__patient=former_patient)
    assert former_patient.pk not in listed(client)
    assert client.get(chart(former_patient)).status_code == 404
    pdf = reverse("screening_summary_pdf", args=[decision.pk])
    assert client.get(pdf).status_code == 404
    assert client.get(reverse("screening", args=[decision.screening_id])).status_code == 404
    add = reverse("care_team_add", args=[former_patient.pk])
    assert client.post(add, {"clinician": decision.decided_by_id}).status_code == 404
    assert (
        AuditEvent.objects.filter(
            user=intake, action="denied", patient_id=former_patient.pk
        ).count()
        == 4
    )


def test_intake_may_not_change_a_former_patients_care_team(
    intake, outside_clinician, former_patient
):
    from patients.errors import PatientsError
    from patients.services import care_team_add

    with pytest.raises(PatientsError, match="may not change this patient's care team"):
        care_team_add(by=intake, patient=former_patient, clinician=outside_clinician)
    assert not former_patient.care_team.filter(clinician=outside_clinician).exists()


def test_list_and_may_agree_for_every_role_and_action(
    therapist,
    prescriber,
    outside_clinician,
    intake,
    frontdesk,
    clinic_admin,
    patient,
    other_patient,
    candidate,
    former_patient,
):
    from tests.patients.factories import PatientFactory

    everyone = [patient, other_patient, candidate, former_patient, PatientFactory()]
    users = [therapist, prescriber, outside_clinician, intake, frontdesk, clinic_admin]
    users += [patient.user]
    for user in users:
        for action in Access:
            listed_ids = set(patients_for(user, action).values_list("pk", flat=True))
            for person in everyone:
                assert may(user, action, person) == (person.pk in listed_ids), (user, action)


def test_the_has_course_hint_is_set_by_the_first_course_and_a_stale_one_misleads_nobody(
    intake, former_patient
):
    from patients.models import Patient
    from tests.patients.factories import CourseFactory, PatientFactory

    newcomer = PatientFactory()
    assert not Patient.objects.get(pk=newcomer.pk).has_course
    CourseFactory(patient=newcomer, phase="screening")
    assert Patient.objects.get(pk=newcomer.pk).has_course
    # Courses written in bulk leave the hint False: the policy still reads the courses.
    Patient.objects.filter(pk=former_patient.pk).update(has_course=False)
    assert not may(intake, Access.VIEW_RECORD, former_patient)
    assert former_patient not in patients_for(intake, Access.VIEW_RECORD)
    assert newcomer in patients_for(intake, Access.VIEW_RECORD)


def test_candidate_lists_agree_with_the_policy_for_every_role_and_action(
    therapist, prescriber, outside_clinician, intake, frontdesk, clinic_admin, patient, candidate
):
    """`candidates_for` (the filter the intake and review queues use) lists exactly the courses
    in screening whose patient `patients_for` lists."""
    from patients.access import candidates_for
    from patients.models import TreatmentCourse
    from tests.patients.factories import CareTeamFactory, CourseFactory, PatientFactory

    on_team = CourseFactory(patient=PatientFactory(), phase="screening").patient
    CareTeamFactory(patient=on_team, clinician=therapist)
    in_screening = TreatmentCourse.objects.filter(phase="screening")
    users = [therapist, prescriber, outside_clinician, intake, frontdesk, clinic_admin]
    for user in [*users, patient.user]:
        for action in Access:
            scope = candidates_for(user, action)
            listed = set() if scope is None else set(in_screening.filter(scope))
            expected = set(in_screening.filter(patient__in=patients_for(user, action)))
            assert listed == expected, (user.role, action)
