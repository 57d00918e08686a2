from axes.backends import AxesStandaloneBackend


class ClinicAxesBackend(AxesStandaloneBackend):
    """django-axes' check on every sign-in with a request (the sign-in page).

    A second staff member's password typed as a witness (waste, a stock receipt) is checked by a
    service without a request, inside a session that already passed both factors: axes has no
    address to count there, so it lets the password check go on (the service audits it)."""

    def authenticate(self, request, username=None, password=None, **kwargs):
        if request is None:
            return None
        return super().authenticate(request, username=username, password=password, **kwargs)
