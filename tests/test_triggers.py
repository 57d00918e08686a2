"""The guards of rows that never change (kap_clinic/triggers.py): declared on the models,
installed as declared on PostgreSQL, and not skipped by pgtrigger's session setting."""

import pgtrigger
import pytest
from django.db import DatabaseError, connection, transaction

from audit.models import AuditEvent
from audit.services import record
from kap_clinic.triggers import Refuse


def guards():
    return pgtrigger.registered()


def test_every_guard_has_a_name_of_its_own():
    # The trigger's function is named after it, and functions share one namespace.
    names = [trigger.get_pgid(model) for model, trigger in guards()]
    assert len(guards()) >= 30 and all(isinstance(t, Refuse) for _, t in guards())
    assert len(names) == len(set(names))


@pytest.mark.postgres
@pytest.mark.django_db
def test_postgresql_has_every_guard_as_declared():
    statuses = {
        trigger.name: trigger.get_installation_status(model)[0] for model, trigger in guards()
    }
    assert set(statuses.values()) == {pgtrigger.core.INSTALLED}, statuses


@pytest.mark.postgres
@pytest.mark.django_db
def test_pgtriggers_session_setting_does_not_skip_a_guard(therapist):
    event = record(user=therapist, action="list")
    # What `pgtrigger.ignore()` sets, and any role may set: a guard of pgtrigger's own would let
    # this UPDATE through.
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL pgtrigger.ignore = '{audit_event_append_only}'")
        AuditEvent.objects.filter(pk=event.pk).update(action="change")
    assert AuditEvent.objects.get(pk=event.pk).action == "list"
