"""A signed course summary is final: the guard declared on the model."""

import pgtrigger.compiler
import pgtrigger.migrations
from django.db import migrations

import kap_clinic.triggers
from kap_clinic.triggers import on_postgresql


class Migration(migrations.Migration):
    dependencies = [
        ("outcomes", "0001_course_summary"),
    ]

    operations = [
        pgtrigger.migrations.AddTrigger(
            model_name="coursesummary",
            trigger=pgtrigger.compiler.Trigger(
                name="course_summary_signed_immutable",
                sql=kap_clinic.triggers.GuardSql(
                    condition="WHEN (OLD.signed_at IS NOT NULL)",
                    func="RAISE EXCEPTION 'a signed course summary is never changed or deleted' USING ERRCODE = 'restrict_violation';",
                    hash="42c2dfcb590ca859f9f9fc453f2dd04536aa2b1f",
                    operation="UPDATE OR DELETE",
                    pgid="course_summary_signed_immutable",
                    table="outcomes_coursesummary",
                    when="BEFORE",
                ),
            ),
        ),
        on_postgresql("DROP FUNCTION IF EXISTS kap_outcomes_refuse_change();"),
    ]
