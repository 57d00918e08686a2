"""`make demo` runs beat's schedule in-process: every scheduled task must resolve and run."""

import logging

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
