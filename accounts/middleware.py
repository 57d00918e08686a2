"""The second factor's wall, and the user's list of sessions kept fresh.

A session is verified when django-otp's `login` marked it (the device's id in the session). The
mark is trusted without loading the device on every request (no query per page): resetting a
user's devices ends their sessions too. A signed-in user who must use two-factor and whose
session is not verified reaches only the sign-in steps (enrol, enter a code, sign out) until
they pass. A browser holding a valid trust cookie (verified earlier today) is verified
silently. The admin site is behind the same wall.
"""

from urllib.parse import urlencode

from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone
from django_otp import login as otp_login

from accounts import services
from accounts.models import UserSession

# Pages a signed-in but not yet verified user may reach (by URL name).
_OPEN_STEPS = {"two_factor_verify", "two_factor_enrol", "logout"}
SEEN_EVERY_SECONDS = 60


class TwoFactorMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        user = request.user
        if not user.is_authenticated or services.session_verified(request):
            return None
        if not services.two_factor_required(user):
            return None
        device = services.trusted_device(request)
        if device is not None:
            otp_login(request, device)
            return None
        match = request.resolver_match
        if match is not None and match.url_name in _OPEN_STEPS:
            return None
        step = "two_factor_verify" if services.has_device(user) else "two_factor_enrol"
        return redirect(f"{reverse(step)}?{urlencode({'next': request.get_full_path()})}")


class SessionRecordMiddleware:
    """Refresh the "last seen" of the user's session row, at most once a minute."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            now = timezone.now().timestamp()
            seen = request.session.get("_seen", 0)
            if now - seen >= SEEN_EVERY_SECONDS and request.session.session_key:
                UserSession.objects.filter(session_key=request.session.session_key).update(
                    last_seen=timezone.now()
                )
                request.session["_seen"] = now
        return self.get_response(request)
