"""Give the application's database role what it needs: `python manage.py grant_app_role <role>`.

Run by the owner role after every `migrate` (new tables need their grants). Idempotent. `--sql`
prints the statements instead of running them. PostgreSQL only.
"""

from django.core.management.base import BaseCommand, CommandError
from django.db import DEFAULT_DB_ALIAS, connections, transaction

from audit.roles import AUDIT_TABLES, RoleError, grant_statements


class Command(BaseCommand):
    help = (
        "Grant the application's role read and write on every table and sequence, except the "
        "audit tables (read and add only). Run as the owner role after migrate."
    )

    def add_arguments(self, parser):
        parser.add_argument("role", help="the application's database role")
        parser.add_argument("--sql", action="store_true", help="print the SQL, run nothing")
        parser.add_argument("--database", default=DEFAULT_DB_ALIAS)

    def handle(self, *args, role, sql, database, **options):
        connection = connections[database]
        if connection.vendor != "postgresql":
            raise CommandError("Database roles are a PostgreSQL matter: this database has none.")
        try:
            statements = grant_statements(connection, role)
        except RoleError as error:
            raise CommandError(str(error)) from None
        if sql:
            for statement in statements:
                self.stdout.write(f"{statement};")
            return
        with transaction.atomic(using=database), connection.cursor() as cursor:
            for statement in statements:
                cursor.execute(statement)
        tables = sum(1 for s in statements if s.startswith("GRANT SELECT, INSERT, UPDATE"))
        sequences = sum(1 for s in statements if "ON SEQUENCE" in s)
        self.stdout.write(
            f"The role {role} may now read and write {tables} tables and use {sequences} "
            f"sequences; on the {len(AUDIT_TABLES)} audit tables it may only read and add rows."
        )
