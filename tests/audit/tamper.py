"""What an insider past the trigger does to audit rows (in the test database's own connection)."""

from django.db import connection, transaction


def tamper(sql, params=()):
    with transaction.atomic(), connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # Only a superuser can switch triggers off: the attacker this chain is for.
            cursor.execute("SET LOCAL session_replication_role = replica")
        cursor.execute(sql, params)
