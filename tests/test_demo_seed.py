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


def test_the_demo_has_doses_in_its_history_their_follow_ups_and_one_in_clinic_now(
    screening_policy, appointment_types, client
):
    from django.urls import reverse
    from django.utils import timezone

    from accounts.models import User
    from integration.models import FollowUp
    from sessions.booking.selectors import clinic_zone
    from sessions.models import Dose, Movement

    call_command("seed_demo", stdout=StringIO())
    finished = Dose.objects.filter(status__in=["discharged", "ended_early", "integrated"])
    assert finished.count() == 3
    assert Dose.objects.filter(status="integrated").count() == 1
    # Every finished dose has its follow-up with its window; each dose drew from the ledger.
    assert FollowUp.objects.filter(dose__in=finished).count() == 3
    assert Movement.objects.filter(dose__isnull=False).count() >= 3
    started = Dose.objects.filter(status="started")
    local = timezone.localtime(timezone.now(), clinic_zone())
    if local.hour or local.minute > 21:  # just after midnight nothing can have started today
        assert started.count() == 1
        client.force_login(User.objects.get(username="frontdesk"))
        board = client.get(reverse("home")).context["in_clinic"]
        assert len(board) == 1 and not board[0].show_name and not board[0].show_clinical
    # Idempotent: a second run adds no dose.
    call_command("seed_demo", stdout=StringIO())
    assert Dose.objects.exclude(status="booked").count() == 3 + started.count()
