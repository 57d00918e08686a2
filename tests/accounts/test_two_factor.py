"""Two-factor sign-in: required for staff and the admin site, set-up, codes, trusted browser."""

from datetime import datetime, time
from zoneinfo import ZoneInfo

import pytest
from django.core.management import call_command
from django.core.management.base import SystemCheckError
from django.urls import reverse
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.plugins.otp_static.models import StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts import services
from accounts.checks import two_factor_on
from accounts.rules import minutes_left, trusted_until
from audit.models import AuditEvent
from tests.accounts.twofactor import code_for, enrolled
from tests.conftest import PASSWORD

pytestmark = [pytest.mark.django_db, pytest.mark.two_factor]

NY = ZoneInfo("America/New_York")


# --- Pure rules -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("now", "until"),
    [
        (datetime(2026, 3, 2, 8, 0, tzinfo=NY), datetime(2026, 3, 2, 20, 0, tzinfo=NY)),
        (datetime(2026, 3, 2, 19, 59, tzinfo=NY), datetime(2026, 3, 2, 20, 0, tzinfo=NY)),
        (datetime(2026, 3, 2, 20, 0, tzinfo=NY), datetime(2026, 3, 3, 0, 0, tzinfo=NY)),
        (datetime(2026, 3, 2, 23, 30, tzinfo=NY), datetime(2026, 3, 3, 0, 0, tzinfo=NY)),
    ],
)
def test_a_browser_is_trusted_until_the_working_day_ends(now, until):
    assert trusted_until(now, time(20, 0)) == until


@pytest.mark.parametrize(("seconds", "minutes"), [(0, 1), (1, 1), (60, 1), (61, 2), (900, 15)])
def test_minutes_left_round_up(seconds, minutes):
    assert minutes_left(seconds) == minutes


# --- The wall -------------------------------------------------------------------------------


@pytest.mark.parametrize("role", ["intake", "therapist", "prescriber", "frontdesk", "admin"])
def test_staff_without_a_device_must_set_one_up(client, make_user, role):
    user = make_user(role)
    client.force_login(user)
    response = client.get(reverse("home"))
    assert response.status_code == 302
    assert response.url.startswith(reverse("two_factor_enrol"))


def test_staff_with_a_device_must_enter_a_code(client, therapist):
    enrolled(therapist)
    client.force_login(therapist)
    for url in (reverse("home"), reverse("patient_list"), reverse("account_security")):
        response = client.get(url)
        assert response.status_code == 302
        assert response.url.startswith(reverse("two_factor_verify"))
    # POSTs meet the same wall.
    assert client.post(reverse("patient_list")).status_code == 302


def test_the_admin_site_is_behind_the_second_factor(client, clinic_admin):
    enrolled(clinic_admin)
    client.force_login(clinic_admin)
    response = client.get("/admin/")
    assert response.status_code == 302 and response.url.startswith(reverse("two_factor_verify"))


def test_a_patient_without_a_device_is_not_asked(client, patient):
    client.force_login(patient.user)
    assert client.get(reverse("portal:home")).status_code == 200


def test_a_patient_who_opted_in_is_asked(client, patient):
    enrolled(patient.user)
    client.force_login(patient.user)
    assert client.get(reverse("portal:home")).url.startswith(reverse("two_factor_verify"))


def test_sign_out_is_reachable_before_the_code(client, therapist):
    enrolled(therapist)
    client.force_login(therapist)
    assert client.post(reverse("logout")).status_code == 302
    assert "_auth_user_id" not in client.session


# --- Set-up and codes -----------------------------------------------------------------------


def test_set_up_shows_an_inline_svg_then_ten_backup_codes(client, therapist):
    client.force_login(therapist)
    page = client.get(reverse("two_factor_enrol"))
    assert page.status_code == 200
    body = page.content.decode()
    assert "<svg" in body and "<img" not in body.split("qr-code")[1].split("</div>")[0]
    device = TOTPDevice.objects.get(user=therapist, confirmed=False)
    wrong = client.post(
        reverse("two_factor_enrol"),
        {"code": "000000" if code_for(device) != "000000" else "111111"},
    )
    assert wrong.status_code == 200 and b"did not match" in wrong.content
    done = client.post(reverse("two_factor_enrol"), {"code": code_for(device), "next": "/"})
    assert done.status_code == 200
    assert len(done.context["codes"]) == 10 and len(set(done.context["codes"])) == 10
    assert services.TRUST_COOKIE in done.cookies
    device.refresh_from_db()
    assert device.confirmed
    assert client.get(reverse("home")).status_code == 200
    assert AuditEvent.objects.filter(action="two_factor", detail__event="enrolled").exists()


def test_bad_codes_are_field_errors(client, therapist):
    client.force_login(therapist)
    client.get(reverse("two_factor_enrol"))
    for bad in ("", "12", "abcdef", "1" * 12, "12\x0034"):
        response = client.post(reverse("two_factor_enrol"), {"code": bad})
        assert response.status_code == 200 and response.context["form"].errors


def test_sign_in_with_an_app_code(client, therapist):
    device = enrolled(therapist)
    client.force_login(therapist)
    wrong = client.post(reverse("two_factor_verify"), {"code": "abc"})
    assert wrong.status_code == 200 and b"did not work" in wrong.content
    device.refresh_from_db()
    assert device.throttling_failure_count == 1  # django-otp slows the next guesses
    device.throttle_reset()
    response = client.post(
        reverse("two_factor_verify"), {"code": code_for(device), "next": reverse("patient_list")}
    )
    assert response.status_code == 302 and response.url == reverse("patient_list")
    assert client.get(reverse("home")).status_code == 200


def test_the_next_address_never_leaves_the_site(client, therapist):
    device = enrolled(therapist)
    client.force_login(therapist)
    response = client.post(
        reverse("two_factor_verify"), {"code": code_for(device), "next": "https://evil.example/"}
    )
    assert response.url == "/"


def test_a_backup_code_works_once(client, therapist):
    enrolled(therapist)
    codes = services.backup_codes_renew(therapist)
    client.force_login(therapist)
    assert client.post(reverse("two_factor_verify"), {"code": codes[0]}).status_code == 302
    assert StaticToken.objects.filter(device__user=therapist).count() == 9
    client.logout()
    client.cookies.pop(services.TRUST_COOKIE, None)
    client.force_login(therapist)
    again = client.post(reverse("two_factor_verify"), {"code": codes[0]})
    assert again.status_code == 200 and b"did not work" in again.content


def test_a_trusted_browser_skips_the_code_until_the_day_ends(client, therapist, make_user):
    device = enrolled(therapist)
    client.force_login(therapist)
    client.post(reverse("two_factor_verify"), {"code": code_for(device)})
    trust = client.cookies[services.TRUST_COOKIE].value
    client.logout()  # an idle sign-out (the test client drops every cookie: put it back)
    client.cookies[services.TRUST_COOKIE] = trust
    client.force_login(therapist)
    assert client.get(reverse("home")).status_code == 200
    # The cookie names its user: another user on this browser still needs their code.
    other = make_user("prescriber")
    enrolled(other)
    client.logout()
    client.cookies[services.TRUST_COOKIE] = trust
    client.force_login(other)
    assert client.get(reverse("home")).url.startswith(reverse("two_factor_verify"))


def test_a_forged_or_expired_trust_cookie_is_ignored(client, therapist, settings):
    device = enrolled(therapist)
    client.cookies[services.TRUST_COOKIE] = "forged"
    client.force_login(therapist)
    assert client.get(reverse("home")).status_code == 302
    past = datetime(2020, 1, 1, 12, 0, tzinfo=NY)
    value, _ = services.trust_cookie_value(therapist, device, now=past)
    client.cookies[services.TRUST_COOKIE] = value
    assert client.get(reverse("home")).status_code == 302


def test_new_backup_codes_need_a_verified_session(client, therapist):
    device = enrolled(therapist)
    client.force_login(therapist)
    client.post(reverse("two_factor_verify"), {"code": code_for(device)})
    page = client.post(reverse("backup_codes_new"))
    assert page.status_code == 200 and len(page.context["codes"]) == 10


# --- Admin reset ----------------------------------------------------------------------------


def test_an_admin_resets_a_users_devices(client, clinic_admin, therapist):
    enrolled(therapist)
    services.backup_codes_renew(therapist)
    victim = type(client)()
    victim.force_login(therapist)
    victim.session  # noqa: B018
    admin_device = enrolled(clinic_admin)
    client.force_login(clinic_admin)
    client.post(reverse("two_factor_verify"), {"code": code_for(admin_device)})
    response = client.post(
        reverse("admin:accounts_user_changelist"),
        {"action": "reset_two_factor", "_selected_action": [therapist.pk]},
    )
    assert response.status_code == 302
    assert not TOTPDevice.objects.filter(user=therapist).exists()
    assert services.backup_codes_left(therapist) == 0
    event = AuditEvent.objects.get(action="two_factor", detail__event="reset")
    assert event.user == clinic_admin and event.object_id == str(therapist.pk)
    # Their sessions ended: the next page asks for the password again.
    assert victim.get(reverse("home")).status_code == 302
    assert victim.get(reverse("home")).url.startswith(reverse("login"))


# --- The demo switch ------------------------------------------------------------------------


def test_the_demo_switch_turns_the_requirement_off_with_a_banner(client, therapist, settings):
    settings.TWO_FACTOR_REQUIRED = False
    client.force_login(therapist)
    page = client.get(reverse("home"))
    assert page.status_code == 200
    assert "demo — two-factor off" in page.content.decode()
    settings.TWO_FACTOR_REQUIRED = True
    assert "demo — two-factor off" not in client.get(reverse("login")).content.decode()


@pytest.mark.parametrize(
    ("required", "debug", "warned"),
    [(True, False, False), (False, True, False), (False, False, True)],
)
def test_check_deploy_warns_when_it_is_off_without_debug(settings, required, debug, warned):
    settings.TWO_FACTOR_REQUIRED, settings.DEBUG = required, debug
    assert bool(two_factor_on()) is warned


def test_check_deploy_fails_on_the_warning(settings):
    settings.TWO_FACTOR_REQUIRED = False
    with pytest.raises(SystemCheckError, match="accounts.W001"):
        call_command("check", "--deploy", "--fail-level", "WARNING", "--tag", "security")


def test_the_test_fixture_marks_sessions_verified_only_when_unmarked(client, therapist):
    client.force_login(therapist)
    assert DEVICE_ID_SESSION_KEY not in client.session  # this module is marked two_factor


def test_sign_in_page_and_password_then_code(client, therapist):
    device = enrolled(therapist)
    response = client.post(reverse("login"), {"username": "theo", "password": PASSWORD})
    assert response.status_code == 302
    assert client.get(reverse("home")).url.startswith(reverse("two_factor_verify"))
    client.post(reverse("two_factor_verify"), {"code": code_for(device)})
    assert client.get(reverse("home")).status_code == 200
