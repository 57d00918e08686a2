"""On PostgreSQL a course's phase changes only together with its `PhaseChange` row: an UPDATE of
`TreatmentCourse.phase` is refused unless this transaction (or a committed savepoint of it) has
written a PhaseChange of that course to the new phase. A shell `save()`, `update()` or raw SQL
cannot move a course silently; `course_change_phase` writes the row first, then the phase.

"Written in this transaction": the row is visible and its inserting transaction id is still in
progress, which for a visible row means ours. `xmin` is a 32-bit id; it is widened to `xid8`
with the current epoch (a course never re-enters a phase, so no row from an older epoch can
match).
"""

from django.db import migrations

from kap_clinic.triggers import on_postgresql

TRIGGER_SQL = """
CREATE OR REPLACE FUNCTION patients_course_phase_needs_change() RETURNS trigger AS $$
DECLARE
    epoch bigint := (pg_current_xact_id()::text::bigint >> 32) << 32;
BEGIN
    IF NOT EXISTS (
        SELECT 1 FROM patients_phasechange change
        WHERE change.course_id = NEW.id AND change.to_phase = NEW.phase
          AND pg_xact_status((epoch | change.xmin::text::bigint)::text::xid8) = 'in progress'
    ) THEN
        RAISE EXCEPTION 'course % moved from % to % without a phase change written in the same '
            'transaction (use patients.services.course_change_phase)', OLD.id, OLD.phase, NEW.phase
            USING ERRCODE = 'restrict_violation';
    END IF;
    RETURN NEW;
END;
$$ LANGUAGE plpgsql;

CREATE TRIGGER course_phase_needs_change
    BEFORE UPDATE OF phase ON patients_treatmentcourse
    FOR EACH ROW WHEN (OLD.phase IS DISTINCT FROM NEW.phase)
    EXECUTE FUNCTION patients_course_phase_needs_change();
"""
DROP_SQL = """
DROP TRIGGER IF EXISTS course_phase_needs_change ON patients_treatmentcourse;
DROP FUNCTION IF EXISTS patients_course_phase_needs_change();
"""


class Migration(migrations.Migration):
    dependencies = [("patients", "0002_patient_created_by_blank")]

    operations = [on_postgresql(TRIGGER_SQL, DROP_SQL)]
