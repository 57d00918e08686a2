from django.apps import AppConfig


class SessionsConfig(AppConfig):
    name = "sessions"
    # Django's own session framework already owns the label "sessions".
    label = "kap_sessions"
    verbose_name = "Sessions"

    def ready(self):
        # Registers the first-dose guard with the course's phase service.
        from sessions.dosing import services  # noqa: F401
