"""Celery beat's schedule, run in-process for `make demo` (no Redis, no separate worker).

Each due entry runs through `task.apply()`: the same task body a production worker runs, in this
process instead of on a worker. Tasks queued by the web process (the follow-up's fast path after a
dose finishes, sent after commit) run in-process too (`task_always_eager`): there is no broker.
"""

import logging
import threading
from datetime import datetime
from importlib import import_module

from celery.schedules import maybe_schedule
from django.conf import settings

from kap_clinic.celery import app

log = logging.getLogger(__name__)


def run_due(last_runs: dict[str, datetime]) -> float:
    """Run every entry that is due (each one at once on the first call); return the seconds
    until the next entry is due."""
    wait = 60.0
    for name, entry in settings.CELERY_BEAT_SCHEDULE.items():
        schedule = maybe_schedule(entry["schedule"], app=app)
        last = last_runs.get(name)
        if last is None or schedule.is_due(last)[0]:
            last_runs[name] = schedule.now()
            try:
                # Celery discovers tasks lazily (a worker would import them at start).
                import_module(entry["task"].rsplit(".", 1)[0])
                app.tasks[entry["task"]].apply(args=entry.get("args", ()))
            except Exception:  # a failing task must not stop the demo's other schedules
                log.exception("scheduled task %s failed", name)
        wait = min(wait, schedule.is_due(last_runs[name])[1])
    return max(wait, 1.0)


def start_in_background() -> threading.Event:
    # No broker in the demo: a task queued after a commit runs at once, in the caller's thread.
    app.conf.task_always_eager = True
    stop = threading.Event()

    def loop():
        last_runs: dict[str, datetime] = {}
        while not stop.is_set():
            stop.wait(run_due(last_runs))

    threading.Thread(target=loop, name="demo-scheduler", daemon=True).start()
    return stop
