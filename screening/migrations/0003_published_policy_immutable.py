"""A published policy version is never changed or deleted: decisions record the label of the
version they used. This migration installed that guard as hand-written SQL on PostgreSQL; the
guard is now declared on the model (`ScreeningPolicy.Meta.triggers`) and installed by 0010, which
replaces the trigger of a database migrated before. Kept, empty, for the migration history.
"""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("screening", "0002_policy_v1"),
    ]

    operations = []
