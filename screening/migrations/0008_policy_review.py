"""Policy reviews; on PostgreSQL a documented review is never updated and no review is deleted."""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

IMMUTABLE_SQL = """
CREATE OR REPLACE FUNCTION screening_policyreview_refuse_change() RETURNS trigger AS $$
BEGIN
    IF TG_OP = 'DELETE' THEN
        RAISE EXCEPTION 'a policy review is never deleted'
            USING ERRCODE = 'restrict_violation';
    END IF;
    IF OLD.status <> 'pending' THEN
        RAISE EXCEPTION 'a documented policy review is never changed'
            USING ERRCODE = 'restrict_violation';
    END IF;
    RETURN NEW;
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER screening_policyreview_immutable
    BEFORE UPDATE OR DELETE ON screening_policyreview
    FOR EACH ROW EXECUTE FUNCTION screening_policyreview_refuse_change();
"""
DROP_SQL = """
DROP TRIGGER IF EXISTS screening_policyreview_immutable ON screening_policyreview;
DROP FUNCTION IF EXISTS screening_policyreview_refuse_change();
"""


def _on_postgresql(sql):
    def run(apps, schema_editor):
        if schema_editor.connection.vendor == "postgresql":
            schema_editor.execute(sql, params=None)

    return run


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
        migrations.RunPython(_on_postgresql(IMMUTABLE_SQL), _on_postgresql(DROP_SQL)),
    ]
