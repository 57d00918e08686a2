"""The audit trail: written by the helper, append-only in PostgreSQL, sealed in a hash chain."""

from datetime import timedelta

import pytest
from django.db import DatabaseError, connection, transaction

from audit.models import AuditEvent, AuditSeal
from audit.services import record, seal_new_events, verify_chain
from audit.tasks import seal_audit_events
from tests.audit.tamper import tamper

pytestmark = pytest.mark.django_db
NOW = timedelta(0)


def test_record_stores_who_what_and_where(therapist, patient):
    event = record(user=therapist, action="view", patient_id=patient.pk, obj=patient)
    event.refresh_from_db()
    assert (event.user, event.role, event.action, event.patient_id) == (
        therapist,
        "therapist",
        "view",
        patient.pk,
    )
    assert (event.object_type, event.object_id) == ("patients.patient", str(patient.pk))


def test_record_refuses_an_unknown_action(therapist):
    with pytest.raises(ValueError, match="unknown audit action"):
        record(user=therapist, action="peek")


@pytest.mark.postgres
def test_postgresql_refuses_update_of_an_audit_row(therapist, patient):
    event = record(user=therapist, action="view", patient_id=patient.pk, obj=patient)
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        AuditEvent.objects.filter(pk=event.pk).update(action="change")
    with (
        pytest.raises(DatabaseError, match="append-only"),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        cursor.execute("UPDATE audit_auditevent SET ip = '1.2.3.4' WHERE id = %s", [event.pk])
    event.refresh_from_db()
    assert event.action == "view"


@pytest.mark.postgres
def test_postgresql_refuses_delete_of_an_audit_row(therapist):
    event = record(user=therapist, action="list")
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        AuditEvent.objects.filter(pk=event.pk).delete()
    assert AuditEvent.objects.filter(pk=event.pk).exists()


def test_seals_chain_in_id_order_and_verify(therapist):
    for _ in range(3):
        record(user=therapist, action="list")
    first = seal_new_events(settle=NOW)
    assert first.event_count == 3 and first.previous is None
    assert seal_new_events(settle=NOW) is None  # nothing new
    record(user=therapist, action="list")
    second = seal_new_events(settle=NOW)
    assert second.previous == first and second.first_event_id == first.last_event_id + 1
    assert verify_chain() is None


def test_young_events_wait_to_settle(therapist):
    record(user=therapist, action="list")
    assert seal_new_events() is None  # default settle: two minutes
    assert seal_audit_events(settle_seconds=0) == 1


@pytest.mark.parametrize(
    "sql",
    [
        "UPDATE audit_auditevent SET action = 'create' WHERE id = %s",
        "DELETE FROM audit_auditevent WHERE id = %s",
    ],
)
def test_verify_finds_an_edited_or_deleted_sealed_event(therapist, sql):
    events = [record(user=therapist, action="view") for _ in range(3)]
    seal_new_events(settle=NOW)
    record(user=therapist, action="view")
    seal_new_events(settle=NOW)
    tamper(sql, [events[1].pk])
    broken = verify_chain()
    assert broken == AuditSeal.objects.order_by("id").first()
