"""Audit rows are append-only: the guards declared on the models (kap_clinic/triggers.py)."""

import pgtrigger.compiler
import pgtrigger.migrations
from django.db import migrations

import kap_clinic.triggers
from kap_clinic.triggers import on_postgresql


class Migration(migrations.Migration):
    dependencies = [
        ("audit", "0002_security_actions"),
    ]

    operations = [
        pgtrigger.migrations.AddTrigger(
            model_name="auditevent",
            trigger=pgtrigger.compiler.Trigger(
                name="audit_event_append_only",
                sql=kap_clinic.triggers.GuardSql(
                    func="RAISE EXCEPTION 'audit rows are append-only: % on % refused', TG_OP, TG_TABLE_NAME USING ERRCODE = 'insufficient_privilege';",
                    hash="018e75b3053c906402fcaec4d2e5364fe89ae8c4",
                    operation="UPDATE OR DELETE",
                    pgid="audit_event_append_only",
                    table="audit_auditevent",
                    when="BEFORE",
                ),
            ),
        ),
        pgtrigger.migrations.AddTrigger(
            model_name="auditseal",
            trigger=pgtrigger.compiler.Trigger(
                name="audit_seal_append_only",
                sql=kap_clinic.triggers.GuardSql(
                    func="RAISE EXCEPTION 'audit rows are append-only: % on % refused', TG_OP, TG_TABLE_NAME USING ERRCODE = 'insufficient_privilege';",
                    hash="e81e569d1a15739cfe6f69e3ea328822a769dfc1",
                    operation="UPDATE OR DELETE",
                    pgid="audit_seal_append_only",
                    table="audit_auditseal",
                    when="BEFORE",
                ),
            ),
        ),
        on_postgresql("DROP FUNCTION IF EXISTS audit_refuse_change();"),
    ]
