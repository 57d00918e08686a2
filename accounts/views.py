"""Sign-in steps (password, then the second factor), and the user's own security page."""

from base64 import b32encode

import segno
from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.safestring import mark_safe
from django.views.decorators.http import require_GET, require_POST

from accounts import services
from accounts.forms import CodeForm, EnrolForm
from audit.models import Action
from audit.services import record


class LoginView(auth_views.LoginView):
    redirect_authenticated_user = True

    def form_valid(self, form):
        response = super().form_valid(form)
        record(user=form.get_user(), action=Action.SIGN_IN, obj=form.get_user())
        return response


class PasswordChangeView(auth_views.PasswordChangeView):
    """Django keeps this session signed in; every other session of the user ends."""

    def form_valid(self, form):
        before = self.request.session.session_key
        response = super().form_valid(form)  # gives this session a new key
        services.session_rekeyed(old_key=before, new_key=self.request.session.session_key)
        services.sessions_end_others(
            user=self.request.user, keep_key=self.request.session.session_key
        )
        return response


def _next(request) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if url_has_allowed_host_and_scheme(target, {request.get_host()}, request.is_secure()):
        return target
    return "/"


def two_factor_verify(request):
    if not services.has_device(request.user):
        return redirect("two_factor_enrol")
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        if services.two_factor_verify(request=request, token=form.cleaned_data["code"]):
            response = redirect(_next(request))
            services.set_trust_cookie(response, request.user, request.user.otp_device)
            return response
        form.add_error("code", "That code did not work. Codes change every 30 seconds.")
    return render(
        request, "accounts/two_factor_verify.html", {"form": form, "next": _next(request)}
    )


def two_factor_enrol(request):
    if services.has_device(request.user) and not services.session_verified(request):
        # Replacing a device needs the current one first (or an administrator's reset).
        return redirect("two_factor_verify")
    device = services.totp_pending(request.user)
    form = EnrolForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            codes = services.totp_confirm(
                request=request, device=device, token=form.cleaned_data["code"]
            )
        except services.AccountsError as error:
            form.add_error("code", str(error))
        else:
            response = render(
                request,
                "accounts/backup_codes.html",
                {"codes": codes, "next": _next(request), "enrolled": True},
            )
            services.set_trust_cookie(response, request.user, device)
            return response
    secret = b32encode(device.bin_key).decode()
    qr = segno.make(device.config_url, error="m")
    svg = qr.svg_inline(scale=5, title="Scan with your authenticator app")
    context = {
        "form": form,
        # Bandit B308/B703 (mark_safe) reviewed: segno writes the SVG from the QR matrix and
        # this fixed title; no user text goes in (the otpauth URL becomes modules, not text).
        "qr_svg": mark_safe(svg),  # nosec B308, B703
        "secret": " ".join(secret[i : i + 4] for i in range(0, len(secret), 4)),
        "next": _next(request),
    }
    return render(request, "accounts/two_factor_enrol.html", context)


@require_GET
def security(request):
    """The user's sign-in: two-step status, backup codes left, and their active sessions."""
    context = {
        "sessions": list(services.sessions_of(request.user)),
        "current_key": request.session.session_key,
        "has_device": services.has_device(request.user),
        "backup_left": services.backup_codes_left(request.user),
        "required": services.two_factor_required(request.user),
    }
    return render(request, "accounts/security.html", context)


@require_POST
def backup_codes_new(request):
    if not services.has_device(request.user) or not services.session_verified(request):
        raise Http404
    codes = services.backup_codes_renew(request.user)
    record(
        user=request.user, action=Action.TWO_FACTOR, obj=request.user, detail={"event": "new_codes"}
    )
    return render(request, "accounts/backup_codes.html", {"codes": codes, "next": "/"})


@require_POST
def session_end(request, session_pk):
    if not services.session_end(user=request.user, session_pk=session_pk):
        raise Http404
    messages.success(request, "That session has ended.")
    return redirect("account_security")
