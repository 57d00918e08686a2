"""On PostgreSQL the database refuses to rewrite what a screening recorded.

A completed questionnaire keeps its answers and score (its status may only move on to
`replaced`), and a decision is never updated or deleted, whatever path tries.
"""

from django.db import migrations

IMMUTABLE_SQL = """
CREATE OR REPLACE FUNCTION screening_administration_refuse_change() RETURNS trigger AS $$
BEGIN
    IF TG_OP = 'DELETE' THEN
        RAISE EXCEPTION 'a completed questionnaire cannot be deleted'
            USING ERRCODE = 'restrict_violation';
    END IF;
    IF NEW.answers IS DISTINCT FROM OLD.answers OR NEW.score IS DISTINCT FROM OLD.score
            OR NEW.instrument IS DISTINCT FROM OLD.instrument
            OR NEW.completed_at IS DISTINCT FROM OLD.completed_at
            OR NOT (NEW.status = OLD.status OR NEW.status = 'replaced') THEN
        RAISE EXCEPTION 'a completed questionnaire is never edited: administer it again'
            USING ERRCODE = 'restrict_violation';
    END IF;
    RETURN NEW;
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER screening_administration_completed_immutable
    BEFORE UPDATE OR DELETE ON screening_instrumentadministration
    FOR EACH ROW WHEN (OLD.status <> 'in_progress')
    EXECUTE FUNCTION screening_administration_refuse_change();

CREATE OR REPLACE FUNCTION screening_decision_refuse_change() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'a screening decision is never changed: screen again'
        USING ERRCODE = 'restrict_violation';
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER screening_decision_immutable
    BEFORE UPDATE OR DELETE ON screening_screeningdecision
    FOR EACH ROW EXECUTE FUNCTION screening_decision_refuse_change();
"""
DROP_SQL = """
DROP TRIGGER IF EXISTS screening_decision_immutable ON screening_screeningdecision;
DROP FUNCTION IF EXISTS screening_decision_refuse_change();
DROP TRIGGER IF EXISTS screening_administration_completed_immutable
    ON screening_instrumentadministration;
DROP FUNCTION IF EXISTS screening_administration_refuse_change();
"""


def _on_postgresql(sql):
    def run(apps, schema_editor):
        if schema_editor.connection.vendor == "postgresql":
            schema_editor.execute(sql, params=None)

    return run


class Migration(migrations.Migration):
    dependencies = [
        ("screening", "0004_intake"),
    ]

    operations = [
        migrations.RunPython(_on_postgresql(IMMUTABLE_SQL), _on_postgresql(DROP_SQL)),
    ]
