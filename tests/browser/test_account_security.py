"""Account security in Chromium: a new staff member sets up two-step sign-in by reading the key
beside the QR code, signs out, signs in with an app code, then once with a backup code."""

from base64 import b32decode

import pytest
from django_otp.oath import totp
from playwright.sync_api import expect

from tests.browser.screens import shoot
from tests.conftest import PASSWORD

pytestmark = [pytest.mark.heavy, pytest.mark.django_db(transaction=True)]


def _code(secret: str, offset: int = 0) -> str:
    """What an authenticator app shows for the key read off the page (`offset` steps on)."""
    key = b32decode(secret.replace(" ", ""))
    return f"{totp(key, step=30, t0=0, digits=6, drift=offset):06d}"


def _password(page, base, user):
    page.goto(f"{base}/accounts/login/")
    page.fill("#id_username", user.username)
    page.fill("#id_password", PASSWORD)
    page.click("main button[type=submit]")


def _sign_out(page):
    page.get_by_test_id("user-menu").click()
    page.get_by_role("button", name="Sign out").click()
    page.context.clear_cookies()  # another day, or another browser: no trusted browser


@pytest.mark.two_factor
def test_enrol_then_sign_in_with_a_code_then_a_backup_code(page, live_server, make_user):
    base = live_server.url
    user = make_user("therapist", username="newstaff")
    _password(page, base, user)
    page.wait_for_url(f"{base}/accounts/two-step/set-up/**")
    expect(page.get_by_test_id("qr-code").locator("svg")).to_be_visible()
    shoot(page, "two-step-set-up")
    secret = page.get_by_test_id("totp-secret").inner_text()
    page.fill("#id_code", _code(secret))
    page.get_by_role("button", name="Turn on two-step sign-in").click()
    codes = page.get_by_test_id("backup-codes").locator("li").all_inner_texts()
    assert len(codes) == 10
    shoot(page, "two-step-backup-codes")
    page.get_by_role("link", name="I have kept them — continue").click()
    expect(page.locator("h1")).to_have_text("Therapist")

    _sign_out(page)
    _password(page, base, user)
    page.wait_for_url(f"{base}/accounts/two-step/**")
    shoot(page, "two-step-code")
    page.fill("#id_code", _code(secret, offset=1))  # a later code than the one used at set-up
    page.get_by_role("button", name="Continue").click()
    expect(page.locator("h1")).to_have_text("Therapist")

    _sign_out(page)
    _password(page, base, user)
    page.fill("#id_code", codes[0])
    page.get_by_role("button", name="Continue").click()
    expect(page.locator("h1")).to_have_text("Therapist")

    _sign_out(page)
    _password(page, base, user)
    page.fill("#id_code", codes[0])  # used once already
    page.get_by_role("button", name="Continue").click()
    expect(page.locator(".invalid-feedback")).to_contain_text("did not work")


def test_security_pages_look_right(sign_in, live_server, outside_clinician, patient):
    base = live_server.url
    page = sign_in(outside_clinician)
    page.goto(f"{base}/accounts/security/")
    expect(page.get_by_test_id("sessions")).to_contain_text("This browser")
    shoot(page, "sign-in-and-sessions")
    page.goto(f"{base}/emergency-access/")
    shoot(page, "emergency-access")
    page.fill("#id_mrn", patient.mrn)
    page.fill("#id_reason", "Found unwell in the waiting room; need allergies now.")
    page.get_by_role("button", name="Open the chart").click()
    expect(page.get_by_test_id("break-glass-banner")).to_contain_text("Emergency access")
    shoot(page, "chart-emergency-access")
    page.context.clear_cookies()
    for _ in range(5):
        page.goto(f"{base}/accounts/login/")
        page.fill("#id_username", "someone")
        page.fill("#id_password", "wrong-password-here")
        page.click("main button[type=submit]")
    expect(page.get_by_test_id("locked")).to_contain_text("Too many attempts, try again in")
    shoot(page, "sign-in-locked")
