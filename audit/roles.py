"""The application's database role on PostgreSQL: it does its work but cannot erase the audit.

The owner role runs `migrate` and owns every table; the application's role owns none (so it cannot
disable a trigger, truncate, or alter a table), is no superuser (so it cannot set
`session_replication_role`), and on the audit tables it may only read and add rows.
`python manage.py grant_app_role <role>` runs these statements as the owner after each migrate.
"""

from audit.models import AuditEvent, AuditSeal

AUDIT_TABLES = frozenset({AuditEvent._meta.db_table, AuditSeal._meta.db_table})


class RoleError(Exception):
    pass


def _refusal(cursor, role: str) -> str | None:
    """Why `role` must not be the application's role, or None."""
    cursor.execute("SELECT rolsuper, rolbypassrls FROM pg_roles WHERE rolname = %s", [role])
    row = cursor.fetchone()
    if row is None:
        return f"There is no database role named {role}: create it first (docs/operations.md)."
    if row[0] or row[1]:
        return f"The role {role} is a superuser or bypasses row security: it could erase the audit."
    cursor.execute("SELECT pg_has_role(%s, current_user, 'MEMBER')", [role])
    if cursor.fetchone()[0]:
        return (
            f"The role {role} is the owner role or a member of it: it would own the tables. "
            "Run this as the owner, naming the application's own role."
        )
    cursor.execute(
        """SELECT count(*) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
           WHERE n.nspname = current_schema() AND pg_get_userbyid(c.relowner) = %s""",
        [role],
    )
    if cursor.fetchone()[0]:
        return f"The role {role} owns tables in this schema: the application's role must own none."
    return None


def grant_statements(connection, role: str) -> list[str]:
    """The statements that give `role` what the application needs, and no more. Idempotent."""
    quote = connection.ops.quote_name
    with connection.cursor() as cursor:
        refusal = _refusal(cursor, role)
        if refusal:
            raise RoleError(refusal)
        cursor.execute("SELECT current_database(), current_schema()")
        database, schema = cursor.fetchone()
        cursor.execute(
            """SELECT c.relname, c.relkind FROM pg_class c
               JOIN pg_namespace n ON n.oid = c.relnamespace
               WHERE n.nspname = current_schema() AND c.relkind IN ('r', 'p', 'v', 'm', 'S')
               ORDER BY c.relkind, c.relname"""
        )
        relations = cursor.fetchall()
    who = quote(role)
    statements = [
        f"GRANT CONNECT ON DATABASE {quote(database)} TO {who}",
        f"GRANT USAGE ON SCHEMA {quote(schema)} TO {who}",
    ]
    for name, kind in relations:
        table = f"{quote(schema)}.{quote(name)}"
        if kind == "S":
            statements.append(f"GRANT USAGE, SELECT ON SEQUENCE {table} TO {who}")
        elif kind in ("v", "m"):
            statements.append(f"GRANT SELECT ON {table} TO {who}")
        elif name in AUDIT_TABLES:
            # Whatever was granted before (by hand, say) goes: read and add, nothing else.
            statements.append(f"REVOKE ALL ON {table} FROM {who}")
            statements.append(f"GRANT SELECT, INSERT ON {table} TO {who}")
        else:
            statements.append(f"REVOKE TRUNCATE, REFERENCES, TRIGGER ON {table} FROM {who}")
            statements.append(f"GRANT SELECT, INSERT, UPDATE, DELETE ON {table} TO {who}")
    return statements
