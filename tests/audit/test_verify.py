"""`verify_audit` and the daily check: the first broken seal named, unsealed events counted, the
administrators alerted on a break. (The seal's key and the database roles: test_roles.py on
PostgreSQL.)"""

import hashlib
from datetime import timedelta

import pytest
from django.core import mail
from django.core.management import CommandError, call_command
from django.db import connection
from django.utils import timezone

from audit.models import AuditEvent
from audit.services import describe, record, seal_new_events, verify
from audit.tasks import verify_audit_chain
from notifications.models import Message
from patients.models import Alert
from sessions.demo import DemoClock
from tests.audit.tamper import tamper

pytestmark = pytest.mark.django_db
NOW = timedelta(0)


def run(capsys):
    """verify_audit's exit (0 or 1) and its output."""
    try:
        call_command("verify_audit")
        code = 0
    except CommandError:
        code = 1
    out = capsys.readouterr()
    return code, out.out


@pytest.fixture
def three_seals(therapist):
    """Three seals of three events each, and two events not sealed yet."""
    seals = []
    for _ in range(3):
        for _ in range(3):
            record(user=therapist, action="view")
        seals.append(seal_new_events(settle=NOW))
    for _ in range(2):
        record(user=therapist, action="list")
    return seals


def test_a_whole_chain_says_so_and_counts_the_unsealed(three_seals, capsys):
    code, out = run(capsys)
    last = three_seals[-1]
    assert code == 0
    assert out.splitlines() == [
        f"The audit trail is whole: 3 seals cover 9 events, up to event {last.last_event_id} "
        f"(seal {last.pk}).",
        "2 events are not sealed yet; the first of them was written 0 seconds ago.",
    ]


def test_an_empty_trail_and_a_fully_sealed_one(therapist, capsys):
    assert run(capsys) == (0, "The audit trail has no events yet: there is nothing to check.\n")
    record(user=therapist, action="view")
    assert run(capsys) == (
        0,
        "The audit trail has no seals yet.\n"
        "1 event is not sealed yet; the first of them was written 0 seconds ago.\n",
    )
    seal_new_events(settle=NOW)
    code, out = run(capsys)
    assert code == 0 and out.endswith("Every event is sealed.\n")


def test_a_stalled_sealer_is_named(three_seals):
    later = timezone.now() + timedelta(hours=2)
    assert describe(verify(), now=later)[1:] == [
        "2 events are not sealed yet; the first of them was written 2 hours ago.",
        "Sealing seems to have stopped (it runs every minute): check that Celery beat and a "
        "worker are running.",
    ]


def test_an_edited_event_names_its_seal_and_nothing_after(three_seals, capsys):
    first, second, _ = three_seals
    tamper("UPDATE audit_auditevent SET action = 'create' WHERE id = %s", [second.first_event_id])
    code, out = run(capsys)
    assert code == 1
    lines = out.splitlines()
    assert lines[0].startswith(
        f"The audit trail is BROKEN at seal {second.pk} (events {second.first_event_id} to "
        f"{second.last_event_id}, sealed "
    )
    assert lines[0].endswith(
        "an event in its range was changed after it was sealed (digest mismatch)."
    )
    assert lines[1] == f"The 1 seal before it is whole, up to event {first.last_event_id}."


def test_a_deleted_sealed_tail_is_named(three_seals, capsys):
    last = three_seals[-1]
    # The last sealed event and everything after it, gone.
    tamper("DELETE FROM audit_auditevent WHERE id >= %s", [last.last_event_id])
    code, out = run(capsys)
    assert code == 1
    assert f"BROKEN at seal {last.pk} " in out
    assert "1 of its 3 events is missing." in out


def test_an_event_slipped_into_a_sealed_range_is_named(three_seals, capsys, therapist):
    # INSERT is allowed (it is how events are written): a back-dated row with a chosen id.
    first = three_seals[0]
    tamper("DELETE FROM audit_auditevent WHERE id = %s", [first.first_event_id + 1])
    AuditEvent.objects.create(pk=first.first_event_id + 1, action="view", user=therapist)
    code, out = run(capsys)
    assert code == 1 and f"BROKEN at seal {first.pk} " in out and "digest mismatch" in out


def test_an_event_between_two_seals_is_named(therapist, capsys):
    first_events = [record(user=therapist, action="view") for _ in range(2)]
    first = seal_new_events(settle=NOW)
    AuditEvent.objects.create(pk=first_events[-1].pk + 10, action="view", user=therapist)
    second = seal_new_events(settle=NOW)
    AuditEvent.objects.create(pk=first_events[-1].pk + 5, action="view", user=therapist)
    code, out = run(capsys)
    assert code == 1
    assert (
        f"BROKEN at seal {second.pk} (events {first.last_event_id + 10} to "
        f"{first.last_event_id + 10}" in out
    )
    assert f"event {first.last_event_id + 5} lies before its range, outside every seal" in out


def test_a_seal_recomputed_without_the_key_does_not_verify(three_seals, settings, capsys):
    """Whoever rewrites rows and their seals in the database lacks AUDIT_SEAL_KEY: a plain hash
    over the same events, or the HMAC under another key, is a mismatch."""
    first = three_seals[0]
    assert verify().broken is None
    settings.AUDIT_SEAL_KEY = "another key"
    assert verify().broken.seal == first
    settings.AUDIT_SEAL_KEY = ""
    plain = hashlib.sha256(b"").hexdigest()
    tamper("UPDATE audit_auditseal SET digest = %s WHERE id = %s", [plain, first.pk])
    assert verify().broken.seal == first


def test_a_seal_out_of_the_chain_is_named(three_seals):
    first, second, third = three_seals
    tamper("UPDATE audit_auditseal SET previous_id = NULL WHERE id = %s", [second.pk])
    tamper("UPDATE audit_auditseal SET previous_id = %s WHERE id = %s", [first.pk, third.pk])
    broken = verify().broken
    assert (broken.seal, broken.problem) == (second, f"it does not follow seal {first.pk}")


def test_verification_reads_one_query_per_seal(three_seals, django_assert_num_queries):
    # Seals, then each seal's events (streamed in chunks), then the unsealed tail (its count and
    # its first event): memory and queries grow with seals (5000 events each), never with events
    # held at once.
    with django_assert_num_queries(1 + 3 + 2):
        assert verify().broken is None


def test_the_daily_check_records_itself_and_stays_quiet_when_whole(three_seals, clinic_admin):
    before = AuditEvent.objects.count()
    assert verify_audit_chain.apply().get() is True
    event = AuditEvent.objects.latest("id")
    assert AuditEvent.objects.count() == before + 1
    assert (event.action, event.user, event.object_type, event.object_id) == (
        "view",
        None,
        "audit.auditseal",
        str(three_seals[-1].pk),
    )
    assert event.detail == {"check": "audit chain", "whole": True, "seals": 3, "unsealed": 2}
    assert not Alert.objects.exists()


def test_a_break_alerts_every_active_administrator_by_e_mail(
    three_seals, make_user, patient, django_capture_on_commit_callbacks
):
    ada = make_user("admin", username="ada", email="ada@clinic.example.org")
    ben = make_user("admin", username="ben", email="ben@clinic.example.org")
    make_user("admin", username="gone", email="gone@clinic.example.org", is_active=False)
    make_user("prescriber", username="pia", email="pia@clinic.example.org")
    broken = three_seals[1]
    tamper("DELETE FROM audit_auditevent WHERE id = %s", [broken.last_event_id])
    with django_capture_on_commit_callbacks(execute=True):
        assert verify_audit_chain.apply().get() is False
    alerts = Alert.objects.order_by("recipient__username")
    assert [(a.recipient, a.patient, a.severity) for a in alerts] == [
        (ada, None, "urgent"),
        (ben, None, "urgent"),
    ]
    assert alerts[0].message.startswith(
        f"The daily check of the audit trail found it broken at seal {broken.pk} (events "
        f"{broken.first_event_id} to {broken.last_event_id}): 1 of its 3 events is missing."
    )
    assert Message.objects.filter(kind="urgent_alert").count() == 2
    assert sorted(m.to[0] for m in mail.outbox) == [
        "ada@clinic.example.org",
        "ben@clinic.example.org",
    ]
    for email in mail.outbox:
        text = email.subject + email.body
        for word in ("Paula", "Reyes", patient.mrn, "audit"):
            assert word not in text
    check = AuditEvent.objects.filter(detail__check="audit chain").get()
    assert (check.object_id, check.detail["whole"]) == (str(broken.pk), False)


def test_an_event_added_into_a_gap_of_a_sealed_range_is_named(therapist):
    # Ids skip where a transaction rolled back; a row written later into the gap is counted.
    first = record(user=therapist, action="view")
    AuditEvent.objects.create(pk=first.pk + 3, action="view", user=therapist)
    seal = seal_new_events(settle=NOW)
    AuditEvent.objects.create(pk=first.pk + 1, action="view", user=therapist)
    broken = verify().broken
    assert (broken.seal, broken.problem) == (seal, "it sealed 2 events but 3 are in its range now")


def test_grant_app_role_is_for_postgresql_only():
    if connection.vendor == "postgresql":
        pytest.skip("SQLite's answer; tests/audit/test_roles.py has PostgreSQL's")
    with pytest.raises(CommandError, match="Database roles are a PostgreSQL matter"):
        call_command("grant_app_role", "kap_app")


def test_the_sealer_never_skips_a_younger_event_with_a_lower_id(therapist, capsys):
    """`make demo` writes history on a demo clock: an event with a higher id may carry an older
    time. The sealer took every settled event after the last seal and so sealed past a young
    one, which the check then (rightly) called a break. A seal is a run of ids: it stops at the
    first event not settled yet."""
    young = record(user=therapist, action="view")
    with DemoClock(timezone.now() - timedelta(hours=1)):
        record(user=therapist, action="view")
    assert seal_new_events(settle=timedelta(minutes=2)) is None  # the first is not settled yet
    # Nor is sealing said to have stopped: the event it waits for is seconds old.
    assert not any("stopped" in line for line in describe(verify()))
    assert seal_new_events(settle=NOW).first_event_id == young.pk
    assert run(capsys)[0] == 0
