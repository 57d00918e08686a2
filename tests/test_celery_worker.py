"""The Celery wiring, through a real worker on Redis: a task queued here runs there and writes to
this test database."""

import os
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection

from audit.models import AuditSeal
from audit.services import record
from audit.tasks import seal_audit_events
from tests.conftest import service_missing

pytestmark = [pytest.mark.heavy, pytest.mark.postgres, pytest.mark.django_db(transaction=True)]
ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture
def redis_up():
    import redis

    try:
        redis.Redis.from_url(settings.CELERY_BROKER_URL, socket_timeout=2).ping()
    except redis.RedisError:
        service_missing(f"Redis ({settings.CELERY_BROKER_URL})")


@pytest.fixture
def worker(redis_up, tmp_path):
    """A worker process on its own queue, reading and writing this test's database."""
    queue = f"kap-test-{uuid.uuid4().hex[:8]}"
    db = connection.settings_dict
    env = {
        **os.environ,
        "DATABASE_URL": f"postgres://{db['USER']}:{db['PASSWORD'] or ''}@{db['HOST']}:"
        f"{db['PORT']}/{db['NAME']}",
        "REDIS_URL": settings.CELERY_BROKER_URL,
    }
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "kap_clinic",
            "worker",
            "--pool=solo",
            "-Q",
            queue,
            "--without-gossip",
            "--without-mingle",
            "--loglevel=INFO",
            f"--pidfile={tmp_path / 'worker.pid'}",
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    yield queue
    process.send_signal(signal.SIGTERM)
    try:
        process.wait(timeout=20)
    except subprocess.TimeoutExpired:
        process.kill()


def test_a_queued_task_runs_on_the_worker(worker, therapist):
    for _ in range(3):
        record(user=therapist, action="list")
    seal_audit_events.apply_async(kwargs={"settle_seconds": 0}, queue=worker)
    deadline = time.monotonic() + 60
    while not AuditSeal.objects.exists() and time.monotonic() < deadline:
        time.sleep(0.2)
    seal = AuditSeal.objects.get()
    assert seal.event_count == 3
