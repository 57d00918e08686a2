from django.apps import AppConfig


class ScreeningConfig(AppConfig):
    name = "screening"
    verbose_name = "Screening"

    def ready(self):
        # Registers the enrollment guard with the course's phase service.
        from screening import intake  # noqa: F401
