#!/usr/bin/env python
import os
import sys


def main():
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "kap_clinic.settings")
    from django.conf import settings
    from django.core.exceptions import ImproperlyConfigured
    from django.core.management import execute_from_command_line

    # Django's command runner swallows a settings error for some commands and then fails later
    # with an unrelated "Models aren't loaded yet": stop here with the variable's own message.
    try:
        settings.INSTALLED_APPS  # noqa: B018 (loads and checks the settings)
    except ImproperlyConfigured as error:
        sys.exit(f"Configuration error: {error}")
    execute_from_command_line(sys.argv)


if __name__ == "__main__":
    main()
