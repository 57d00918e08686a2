"""A completed questionnaire keeps its answers and score, and a decision is never changed. This
migration installed those guards as hand-written SQL on PostgreSQL; they are now declared on the
models (`InstrumentAdministration` and `ScreeningDecision`, `Meta.triggers`) and installed by 0010,
which replaces the triggers of a database migrated before. Kept, empty, for the migration history.
"""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("screening", "0004_intake"),
    ]

    operations = []
