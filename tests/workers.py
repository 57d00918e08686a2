"""Real Celery workers for tests (no eager mode): processes reading and writing this test's
database through Redis, started by `start_worker` and stopped (SIGTERM, by their own pid) after
the test. Each consumes the default queue of the test Redis database, purged at the start, so
tasks queued by the code under test (after a commit) reach them as in production."""

import os
import signal
import subprocess
import time
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection
from kombu import pools

from kap_clinic.celery import app
from tests.celery_command import worker_command
from tests.conftest import service_missing

ROOT = Path(__file__).resolve().parents[1]
READY_SECONDS = 40


def ping(url: str) -> bool:
    import redis

    try:
        return bool(redis.Redis.from_url(url, socket_timeout=2).ping())
    except redis.RedisError:
        return False


@contextmanager
def broker(url: str):
    """Publish from this process to `url` (Celery caches its connection pools)."""

    def reset():
        pools.reset()  # kombu's global pools, keyed by connection: closed and forgotten
        app._pool = None
        app.amqp._producer_pool = None

    old = app.conf.broker_url
    app.conf.broker_url = url
    reset()
    try:
        yield
    finally:
        app.conf.broker_url = old
        reset()


@dataclass
class Worker:
    process: subprocess.Popen
    log: Path
    name: str

    @property
    def pid(self) -> int:
        return self.process.pid

    def kill(self) -> None:
        """SIGKILL: no warm shutdown, no acknowledgement, no cleanup."""
        self.process.send_signal(signal.SIGKILL)
        self.process.wait(timeout=20)

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=10)

    def output(self) -> str:
        return self.log.read_text(errors="replace") if self.log.exists() else ""


@pytest.fixture
def redis_up():
    if not ping(settings.CELERY_BROKER_URL):
        service_missing(f"Redis ({settings.CELERY_BROKER_URL})")


@pytest.fixture
def start_worker(redis_up, tmp_path):
    """`start_worker(name, broker_url=…, env=…, loglevel=…)` starts a worker and waits until it
    is ready."""
    app.conf.task_always_eager = False
    with app.connection_for_write() as conn:
        conn.default_channel.queue_purge(app.conf.task_default_queue)
    started: list[Worker] = []
    db = connection.settings_dict

    def start(
        name: str = "worker",
        *,
        broker_url: str | None = None,
        env: dict | None = None,
        loglevel: str = "INFO",
    ):
        log = tmp_path / f"{name}.log"
        process = subprocess.Popen(
            worker_command(name, log=log, pidfile=tmp_path / f"{name}.pid", loglevel=loglevel),
            cwd=ROOT,
            env={
                **os.environ,
                "DATABASE_URL": f"postgres://{db['USER']}:{db['PASSWORD'] or ''}@{db['HOST']}:"
                f"{db['PORT']}/{db['NAME']}",
                "REDIS_URL": broker_url or settings.CELERY_BROKER_URL,
                "DJANGO_CONN_MAX_AGE": "0",
                **(env or {}),
            },
            stdout=subprocess.DEVNULL,
            stderr=subprocess.STDOUT,
        )
        worker = Worker(process, log, name)
        started.append(worker)
        deadline = time.monotonic() + READY_SECONDS
        while " ready." not in worker.output():
            if process.poll() is not None or time.monotonic() > deadline:
                pytest.fail(f"worker {name} did not start:\n{worker.output()[-3000:]}")
            time.sleep(0.2)
        return worker

    yield start
    for worker in started:
        worker.stop()
    app.conf.task_always_eager = True


def wait_for(condition, seconds: float = 60, step: float = 0.2, what: str = "condition"):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        result = condition()
        if result:
            return result
        time.sleep(step)
    pytest.fail(f"timed out waiting for {what}")
