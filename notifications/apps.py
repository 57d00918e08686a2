from django.apps import AppConfig


class NotificationsConfig(AppConfig):
    name = "notifications"
    verbose_name = "Messages"

    def ready(self):
        from audit.signals import chain_broken
        from notifications import receivers
        from patients.signals import alerts_raised
        from sessions.signals import appointment_changed

        # Sent inside the booking service's transaction: reminders are planned, moved or
        # cancelled with the appointment, or not at all.
        appointment_changed.connect(receivers.on_appointment_changed, dispatch_uid="notifications")
        alerts_raised.connect(receivers.on_alerts_raised, dispatch_uid="notifications")
        chain_broken.connect(receivers.on_audit_chain_broken, dispatch_uid="notifications")
