"""Break-glass: a clinician outside the care team opens a chart for 4 hours with a reason."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts.models import BreakGlassAccess
from audit.models import AuditEvent
from patients import break_glass
from patients.access import Access, may, patients_for
from patients.errors import PatientsError
from patients.models import Alert

pytestmark = pytest.mark.django_db

REASON = "Collapsed in the waiting room; need allergies and medications."


def test_outside_clinician_opens_the_chart_with_a_reason(
    signed_in, outside_clinician, patient, therapist, clinic_admin
):
    client = signed_in(outside_clinician)
    assert client.get(reverse("chart", args=[patient.pk])).status_code == 404
    response = client.post(reverse("emergency_access"), {"mrn": patient.mrn, "reason": REASON})
    assert response.status_code == 302 and response.url == reverse("chart", args=[patient.pk])
    chart = client.get(response.url)
    assert chart.status_code == 200
    assert b"Emergency access to this chart until" in chart.content
    grant = BreakGlassAccess.objects.get(user=outside_clinician)
    assert grant.reason == REASON
    assert grant.ends_at - grant.started_at == timedelta(hours=4)
    event = AuditEvent.objects.get(action="break_glass")
    assert event.user == outside_clinician and event.patient_id == patient.pk
    assert REASON not in str(event.detail)
    assert Alert.objects.filter(recipient=therapist, patient=patient).exists()
    admin_alert = Alert.objects.get(recipient=clinic_admin)
    assert admin_alert.patient is None and patient.last_name not in admin_alert.message


def test_it_goes_through_the_access_policy_and_ends_after_4_hours(outside_clinician, patient):
    assert not may(outside_clinician, Access.VIEW_RECORD, patient)
    grant = break_glass.break_glass_open(user=outside_clinician, mrn=patient.mrn, reason=REASON)
    assert may(outside_clinician, Access.VIEW_RECORD, patient)
    assert patient in patients_for(outside_clinician, Access.VIEW_RECORD)
    # Reading only: no writes, no alerts for this patient.
    assert not may(outside_clinician, Access.CHANGE_RECORD, patient)
    BreakGlassAccess.objects.filter(pk=grant.pk).update(
        started_at=timezone.now() - timedelta(hours=5), ends_at=timezone.now() - timedelta(hours=1)
    )
    assert not may(outside_clinician, Access.VIEW_RECORD, patient)


def test_the_banner_goes_when_the_access_ends(signed_in, outside_clinician, patient):
    client = signed_in(outside_clinician)
    client.post(reverse("emergency_access"), {"mrn": patient.mrn, "reason": REASON})
    BreakGlassAccess.objects.update(
        started_at=timezone.now() - timedelta(hours=5), ends_at=timezone.now() - timedelta(hours=1)
    )
    session = client.session
    session[break_glass.SESSION_KEY] = {str(patient.pk): timezone.now().timestamp() - 1}
    session.save()
    assert client.get(reverse("chart", args=[patient.pk])).status_code == 404


@pytest.mark.parametrize("role", ["intake", "frontdesk", "admin", "patient"])
def test_only_clinicians_may_break_the_glass(signed_in, make_user, patient, role):
    user = make_user(role)
    client = signed_in(user)
    response = client.post(reverse("emergency_access"), {"mrn": patient.mrn, "reason": REASON})
    assert response.status_code == 403
    with pytest.raises(PatientsError):
        break_glass.break_glass_open(user=user, mrn=patient.mrn, reason=REASON)
    assert not BreakGlassAccess.objects.exists()


@pytest.mark.parametrize(
    ("mrn", "reason", "field"),
    [
        ("", REASON, "mrn"),
        ("NOPE-0000", REASON, "mrn"),
        (None, "", "reason"),
        (None, "x", "reason"),
        (None, "a\x00bcdefghijk", "reason"),
        ("X" * 40, REASON, "mrn"),
    ],
)
def test_bad_input_is_a_field_error(signed_in, outside_clinician, patient, mrn, reason, field):
    client = signed_in(outside_clinician)
    data = {"mrn": patient.mrn if mrn is None else mrn, "reason": reason}
    response = client.post(reverse("emergency_access"), data)
    assert response.status_code == 400
    assert field in response.context["form"].errors
    assert not BreakGlassAccess.objects.exists()


def test_the_care_team_needs_no_glass(signed_in, therapist, patient):
    response = signed_in(therapist).post(
        reverse("emergency_access"), {"mrn": patient.mrn, "reason": REASON}
    )
    assert response.status_code == 400 and b"already open this chart" in response.content
