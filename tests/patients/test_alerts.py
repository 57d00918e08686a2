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
    return alert_raise(
        patient=patient,
        recipient=prescriber,
        kind="safety",
        severity="urgent",
        message="C-SSRS high risk at screening.",
    )


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
