from django.apps import AppConfig


class IntegrationConfig(AppConfig):
    name = "integration"
    verbose_name = "Integration"

    def ready(self):
        from django.db.models.signals import post_save, pre_save

        from integration.followups import receivers
        from sessions.models import Appointment
        from sessions.signals import dose_finished

        # The signal makes the follow-up fast; the periodic sweep makes it certain.
        dose_finished.connect(receivers.on_dose_finished, dispatch_uid="integration.followups")
        pre_save.connect(
            receivers.guard_window,
            sender=Appointment,
            dispatch_uid="integration.followups.window",
        )
        post_save.connect(
            receivers.on_appointment_saved,
            sender=Appointment,
            dispatch_uid="integration.followups.appointment",
        )
