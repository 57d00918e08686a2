"""`make bench`'s seeder at a tiny scale (1/500 of the full clinic), so the harness cannot rot:
it runs as `make bench` runs it (its own process, its own databases on this PostgreSQL server),
seeds the sizes asked through the real constraints and triggers, and a second run reuses it."""

import os
import subprocess
import sys
from pathlib import Path

import psycopg2.errors
import pytest
from django.db import connection

from tests.bench import seed

pytestmark = pytest.mark.postgres
ROOT = Path(__file__).resolve().parents[1]
SCALE = 0.002


def _overlaps(cursor, column: str) -> int:
    cursor.execute(
        f"""SELECT count(*) FROM kap_sessions_appointment a JOIN kap_sessions_appointment b
        ON a.{column} = b.{column} AND a.id < b.id AND a.start < b."end" AND b.start < a."end"
        WHERE a.status NOT IN ('cancelled', 'no_show')
        AND b.status NOT IN ('cancelled', 'no_show')"""
    )
    return cursor.fetchone()[0]


@pytest.fixture
def bench_server(django_db_setup):
    """This test database's server; the seeder's databases named after it, dropped after."""
    settings = connection.settings_dict
    prefix = f"{settings['NAME']}_bench"[:50]
    password = f":{settings['PASSWORD']}" if settings["PASSWORD"] else ""
    url = (
        f"postgres://{settings['USER']}{password}@{settings['HOST'] or '127.0.0.1'}:"
        f"{settings['PORT'] or 5432}/postgres"
    )
    yield url, prefix
    admin = seed.connect(url)
    admin.autocommit = True
    for name in (f"{prefix}_tiny", f"{prefix}_template"):
        seed._drop(admin.cursor(), name)
    admin.close()


def _seed(url: str, prefix: str) -> str:
    done = subprocess.run(
        [sys.executable, "-m", "tests.bench.seed", "--scale", str(SCALE), "--db", f"{prefix}_tiny"],
        cwd=ROOT,
        env={**os.environ, "DATABASE_URL": url, "BENCH_DB_PREFIX": prefix},
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    return done.stdout


def test_tiny_clinic_is_seeded_within_every_constraint_and_reused(bench_server):
    url, prefix = bench_server
    first = _seed(url, prefix)
    assert "rows/s" in first
    conn = seed.connect(seed.database_url(f"{prefix}_tiny", url))
    cursor = conn.cursor()
    expected = seed.sizes(SCALE)
    for table, size in (
        ("patients_patient", expected["patients"]),
        ("kap_sessions_appointment", expected["appointments"]),
        ("screening_instrumentadministration", expected["questionnaires"]),
        ("audit_auditevent", expected["audit"]),
        ("kap_sessions_room", seed.ROOMS),
    ):
        cursor.execute(f"SELECT count(*) FROM {table}")
        assert cursor.fetchone()[0] == size, table
    cursor.execute("SELECT count(*) FROM accounts_user WHERE role IN ('therapist', 'prescriber')")
    assert cursor.fetchone()[0] == seed.CLINICIANS
    for table in ("kap_sessions_vitalsigns", "integration_followup", "notifications_message"):
        cursor.execute(f"SELECT count(*) FROM {table}")
        assert cursor.fetchone()[0] > 0, table
    # Nobody is in two places at once (the exclusion constraints held the COPY to it too).
    for column in ("clinician_id", "room_id", "patient_id"):
        assert _overlaps(cursor, column) == 0, column
    cursor.execute("SELECT count(*) FROM pg_constraint WHERE NOT convalidated")
    assert cursor.fetchone()[0] == 0
    cursor.execute(
        "SELECT count(*) FROM kap_sessions_dose d JOIN kap_sessions_appointment a"
        ' ON a.id = d.appointment_id WHERE a.room_id IS NULL OR a."end" - a.start'
        " < interval '150 minutes'"
    )
    assert cursor.fetchone()[0] == 0
    # Append-only: the audit trigger refuses an UPDATE of a seeded row.
    with pytest.raises(psycopg2.errors.InsufficientPrivilege, match="append-only"):
        cursor.execute("UPDATE audit_auditevent SET role = 'admin' WHERE id = 1")
    conn.close()
    assert "reused" in _seed(url, prefix)
