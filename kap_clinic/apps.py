from django.apps import AppConfig


class KapClinicConfig(AppConfig):
    """The project package is an app too, so its templates and management commands load."""

    name = "kap_clinic"
    verbose_name = "KAP Clinic"

    def ready(self):
        from kap_clinic import logs

        logs.install()  # no database DETAIL (a row's values) in any log line
