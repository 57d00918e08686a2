"""The Celery wiring, through a real worker on Redis: a task queued here runs there and writes to
this test database."""

import pytest

from audit.models import AuditSeal
from audit.services import record
from audit.tasks import seal_audit_events
from tests.workers import wait_for

pytestmark = [pytest.mark.heavy, pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def test_a_queued_task_runs_on_the_worker(start_worker, therapist):
    start_worker()
    for _ in range(3):
        record(user=therapist, action="list")
    seal_audit_events.apply_async(kwargs={"settle_seconds": 0})
    wait_for(AuditSeal.objects.exists, what="a seal")
    seal = AuditSeal.objects.get()
    assert seal.event_count == 3
