# Giving a completed questionnaire again: its new draft lives beside it until completed.

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("screening", "0008_policy_review"),
    ]

    operations = [
        migrations.RemoveConstraint(
            model_name="instrumentadministration",
            name="administration_one_current_per_screening",
        ),
        migrations.AddConstraint(
            model_name="instrumentadministration",
            constraint=models.UniqueConstraint(
                condition=models.Q(("status", "in_progress")),
                fields=("screening", "instrument"),
                name="administration_one_draft_per_screening",
            ),
        ),
        migrations.AddConstraint(
            model_name="instrumentadministration",
            constraint=models.UniqueConstraint(
                condition=models.Q(("status", "completed")),
                fields=("screening", "instrument"),
                name="administration_one_completed_per_screening",
            ),
        ),
    ]
