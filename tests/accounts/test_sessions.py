"""Sessions: sign-out ends them, a password change ends the others, a user sees and ends theirs."""

import pytest
from django.conf import settings
from django.contrib.sessions.models import Session
from django.test import Client
from django.urls import reverse

from accounts.models import UserSession
from audit.models import AuditEvent
from tests.conftest import PASSWORD

pytestmark = pytest.mark.django_db


def browser(user, agent="Firefox on a laptop", ip="10.1.1.1"):
    client = Client(HTTP_USER_AGENT=agent, REMOTE_ADDR=ip)
    response = client.post(reverse("login"), {"username": user.username, "password": PASSWORD})
    assert response.status_code == 302
    return client


def test_sign_out_invalidates_the_session(therapist):
    client = browser(therapist)
    key = client.cookies[settings.SESSION_COOKIE_NAME].value
    client.post(reverse("logout"))
    assert not Session.objects.filter(session_key=key).exists()
    assert not UserSession.objects.filter(session_key=key).exists()
    replay = Client()
    replay.cookies[settings.SESSION_COOKIE_NAME] = key
    assert replay.get(reverse("home")).url.startswith(reverse("login"))


def test_a_password_change_ends_the_other_sessions(therapist):
    laptop, phone = browser(therapist), browser(therapist, "Safari on a phone", "10.2.2.2")
    new = "Quiet-Room-Eye-Shades-71"
    response = laptop.post(
        reverse("password_change"),
        {"old_password": PASSWORD, "new_password1": new, "new_password2": new},
    )
    assert response.status_code == 302
    assert laptop.get(reverse("home")).status_code == 200
    assert phone.get(reverse("home")).url.startswith(reverse("login"))
    assert UserSession.objects.filter(user=therapist).count() == 1
    assert AuditEvent.objects.filter(action="session_ended", user=therapist).exists()


def test_the_user_sees_their_sessions_and_ends_one(therapist, prescriber):
    laptop, phone = browser(therapist), browser(therapist, "Safari on a phone", "10.2.2.2")
    browser(prescriber, "Edge", "10.3.3.3")
    page = laptop.get(reverse("account_security"))
    assert page.status_code == 200
    body = page.content.decode()
    assert "Firefox on a laptop" in body and "Safari on a phone" in body and "10.2.2.2" in body
    assert "Edge" not in body and "This browser" in body
    phone_row = UserSession.objects.get(user=therapist, device="Safari on a phone")
    assert laptop.post(reverse("session_end", args=[phone_row.pk])).status_code == 302
    assert phone.get(reverse("home")).url.startswith(reverse("login"))
    assert laptop.get(reverse("home")).status_code == 200


def test_nobody_ends_another_users_session(therapist, prescriber):
    laptop = browser(therapist)
    other = browser(prescriber, "Edge", "10.3.3.3")
    theirs = UserSession.objects.get(user=prescriber)
    assert laptop.post(reverse("session_end", args=[theirs.pk])).status_code == 404
    assert other.get(reverse("home")).status_code == 200
    assert laptop.get(reverse("session_end", args=[theirs.pk])).status_code == 405
