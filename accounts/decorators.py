from functools import wraps

from django.core.exceptions import PermissionDenied

from accounts.roles import STAFF


def role_required(*roles):
    """Refuse (403) a signed-in user whose role is not one of `roles`."""
    allowed = frozenset(roles)

    def decorate(view):
        @wraps(view)
        def wrapped(request, *args, **kwargs):
            if request.user.role not in allowed:
                raise PermissionDenied
            return view(request, *args, **kwargs)

        return wrapped

    return decorate


staff_required = role_required(*STAFF)
