"""Helpers for tests of the second factor: a code computed from a device's key."""

from django_otp.oath import totp


def code_for(device, offset: int = 0) -> str:
    """The 6 digits an authenticator app shows now (`offset` steps later) for `device`."""
    return (
        f"{totp(device.bin_key, device.step, device.t0, device.digits, device.drift + offset):06d}"
    )


def enrolled(user):
    """A confirmed authenticator for `user` (as after the set-up page)."""
    from django_otp.plugins.otp_totp.models import TOTPDevice

    return TOTPDevice.objects.create(user=user, name="Authenticator app", confirmed=True)
