"""Lockout after repeated failed sign-ins (django-axes), with the clinic's two limits.

- per account: `AXES_FAILURE_LIMIT` (5) failures for one user name, then a cool-off of
  `AXES_COOLOFF_TIME`; a name that belongs to no account locks the same way, so the answer never
  tells whether an account exists;
- per address: `CLINIC_LOCKOUT_IP_FAILURES` failures from one IP address across all names (a
  clinic behind one NAT address shares it: the limit is higher than one account's).

Every failure and lockout is written to the audit log; the sign-in page then says "too many
attempts, try again in N minutes".
"""

from axes.handlers.database import AxesDatabaseHandler
from axes.helpers import get_client_username, get_cool_off
from axes.models import AccessAttempt
from django.conf import settings
from django.contrib.auth.forms import AuthenticationForm
from django.db.models import Max, Q, Sum
from django.shortcuts import render
from django.utils import timezone

from accounts.rules import minutes_left
from audit.context import request_ip
from audit.models import Action
from audit.services import record


def client_ip(request):
    """The same address the audit log records (the proxy's X-Forwarded-For when behind one)."""
    return request_ip(request)


def _recent(request):
    return AccessAttempt.objects.filter(attempt_time__gte=timezone.now() - get_cool_off(request))


class ClinicAxesHandler(AxesDatabaseHandler):
    def is_locked(self, request, credentials=None) -> bool:
        if super().is_locked(request, credentials):
            return True
        ip = getattr(request, "axes_ip_address", None) or client_ip(request)
        if not ip:
            return False
        failures = _recent(request).filter(ip_address=ip).aggregate(n=Sum("failures_since_start"))
        return (failures["n"] or 0) >= settings.CLINIC_LOCKOUT_IP_FAILURES

    def user_login_failed(self, sender, credentials, request=None, **kwargs):
        super().user_login_failed(sender, credentials, request=request, **kwargs)
        # axes flags the request (→ the lockout page) only for its own parameters: the
        # address's limit flags it here.
        if request is not None and not getattr(request, "axes_locked_out", False):
            request.axes_locked_out = self.is_locked(request, credentials)


def minutes_to_wait(request, credentials=None) -> int:
    """Minutes until the latest failure of this name or address leaves the cool-off."""
    username = get_client_username(request, credentials)
    ip = getattr(request, "axes_ip_address", None) or client_ip(request)
    matches = Q(ip_address=ip) if ip else Q(pk__in=[])
    if username:
        matches |= Q(username=username)
    latest = _recent(request).filter(matches).aggregate(at=Max("attempt_time"))["at"]
    if latest is None:
        return minutes_left(get_cool_off(request).total_seconds())
    left = latest + get_cool_off(request) - timezone.now()
    return minutes_left(left.total_seconds())


def locked_out_response(request, original_response=None, credentials=None):
    """The sign-in page again, with the wait and no word on whether the account exists."""
    minutes = minutes_to_wait(request, credentials)
    record(
        user=None,
        action=Action.LOCKED_OUT,
        detail={"path": request.path[:100], "minutes": minutes},
    )
    form = AuthenticationForm(request)
    return render(
        request,
        "registration/login.html",
        {"form": form, "locked_minutes": minutes, "next": request.POST.get("next", "")},
        status=429,
    )


# --- The same wall for other doors that take a secret: an invitation link (the portal) ---------


def _door(request, door: str) -> dict:
    # One "account" per door and address: five bad links from one address lock that address out
    # of that door (and count towards the address's limit), never anyone else.
    return {"username": f"{door}@{client_ip(request) or 'unknown'}"}


def door_locked_minutes(request, door: str) -> int | None:
    """Minutes to wait when this address is locked out of `door`, else None."""
    from axes.handlers.proxy import AxesProxyHandler

    credentials = _door(request, door)
    AxesProxyHandler.update_request(request)
    if AxesProxyHandler.is_allowed(request, credentials):
        return None
    record(user=None, action=Action.LOCKED_OUT, detail={"path": request.path[:100]})
    return minutes_to_wait(request, credentials)


def door_failed(request, door: str) -> None:
    """A wrong secret at `door`: counted like a failed sign-in (and audited as one)."""
    from django.contrib.auth.signals import user_login_failed

    user_login_failed.send(sender=__name__, credentials=_door(request, door), request=request)
