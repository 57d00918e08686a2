"""Sign-in events → the audit log, the user's session list, and (sign-out) its row removed."""

from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed

from accounts import services
from accounts.models import UserSession
from audit.models import Action
from audit.services import record


def on_logged_in(sender, request, user, **kwargs):
    if request is not None and hasattr(request, "session"):
        services.session_started(request=request, user=user)


def on_logged_out(sender, request, user, **kwargs):
    if request is None or user is None:
        return
    UserSession.objects.filter(session_key=request.session.session_key or "").delete()
    record(user=user, action=Action.SIGN_OUT, obj=user)


def on_login_failed(sender, credentials, request=None, **kwargs):
    # Never the name typed (it may be a patient's, or a password typed in the wrong box).
    record(user=None, action=Action.SIGN_IN_FAILED, detail={"path": _path(request)})


def _path(request) -> str:
    return request.path[:100] if request is not None else ""


def connect():
    user_logged_in.connect(on_logged_in, dispatch_uid="accounts.logged_in")
    user_logged_out.connect(on_logged_out, dispatch_uid="accounts.logged_out")
    user_login_failed.connect(on_login_failed, dispatch_uid="accounts.login_failed")
