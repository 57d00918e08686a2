"""The one command line of a test or bench Celery worker (no pytest, no Django: the bench uses it
too)."""

import sys
from pathlib import Path


def worker_command(name: str, *, log: Path, pidfile: Path, loglevel: str = "INFO") -> list[str]:
    """A solo-pool worker that talks to no other worker, logging to `log`."""
    return [
        sys.executable,
        "-m",
        "celery",
        "-A",
        "kap_clinic",
        "worker",
        "--pool=solo",
        "--without-gossip",
        "--without-mingle",
        "--without-heartbeat",
        f"--hostname={name}@%h",
        f"--loglevel={loglevel}",
        f"--logfile={log}",
        f"--pidfile={pidfile}",
    ]
