"""Signed, published, completed, finished and struck rows are final: the declared guards."""

import pgtrigger.compiler
import pgtrigger.migrations
from django.db import migrations

import kap_clinic.triggers
from kap_clinic.triggers import on_postgresql


class Migration(migrations.Migration):
    dependencies = [
        ("kap_sessions", "0008_chairside_amendments"),
    ]

    operations = [
        pgtrigger.migrations.AddTrigger(
            model_name="administrationamendment",
            trigger=pgtrigger.compiler.Trigger(
                name="administration_amendment_immutable",
                sql=kap_clinic.triggers.GuardSql(
                    func="RAISE EXCEPTION 'a Schedule III amendment is never changed or deleted' USING ERRCODE = 'restrict_violation';",
                    hash="02c8957df0ab68ce6249a3bd3435e313d6afcff2",
                    operation="UPDATE OR DELETE",
                    pgid="administration_amendment_immutable",
                    table="kap_sessions_administrationamendment",
                    when="BEFORE",
                ),
            ),
        ),
        pgtrigger.migrations.AddTrigger(
            model_name="checklistitem",
            trigger=pgtrigger.compiler.Trigger(
                name="checklist_struck_immutable",
                sql=kap_clinic.triggers.GuardSql(
                    condition="WHEN (OLD.struck_at IS NOT NULL)",
                    func="RAISE EXCEPTION 'a struck checklist tick is never changed or deleted' USING ERRCODE = 'restrict_violation';",
                    hash="55d6d7b46d625571c18083fa3c702c7227f0d5f6",
                    operation="UPDATE OR DELETE",
                    pgid="checklist_struck_immutable",
                    table="kap_sessions_checklistitem",
                    when="BEFORE",
                ),
            ),
        ),
        pgtrigger.migrations.AddTrigger(
            model_name="checklistitem",
            trigger=pgtrigger.compiler.Trigger(
                name="checklist_strike_keeps_charted",
                sql=kap_clinic.triggers.GuardSql(
                    condition='WHEN (OLD.struck_at IS NULL AND NEW.struck_at IS NOT NULL AND ((OLD."checked_at" IS DISTINCT FROM (NEW."checked_at") OR OLD."checked_by_id" IS DISTINCT FROM (NEW."checked_by_id") OR OLD."dose_id" IS DISTINCT FROM (NEW."dose_id") OR OLD."id" IS DISTINCT FROM (NEW."id") OR OLD."item" IS DISTINCT FROM (NEW."item") OR OLD."note" IS DISTINCT FROM (NEW."note"))))',
                    func="RAISE EXCEPTION 'striking a checklist tick keeps what was charted' USING ERRCODE = 'restrict_violation';",
                    hash="cf58422a44d719ffd223dfb2054d1ab0381d1a1a",
                    operation="UPDATE",
                    pgid="checklist_strike_keeps_charted",
                    table="kap_sessions_checklistitem",
                    when="BEFORE",
                ),
            ),
        ),
        pgtrigger.migrations.AddTrigger(
            model_name="consentsignature",
            trigger=pgtrigger.compiler.Trigger(
                name="consent_signature_immutable",
                sql=kap_clinic.triggers.GuardSql(
                    func="RAISE EXCEPTION 'a consent signature is never changed or deleted' USING ERRCODE = 'restrict_violation';",
                    hash="3498089737888c33ed99bef6a05651d2bb00b0ef",
                    operation="UPDATE OR DELETE",
                    pgid="consent_signature_immutable",
                    table="kap_sessions_consentsignature",
                    when="BEFORE",
                ),
            ),
        ),
        pgtrigger.migrations.AddTrigger(
            model_name="consentversion",
            trigger=pgtrigger.compiler.Trigger(
                name="consent_version_published_immutable",
                sql=kap_clinic.triggers.GuardSql(
                    condition='WHEN (OLD.status = \'published\' AND ((OLD."status" IS DISTINCT FROM (NEW."status") OR OLD."text" IS DISTINCT FROM (NEW."text") OR OLD."text_sha256" IS DISTINCT FROM (NEW."text_sha256") OR OLD."title" IS DISTINCT FROM (NEW."title") OR OLD."version" IS DISTINCT FROM (NEW."version"))))',
                    func="RAISE EXCEPTION 'consent version % is published: its text is final', OLD.version USING ERRCODE = 'restrict_violation';",
                    hash="04819115a9fd1bfc144433f0da0c29ff66256ab7",
                    operation="UPDATE",
                    pgid="consent_version_published_immutable",
                    table="kap_sessions_consentversion",
                    when="BEFORE",
                ),
            ),
        ),
        pgtrigger.migrations.AddTrigger(
            model_name="consentversion",
            trigger=pgtrigger.compiler.Trigger(
                name="consent_version_published_not_deleted",
                sql=kap_clinic.triggers.GuardSql(
                    condition="WHEN (OLD.status = 'published')",
                    func="RAISE EXCEPTION 'consent version % is published: it cannot be deleted', OLD.version USING ERRCODE = 'restrict_violation';",
                    hash="761ad6ee5af4fb480a6266d0fe44a910a0c6d5c4",
                    operation="DELETE",
                    pgid="consent_version_published_not_deleted",
                    table="kap_sessions_consentversion",
                    when="BEFORE",
                ),
            ),
        ),
        pgtrigger.migrations.AddTrigger(
            model_name="consentwithdrawal",
            trigger=pgtrigger.compiler.Trigger(
                name="consent_withdrawal_immutable",
                sql=kap_clinic.triggers.GuardSql(
                    func="RAISE EXCEPTION 'a consent withdrawal is never changed or deleted' USING ERRCODE = 'restrict_violation';",
                    hash="caaa0e1bfb4a1ea699dd3f63a5e6d9c6f3c8cbe5",
                    operation="UPDATE OR DELETE",
                    pgid="consent_withdrawal_immutable",
                    table="kap_sessions_consentwithdrawal",
                    when="BEFORE",
                ),
            ),
        ),
        pgtrigger.migrations.AddTrigger(
            model_name="count",
            trigger=pgtrigger.compiler.Trigger(
                name="stock_count_immutable",
                sql=kap_clinic.triggers.GuardSql(
                    func="RAISE EXCEPTION 'a count is never changed or deleted' USING ERRCODE = 'restrict_violation';",
                    hash="326cf5d0ea63bf8b2d3f0300c1a0740c1f64a845",
                    operation="UPDATE OR DELETE",
                    pgid="stock_count_immutable",
                    table="kap_sessions_count",
                    when="BEFORE",
                ),
            ),
        ),
        pgtrigger.migrations.AddTrigger(
            model_name="discrepancy",
            trigger=pgtrigger.compiler.Trigger(
                name="stock_discrepancy_resolved_immutable",
                sql=kap_clinic.triggers.GuardSql(
                    condition="WHEN (OLD.status = 'resolved')",
                    func="RAISE EXCEPTION 'a resolved discrepancy is never changed or deleted' USING ERRCODE = 'restrict_violation';",
                    hash="edb5e34572b57283cae9760f96d79e6fca9e1848",
                    operation="UPDATE OR DELETE",
                    pgid="stock_discrepancy_resolved_immutable",
                    table="kap_sessions_discrepancy",
                    when="BEFORE",
                ),
            ),
        ),
        pgtrigger.migrations.AddTrigger(
            model_name="dose",
            trigger=pgtrigger.compiler.Trigger(
                name="dose_record_frozen",
                sql=kap_clinic.triggers.GuardSql(
                    condition='WHEN (OLD.status IN (\'discharged\', \'ended_early\', \'integrated\') AND (NEW.status NOT IN (\'discharged\', \'ended_early\', \'integrated\') OR ((OLD."administered_by_id" IS DISTINCT FROM (NEW."administered_by_id") OR OLD."dose_mg" IS DISTINCT FROM (NEW."dose_mg") OR OLD."drug" IS DISTINCT FROM (NEW."drug") OR OLD."expiry" IS DISTINCT FROM (NEW."expiry") OR OLD."lot" IS DISTINCT FROM (NEW."lot") OR OLD."quantity_drawn_mg" IS DISTINCT FROM (NEW."quantity_drawn_mg") OR OLD."quantity_given_mg" IS DISTINCT FROM (NEW."quantity_given_mg") OR OLD."quantity_wasted_mg" IS DISTINCT FROM (NEW."quantity_wasted_mg") OR OLD."route" IS DISTINCT FROM (NEW."route") OR OLD."started_at" IS DISTINCT FROM (NEW."started_at") OR OLD."strength" IS DISTINCT FROM (NEW."strength") OR OLD."waste_witness_id" IS DISTINCT FROM (NEW."waste_witness_id") OR OLD."waste_witnessed_at" IS DISTINCT FROM (NEW."waste_witnessed_at")))))',
                    func="RAISE EXCEPTION 'the Schedule III record of dose % is frozen once it is %: add an amendment', OLD.id, OLD.status USING ERRCODE = 'restrict_violation';",
                    hash="818290456eb542d5d4ce54423dedfc81c89684cf",
                    operation="UPDATE",
                    pgid="dose_record_frozen",
                    table="kap_sessions_dose",
                    when="BEFORE",
                ),
            ),
        ),
        pgtrigger.migrations.AddTrigger(
            model_name="dose",
            trigger=pgtrigger.compiler.Trigger(
                name="dose_given_never_deleted",
                sql=kap_clinic.triggers.GuardSql(
                    condition="WHEN (OLD.status <> 'booked')",
                    func="RAISE EXCEPTION 'dose % has a Schedule III record: it is never deleted', OLD.id USING ERRCODE = 'restrict_violation';",
                    hash="39e683e5b4b8219707e2178e55d5bbc25c75ddb5",
                    operation="DELETE",
                    pgid="dose_given_never_deleted",
                    table="kap_sessions_dose",
                    when="BEFORE",
                ),
            ),
        ),
        pgtrigger.migrations.AddTrigger(
            model_name="lot",
            trigger=pgtrigger.compiler.Trigger(
                name="stock_lot_immutable",
                sql=kap_clinic.triggers.GuardSql(
                    condition='WHEN ((OLD."expiry" IS DISTINCT FROM (NEW."expiry") OR OLD."number" IS DISTINCT FROM (NEW."number") OR OLD."product_id" IS DISTINCT FROM (NEW."product_id")))',
                    func="RAISE EXCEPTION 'a lot''s product, number and expiry never change' USING ERRCODE = 'restrict_violation';",
                    hash="5a8938f18e50243167a7da5f3d3f080ad6ea4b57",
                    operation="UPDATE",
                    pgid="stock_lot_immutable",
                    table="kap_sessions_lot",
                    when="BEFORE",
                ),
            ),
        ),
        pgtrigger.migrations.AddTrigger(
            model_name="lot",
            trigger=pgtrigger.compiler.Trigger(
                name="stock_lot_not_deleted",
                sql=kap_clinic.triggers.GuardSql(
                    func="RAISE EXCEPTION 'a lot is never deleted' USING ERRCODE = 'restrict_violation';",
                    hash="18f1635191705c8adc96b9ea96a4b1b166f2840a",
                    operation="DELETE",
                    pgid="stock_lot_not_deleted",
                    table="kap_sessions_lot",
                    when="BEFORE",
                ),
            ),
        ),
        pgtrigger.migrations.AddTrigger(
            model_name="movement",
            trigger=pgtrigger.compiler.Trigger(
                name="stock_movement_immutable",
                sql=kap_clinic.triggers.GuardSql(
                    func="RAISE EXCEPTION 'a ledger line is never changed or deleted' USING ERRCODE = 'restrict_violation';",
                    hash="fa6106d6ba11b314ffe1e705fcc35140ce41dee2",
                    operation="UPDATE OR DELETE",
                    pgid="stock_movement_immutable",
                    table="kap_sessions_movement",
                    when="BEFORE",
                ),
            ),
        ),
        pgtrigger.migrations.AddTrigger(
            model_name="preparationrecord",
            trigger=pgtrigger.compiler.Trigger(
                name="preparation_completed_immutable",
                sql=kap_clinic.triggers.GuardSql(
                    condition='WHEN (OLD.status = \'completed\' AND ((OLD."appointment_id" IS DISTINCT FROM (NEW."appointment_id") OR OLD."completed_at" IS DISTINCT FROM (NEW."completed_at") OR OLD."completed_by_id" IS DISTINCT FROM (NEW."completed_by_id") OR OLD."course_id" IS DISTINCT FROM (NEW."course_id") OR OLD."created_at" IS DISTINCT FROM (NEW."created_at") OR OLD."created_by_id" IS DISTINCT FROM (NEW."created_by_id") OR OLD."expectations" IS DISTINCT FROM (NEW."expectations") OR OLD."fasting_instructions_given" IS DISTINCT FROM (NEW."fasting_instructions_given") OR OLD."goals" IS DISTINCT FROM (NEW."goals") OR OLD."id" IS DISTINCT FROM (NEW."id") OR OLD."intentions" IS DISTINCT FROM (NEW."intentions") OR OLD."medication_adjustments" IS DISTINCT FROM (NEW."medication_adjustments") OR OLD."patient_id" IS DISTINCT FROM (NEW."patient_id") OR OLD."status" IS DISTINCT FROM (NEW."status"))))',
                    func="RAISE EXCEPTION 'a completed preparation record is final; only the escort may change' USING ERRCODE = 'restrict_violation';",
                    hash="186f14a527b4d7b8a4481d6296c9c40f2f0c1ffb",
                    operation="UPDATE",
                    pgid="preparation_completed_immutable",
                    table="kap_sessions_preparationrecord",
                    when="BEFORE",
                ),
            ),
        ),
        pgtrigger.migrations.AddTrigger(
            model_name="preparationrecord",
            trigger=pgtrigger.compiler.Trigger(
                name="preparation_completed_not_deleted",
                sql=kap_clinic.triggers.GuardSql(
                    condition="WHEN (OLD.status = 'completed')",
                    func="RAISE EXCEPTION 'a completed preparation record cannot be deleted' USING ERRCODE = 'restrict_violation';",
                    hash="c628795d8054903bcd4e79a313f683c8090ae4ca",
                    operation="DELETE",
                    pgid="preparation_completed_not_deleted",
                    table="kap_sessions_preparationrecord",
                    when="BEFORE",
                ),
            ),
        ),
        pgtrigger.migrations.AddTrigger(
            model_name="progressnote",
            trigger=pgtrigger.compiler.Trigger(
                name="progress_note_signed_immutable",
                sql=kap_clinic.triggers.GuardSql(
                    condition="WHEN (OLD.status = 'signed')",
                    func="RAISE EXCEPTION 'a signed note is never changed or deleted' USING ERRCODE = 'restrict_violation';",
                    hash="d9bdf03a06ac397e25ed6d72d7259cbfa5a372a1",
                    operation="UPDATE OR DELETE",
                    pgid="progress_note_signed_immutable",
                    table="kap_sessions_progressnote",
                    when="BEFORE",
                ),
            ),
        ),
        pgtrigger.migrations.AddTrigger(
            model_name="progressnoteaddendum",
            trigger=pgtrigger.compiler.Trigger(
                name="progress_note_addendum_immutable",
                sql=kap_clinic.triggers.GuardSql(
                    func="RAISE EXCEPTION 'an addendum is never changed or deleted' USING ERRCODE = 'restrict_violation';",
                    hash="8343016afff0026b4c1a10efab4fea5a070b3faa",
                    operation="UPDATE OR DELETE",
                    pgid="progress_note_addendum_immutable",
                    table="kap_sessions_progressnoteaddendum",
                    when="BEFORE",
                ),
            ),
        ),
        pgtrigger.migrations.AddTrigger(
            model_name="psychotherapynote",
            trigger=pgtrigger.compiler.Trigger(
                name="psychotherapy_note_signed_immutable",
                sql=kap_clinic.triggers.GuardSql(
                    condition="WHEN (OLD.status = 'signed')",
                    func="RAISE EXCEPTION 'a signed note is never changed or deleted' USING ERRCODE = 'restrict_violation';",
                    hash="5f91e498ea7442192dcf1a4936fac0029150490f",
                    operation="UPDATE OR DELETE",
                    pgid="psychotherapy_note_signed_immutable",
                    table="kap_sessions_psychotherapynote",
                    when="BEFORE",
                ),
            ),
        ),
        pgtrigger.migrations.AddTrigger(
            model_name="psychotherapynoteaddendum",
            trigger=pgtrigger.compiler.Trigger(
                name="psychotherapy_note_addendum_immutable",
                sql=kap_clinic.triggers.GuardSql(
                    func="RAISE EXCEPTION 'an addendum is never changed or deleted' USING ERRCODE = 'restrict_violation';",
                    hash="93a1770e468c019dd80c119e229df6b2043a0cb9",
                    operation="UPDATE OR DELETE",
                    pgid="psychotherapy_note_addendum_immutable",
                    table="kap_sessions_psychotherapynoteaddendum",
                    when="BEFORE",
                ),
            ),
        ),
        pgtrigger.migrations.AddTrigger(
            model_name="receipt",
            trigger=pgtrigger.compiler.Trigger(
                name="stock_receipt_immutable",
                sql=kap_clinic.triggers.GuardSql(
                    func="RAISE EXCEPTION 'a receipt is never changed or deleted' USING ERRCODE = 'restrict_violation';",
                    hash="c1ae5f48889f7cd113ed6b38235d66e8e288ac33",
                    operation="UPDATE OR DELETE",
                    pgid="stock_receipt_immutable",
                    table="kap_sessions_receipt",
                    when="BEFORE",
                ),
            ),
        ),
        pgtrigger.migrations.AddTrigger(
            model_name="remsmonitoringform",
            trigger=pgtrigger.compiler.Trigger(
                name="rems_form_submitted_immutable",
                sql=kap_clinic.triggers.GuardSql(
                    condition="WHEN (OLD.status = 'submitted')",
                    func="RAISE EXCEPTION 'a submitted REMS form is never changed or deleted' USING ERRCODE = 'restrict_violation';",
                    hash="0df260203c931f0b87da862f8765f2f29042e856",
                    operation="UPDATE OR DELETE",
                    pgid="rems_form_submitted_immutable",
                    table="kap_sessions_remsmonitoringform",
                    when="BEFORE",
                ),
            ),
        ),
        pgtrigger.migrations.AddTrigger(
            model_name="vitalsigns",
            trigger=pgtrigger.compiler.Trigger(
                name="vitals_struck_immutable",
                sql=kap_clinic.triggers.GuardSql(
                    condition="WHEN (OLD.struck_at IS NOT NULL)",
                    func="RAISE EXCEPTION 'a struck vitals row is never changed or deleted' USING ERRCODE = 'restrict_violation';",
                    hash="9cce29474e51875f181a8dcb4978f2991e17ce9d",
                    operation="UPDATE OR DELETE",
                    pgid="vitals_struck_immutable",
                    table="kap_sessions_vitalsigns",
                    when="BEFORE",
                ),
            ),
        ),
        pgtrigger.migrations.AddTrigger(
            model_name="vitalsigns",
            trigger=pgtrigger.compiler.Trigger(
                name="vitals_strike_keeps_charted",
                sql=kap_clinic.triggers.GuardSql(
                    condition='WHEN (OLD.struck_at IS NULL AND NEW.struck_at IS NOT NULL AND ((OLD."alerts" IS DISTINCT FROM (NEW."alerts") OR OLD."diastolic" IS DISTINCT FROM (NEW."diastolic") OR OLD."dose_id" IS DISTINCT FROM (NEW."dose_id") OR OLD."heart_rate" IS DISTINCT FROM (NEW."heart_rate") OR OLD."id" IS DISTINCT FROM (NEW."id") OR OLD."moment" IS DISTINCT FROM (NEW."moment") OR OLD."respiratory_rate" IS DISTINCT FROM (NEW."respiratory_rate") OR OLD."spo2" IS DISTINCT FROM (NEW."spo2") OR OLD."systolic" IS DISTINCT FROM (NEW."systolic") OR OLD."taken_at" IS DISTINCT FROM (NEW."taken_at") OR OLD."taken_by_id" IS DISTINCT FROM (NEW."taken_by_id"))))',
                    func="RAISE EXCEPTION 'striking a vitals row keeps what was charted' USING ERRCODE = 'restrict_violation';",
                    hash="f41e57f7363ebf6a249ff75c382225f00b31ec2b",
                    operation="UPDATE",
                    pgid="vitals_strike_keeps_charted",
                    table="kap_sessions_vitalsigns",
                    when="BEFORE",
                ),
            ),
        ),
        on_postgresql(
            """
DROP FUNCTION IF EXISTS
    kap_sessions_refuse_change(),
    kap_sessions_consent_version_refuse_change(),
    kap_sessions_preparation_refuse_change(),
    kap_sessions_dose_record_frozen(),
    kap_sessions_lot_refuse_change(),
    kap_sessions_strike_guard();
"""
        ),
    ]
