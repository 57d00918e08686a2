"""Signed notes, addenda and integrated follow-ups are final: the guards declared on the models."""

import pgtrigger.compiler
import pgtrigger.migrations
from django.db import migrations

import kap_clinic.triggers
from kap_clinic.triggers import on_postgresql


class Migration(migrations.Migration):
    dependencies = [
        ("integration", "0001_followups"),
    ]

    operations = [
        pgtrigger.migrations.AddTrigger(
            model_name="followup",
            trigger=pgtrigger.compiler.Trigger(
                name="followup_integrated_final",
                sql=kap_clinic.triggers.GuardSql(
                    condition="WHEN (OLD.status = 'integrated')",
                    func="RAISE EXCEPTION 'an integrated follow-up is never changed or deleted' USING ERRCODE = 'restrict_violation';",
                    hash="4c6879f15793765f130eda8acceb8dbdf1baf772",
                    operation="UPDATE OR DELETE",
                    pgid="followup_integrated_final",
                    table="integration_followup",
                    when="BEFORE",
                ),
            ),
        ),
        pgtrigger.migrations.AddTrigger(
            model_name="integrationnote",
            trigger=pgtrigger.compiler.Trigger(
                name="integration_note_signed_immutable",
                sql=kap_clinic.triggers.GuardSql(
                    condition="WHEN (OLD.status = 'signed')",
                    func="RAISE EXCEPTION 'a signed integration note is never changed or deleted' USING ERRCODE = 'restrict_violation';",
                    hash="274a2ca3d23ca95b2bc603e0ba1ff0cf901c8686",
                    operation="UPDATE OR DELETE",
                    pgid="integration_note_signed_immutable",
                    table="integration_integrationnote",
                    when="BEFORE",
                ),
            ),
        ),
        pgtrigger.migrations.AddTrigger(
            model_name="integrationnoteaddendum",
            trigger=pgtrigger.compiler.Trigger(
                name="integration_note_addendum_immutable",
                sql=kap_clinic.triggers.GuardSql(
                    func="RAISE EXCEPTION 'an addendum is never changed or deleted' USING ERRCODE = 'restrict_violation';",
                    hash="32a77cdce8530de109538e4551b23e732f43ec99",
                    operation="UPDATE OR DELETE",
                    pgid="integration_note_addendum_immutable",
                    table="integration_integrationnoteaddendum",
                    when="BEFORE",
                ),
            ),
        ),
        on_postgresql("DROP FUNCTION IF EXISTS kap_integration_refuse_change();"),
    ]
