"""Account security: the second factor, trusted browsers, and the user's sessions.

Every change here writes an audit event (no patient: these are about the account).
"""

from datetime import datetime, time

from django.conf import settings
from django.contrib.sessions.models import Session
from django.core import signing
from django.db import transaction
from django.utils import timezone
from django_otp import DEVICE_ID_SESSION_KEY, match_token
from django_otp import login as otp_login
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.models import User, UserSession
from accounts.roles import STAFF
from accounts.rules import trusted_until
from audit.models import Action
from audit.services import record

BACKUP_CODES = 10
TOTP_NAME = "Authenticator app"
BACKUP_NAME = "Backup codes"
TRUST_COOKIE = "kap_trusted"
_TRUST_SALT = "accounts.two-factor.trusted-browser"


class AccountsError(Exception):
    """A rule of account security said no; the message is for the user."""


# --- Two-factor ----------------------------------------------------------------------------


def two_factor_required(user) -> bool:
    """Staff always (unless the demo turned it off); a patient once they enrolled (opt-in)."""
    if not settings.TWO_FACTOR_REQUIRED or not user.is_authenticated:
        return False
    return user.role in STAFF or user.is_superuser or has_device(user)


def session_verified(request) -> bool:
    """Has this session passed the second factor (django-otp's `login` marked it)?"""
    return bool(request.session.get(DEVICE_ID_SESSION_KEY))


def has_device(user) -> bool:
    return TOTPDevice.objects.filter(user=user, confirmed=True).exists()


def totp_pending(user) -> TOTPDevice:
    """The not yet confirmed authenticator for `user` (made once, kept until confirmed)."""
    device = TOTPDevice.objects.filter(user=user, confirmed=False).order_by("pk").first()
    return device or TOTPDevice.objects.create(user=user, name=TOTP_NAME, confirmed=False)


@transaction.atomic
def totp_confirm(*, request, device: TOTPDevice, token: str) -> list[str]:
    """Confirm `device` with a code read from the app; returns ten fresh backup codes.

    Raises AccountsError when the code is wrong."""
    user = request.user
    if device.user_id != user.pk or device.confirmed:
        raise AccountsError("Start the set-up again.")
    if not device.verify_token(_digits(token)):
        raise AccountsError("That code did not match. Check the time on your phone and retry.")
    TOTPDevice.objects.filter(user=user).exclude(pk=device.pk).delete()
    device.confirmed = True
    device.save(update_fields=["confirmed"])
    codes = backup_codes_renew(user)
    otp_login(request, device)
    record(user=user, action=Action.TWO_FACTOR, obj=user, detail={"event": "enrolled"})
    return codes


def backup_codes_renew(user) -> list[str]:
    """Replace the user's backup codes with ten new single-use ones; returns them once."""
    StaticDevice.objects.filter(user=user).delete()
    device = StaticDevice.objects.create(user=user, name=BACKUP_NAME, confirmed=True)
    codes = [StaticToken.random_token() for _ in range(BACKUP_CODES)]
    StaticToken.objects.bulk_create(StaticToken(device=device, token=code) for code in codes)
    return codes


def backup_codes_left(user) -> int:
    return StaticToken.objects.filter(device__user=user, device__confirmed=True).count()


def two_factor_verify(*, request, token: str) -> bool:
    """Check a code from the app or a backup code (used up); mark the session verified."""
    user = request.user
    device = match_token(user, _digits(token) if _digits(token).isdigit() else token.strip())
    if device is None:
        record(user=user, action=Action.TWO_FACTOR, obj=user, detail={"event": "code_refused"})
        return False
    otp_login(request, device)
    kind = "backup_code" if isinstance(device, StaticDevice) else "app_code"
    record(user=user, action=Action.TWO_FACTOR, obj=user, detail={"event": kind})
    return True


@transaction.atomic
def two_factor_reset(*, user: User, by) -> int:
    """An administrator removes every device of `user` (lost phone): they enrol again at their
    next sign-in. Any browser they trusted stops being trusted (its device is gone)."""
    removed = TOTPDevice.objects.filter(user=user).delete()[0]
    removed += StaticDevice.objects.filter(user=user).delete()[0]
    # A session verified by a removed device is still marked verified: end them all.
    sessions_end_others(user=user, keep_key=None)
    record(user=by, action=Action.TWO_FACTOR, obj=user, detail={"event": "reset"})
    return removed


def _digits(token: str) -> str:
    return "".join((token or "").split())


# --- Trusted browser -----------------------------------------------------------------------


def trust_cookie_value(user, device, now: datetime | None = None) -> tuple[str, datetime]:
    """The signed cookie that lets this browser skip the second factor until the working day
    ends: bound to the user and the device that verified (reset the device, lose the trust)."""
    now_local = timezone.localtime(now or timezone.now())
    hour, minute = (int(p) for p in settings.CLINIC_WORKDAY_ENDS.split(":"))
    until = trusted_until(now_local, time(hour, minute))
    value = signing.dumps(
        {"u": user.pk, "d": device.persistent_id, "t": int(until.timestamp())}, salt=_TRUST_SALT
    )
    return value, until


def trusted_device(request):
    """The device a valid trust cookie names for the signed-in user, else None."""
    raw = request.COOKIES.get(TRUST_COOKIE)
    if not raw:
        return None
    try:
        data = signing.loads(raw, salt=_TRUST_SALT)
    except signing.BadSignature:
        return None
    if not isinstance(data, dict) or data.get("u") != request.user.pk:
        return None
    if not isinstance(data.get("t"), int) or data["t"] <= timezone.now().timestamp():
        return None
    from django_otp.models import Device

    device = Device.from_persistent_id(str(data.get("d", "")), for_verify=False)
    if device is None or device.user_id != request.user.pk or not device.confirmed:
        return None
    return device


def set_trust_cookie(response, user, device) -> None:
    value, until = trust_cookie_value(user, device)
    response.set_cookie(
        TRUST_COOKIE,
        value,
        expires=until,
        secure=settings.SESSION_COOKIE_SECURE,
        httponly=True,
        samesite="Lax",
    )


# --- Sessions ------------------------------------------------------------------------------


def session_started(*, request, user) -> None:
    """Note a new sign-in's browser, address and time (called on `user_logged_in`)."""
    from audit.context import request_ip

    key = request.session.session_key
    if key is None:
        request.session.save()
        key = request.session.session_key
    now = timezone.now()
    request.session["_seen"] = now.timestamp()
    UserSession.objects.update_or_create(
        session_key=key,
        defaults={
            "user": user,
            "device": request.META.get("HTTP_USER_AGENT", "")[:200],
            "ip": request_ip(request),
            "last_seen": now,
        },
    )


def session_rekeyed(*, old_key: str | None, new_key: str | None) -> None:
    """Django gave a session a new key (a password change): its row follows."""
    if old_key and new_key and old_key != new_key:
        UserSession.objects.filter(session_key=old_key).update(session_key=new_key)


def sessions_of(user):
    """The user's sessions still alive in Django's session store, newest first."""
    alive = Session.objects.filter(expire_date__gt=timezone.now()).values("session_key")
    return UserSession.objects.filter(user=user, session_key__in=alive)


@transaction.atomic
def session_end(*, user, session_pk: int) -> bool:
    """End one of `user`'s sessions (their own only). False when there is no such session."""
    row = UserSession.objects.filter(user=user, pk=session_pk).first()
    if row is None:
        return False
    Session.objects.filter(session_key=row.session_key).delete()
    row.delete()
    record(user=user, action=Action.SESSION_ENDED, obj=user, detail={"sessions": 1})
    return True


@transaction.atomic
def sessions_end_others(*, user, keep_key: str | None) -> int:
    """End every session of `user` but `keep_key` (after a password change)."""
    rows = UserSession.objects.filter(user=user).exclude(session_key=keep_key or "")
    keys = list(rows.values_list("session_key", flat=True))
    Session.objects.filter(session_key__in=keys).delete()
    rows.delete()
    if keys:
        record(user=user, action=Action.SESSION_ENDED, obj=user, detail={"sessions": len(keys)})
    return len(keys)
