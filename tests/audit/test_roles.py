"""Two database roles (docs/operations.md): the owner migrates, the application's role does its work
but cannot erase the audit trail; what the owner rewrites behind the trigger, verify_audit names.

One fresh database, owned by a fresh owner role, migrated once for the module (`manage.py
migrate` in a subprocess, as the owner); dropped with both roles at the end, pass or fail.
"""

import os
import secrets
import subprocess
import sys
from contextlib import closing, contextmanager

import pytest
from django.conf import settings

psycopg2 = pytest.importorskip("psycopg2")
from psycopg2 import errors, sql  # noqa: E402

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(False)]
SEAL_KEY = "roles-test-seal-key"


def _server(**overrides) -> dict:
    db = settings.DATABASES["default"]
    params = {
        "host": db["HOST"] or "127.0.0.1",
        "port": db["PORT"] or 5432,
        "user": db["USER"],
        "password": db["PASSWORD"],
        "dbname": "postgres",
    }
    return {**params, **overrides}


def _url(user, password, dbname) -> str:
    server = _server()
    return f"postgres://{user}:{password}@{server['host']}:{server['port']}/{dbname}"


class Clinic:
    """The fresh database and its two roles."""

    def __init__(self):
        suffix = secrets.token_hex(4)
        self.db = f"kap_roles_{suffix}"
        self.owner, self.app = f"kap_owner_{suffix}", f"kap_app_{suffix}"
        self.passwords = {self.owner: secrets.token_hex(12), self.app: secrets.token_hex(12)}

    def env(self, role) -> dict:
        return {
            **os.environ,
            "DATABASE_URL": _url(role, self.passwords[role], self.db),
            "AUDIT_SEAL_KEY": SEAL_KEY,
        }

    def manage(self, role, *args):
        return subprocess.run(
            [sys.executable, "manage.py", *args],
            cwd=settings.BASE_DIR,
            env=self.env(role),
            capture_output=True,
            text=True,
            timeout=600,
        )

    @contextmanager
    def connect(self, role, *, autocommit=True):
        conn = psycopg2.connect(**_server(user=role, password=self.passwords[role], dbname=self.db))
        conn.autocommit = autocommit
        with closing(conn):
            yield conn

    def event(self, conn, action="view") -> int:
        """An audit row as the application writes it (the app role's INSERT)."""
        with conn.cursor() as cursor:
            cursor.execute(
                """INSERT INTO audit_auditevent
                   (at, role, action, object_type, object_id, detail)
                   VALUES (now() - interval '1 second', 'admin', %s, '', '', '{}')
                   RETURNING id""",
                [action],
            )
            return cursor.fetchone()[0]

    def seal(self) -> str:
        run = self.manage(
            self.app,
            "shell",
            "--no-imports",
            "-c",
            "from audit.tasks import seal_audit_events; print(seal_audit_events(0))",
        )
        assert run.returncode == 0, run.stderr
        return run.stdout.strip()

    def last_seal(self, conn):
        with conn.cursor() as cursor:
            cursor.execute(
                "SELECT id, first_event_id, last_event_id FROM audit_auditseal "
                "ORDER BY id DESC LIMIT 1"
            )
            return cursor.fetchone()


def _superuser():
    conn = psycopg2.connect(**_server())
    conn.autocommit = True
    return closing(conn)


def _drop(clinic: Clinic):
    with _superuser() as conn, conn.cursor() as cursor:
        cursor.execute(
            sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(clinic.db))
        )
        for role in (clinic.app, clinic.owner):
            cursor.execute(sql.SQL("DROP ROLE IF EXISTS {}").format(sql.Identifier(role)))


@pytest.fixture(scope="module")
def clinic():
    clinic = Clinic()
    try:
        with _superuser() as conn, conn.cursor() as cursor:
            # As docs/operations.md says, with generated names and passwords.
            for role in (clinic.owner, clinic.app):
                cursor.execute(
                    sql.SQL("CREATE ROLE {} LOGIN PASSWORD {}").format(
                        sql.Identifier(role), sql.Literal(clinic.passwords[role])
                    )
                )
            cursor.execute(
                sql.SQL("CREATE DATABASE {} OWNER {}").format(
                    sql.Identifier(clinic.db), sql.Identifier(clinic.owner)
                )
            )
        migrate = clinic.manage(clinic.owner, "migrate", "--noinput", "-v0")
        assert migrate.returncode == 0, migrate.stderr
        grant = clinic.manage(clinic.owner, "grant_app_role", clinic.app)
        assert grant.returncode == 0, grant.stderr
        assert "on the 2 audit tables it may only read and add rows" in grant.stdout
        yield clinic
    finally:
        _drop(clinic)


def test_the_app_role_cannot_migrate_but_can_do_its_work(clinic):
    with clinic.connect(clinic.app) as conn, conn.cursor() as cursor:
        event = clinic.event(conn)
        cursor.execute("SELECT action FROM audit_auditevent WHERE id = %s", [event])
        assert cursor.fetchone() == ("view",)
        # An ordinary table: add, change, remove.
        cursor.execute(
            "INSERT INTO django_session (session_key, session_data, expire_date) "
            "VALUES ('roles-test', 'x', now())"
        )
        cursor.execute(
            "UPDATE django_session SET session_data = 'y' WHERE session_key = 'roles-test'"
        )
        assert cursor.rowcount == 1
        cursor.execute("DELETE FROM django_session WHERE session_key = 'roles-test'")
        assert cursor.rowcount == 1
        cursor.execute("SELECT count(*) FROM patients_patient")
    # Django's own work as the app role: sealing, checking.
    assert int(clinic.seal()) >= 1
    check = clinic.manage(clinic.app, "verify_audit")
    assert check.returncode == 0, check.stdout + check.stderr
    assert check.stdout.startswith("The audit trail is whole: ")
    refused = clinic.manage(clinic.app, "migrate", "audit", "zero", "--noinput")
    assert refused.returncode != 0


@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE audit_auditevent SET action = 'create' WHERE id = {event}",
        "DELETE FROM audit_auditevent WHERE id = {event}",
        "TRUNCATE audit_auditevent CASCADE",
        "UPDATE audit_auditseal SET digest = '' ",
        "DELETE FROM audit_auditseal",
        "TRUNCATE audit_auditseal CASCADE",
        "ALTER TABLE audit_auditevent DISABLE TRIGGER USER",
        "ALTER TABLE audit_auditevent DISABLE TRIGGER ALL",
        "DROP TABLE audit_auditevent CASCADE",
        "SET session_replication_role = replica",
        "ALTER TABLE audit_auditevent OWNER TO CURRENT_USER",
        "TRUNCATE django_session",
    ],
)
def test_the_app_role_cannot_erase_or_rewrite_the_audit_trail(clinic, statement):
    with clinic.connect(clinic.app) as conn:
        event = clinic.event(conn)
        with conn.cursor() as cursor:
            cursor.execute("SELECT count(*) FROM audit_auditevent")
            before = cursor.fetchone()
            with pytest.raises(errors.InsufficientPrivilege):
                cursor.execute(statement.format(event=event))
            cursor.execute("SELECT count(*) FROM audit_auditevent")
            assert cursor.fetchone() == before
            cursor.execute("SELECT action FROM audit_auditevent WHERE id = %s", [event])
            assert cursor.fetchone() == ("view",)


def test_grant_app_role_is_idempotent_and_refuses_the_owner(clinic):
    again = clinic.manage(clinic.owner, "grant_app_role", clinic.app)
    assert again.returncode == 0, again.stderr
    printed = clinic.manage(clinic.owner, "grant_app_role", clinic.app, "--sql")
    assert printed.returncode == 0, printed.stderr
    lines = printed.stdout.splitlines()
    app = f'"{clinic.app}"'
    assert f'REVOKE ALL ON "public"."audit_auditevent" FROM {app};' in lines
    assert f'GRANT SELECT, INSERT ON "public"."audit_auditevent" TO {app};' in lines
    assert f'GRANT SELECT, INSERT, UPDATE, DELETE ON "public"."patients_patient" TO {app};' in lines
    owner = clinic.manage(clinic.owner, "grant_app_role", clinic.owner)
    assert owner.returncode != 0
    assert "is the owner role or a member of it" in owner.stderr
    nobody = clinic.manage(clinic.owner, "grant_app_role", "kap_nobody_here")
    assert nobody.returncode != 0 and "There is no database role named" in nobody.stderr


@contextmanager
def _trigger_off(clinic):
    """The owner, in one transaction, with the append-only trigger off: what the chain is for."""
    with clinic.connect(clinic.owner, autocommit=False) as conn:
        with conn.cursor() as cursor:
            # Django's foreign keys are deferred: check them now, so the trigger can go back on.
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            cursor.execute("ALTER TABLE audit_auditevent DISABLE TRIGGER USER")
            yield cursor
            cursor.execute("ALTER TABLE audit_auditevent ENABLE TRIGGER USER")
        conn.commit()


def _sealed_events(clinic, n=4):
    with clinic.connect(clinic.app) as conn:
        events = [clinic.event(conn) for _ in range(n)]
        clinic.seal()
        seal = clinic.last_seal(conn)
    assert seal[2] == events[-1]
    return events, seal


def test_a_row_the_owner_rewrote_behind_the_trigger_is_named(clinic):
    events, (seal, first, last) = _sealed_events(clinic)
    with _trigger_off(clinic) as cursor:
        cursor.execute("UPDATE audit_auditevent SET action = 'create' WHERE id = %s", [events[1]])
    try:
        check = clinic.manage(clinic.app, "verify_audit")
        assert check.returncode == 1
        assert f"The audit trail is BROKEN at seal {seal} (events {first} to {last}, " in (
            check.stdout
        )
        assert "changed after it was sealed (digest mismatch)" in check.stdout
        assert f"The audit trail is broken at seal {seal}." in check.stderr
    finally:
        with _trigger_off(clinic) as cursor:
            cursor.execute("UPDATE audit_auditevent SET action = 'view' WHERE id = %s", [events[1]])
    assert clinic.manage(clinic.app, "verify_audit").returncode == 0


def test_a_deleted_sealed_tail_is_named(clinic):
    events, (seal, first, last) = _sealed_events(clinic)
    with _trigger_off(clinic) as cursor:
        cursor.execute(
            "CREATE TABLE kept AS SELECT * FROM audit_auditevent WHERE id >= %s", [events[2]]
        )
        cursor.execute("DELETE FROM audit_auditevent WHERE id >= %s", [events[2]])
    try:
        check = clinic.manage(clinic.app, "verify_audit")
        assert check.returncode == 1
        assert f"BROKEN at seal {seal} (events {first} to {last}, " in check.stdout
        assert "2 of its 4 events are missing." in check.stdout
    finally:
        with _trigger_off(clinic) as cursor:
            cursor.execute("INSERT INTO audit_auditevent SELECT * FROM kept")
            cursor.execute("DROP TABLE kept")
    assert clinic.manage(clinic.app, "verify_audit").returncode == 0
