"""Policy reviews. A documented review is never updated and no review is deleted (on PostgreSQL
by the guards declared on the model, installed by 0010)."""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("patients", "0002_patient_created_by_blank"),
        ("screening", "0007_policy_v3_weight_bounds"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name="PolicyReview",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("rules", models.JSONField()),
                (
                    "status",
                    models.CharField(
                        choices=[
                            ("pending", "Awaiting a prescriber's review"),
                            ("continued", "Continued"),
                            ("stopped", "Course stopped"),
                        ],
                        default="pending",
                        editable=False,
                        max_length=16,
                    ),
                ),
                ("reason", models.TextField(blank=True, editable=False)),
                ("reviewed_at", models.DateTimeField(blank=True, editable=False, null=True)),
                ("created_at", models.DateTimeField(auto_now_add=True)),
                (
                    "alerts",
                    models.ManyToManyField(blank=True, related_name="+", to="patients.alert"),
                ),
                (
                    "course",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="policy_reviews",
                        to="patients.treatmentcourse",
                    ),
                ),
                (
                    "decision",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="policy_reviews",
                        to="screening.screeningdecision",
                    ),
                ),
                (
                    "policy",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="reviews",
                        to="screening.screeningpolicy",
                    ),
                ),
                (
                    "reviewed_by",
                    models.ForeignKey(
                        blank=True,
                        editable=False,
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
            ],
            options={
                "ordering": ["-created_at", "-id"],
                "constraints": [
                    models.UniqueConstraint(fields=("course", "policy"), name="policy_review_once"),
                    models.CheckConstraint(
                        condition=models.Q(
                            ("status", "pending"),
                            models.Q(
                                ("reviewed_at__isnull", False),
                                ("reviewed_by__isnull", False),
                                models.Q(("reason", ""), _negated=True),
                            ),
                            _connector="OR",
                        ),
                        name="policy_review_documented_has_reason",
                    ),
                ],
            },
        ),
    ]
