"""On PostgreSQL the database itself refuses to change or delete a published policy version.

Decisions record the label of the version they used, so a published version's values must stay
what they were, whatever path (admin, shell, raw SQL) tries to change them. Its activation and
who published it may still change. It comes after 0002 so that unapplying 0002 can remove v1.
(TRUNCATE is left alone: Django's test runner empties tables with it.)
"""

from django.db import migrations

IMMUTABLE_SQL = """
CREATE OR REPLACE FUNCTION screening_policy_refuse_change() RETURNS trigger AS $$
BEGIN
    IF TG_OP = 'DELETE' THEN
        RAISE EXCEPTION 'screening policy % is published: it cannot be deleted', OLD.label
            USING ERRCODE = 'restrict_violation';
    END IF;
    IF NEW.data IS DISTINCT FROM OLD.data OR NEW.label IS DISTINCT FROM OLD.label
            OR NEW.status IS DISTINCT FROM OLD.status THEN
        RAISE EXCEPTION 'screening policy % is published: its label, data and status are final',
            OLD.label USING ERRCODE = 'restrict_violation';
    END IF;
    RETURN NEW;
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER screening_policy_published_immutable
    BEFORE UPDATE OR DELETE ON screening_screeningpolicy
    FOR EACH ROW WHEN (OLD.status = 'published')
    EXECUTE FUNCTION screening_policy_refuse_change();
"""
DROP_SQL = """
DROP TRIGGER IF EXISTS screening_policy_published_immutable ON screening_screeningpolicy;
DROP FUNCTION IF EXISTS screening_policy_refuse_change();
"""


def _on_postgresql(sql):
    def run(apps, schema_editor):
        if schema_editor.connection.vendor == "postgresql":
            schema_editor.execute(sql, params=None)

    return run


class Migration(migrations.Migration):
    dependencies = [
        ("screening", "0002_policy_v1"),
    ]

    operations = [
        migrations.RunPython(_on_postgresql(IMMUTABLE_SQL), _on_postgresql(DROP_SQL)),
    ]
