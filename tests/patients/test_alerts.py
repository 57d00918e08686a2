"""Alerts: open → acknowledged → resolved with a clinician's note, shown on the home page."""

import pytest
from django.db import IntegrityError, transaction
from django.urls import reverse

from patients.errors import PatientsError
from patients.models import Alert
from patients.services import alert_acknowledge, alert_raise, alert_resolve

pytestmark = pytest.mark.django_db


@pytest.fixture
def alert(patient, prescriber):
    [raised] = alert_raise(
        patient=patient,
        recipient=prescriber,
        kind="safety",
        severity="urgent",
        message="C-SSRS high risk at screening.",
    )
    return raised


def test_lifecycle(alert, prescriber):
    alert = alert_acknowledge(by=prescriber, alert=alert)
    assert alert.status == "acknowledged" and alert.acknowledged_by == prescriber
    alert = alert_resolve(by=prescriber, alert=alert, note="Seen; safety plan agreed.")
    assert alert.status == "resolved" and alert.resolution_note == "Seen; safety plan agreed."


def test_resolving_needs_a_note(alert, prescriber):
    with pytest.raises(PatientsError, match="needs a note"):
        alert_resolve(by=prescriber, alert=alert, note="  ")
    alert.refresh_from_db()
    assert alert.status == "open"


def test_only_clinicians_resolve(alert, frontdesk):
    with pytest.raises(PatientsError):
        alert_resolve(by=frontdesk, alert=alert, note="done")


def test_resolved_is_final(alert, prescriber):
    alert_resolve(by=prescriber, alert=alert, note="ok")
    with pytest.raises(PatientsError, match="already resolved"):
        alert_resolve(by=prescriber, alert=alert, note="again")
    with pytest.raises(PatientsError, match="Only an open alert"):
        alert_acknowledge(by=prescriber, alert=alert)


def test_the_database_refuses_a_resolution_without_note(alert):
    with pytest.raises(IntegrityError), transaction.atomic():
        Alert.objects.filter(pk=alert.pk).update(status="resolved")


def test_open_alerts_show_on_the_recipients_home_until_resolved(signed_in, alert, prescriber):
    client = signed_in(prescriber)
    assert b"C-SSRS high risk at screening." in client.get(reverse("home")).content
    response = client.post(reverse("alert_resolve", args=[alert.pk]), {"note": "Called; safe."})
    assert response.status_code == 302
    assert b"C-SSRS high risk at screening." not in client.get(reverse("home")).content


def test_resolve_form_error_keeps_the_page(signed_in, alert, prescriber):
    response = signed_in(prescriber).post(reverse("alert_resolve", args=[alert.pk]), {"note": ""})
    assert response.status_code == 400 and b"This field is required" in response.content


def test_an_outsider_cannot_open_the_alert(signed_in, alert, outside_clinician):
    assert signed_in(outside_clinician).get(reverse("alert", args=[alert.pk])).status_code == 403


# --- Routing stays inside the access policy (issue 10) ------------------------------------------


def _raise(patient, **to):
    return alert_raise(
        patient=patient, kind="clinical", severity="warning", message="PHQ-9 rose by 6.", **to
    )


def test_an_outsider_is_never_a_recipient(patient, prescriber, outside_clinician):
    alerts = _raise(patient, recipient=outside_clinician)
    # Nobody intended may see the patient: the on-call prescriber (on the team) gets it.
    assert [a.recipient for a in alerts] == [prescriber]
    assert not Alert.objects.filter(recipient=outside_clinician).exists()


def test_intended_recipients_outside_the_policy_are_left_out(
    patient, therapist, outside_clinician, clinic_admin, frontdesk
):
    alerts = _raise(patient, recipients=[outside_clinician, therapist, clinic_admin, frontdesk])
    assert [a.recipient for a in alerts] == [therapist]


def test_a_patient_never_receives_an_alert_about_themselves(patient, prescriber):
    alerts = _raise(patient, recipient=patient.user)
    assert [a.recipient for a in alerts] == [prescriber]


def test_an_on_call_prescriber_outside_the_team_hands_over_to_the_care_team(
    other_patient, prescriber, therapist, outside_clinician
):
    # `prescriber` is on call but not on other_patient's team (and other_patient is enrolled).
    alerts = _raise(other_patient, recipient=therapist)
    assert [a.recipient for a in alerts] == [outside_clinician]


def test_an_alert_nobody_may_receive_refuses_the_action(outside_clinician):
    from tests.patients.factories import CourseFactory

    orphan = CourseFactory(phase="treatment").patient  # no care team, no prescriber at all
    with pytest.raises(PatientsError, match="Nobody who may see this patient"):
        _raise(orphan, recipient=outside_clinician)
    assert not Alert.objects.exists()


def test_a_candidates_alert_with_no_team_goes_to_the_on_call_prescriber(candidate, prescriber):
    assert [a.recipient for a in _raise(candidate)] == [prescriber]


@pytest.fixture
def stray_alert(patient, outside_clinician):
    """An alert written around the service, to someone outside the patient's care team."""
    return Alert.objects.create(
        patient=patient,
        recipient=outside_clinician,
        kind="safety",
        severity="urgent",
        message="Stray alert about a patient outside this team.",
    )


def test_an_alert_outside_the_policy_is_never_shown(signed_in, stray_alert, outside_clinician):
    from patients.selectors import unresolved_alerts_for

    assert not unresolved_alerts_for(outside_clinician).exists()
    client = signed_in(outside_clinician)
    assert b"Stray alert" not in client.get(reverse("home")).content
    assert client.get(reverse("alert", args=[stray_alert.pk])).status_code == 403
    ack = client.post(reverse("alert_acknowledge", args=[stray_alert.pk]))
    assert ack.status_code == 403
    with pytest.raises(PatientsError, match="may not act on this alert"):
        alert_acknowledge(by=outside_clinician, alert=stray_alert)


def test_the_care_team_still_sees_and_resolves_a_stray_alert(signed_in, stray_alert, therapist):
    client = signed_in(therapist)
    chart = client.get(reverse("chart", args=[stray_alert.patient_id])).content
    assert b"Stray alert" in chart
    resolved = client.post(reverse("alert_resolve", args=[stray_alert.pk]), {"note": "Handled."})
    assert resolved.status_code == 302


def test_leaving_the_care_team_takes_the_alert_off_the_home_page(signed_in, patient, therapist):
    _raise(patient, recipient=therapist)
    client = signed_in(therapist)
    assert b"PHQ-9 rose by 6." in client.get(reverse("home")).content
    patient.care_team.filter(clinician=therapist).delete()
    assert b"PHQ-9 rose by 6." not in client.get(reverse("home")).content


def test_a_screening_alert_reaches_the_primary_therapist_not_an_outsider(
    signed_in, intake, candidate, therapist, outside_clinician, screening_policy
):
    from screening import intake as screening_services
    from tests.patients.factories import CareTeamFactory

    CareTeamFactory(patient=candidate, clinician=therapist, primary=True)
    course = candidate.courses.get()
    screening = screening_services.screening_start(by=intake, course=course)
    url = reverse("screening_questionnaire", args=[screening.pk, "phq9"])
    answers = {f"item{i}": "0" for i in range(8)} | {"item8": "2"}
    signed_in(intake).post(url, {**answers, "complete": "1"})
    assert [a.recipient for a in Alert.objects.filter(patient=candidate)] == [therapist]
    outsider_home = signed_in(outside_clinician).get(reverse("home")).content
    assert b"item 9" not in outsider_home
