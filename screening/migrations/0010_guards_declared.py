"""Published policies, completed questionnaires, decisions and documented reviews are final."""

import pgtrigger.compiler
import pgtrigger.migrations
from django.db import migrations

import kap_clinic.triggers
from kap_clinic.triggers import on_postgresql


class Migration(migrations.Migration):
    dependencies = [
        ("screening", "0009_administration_draft_beside_completed"),
    ]

    operations = [
        pgtrigger.migrations.AddTrigger(
            model_name="instrumentadministration",
            trigger=pgtrigger.compiler.Trigger(
                name="screening_administration_completed_immutable",
                sql=kap_clinic.triggers.GuardSql(
                    condition='WHEN (OLD.status <> \'in_progress\' AND (((OLD."answers" IS DISTINCT FROM (NEW."answers") OR OLD."completed_at" IS DISTINCT FROM (NEW."completed_at") OR OLD."instrument" IS DISTINCT FROM (NEW."instrument") OR OLD."score" IS DISTINCT FROM (NEW."score"))) OR NOT (NEW.status = OLD.status OR NEW.status = \'replaced\')))',
                    func="RAISE EXCEPTION 'a completed questionnaire is never edited: administer it again' USING ERRCODE = 'restrict_violation';",
                    hash="50278d1839475ded54092418816ff1ef69a9e253",
                    operation="UPDATE",
                    pgid="screening_administration_completed_immutable",
                    table="screening_instrumentadministration",
                    when="BEFORE",
                ),
            ),
        ),
        pgtrigger.migrations.AddTrigger(
            model_name="instrumentadministration",
            trigger=pgtrigger.compiler.Trigger(
                name="screening_administration_completed_not_deleted",
                sql=kap_clinic.triggers.GuardSql(
                    condition="WHEN (OLD.status <> 'in_progress')",
                    func="RAISE EXCEPTION 'a completed questionnaire cannot be deleted' USING ERRCODE = 'restrict_violation';",
                    hash="ebdb13d893e3475aca91ce7c4781e2a765653987",
                    operation="DELETE",
                    pgid="screening_administration_completed_not_deleted",
                    table="screening_instrumentadministration",
                    when="BEFORE",
                ),
            ),
        ),
        pgtrigger.migrations.AddTrigger(
            model_name="policyreview",
            trigger=pgtrigger.compiler.Trigger(
                name="screening_policyreview_immutable",
                sql=kap_clinic.triggers.GuardSql(
                    condition="WHEN (OLD.status <> 'pending')",
                    func="RAISE EXCEPTION 'a documented policy review is never changed' USING ERRCODE = 'restrict_violation';",
                    hash="f1a0cf6c8624472115580d383f0292e73c13f20a",
                    operation="UPDATE",
                    pgid="screening_policyreview_immutable",
                    table="screening_policyreview",
                    when="BEFORE",
                ),
            ),
        ),
        pgtrigger.migrations.AddTrigger(
            model_name="policyreview",
            trigger=pgtrigger.compiler.Trigger(
                name="screening_policyreview_not_deleted",
                sql=kap_clinic.triggers.GuardSql(
                    func="RAISE EXCEPTION 'a policy review is never deleted' USING ERRCODE = 'restrict_violation';",
                    hash="5407605ba392d1dc5db6e8c8fbad9e0c021c0654",
                    operation="DELETE",
                    pgid="screening_policyreview_not_deleted",
                    table="screening_policyreview",
                    when="BEFORE",
                ),
            ),
        ),
        pgtrigger.migrations.AddTrigger(
            model_name="screeningdecision",
            trigger=pgtrigger.compiler.Trigger(
                name="screening_decision_immutable",
                sql=kap_clinic.triggers.GuardSql(
                    func="RAISE EXCEPTION 'a screening decision is never changed: screen again' USING ERRCODE = 'restrict_violation';",
                    hash="63fceaf241434e13e00c97e3f57242e48c2e9758",
                    operation="UPDATE OR DELETE",
                    pgid="screening_decision_immutable",
                    table="screening_screeningdecision",
                    when="BEFORE",
                ),
            ),
        ),
        pgtrigger.migrations.AddTrigger(
            model_name="screeningpolicy",
            trigger=pgtrigger.compiler.Trigger(
                name="screening_policy_published_immutable",
                sql=kap_clinic.triggers.GuardSql(
                    condition='WHEN (OLD.status = \'published\' AND ((OLD."data" IS DISTINCT FROM (NEW."data") OR OLD."label" IS DISTINCT FROM (NEW."label") OR OLD."status" IS DISTINCT FROM (NEW."status"))))',
                    func="RAISE EXCEPTION 'screening policy % is published: its label, data and status are final', OLD.label USING ERRCODE = 'restrict_violation';",
                    hash="438d33aea0f20fe4f1b3fd01454c898c20dd5d6f",
                    operation="UPDATE",
                    pgid="screening_policy_published_immutable",
                    table="screening_screeningpolicy",
                    when="BEFORE",
                ),
            ),
        ),
        pgtrigger.migrations.AddTrigger(
            model_name="screeningpolicy",
            trigger=pgtrigger.compiler.Trigger(
                name="screening_policy_published_not_deleted",
                sql=kap_clinic.triggers.GuardSql(
                    condition="WHEN (OLD.status = 'published')",
                    func="RAISE EXCEPTION 'screening policy % is published: it cannot be deleted', OLD.label USING ERRCODE = 'restrict_violation';",
                    hash="4bcf35f845d5d0e4c62ec308bf05891235712e1d",
                    operation="DELETE",
                    pgid="screening_policy_published_not_deleted",
                    table="screening_screeningpolicy",
                    when="BEFORE",
                ),
            ),
        ),
        on_postgresql(
            """
DROP FUNCTION IF EXISTS
    screening_policy_refuse_change(),
    screening_administration_refuse_change(),
    screening_decision_refuse_change(),
    screening_policyreview_refuse_change();
"""
        ),
    ]
