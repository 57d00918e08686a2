"""Lockout: 5 failures per account, a per-address limit, the cool-off, and the audit trail."""

from datetime import timedelta

import pytest
from axes.models import AccessAttempt
from django.urls import reverse

from audit.models import AuditEvent
from tests.conftest import PASSWORD

pytestmark = pytest.mark.django_db

LOGIN = "/accounts/login/"


def attempt(client, username, password="wrong-password", ip="10.0.0.7"):
    return client.post(LOGIN, {"username": username, "password": password}, REMOTE_ADDR=ip)


def test_five_failures_lock_the_account_even_for_the_right_password(client, therapist):
    for _ in range(4):
        assert attempt(client, "theo").status_code == 200
    locked = attempt(client, "theo")
    assert locked.status_code == 429
    assert b"Too many attempts, try again in 15 minutes." in locked.content
    right = attempt(client, "theo", PASSWORD)
    assert right.status_code == 429 and "_auth_user_id" not in client.session
    assert AuditEvent.objects.filter(action="sign_in_failed").count() >= 5
    assert AuditEvent.objects.filter(action="locked_out").exists()


def test_an_unknown_name_locks_the_same_way(client, therapist):
    for _ in range(5):
        attempt(client, "theo")
        attempt(client, "nobody-here")
    known, unknown = attempt(client, "theo"), attempt(client, "nobody-here")
    assert known.status_code == unknown.status_code == 429
    for response in (known, unknown):
        assert b"Too many attempts, try again in 15 minutes." in response.content
        assert b"Please enter a correct" not in response.content


def test_other_accounts_are_not_locked_by_one(client, therapist, prescriber):
    for _ in range(5):
        attempt(client, "theo")
    response = attempt(client, "priya", PASSWORD)
    assert response.status_code == 302


def test_one_address_is_cut_off_across_accounts(client, therapist, settings):
    settings.CLINIC_LOCKOUT_IP_FAILURES = 6
    for name in ("a1", "a2", "a3", "a4", "a5", "a6"):
        attempt(client, name, ip="10.9.9.9")
    assert attempt(client, "theo", PASSWORD, ip="10.9.9.9").status_code == 429
    assert attempt(client, "theo", PASSWORD, ip="10.9.9.10").status_code == 302


def test_the_cool_off_ends(client, therapist):
    for _ in range(5):
        attempt(client, "theo")
    AccessAttempt.objects.update(
        attempt_time=AccessAttempt.objects.first().attempt_time - timedelta(minutes=16)
    )
    assert attempt(client, "theo", PASSWORD).status_code == 302


def test_a_success_is_audited_and_clears_the_count(client, therapist):
    for _ in range(4):
        attempt(client, "theo")
    assert attempt(client, "theo", PASSWORD).status_code == 302
    assert AuditEvent.objects.filter(action="sign_in", user=therapist).count() == 1
    client.post(reverse("logout"))
    assert AuditEvent.objects.filter(action="sign_out", user=therapist).count() == 1
    for _ in range(4):
        assert attempt(client, "theo").status_code == 200


def test_failures_never_record_the_name_typed(client, therapist):
    attempt(client, "theo")
    event = AuditEvent.objects.get(action="sign_in_failed")
    assert "theo" not in str(event.detail) and event.ip == "10.0.0.7"


def test_guessing_invitation_links_locks_the_address_out(client):
    for n in range(4):
        response = client.get(f"/welcome/guess-{n}/", REMOTE_ADDR="10.4.4.4")
        assert response.status_code == 404
    assert client.get("/welcome/guess-5/", REMOTE_ADDR="10.4.4.4").status_code == 429
    locked = client.get("/welcome/guess-6/", REMOTE_ADDR="10.4.4.4")
    assert (
        locked.status_code == 429
        and b"Too many attempts, try again in 15 minutes" in locked.content
    )
    assert client.get("/welcome/guess-7/", REMOTE_ADDR="10.4.4.5").status_code == 404
    assert AuditEvent.objects.filter(
        action="sign_in_failed", detail__path="/welcome/guess-0/"
    ).exists()
