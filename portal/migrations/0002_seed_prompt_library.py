"""The clinic's starting library of journal prompts, in the five integration categories
(CLINICAL.md). Interleaved by `order`, so a few consecutive prompts span several categories.
Administrators may switch any off in the admin; removing the migration's rows is left alone."""

from django.db import migrations

from portal.library import seed_library


def seed(apps, schema_editor):
    seed_library(apps.get_model("portal", "JournalPrompt"))


class Migration(migrations.Migration):
    dependencies = [("portal", "0001_journal_and_invitations")]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
