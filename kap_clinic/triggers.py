"""The PostgreSQL triggers that guard rows which never change, declared on the models.

A model lists its guards in `Meta.triggers` (django-pgtrigger); `makemigrations` writes them into
migrations and `migrate` installs them, on PostgreSQL only: SQLite has no triggers, and there the
models' own `save()`/`delete()` walls are the guard. Each `Refuse` is a `BEFORE ... FOR EACH ROW`
trigger that raises one message with one SQLSTATE when its condition holds, so raw SQL, the
shell, `update()` and the admin are refused alike. The trigger and its function are named after
`name` (unique in the project; `tests/test_triggers.py` checks it), not pgtrigger's hashed names,
so `docs/safety.md` and the operations guide can name them.

These guards were hand-written SQL in earlier migrations. The migrations that install them
(`guards_declared`) keep each old trigger's name, so on a database migrated before, installing a
guard replaces the old trigger of that name; they then drop the old functions.

pgtrigger's own install SQL lets any session skip a trigger with `SET pgtrigger.ignore = ...`,
which any database role may set; the guards here are installed from `GuardSql`, the same SQL
without that escape, so only the table owner (`ALTER TABLE ... DISABLE TRIGGER`) gets past them.
"""

import pgtrigger
from django.db import migrations
from pgtrigger import compiler

UPDATE_OR_DELETE = pgtrigger.Update | pgtrigger.Delete


class GuardSql(compiler.UpsertTriggerSql):
    """Installs a guard: its function, then the trigger. Migrations render this template: never
    change it (a new template is a new class)."""

    def get_template(self) -> str:
        return """
            CREATE OR REPLACE FUNCTION {pgid}() RETURNS TRIGGER AS $$
            BEGIN
                {func}
            END;
            $$ LANGUAGE plpgsql;

            DROP TRIGGER IF EXISTS {pgid} ON {table};
            CREATE TRIGGER {pgid} {when} {operation} ON {table}
                FOR EACH ROW {condition}
                EXECUTE FUNCTION {execute};

            COMMENT ON TRIGGER {pgid} ON {table} IS '{hash}';
        """


class Refuse(pgtrigger.Trigger):
    """Refuse `operation` (UPDATE or DELETE by default) of a row when `condition` holds (always
    when there is none).

    `condition` is SQL over `OLD` and `NEW`; `{changed}` in it stands for "one of the `changed`
    fields differs" (a `pgtrigger.AnyChange`), and a condition of only `changed` may leave it out.
    `message` is a `RAISE` format: each `%` takes the next SQL expression of `values`.
    """

    when = pgtrigger.Before

    def __init__(
        self,
        *,
        name: str,
        message: str,
        values: tuple[str, ...] = (),
        operation=UPDATE_OR_DELETE,
        condition: str = "",
        changed: pgtrigger.AnyChange | None = None,
        errcode: str = "restrict_violation",
    ):
        self.message, self.values, self.errcode = message, values, errcode
        self.sql_condition = condition or ("{changed}" if changed else "")
        self.changed = changed
        super().__init__(name=name, operation=operation)

    def get_pgid(self, model) -> str:
        return self.name

    def get_condition(self, model):
        if not self.sql_condition:
            return None
        if self.changed is None:
            return pgtrigger.Condition(self.sql_condition)
        changed = f"({self.changed.resolve(model)})"
        return pgtrigger.Condition(self.sql_condition.format(changed=changed))

    def get_func(self, model) -> str:
        message = self.message.replace("'", "''")
        values = "".join(f", {value}" for value in self.values)
        return f"RAISE EXCEPTION '{message}'{values} USING ERRCODE = '{self.errcode}';"

    def compile(self, model) -> compiler.Trigger:
        sql = super().compile(model).sql
        return compiler.Trigger(name=self.name, sql=GuardSql(**sql.kwargs))


def never_changed(name: str, what: str, condition: str = "") -> Refuse:
    """Refuse any UPDATE or DELETE of the row (when `condition` holds): "<what> is never changed
    or deleted"."""
    return Refuse(name=name, message=f"{what} is never changed or deleted", condition=condition)


def final_once(
    prefix: str,
    *,
    when: str,
    changed: pgtrigger.AnyChange,
    message: str,
    deleted: str,
    values: tuple[str, ...] = (),
) -> list[Refuse]:
    """Once `when` holds (a status reached), the `changed` fields never change and the row is
    never deleted: `<prefix>_immutable` raises `message`, `<prefix>_not_deleted` `deleted`."""
    return [
        Refuse(
            name=f"{prefix}_immutable",
            message=message,
            values=values,
            operation=pgtrigger.Update,
            condition=f"{when} AND {{changed}}",
            changed=changed,
        ),
        Refuse(
            name=f"{prefix}_not_deleted",
            message=deleted,
            values=values,
            operation=pgtrigger.Delete,
            condition=when,
        ),
    ]


def on_postgresql(sql: str, reverse_sql: str = "") -> migrations.RunPython:
    """A migration step that runs SQL on PostgreSQL only (a trigger of its own, or dropping the
    hand-written guards that `Refuse` replaced)."""

    def runner(text):
        def run(apps, schema_editor):
            if text and schema_editor.connection.vendor == "postgresql":
                schema_editor.execute(text, params=None)

        return run

    return migrations.RunPython(runner(sql), runner(reverse_sql))
