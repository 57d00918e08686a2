"""The demo clinic is seeded through the services, so it obeys their walls."""

from io import StringIO

import pytest
from django.core.management import call_command

from patients.access import Access, may
from patients.models import Alert

pytestmark = pytest.mark.django_db


def test_every_demo_alert_reaches_someone_who_may_act_on_its_patient(
    screening_policy, appointment_types
):
    call_command("seed_demo", stdout=StringIO())
    alerts = list(Alert.objects.select_related("patient", "recipient"))
    assert alerts
    for alert in alerts:
        assert may(alert.recipient, Access.ALERTS, alert.patient), alert.message
