"""What notifications hears (connected in `NotificationsConfig.ready`), inside the sender's
transaction. Calling reminders off and moving them fail with the booking, so a cancelled
appointment never keeps a reminder; planning a new appointment's reminders, and an alert's e-mail,
log and let the booking or the alert stand (the sweep plans what was missed; the alert is on the
recipient's page whatever happens to its e-mail)."""

import logging

from django.db import transaction

from notifications import services

log = logging.getLogger(__name__)


def on_appointment_changed(sender, appointment, change, **kwargs):
    if change != "booked":
        services.appointment_changed(appointment=appointment, change=change)
        return
    try:
        with transaction.atomic():
            services.appointment_changed(appointment=appointment, change=change)
    except Exception:
        log.exception("appointment %s: reminders left to the sweep", appointment.pk)


def on_alerts_raised(sender, alerts, **kwargs):
    try:
        with transaction.atomic():
            services.alert_emails(alerts=alerts)
    except Exception:
        log.exception("alerts %s: e-mail not planned", [alert.pk for alert in alerts])


def on_audit_chain_broken(sender, seal, problem, **kwargs):
    # Not swallowed: the daily check fails loudly (logged by the worker) if nobody can be alerted.
    services.audit_break_alert(seal=seal, problem=problem)
