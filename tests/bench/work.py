"""Writes under concurrency (issue 21), each on a fresh copy of the 1/100 clinic:
- booking: R processes book the same 200 candidate sessions in different orders through
  `appointment_book` (its conflict checks and advisory locks, the exclusion constraints behind
  them); every candidate ends booked exactly once, every other attempt refused;
- reminders: 10,000 reminders due now, dispatched by 1 and by 4 real Celery workers (Redis) with
  the beat's task (`dispatch_messages`, 50 a claim); every one handed to the e-mail backend once
  (Delivery rows and the files Django's file backend writes are counted).
"""

import json
import os
import random
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from tests.bench import seed
from tests.celery_command import worker_command

ROOT = Path(__file__).resolve().parents[2]
CANDIDATES = 200
REMINDERS = int(os.environ.get("BENCH_REMINDERS", "10000"))


def _work_db(source: str, suffix: str) -> str:
    name = f"{seed.PREFIX}_work_{suffix}"
    seed.clone(source, name)
    return name


def _env(name: str, **extra) -> dict:
    return {
        **os.environ,
        **seed.BENCH_ENV,
        "DJANGO_DEBUG": "false",
        "DATABASE_URL": seed.database_url(name),
        "DJANGO_CONN_MAX_AGE": "0",
        "DJANGO_LOG_LEVEL": "ERROR",
        **extra,
    }


# --- Booking -------------------------------------------------------------------------------------


def _candidates():
    """200 sessions 30+ days ahead, inside the clinicians' hours, each with one of the
    clinician's enrolled patients."""
    from django.utils import timezone

    from accounts.models import User
    from patients.models import Patient
    from sessions.models import ClinicianHours

    rng = random.Random(21)
    hours = ClinicianHours.objects.order_by("id").first()
    zone = timezone.get_current_timezone()
    day = timezone.localdate() + timedelta(days=30)
    candidates = []
    clinicians = list(User.objects.filter(role="therapist").order_by("id")[:10])
    panels = []
    for clinician in clinicians:
        patients = list(
            Patient.objects.filter(
                care_team__clinician=clinician,
                care_team__primary=True,
                courses__phase__in=["treatment", "maintenance"],
            ).values_list("pk", flat=True)
        )
        if patients:
            panels.append((clinician, patients))
    for clinician, patients in panels:
        for offset in range(CANDIDATES // len(panels)):
            start = datetime.combine(day + timedelta(days=offset // 4), hours.starts, zone)
            start += timedelta(hours=2 * (offset % 4))
            candidates.append((clinician.pk, str(rng.choice(patients)), start.isoformat()))
    return candidates


def racer(name: str, order_seed: str, out: str) -> None:
    seed.django_setup(seed.database_url(name))
    from accounts.models import User
    from patients.models import Patient
    from sessions.booking.services import appointment_book
    from sessions.errors import SessionsError
    from sessions.models import AppointmentType

    desk = User.objects.filter(role="frontdesk").order_by("id").first()
    type_ = AppointmentType.objects.get(code="integration")
    candidates = _candidates()
    random.Random(int(order_seed)).shuffle(candidates)
    booked = refused = 0
    errors = []
    for clinician, patient, start in candidates:
        try:
            appointment_book(
                by=desk,
                patient=Patient.objects.get(pk=patient),
                type=type_,
                clinician=User.objects.get(pk=clinician),
                start=datetime.fromisoformat(start),
            )
            booked += 1
        except SessionsError as error:
            refused += 1
            if "taken" not in str(error) and len(errors) < 3:
                errors.append(str(error))
    Path(out).write_text(json.dumps({"booked": booked, "refused": refused, "errors": errors}))


def booking(source: str, racers: int = 4) -> dict:
    name = _work_db(source, "booking")
    with tempfile.TemporaryDirectory(prefix="bench-booking-") as tmp:
        started = time.perf_counter()
        processes = [
            subprocess.Popen(
                [sys.executable, "-m", "tests.bench.work", "racer", name, str(i), f"{tmp}/{i}"],
                cwd=ROOT,
                env=_env(name),
            )
            for i in range(racers)
        ]
        for process in processes:
            process.wait(timeout=900)
        seconds = time.perf_counter() - started
        results = [json.loads(Path(f"{tmp}/{i}").read_text()) for i in range(racers)]
    conn = seed.connect(seed.database_url(name))
    cursor = conn.cursor()
    cursor.execute(
        "SELECT count(*) FROM kap_sessions_appointment WHERE start > now() + interval '29 days'"
        " AND status = 'booked'"
    )
    stored = cursor.fetchone()[0]
    conn.close()
    booked = sum(r["booked"] for r in results)
    return {
        "racers": racers,
        "attempts": racers * CANDIDATES,
        "booked": booked,
        "refused": sum(r["refused"] for r in results),
        "stored": stored,
        "candidates": CANDIDATES,
        "seconds": round(seconds, 1),
        "attempts_per_second": round(racers * CANDIDATES / seconds, 1),
        "errors": [e for r in results for e in r["errors"]][:3],
    }


# --- Reminders -----------------------------------------------------------------------------------


def _due_reminders(name: str, count: int) -> tuple[int, int]:
    """`count` reminders due now for new sessions 40+ days ahead (each clinician's own patients,
    so nothing overlaps); the id range of those messages."""
    conn = seed.connect(seed.database_url(name))
    cursor = conn.cursor()
    cursor.execute("SELECT id FROM kap_sessions_appointmenttype WHERE code = 'integration'")
    type_id = cursor.fetchone()[0]
    cursor.execute(
        "SELECT c.clinician_id, array_agg(c.patient_id::text ORDER BY c.patient_id), min(t.id)"
        " FROM patients_careteammember c JOIN patients_treatmentcourse t"
        " ON t.patient_id = c.patient_id AND t.phase <> 'completed'"
        " WHERE c.primary GROUP BY c.clinician_id ORDER BY c.clinician_id"
    )
    panels = cursor.fetchall()
    cursor.execute("SELECT max(id) FROM kap_sessions_appointment")
    apt = cursor.fetchone()[0]
    cursor.execute("SELECT max(id) FROM notifications_message")
    first_message = msg = cursor.fetchone()[0]
    cursor.execute("SELECT id FROM accounts_user WHERE role = 'frontdesk' ORDER BY id LIMIT 1")
    desk = cursor.fetchone()[0]
    now = datetime.now(UTC)
    base = now.replace(minute=0, second=0, microsecond=0) + timedelta(days=40)
    appointments, messages = [], []
    slot = 0
    while len(appointments) < count:
        for clinician, patients, _ in panels:
            if len(appointments) >= count:
                break
            start = base + timedelta(hours=slot)
            patient = patients[slot % len(patients)]
            cursor.execute(
                "SELECT id FROM patients_treatmentcourse WHERE patient_id = %s"
                " AND phase <> 'completed' LIMIT 1",
                [patient],
            )
            apt += 1
            msg += 1
            appointments.append(
                (
                    apt,
                    start,
                    start + timedelta(minutes=50),
                    "booked",
                    "",
                    None,
                    now,
                    clinician,
                    cursor.fetchone()[0],
                    desk,
                    patient,
                    None,
                    type_id,
                    None,
                )
            )
            messages.append(
                (
                    msg,
                    now - timedelta(minutes=1),
                    "",
                    0,
                    "",
                    "appointment",
                    "pending",
                    start,
                    now,
                    "",
                    now,
                    None,
                    "",
                    apt,
                    patient,
                )
            )
        slot += 1
    loader = seed.Loader(conn)
    loader.copy(
        "kap_sessions_appointment",
        'id, start, "end", status, cancel_reason, status_changed_at, created_at, clinician_id,'
        " course_id, created_by_id, patient_id, status_changed_by_id, type_id, room_id",
        appointments,
    )
    loader.copy(
        "notifications_message",
        "id, due_at, claimed_by, attempts, last_error, kind, status, for_start, intended_at,"
        " resend_reason, created_at, finished_at, note, appointment_id, patient_id",
        messages,
    )
    for table in ("kap_sessions_appointment", "notifications_message"):
        cursor.execute(
            f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT max(id) FROM {table}))"
        )
    conn.commit()
    conn.close()
    return first_message + 1, msg


def _counts(name: str, first: int, last: int) -> dict:
    conn = seed.connect(seed.database_url(name))
    cursor = conn.cursor()
    cursor.execute(
        "SELECT status, count(*) FROM notifications_message WHERE id BETWEEN %s AND %s"
        " GROUP BY status",
        [first, last],
    )
    statuses = dict(cursor.fetchall())
    cursor.execute(
        "SELECT count(*), count(DISTINCT message_id) FROM notifications_delivery"
        " WHERE message_id BETWEEN %s AND %s",
        [first, last],
    )
    deliveries, messages = cursor.fetchone()
    cursor.execute("SELECT count(*) FROM notifications_delivery")
    everything = cursor.fetchone()[0]
    conn.close()
    return {
        "statuses": statuses,
        "deliveries": deliveries,
        "delivered_messages": messages,
        # Reminders the task's sweep planned meanwhile for seeded sessions, sent as well.
        "other_deliveries": everything - deliveries,
    }


def reminders(source: str, workers: int, count: int = REMINDERS) -> dict:
    name = _work_db(source, f"reminders{workers}")
    first, last = _due_reminders(name, count)
    redis_url = os.environ.get("BENCH_REDIS_URL") or os.environ.get(
        "REDIS_URL", "redis://127.0.0.1:6379/0"
    )
    import redis

    redis.Redis.from_url(redis_url).delete("celery")  # the default queue: nothing left over
    tmp = Path(tempfile.mkdtemp(prefix="bench-reminders-"))
    mail = tmp / "mail"
    env = _env(
        name,
        REDIS_URL=redis_url,
        DJANGO_EMAIL_BACKEND="django.core.mail.backends.filebased.EmailBackend",
        DJANGO_EMAIL_FILE_PATH=str(mail),
    )
    processes = []
    try:
        for i in range(workers):
            log = tmp / f"worker{i}.log"
            processes.append(
                (
                    subprocess.Popen(
                        worker_command(f"bench{i}", log=log, pidfile=tmp / f"worker{i}.pid"),
                        cwd=ROOT,
                        env=env,
                        stdout=subprocess.DEVNULL,
                        stderr=subprocess.STDOUT,
                    ),
                    log,
                )
            )
        deadline = time.monotonic() + 90
        for process, log in processes:
            while " ready." not in (log.read_text() if log.exists() else ""):
                if process.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(f"worker did not start: {log.read_text()[-2000:]}")
                time.sleep(0.2)
        started = time.perf_counter()
        subprocess.run(
            [sys.executable, "-c", _ENQUEUE, str(count // 50 + 4 * workers)],
            cwd=ROOT,
            env=env,
            check=True,
        )
        deadline = time.monotonic() + 600
        while time.monotonic() < deadline:
            counts = _counts(name, first, last)
            if counts["statuses"].get("sent", 0) + counts["statuses"].get("failed", 0) >= count:
                break
            time.sleep(0.5)
        seconds = time.perf_counter() - started
    finally:
        for process, _ in processes:
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
        for process, _ in processes:
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()
    counts = _counts(name, first, last)
    files = list(mail.glob("*")) if mail.exists() else []
    sends = sum(f.read_text(errors="replace").count("\nSubject: ") for f in files)
    shutil.rmtree(tmp, ignore_errors=True)
    return {
        "workers": workers,
        "due": count,
        "seconds": round(seconds, 1),
        "per_second": round(count / seconds, 1),
        "e-mails written": sends,
        **counts,
    }


_ENQUEUE = """
import os, sys
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "kap_clinic.settings")
import django
django.setup()
from notifications.tasks import dispatch_messages
for _ in range(int(sys.argv[1])):
    dispatch_messages.delay(limit=50)
"""


if __name__ == "__main__":
    if sys.argv[1] == "racer":
        racer(*sys.argv[2:5])
