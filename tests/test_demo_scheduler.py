"""`make demo` runs beat's schedule in-process: every scheduled task must resolve and run."""

import logging
from datetime import timedelta

import pytest

from audit.models import AuditSeal
from audit.services import record
from kap_clinic.scheduler import run_due


@pytest.mark.django_db
def test_every_scheduled_task_runs_in_process(therapist, caplog, settings):
    settings.CELERY_BEAT_SCHEDULE = {
        "seal-now": {"task": "audit.tasks.seal_audit_events", "schedule": 60.0, "args": (0,)},
    }
    record(user=therapist, action="list")
    with caplog.at_level(logging.ERROR, logger="kap_clinic.scheduler"):
        wait = run_due({})
    assert not caplog.records
    assert AuditSeal.objects.get().event_count == 1
    assert 1.0 <= wait <= 60.0


@pytest.mark.django_db
def test_make_demo_seals_and_checks_the_audit_trail_on_the_real_schedule(caplog):
    """The schedule `make demo` runs (settings.CELERY_BEAT_SCHEDULE, unchanged): events older than
    the two-minute settle are sealed, and the daily check runs (at once on the first pass)."""
    from django.db import connection
    from django.utils import timezone

    from audit.models import AuditEvent

    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO audit_auditevent (at, role, action, object_type, object_id, detail) "
            "VALUES (%s, '', 'list', '', '', '{}')",
            [timezone.now() - timedelta(minutes=5)],
        )
    with caplog.at_level(logging.ERROR, logger="kap_clinic.scheduler"):
        run_due({})
    assert not caplog.records
    assert AuditSeal.objects.get().event_count == 1
    check = AuditEvent.objects.get(detail__check="audit chain")
    assert check.detail == {"check": "audit chain", "whole": True, "seals": 1, "unsealed": 0}
