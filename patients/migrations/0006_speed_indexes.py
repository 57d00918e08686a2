"""Issue 21: indexes that match the candidates' filters and the homes' sort, the `has_course`
hint (backfilled here) and, on PostgreSQL only, pg_trgm GIN indexes for name search.

Name search filters `icontains`, which Django writes as `UPPER(col) LIKE UPPER('%…%')` on
PostgreSQL: the trigram indexes are on `UPPER(col)` so that exact expression uses them. SQLite
has no pg_trgm: there the operations do nothing (the same guard as patients 0003).
"""

from django.conf import settings
from django.contrib.postgres.operations import TrigramExtension
from django.db import migrations, models

NAME_COLUMNS = ("first_name", "last_name", "preferred_name")


def backfill_has_course(apps, schema_editor):
    Patient = apps.get_model("patients", "Patient")
    Patient.objects.filter(courses__isnull=False).update(has_course=True)


def trigram_indexes(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    TrigramExtension().database_forwards("patients", schema_editor, None, None)
    for column in NAME_COLUMNS:
        schema_editor.execute(
            f'CREATE INDEX "patient_{column}_trgm" ON "patients_patient" '
            f'USING gin (UPPER("{column}") gin_trgm_ops)'
        )


def drop_trigram_indexes(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for column in NAME_COLUMNS:
        schema_editor.execute(f'DROP INDEX IF EXISTS "patient_{column}_trgm"')


class Migration(migrations.Migration):
    dependencies = [
        ("patients", "0005_alert_without_patient"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddField(
            model_name="patient",
            name="has_course",
            field=models.BooleanField(default=False, editable=False),
        ),
        migrations.RunPython(backfill_has_course, migrations.RunPython.noop),
        migrations.AddIndex(
            model_name="patient",
            index=models.Index(fields=["created_at"], name="patients_pa_created_542792_idx"),
        ),
        migrations.AddIndex(
            model_name="patient",
            index=models.Index(
                condition=models.Q(("has_course", False)),
                fields=["id"],
                name="patient_never_had_course",
            ),
        ),
        migrations.AddIndex(
            model_name="treatmentcourse",
            index=models.Index(
                condition=models.Q(("phase", "screening")),
                fields=["opened_at", "id"],
                name="course_in_screening_opened",
            ),
        ),
        migrations.AddIndex(
            model_name="treatmentcourse",
            index=models.Index(
                condition=models.Q(("phase", "screening")),
                fields=["patient"],
                name="course_in_screening",
            ),
        ),
        migrations.RunPython(trigram_indexes, drop_trigram_indexes),
    ]
