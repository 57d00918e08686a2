from django.apps import AppConfig


class SessionsConfig(AppConfig):
    name = "sessions"
    # Django's own session framework already owns the label "sessions".
    label = "kap_sessions"
    verbose_name = "Sessions"
