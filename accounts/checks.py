from django.conf import settings
from django.core.checks import Tags, Warning, register


@register(Tags.security, deploy=True)
def two_factor_on(app_configs=None, **kwargs):
    """`check --deploy` warns when two-factor is off with debug off (only the demo turns it off)."""
    if settings.TWO_FACTOR_REQUIRED or settings.DEBUG:
        return []
    return [
        Warning(
            "Two-factor sign-in is off (CLINIC_TWO_FACTOR_REQUIRED=false) with debug off.",
            hint="Only `make demo` turns it off: unset CLINIC_TWO_FACTOR_REQUIRED in production.",
            id="accounts.W001",
        )
    ]
