"""A large synthetic group practice on PostgreSQL, seeded with COPY (issue 21).

`python -m tests.bench.seed --scale 1` seeds the full clinic (50,000 patients, ~400,000
appointments, ~1,000,000 vitals rows, 200,000 questionnaires, 3,000,000 audit rows, 50
clinicians, 10 rooms, follow-ups and reminders) into its own database; `--scale 0.01` gives the
1/100 clinic from the same code. Staff (50 clinicians, 10 rooms) do not scale: a smaller clinic is
a shorter history and fewer patients, so a day's calendar holds the same number of appointments.

Everything comes from one `random.Random(seed)`; ids are assigned here and the sequences set after.
Rows go in through `COPY … FROM STDIN` (psycopg2 `copy_expert`) into the migrated schema, with
every constraint, index and trigger in place: the exclusion constraints see every appointment
(the grid below never overlaps a clinician, a room or a patient), the checks every row, and the
row triggers fire for each INSERT.

The grid: each day is 20 half-hour cells from an anchor hour two hours before the moment of
seeding (so that the doses of today's first block are in progress, on the "In clinic now" board).
Each day 40 of the 50 clinicians (rotating) hold one room for a 2.5-hour dose (10 rooms × 4
blocks) and fill the rest with 50-minute sessions; the other 10 hold 10 sessions. A patient sees
only their own clinician, so no patient is ever in two places.

A database already seeded with the same version, seed, scale and day is reused (`bench_seed`
table); a different one is dropped and seeded again.
"""

import argparse
import hashlib
import io
import json
import os
import random
import subprocess
import sys
import time
import uuid
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit
from zoneinfo import ZoneInfo

ROOT = Path(__file__).resolve().parents[2]
# What is generated: change this label whenever a change here changes the rows generated (a clinic
# seeded under another label is seeded again).
VERSION = "2"
DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/postgres"
PASSWORD = "Bench-Password-2026!"
FULL = {
    "patients": 50_000,
    "appointments": 400_000,
    "vitals": 1_000_000,
    "questionnaires": 200_000,
    "audit": 3_000_000,
}
CLINICIANS = 50
PRESCRIBERS = 15  # the last 15 clinicians
ROOMS = 10
CELLS = 20  # half-hour cells in a clinic day
DOSE_CELLS = 5  # 150 minutes: the dosing type's minimum
DOSE_SLOTS = ROOMS * (CELLS // DOSE_CELLS)  # 40 dose blocks a day
CANDIDATE_SHARE = 0.16  # patients in screening, no appointments yet
CHUNK = 4 << 20


BENCH_ENV = {
    "DJANGO_SETTINGS_MODULE": "kap_clinic.settings",
    "DJANGO_SECRET_KEY": "bench-only-secret-key-0123456789abcdefghijklmnop",
    "DJANGO_HTTPS": "false",
    "DJANGO_ALLOWED_HOSTS": "127.0.0.1,localhost,testserver",
    "DJANGO_MANIFEST_STATIC": "false",
    "CLINIC_TWO_FACTOR_REQUIRED": "false",
}


def django_setup(url: str) -> None:
    """Django in this process, on the database at `url` (the bench's settings)."""
    import django

    for key, value in BENCH_ENV.items():
        os.environ.setdefault(key, value)
    os.environ["DATABASE_URL"] = url
    django.setup()


def server_url() -> str:
    return os.environ.get("DATABASE_URL") or DEFAULT_URL


def database_url(name: str, base: str | None = None) -> str:
    parts = urlsplit(base or server_url())
    return urlunsplit(parts._replace(path=f"/{name}"))


def connect(url: str):
    import psycopg2

    parts = urlsplit(url)
    return psycopg2.connect(
        dbname=parts.path.lstrip("/") or "postgres",
        user=parts.username or "postgres",
        password=parts.password or None,
        host=parts.hostname or "127.0.0.1",
        port=parts.port or 5432,
    )


def require_postgres(url: str | None = None) -> None:
    url = url or server_url()
    if not url.startswith(("postgres://", "postgresql://")):
        sys.exit(f"make bench needs PostgreSQL: DATABASE_URL is {url.split(':')[0]}://…")
    try:
        connect(database_url("postgres", url)).close()
    except Exception as error:  # noqa: BLE001 - any failure to connect means the same thing
        sys.exit(f"make bench needs PostgreSQL at {url}: {error}".strip())


# --- COPY ---------------------------------------------------------------------------------------


def _text(value) -> str:
    if value is None:
        return r"\N"
    if value is True:
        return "t"
    if value is False:
        return "f"
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, str):
        return value.replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n")
    return str(value)


class Loader:
    """COPY rows into tables, counting rows and seconds per table."""

    def __init__(self, conn):
        self.conn = conn
        self.counts: dict[str, int] = {}
        self.seconds = 0.0

    def copy(self, table: str, columns: str, rows) -> int:
        started = time.perf_counter()
        cursor = self.conn.cursor()
        sql = f"COPY {table} ({columns}) FROM STDIN"
        buffer, count = io.StringIO(), 0
        for row in rows:
            buffer.write("\t".join(map(_text, row)))
            buffer.write("\n")
            count += 1
            if buffer.tell() > CHUNK:
                buffer.seek(0)
                cursor.copy_expert(sql, buffer)
                buffer = io.StringIO()
        buffer.seek(0)
        cursor.copy_expert(sql, buffer)
        self.counts[table] = self.counts.get(table, 0) + count
        self.seconds += time.perf_counter() - started
        return count


# --- The clinic -----------------------------------------------------------------------------------


def sizes(scale: float) -> dict[str, int]:
    return {key: max(1, round(value * scale)) for key, value in FULL.items()}


def seed_of(clinic) -> int:
    return clinic.seed


class Clinic:
    """What the generators share: ids, the people, the clock."""

    def __init__(self, scale: float, seed: int, now: datetime):
        self.seed = seed
        self.rng = random.Random(seed)
        self.size = sizes(scale)
        self.now = now
        self.zone = ZoneInfo(os.environ.get("CLINIC_TIME_ZONE", "America/New_York"))
        local = now.astimezone(self.zone)
        self.today = local.date()
        self.anchor_hour = local.hour - 2  # may be negative: the day began yesterday evening
        per_day = DOSE_SLOTS * 8 + (CLINICIANS - DOSE_SLOTS) * 10
        days = -(-self.size["appointments"] // per_day)
        self.future_days = min(10, days // 10)
        self.first_day = self.today - timedelta(days=days - self.future_days - 1)
        self.days = days
        self.clinicians = list(range(1, CLINICIANS + 1))
        self.prescribers = self.clinicians[-PRESCRIBERS:]
        base = CLINICIANS
        self.intake = [base + 1, base + 2, base + 3]
        self.frontdesk = [base + 4, base + 5, base + 6]
        self.admin = [base + 7]
        self.patient_user_base = base + 7
        self.patient_ids: list[str] = []
        self.patient_user: dict[int, int] = {}  # patient index -> user id
        self.home: list[int] = []  # patient index -> clinician id
        self.phase: list[str] = []

    def day_start(self, day: date) -> datetime:
        start = datetime(day.year, day.month, day.day, tzinfo=self.zone)
        return (start + timedelta(hours=self.anchor_hour)).astimezone(UTC)

    def ts(self, value: datetime) -> str:
        return value.astimezone(UTC).isoformat()


def role_of(clinic: Clinic, user_id: int) -> str:
    if user_id in clinic.prescribers:
        return "prescriber"
    if user_id <= CLINICIANS:
        return "therapist"
    if user_id in clinic.intake:
        return "intake"
    if user_id in clinic.frontdesk:
        return "frontdesk"
    if user_id in clinic.admin:
        return "admin"
    return "patient"


FIRST = [
    "Avery",
    "Blake",
    "Casey",
    "Drew",
    "Emery",
    "Finley",
    "Gray",
    "Harper",
    "Indigo",
    "Jordan",
    "Kai",
    "Logan",
    "Morgan",
    "Noel",
]
LAST = [
    "Abbott",
    "Barnes",
    "Castillo",
    "Dalton",
    "Ellis",
    "Foster",
    "Garza",
    "Hughes",
    "Irwin",
    "Jensen",
    "Keller",
    "Lowe",
]


def generate(loader: Loader, clinic: Clinic) -> None:  # noqa: C901 - one pass over the clinic
    from django.contrib.auth.hashers import make_password

    from screening import instruments
    from sessions.questionnaires.services import _version

    rng, size = clinic.rng, clinic.size
    now, ts = clinic.now, clinic.ts
    hashed = make_password(PASSWORD, salt="benchsaltbenchsalt")
    joined = ts(now - timedelta(days=clinic.days + 60))

    # People: staff, the scheduler's account, then every tenth patient with a portal account.
    user_cols = (
        "id, password, is_superuser, username, first_name, last_name, email, is_staff,"
        " is_active, date_joined, role, on_call"
    )
    names = random.Random(1)

    def staff_rows():
        for user_id in [*clinic.clinicians, *clinic.intake, *clinic.frontdesk, *clinic.admin]:
            role = role_of(clinic, user_id)
            yield (
                user_id,
                hashed,
                False,
                f"bench-{role}-{user_id}",
                names.choice(FIRST),
                f"{names.choice(LAST)}-{user_id}",
                f"staff{user_id}@example.org",
                role == "admin",
                True,
                joined,
                role,
                False,
            )

    loader.copy("accounts_user", user_cols, staff_rows())

    patients = size["patients"]
    candidates_from = int(patients * (1 - CANDIDATE_SHARE))
    per_clinician: dict[int, list[int]] = {c: [] for c in clinic.clinicians}
    for index in range(patients):
        clinic.patient_ids.append(str(uuid.UUID(int=rng.getrandbits(128), version=4)))
        clinician = clinic.clinicians[index % CLINICIANS]
        clinic.home.append(clinician)
        if index < candidates_from:
            per_clinician[clinician].append(index)
    # Phase by where a patient's weeks fall in their clinician's history.
    clinic.phase = ["screening"] * patients
    for listed in per_clinician.values():
        for position, index in enumerate(listed):
            share = position / max(1, len(listed))
            clinic.phase[index] = (
                "completed"
                if share < 0.6
                else "maintenance"
                if share < 0.85
                else "treatment"
                if share < 0.98
                else "preparation"
            )
    next_user = clinic.patient_user_base + 1
    patient_users = []
    for index in range(0, patients, 10):
        clinic.patient_user[index] = next_user
        patient_users.append((index, next_user))
        next_user += 1
    loader.copy(
        "accounts_user",
        user_cols,
        (
            (
                user_id,
                hashed,
                False,
                f"bench-patient-{index}",
                f"Pat{index}",
                f"Ient{index}",
                f"patient{index}@example.org",
                False,
                True,
                joined,
                "patient",
                False,
            )
            for index, user_id in patient_users
        ),
    )

    def patient_rows():
        for index, pk in enumerate(clinic.patient_ids):
            created = now - timedelta(days=clinic.days + 30 - index * clinic.days // patients)
            yield (
                pk,
                f"KB{index:07d}",
                rng.choice(FIRST),
                f"{rng.choice(LAST)}{index % 997}",
                "",
                date(1950 + index % 50, 1 + index % 12, 1 + index % 28).isoformat(),
                "",
                f"patient{index}@example.org",
                f"555-01{index % 100:02d}",
                "",
                "",
                "",
                "",
                ts(created),
                clinic.intake[index % len(clinic.intake)],
                clinic.patient_user.get(index),
                True,  # every seeded patient has a course
            )

    loader.copy(
        "patients_patient",
        "id, mrn, first_name, last_name, preferred_name, date_of_birth, sex, email, phone,"
        " address, emergency_contact_name, emergency_contact_relationship,"
        " emergency_contact_phone, created_at, created_by_id, user_id, has_course",
        patient_rows(),
    )
    # One course each (id = index + 1), its phase changes, its care team.
    chain = ["screening", "preparation", "treatment", "maintenance", "completed"]
    loader.copy(
        "patients_treatmentcourse",
        "id, phase, opened_at, closed_at, patient_id",
        (
            (
                index + 1,
                phase,
                ts(now - timedelta(days=clinic.days + 20)),
                ts(now - timedelta(days=1)) if phase == "completed" else None,
                pk,
            )
            for index, (pk, phase) in enumerate(zip(clinic.patient_ids, clinic.phase, strict=True))
        ),
    )

    def phase_changes():
        pk = 0
        for index, phase in enumerate(clinic.phase):
            for step in range(chain.index(phase)):
                pk += 1
                yield (
                    pk,
                    chain[step],
                    chain[step + 1],
                    ts(now - timedelta(days=clinic.days - step)),
                    "",
                    clinic.intake[0],
                    index + 1,
                )

    loader.copy(
        "patients_phasechange",
        "id, from_phase, to_phase, at, reason, by_id, course_id",
        phase_changes(),
    )

    def care_team():
        pk = 0
        for index, pk_patient in enumerate(clinic.patient_ids):
            home = clinic.home[index]
            prescriber = clinic.prescribers[index % PRESCRIBERS]
            pk += 1
            yield (pk, True, ts(now - timedelta(days=clinic.days)), home, pk_patient)
            if prescriber != home:
                pk += 1
                yield (pk, False, ts(now - timedelta(days=clinic.days)), prescriber, pk_patient)

    loader.copy(
        "patients_careteammember",
        'id, "primary", added_at, clinician_id, patient_id',
        care_team(),
    )

    # Rooms and hours (every clinician, every day of the week, around the grid).
    loader.copy(
        "kap_sessions_room",
        "id, name, is_active",
        ((room, f"Room {room}", True) for room in range(1, ROOMS + 1)),
    )
    anchor = (clinic.anchor_hour % 24, 0)
    end_hour = (clinic.anchor_hour + 10) % 24
    starts, ends = f"{anchor[0]:02d}:00", f"{end_hour:02d}:00"
    if end_hour <= anchor[0]:  # the day crosses midnight: hours until midnight only
        ends = "23:59"
    loader.copy(
        "kap_sessions_clinicianhours",
        "id, weekday, starts, ends, clinician_id",
        (
            (c * 7 + weekday + 1, weekday, starts, ends, clinician)
            for c, clinician in enumerate(clinic.clinicians)
            for weekday in range(7)
        ),
    )

    # Appointments, doses, vitals, follow-ups and reminders: one pass over the days.
    cursor = loader.conn.cursor()
    cursor.execute("SELECT code, id FROM kap_sessions_appointmenttype")
    types = dict(cursor.fetchall())
    appointments, doses, vitals, followups, messages = [], [], [], [], []
    past_doses = DOSE_SLOTS * (clinic.days - clinic.future_days) * 0.93
    vitals_per_dose = max(4, round(size["vitals"] / past_doses))
    apt_id = dose_id = vital_id = followup_id = message_id = 0
    cells = timedelta(minutes=30)
    remaining = size["appointments"]
    lists = {c: per_clinician[c] for c in clinic.clinicians}
    long_dose = None  # a dose with 60 vitals rows: the session record PDF and the dosing page
    reminder_from = now - timedelta(days=365)

    def add_appointment(start, end, clinician, index, type_code, room):
        nonlocal apt_id, dose_id, vital_id, followup_id, message_id, long_dose
        apt_id += 1
        patient = clinic.patient_ids[index]
        course = index + 1
        if end <= now:
            roll = rng.random()
            status = "no_show" if roll < 0.04 else "cancelled" if roll < 0.07 else "completed"
        elif start <= now:
            status = "in_progress"
        else:
            status = "booked"
        appointments.append(
            (
                apt_id,
                ts(start),
                ts(end),
                status,
                "Patient asked to move it" if status == "cancelled" else "",
                ts(min(end, now)) if status != "booked" else None,
                ts(start - timedelta(days=14)),
                clinician,
                course,
                clinic.frontdesk[apt_id % len(clinic.frontdesk)],
                patient,
                clinic.frontdesk[0] if status != "booked" else None,
                types[type_code],
                room,
            )
        )
        if start >= reminder_from and status != "cancelled":
            message_id += 1
            sent = start - timedelta(days=1) <= now
            messages.append(
                (
                    message_id,
                    ts(start - timedelta(days=1)),
                    "",
                    0,
                    "",
                    "appointment",
                    "sent" if sent else "pending",
                    ts(start),
                    ts(start - timedelta(days=1)),
                    "",
                    ts(start - timedelta(days=14)),
                    ts(start - timedelta(days=1)) if sent else None,
                    "",
                    apt_id,
                    patient,
                )
            )
        if type_code != "dosing" or status not in ("completed", "in_progress"):
            return
        dose_id += 1
        prescriber = clinic.prescribers[index % PRESCRIBERS]
        started = status == "in_progress"
        doses.append(
            (
                dose_id,
                "started" if started else "discharged",
                "v3",
                "ketamine",
                "im",
                "70.0",
                "50.00",
                "0.71",
                "Ketamine 50 mg IM",
                ts(start),
                "",
                "",
                "",
                "",
                "",
                None,
                "50.00",
                "50.00",
                "0.00",
                None,
                ts(start),
                None if started else ts(end),
                None if started else 2,
                "",
                not started,
                not started,
                not started,
                not started,
                None if started else 120,
                "",
                "",
                prescriber,
                apt_id,
                prescriber,
                course,
                None if started else prescriber,
                prescriber,
                prescriber,
                None,
                None,
                "",
            )
        )
        count = vitals_per_dose
        old = now - timedelta(days=min(7, clinic.days // 2))
        if long_dose is None and not started and start < old:
            long_dose, count = dose_id, 60
        moments = ["pre_dose"] + ["during"] * (count - 2) + ["discharge"]
        for step in range(count):
            vital_id += 1
            systolic = 110 + rng.randrange(40)
            vitals.append(
                (
                    vital_id,
                    moments[min(step, len(moments) - 1)] if count > 1 else "pre_dose",
                    ts(start + timedelta(minutes=step * 150 / count)),
                    systolic,
                    systolic - 30 - rng.randrange(20),
                    60 + rng.randrange(40),
                    94 + rng.randrange(6),
                    12 + rng.randrange(8),
                    "[]",
                    dose_id,
                    prescriber,
                    "",
                    None,
                    None,
                )
            )
        if started:
            return
        followup_id += 1
        integrated = end < now - timedelta(days=3)
        day = end.astimezone(clinic.zone).date()
        followups.append(
            (
                followup_id,
                ts(end + timedelta(hours=1)),
                None,
                "",
                0,
                "",
                "integrated" if integrated else "unbookable",
                ts(start),
                (day + timedelta(days=1)).isoformat(),
                (day + timedelta(days=3)).isoformat(),
                ts(end + timedelta(hours=12)),
                ts(end + timedelta(days=3)),
                "v3",
                0,
                "" if integrated else "Booked by hand (seeded).",
                "",
                None,
                ts(end),
                ts(end + timedelta(days=2)) if integrated else None,
                None,
                course,
                dose_id,
                patient,
                clinic.home[index] if clinic.home[index] not in clinic.prescribers else None,
            )
        )

    def flush():
        loader.copy(
            "kap_sessions_appointment",
            'id, start, "end", status, cancel_reason, status_changed_at, created_at,'
            " clinician_id, course_id, created_by_id, patient_id, status_changed_by_id,"
            " type_id, room_id",
            appointments,
        )
        loader.copy(
            "kap_sessions_dose",
            "id, status, policy_label, drug, route, weight_kg, dose_mg, mg_per_kg, order_text,"
            " ordered_at, range_confirm_reason, bp_confirm_reason, previous_dose_reason,"
            " strength, lot, expiry, quantity_drawn_mg, quantity_given_mg, quantity_wasted_mg,"
            " waste_witnessed_at, started_at, ended_at, dissociation, setting_notes,"
            " alert_and_oriented, walking_steadily, escort_present, no_driving_acknowledged,"
            " monitoring_minutes, disposition, ended_early_reason, administered_by_id,"
            " appointment_id, confirmed_by_id, course_id, discharged_by_id, ordered_by_id,"
            " started_by_id, waste_witness_id, start_reading_id, weight_confirm_reason",
            doses,
        )
        loader.copy(
            "kap_sessions_vitalsigns",
            "id, moment, taken_at, systolic, diastolic, heart_rate, spo2, respiratory_rate,"
            " alerts, dose_id, taken_by_id, strike_reason, struck_at, struck_by_id",
            vitals,
        )
        loader.copy(
            "integration_followup",
            "id, due_at, claimed_at, claimed_by, attempts, last_error, status, dose_at,"
            " first_day, last_day, earliest, closes_at, policy_label, no_shows, problem,"
            " outside_reason, overdue_alerted_at, created_at, integrated_at, appointment_id,"
            " course_id, dose_id, patient_id, therapist_id",
            followups,
        )
        loader.copy(
            "notifications_message",
            "id, due_at, claimed_by, attempts, last_error, kind, status, for_start,"
            " intended_at, resend_reason, created_at, finished_at, note, appointment_id,"
            " patient_id",
            messages,
        )
        for rows in (appointments, doses, vitals, followups, messages):
            rows.clear()

    for day_index in range(clinic.days):
        if remaining <= 0:
            break
        day = clinic.first_day + timedelta(days=day_index)
        opens = clinic.day_start(day)
        for c, clinician in enumerate(clinic.clinicians):
            listed = lists[clinician]
            if not listed or remaining <= 0:
                continue
            window = min(len(listed), 40)
            offset = day_index * len(listed) // clinic.days

            def patient_today():
                return listed[(offset + rng.randrange(window)) % len(listed)]  # noqa: B023

            slot = (c + day_index) % CLINICIANS
            dose_cells = range(0)
            if slot < DOSE_SLOTS:
                room, block = slot % ROOMS + 1, slot // ROOMS
                dose_cells = range(block * DOSE_CELLS, (block + 1) * DOSE_CELLS)
                start = opens + cells * dose_cells.start
                add_appointment(
                    start, start + cells * DOSE_CELLS, clinician, patient_today(), "dosing", room
                )
                remaining -= 1
            cell = 0
            while cell + 1 < CELLS and remaining > 0:
                if cell in dose_cells or cell + 1 in dose_cells:
                    cell += 1
                    continue
                start = opens + cells * cell
                add_appointment(
                    start,
                    start + timedelta(minutes=50),
                    clinician,
                    patient_today(),
                    "integration",
                    None,
                )
                remaining -= 1
                cell += 2
        if len(appointments) > 50_000:
            flush()
    flush()
    clinic.long_dose = long_dose

    # Screenings and questionnaires: a baseline PHQ-9 and GAD-7 with each screening, later scores
    # after doses; candidates have an open screening with a PHQ-9 part-way.
    pool = {}
    for code, items in (("phq9", 9), ("gad7", 7)):
        scorer = random.Random(code)
        pool[code] = []
        for _ in range(64):
            answers = [scorer.randrange(4) for _ in range(items)]
            pool[code].append(
                (json.dumps(answers), json.dumps(instruments.score(code, answers).as_dict()))
            )
    versions = {code: _version(code) for code in pool}
    screenings = []
    for index, phase in enumerate(clinic.phase):
        screenings.append(
            (
                index + 1,
                "in_progress" if phase == "screening" else "eligible",
                "{}",
                "70.0",
                ts(now - timedelta(days=clinic.days + 20 - index * clinic.days // patients)),
                index + 1,
                clinic.intake[index % len(clinic.intake)],
            )
        )
    loader.copy(
        "screening_screening",
        "id, status, history, weight_kg, started_at, course_id, started_by_id",
        screenings,
    )
    # A decision for every patient past screening, from the batch-screening bench's synthetic
    # candidates judged under the active policy.
    from screening import rules
    from screening.facts import parse_facts
    from screening.selectors import active_policy
    from tests.bench.screen import candidate

    policy = active_policy().to_policy()
    judged = []
    facts_rng = random.Random(seed_of(clinic))
    for _ in range(32):
        facts = candidate(facts_rng)
        decision = rules.evaluate(parse_facts(facts), policy)
        judged.append(
            (
                decision.policy,
                json.dumps(facts),
                decision.outcome,
                json.dumps([r.as_dict() for r in decision.reasons]),
                json.dumps(list(decision.missing)),
                json.dumps({code: dict(result) for code, result in decision.scores.items()}),
                json.dumps([flag.as_dict() for flag in decision.safety_flags]),
            )
        )
    loader.copy(
        "screening_screeningdecision",
        "id, decided_at, policy_label, facts, outcome, reasons, missing, scores, safety_flags,"
        " decided_by_id, screening_id",
        (
            (
                index + 1,
                ts(now - timedelta(days=30)),
                *judged[index % 32],
                clinic.intake[0],
                index + 1,
            )
            for index, phase in enumerate(clinic.phase)
            if phase != "screening"
        ),
    )
    per_patient = max(1, size["questionnaires"] // patients)

    def administrations():
        pk = 0
        total = size["questionnaires"]
        for index, phase in enumerate(clinic.phase):
            started = now - timedelta(days=clinic.days + 20 - index * clinic.days // patients)
            for step in range(per_patient + (1 if index < total - per_patient * patients else 0)):
                code = "phq9" if step % 2 == 0 else "gad7"
                answers, score = pool[code][rng.randrange(64)]
                baseline = step < 2
                pending = phase == "screening" and step == 0
                pk += 1
                at = started + timedelta(days=0 if baseline else 14 * step)
                yield (
                    pk,
                    code,
                    versions[code],
                    answers,
                    None if pending else score,
                    "in_progress" if pending else "completed",
                    ts(at),
                    None if pending else ts(at + timedelta(minutes=10)),
                    clinic.intake[0] if baseline else clinic.home[index],
                    clinic.patient_ids[index],
                    index + 1 if baseline else None,
                )

    loader.copy(
        "screening_instrumentadministration",
        "id, instrument, version, answers, score, status, started_at, completed_at,"
        " entered_by_id, patient_id, screening_id",
        administrations(),
    )

    # The audit log: a history of views and lists by every staff member, lines written directly.
    staff = [*clinic.clinicians, *clinic.intake, *clinic.frontdesk]
    roles = {user: role_of(clinic, user) for user in staff}
    span = (clinic.days + 20) * 86400
    total = size["audit"]
    first = now - timedelta(seconds=span)

    def audit_lines():
        for pk in range(1, total + 1):
            user = staff[rng.randrange(len(staff))]
            at = first + timedelta(seconds=span * pk / total)
            index = rng.randrange(patients)
            yield (
                pk,
                ts(at),
                roles[user],
                clinic.patient_ids[index],
                "view" if pk % 4 else "list",
                "patients.patient",
                clinic.patient_ids[index],
                "127.0.0.1",
                "{}",
                user,
            )

    loader.copy(
        "audit_auditevent",
        "id, at, role, patient_id, action, object_type, object_id, ip, detail, user_id",
        audit_lines(),
    )


SEQUENCED = [
    "accounts_user",
    "patients_treatmentcourse",
    "patients_phasechange",
    "patients_careteammember",
    "kap_sessions_room",
    "kap_sessions_clinicianhours",
    "kap_sessions_appointment",
    "kap_sessions_dose",
    "kap_sessions_vitalsigns",
    "integration_followup",
    "notifications_message",
    "screening_screening",
    "screening_instrumentadministration",
    "screening_screeningdecision",
    "audit_auditevent",
]


def schema_version() -> str:
    """A digest of every migration file: a database seeded before a migration is seeded again."""
    digest = hashlib.sha256()
    for path in sorted(ROOT.glob("*/migrations/*.py")):
        digest.update(path.name.encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()[:12]


def _finish(conn, clinic: Clinic) -> None:
    cursor = conn.cursor()
    for table in SEQUENCED:
        cursor.execute(
            f"SELECT setval(pg_get_serial_sequence('{table}', 'id'),"
            f" GREATEST((SELECT MAX(id) FROM {table}), 1))"
        )
    cursor.execute(
        "INSERT INTO patients_mrncounter (id, last_value) VALUES (1, %s)"
        " ON CONFLICT (id) DO UPDATE SET last_value = EXCLUDED.last_value",
        [len(clinic.patient_ids) + 1],
    )


def _migrate(url: str) -> None:
    env = {**os.environ, "DATABASE_URL": url, "DJANGO_DEBUG": "true", "DJANGO_CONN_MAX_AGE": "0"}
    subprocess.run(
        [sys.executable, "manage.py", "migrate", "--noinput", "-v0"], cwd=ROOT, env=env, check=True
    )


PREFIX = os.environ.get("BENCH_DB_PREFIX", "kap_bench")


def _admin():
    admin = connect(database_url("postgres"))
    admin.autocommit = True
    return admin


def _drop(cursor, name: str) -> None:
    cursor.execute(
        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = %s"
        " AND pid <> pg_backend_pid()",
        [name],
    )
    cursor.execute(f'DROP DATABASE IF EXISTS "{name}"')


def template(schema: str) -> str:
    """An empty migrated database of this schema, migrated once (`<prefix>_template`)."""
    name = f"{PREFIX}_template"
    url = database_url(name)
    try:
        conn = connect(url)
        cursor = conn.cursor()
        cursor.execute("SELECT to_regclass('bench_schema')")
        ready = cursor.fetchone()[0] is not None
        if ready:
            cursor.execute("SELECT schema FROM bench_schema")
            ready = cursor.fetchone() == (schema,)
        conn.close()
    except Exception:  # noqa: BLE001 - not there yet
        ready = False
    if not ready:
        admin = _admin()
        _drop(admin.cursor(), name)
        admin.cursor().execute(f'CREATE DATABASE "{name}"')
        admin.close()
        _migrate(url)
        conn = connect(url)
        conn.cursor().execute("CREATE TABLE bench_schema (schema text NOT NULL)")
        conn.cursor().execute("INSERT INTO bench_schema VALUES (%s)", [schema])
        conn.commit()
        conn.close()
    return name


def clone(source: str, name: str) -> float:
    """`name` made anew as a copy of the database `source`; the seconds it took."""
    started = time.perf_counter()
    admin = _admin()
    cursor = admin.cursor()
    _drop(cursor, name)
    cursor.execute(f'CREATE DATABASE "{name}" TEMPLATE "{source}"')
    admin.close()
    return time.perf_counter() - started


def seeded(url: str) -> dict | None:
    """The marker of a finished seed in that database, or None."""
    try:
        conn = connect(url)
    except Exception:  # noqa: BLE001 - no database yet
        return None
    try:
        cursor = conn.cursor()
        cursor.execute("SELECT to_regclass('bench_seed')")
        if cursor.fetchone()[0] is None:
            return None
        cursor.execute("SELECT info FROM bench_seed")
        row = cursor.fetchone()
        return row[0] if row else None
    finally:
        conn.close()


def ensure(name: str, *, scale: float, seed: int = 21, quiet: bool = False) -> dict:
    """The database `name` seeded at `scale` from `seed` today: reused if so, else made anew.
    Returns the marker (sizes, rows, seconds, ids the bench needs)."""
    url = database_url(name)
    now = datetime.now(UTC).replace(microsecond=0)
    key = {
        "version": VERSION,
        "schema": schema_version(),
        "seed": seed,
        "scale": scale,
        "day": now.astimezone(ZoneInfo("UTC")).date().isoformat(),
    }
    info = seeded(url)
    if info and all(info.get(k) == v for k, v in key.items() if k != "schema"):
        if info.get("schema") != key["schema"]:
            # New migrations (indexes, say): applied to the seeded clinic as in production.
            started = time.perf_counter()
            _migrate(url)
            info = {**info, "schema": key["schema"]}
            info["seconds_migrate_after"] = round(time.perf_counter() - started, 1)
            conn = connect(url)
            conn.cursor().execute("UPDATE bench_seed SET info = %s", [json.dumps(info)])
            conn.commit()
            conn.close()
            if not quiet:
                print(f"{name}: migrated in {info['seconds_migrate_after']} s")
        if not quiet:
            print(f"{name}: seeded already ({info['rows_total']:,} rows), reused")
        return info
    started = time.perf_counter()
    migrated = clone(template(key["schema"]), name)
    django_setup(url)
    conn = connect(url)
    clinic = Clinic(scale, seed, now)
    loader = Loader(conn)
    generate(loader, clinic)
    _finish(conn, clinic)
    conn.commit()
    conn.autocommit = True
    analyze = time.perf_counter()
    conn.cursor().execute("VACUUM ANALYZE")
    analyzed = time.perf_counter() - analyze
    total_rows = sum(loader.counts.values())
    seconds = time.perf_counter() - started
    info = {
        **key,
        "seeded_at": now.isoformat(),
        "rows": loader.counts,
        "rows_total": total_rows,
        "seconds_total": round(seconds, 1),
        "seconds_schema": round(migrated, 1),
        "seconds_copy": round(loader.seconds, 1),
        "seconds_analyze": round(analyzed, 1),
        "rows_per_second": round(total_rows / max(loader.seconds, 1e-9)),
        "long_dose": clinic.long_dose,
    }
    cursor = conn.cursor()
    cursor.execute("CREATE TABLE bench_seed (info jsonb NOT NULL)")
    cursor.execute("INSERT INTO bench_seed VALUES (%s)", [json.dumps(info)])
    conn.close()
    if not quiet:
        print(
            f"{name}: {total_rows:,} rows in {seconds:.0f} s (schema copy {migrated:.0f} s, COPY "
            f"{loader.seconds:.0f} s = {info['rows_per_second']:,} rows/s, VACUUM ANALYZE "
            f"{analyzed:.0f} s)"
        )
    return info


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=float, default=1.0)
    parser.add_argument("--seed", type=int, default=21)
    parser.add_argument("--db", default=None, help="database name (default kap_bench_<scale>)")
    args = parser.parse_args(argv)
    require_postgres()
    name = args.db or f"{PREFIX}_{str(args.scale).replace('.', '_')}"
    info = ensure(name, scale=args.scale, seed=args.seed)
    print(json.dumps(info["rows"], indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
