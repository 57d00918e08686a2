"""An exclusion constraint that PostgreSQL enforces and SQLite leaves to the booking service.

The model keeps plain `start`/`end` columns and the constraint builds the range itself, so the same
model and migrations run on both databases (TOOLCHAIN.md). On SQLite the DDL would fail
(`near "EXCLUDE"`) and the range lookup in `validate` would crash every `full_clean()`: there the
constraint produces no SQL and validates nothing, and `sessions.booking.services` checks for
overlaps inside its IMMEDIATE transaction instead.
"""

from django.contrib.postgres.constraints import ExclusionConstraint
from django.contrib.postgres.fields import DateTimeRangeField
from django.db import DEFAULT_DB_ALIAS, connections
from django.db.models import Func


class TsTzRange(Func):
    """TSTZRANGE(start, end, bounds): the interval an appointment occupies."""

    function = "TSTZRANGE"
    output_field = DateTimeRangeField()


def _postgresql(connection) -> bool:
    return connection.vendor == "postgresql"


class PostgresExclusionConstraint(ExclusionConstraint):
    def constraint_sql(self, model, schema_editor):
        if not _postgresql(schema_editor.connection):
            return None
        return super().constraint_sql(model, schema_editor)

    def create_sql(self, model, schema_editor):
        if not _postgresql(schema_editor.connection):
            return None
        return super().create_sql(model, schema_editor)

    def remove_sql(self, model, schema_editor):
        if not _postgresql(schema_editor.connection):
            return None
        return super().remove_sql(model, schema_editor)

    def validate(self, model, instance, exclude=None, using=DEFAULT_DB_ALIAS):
        if not _postgresql(connections[using]):
            return
        super().validate(model, instance, exclude=exclude, using=using)
