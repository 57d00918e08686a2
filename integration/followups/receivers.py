"""What integration hears from sessions (connected in `IntegrationConfig.ready`): a dose finished,
an appointment's status changed. Both only make things fast: the periodic sweep makes them
certain, so a receiver that fails logs and returns rather than failing the request that sent it.
"""

import logging

from django.db import transaction

from integration.followups import dispatch, services, tasks
from integration.followups.selectors import window_of
from integration.models import FollowUp
from integration.schedule.services import enqueue_on_commit
from sessions.errors import SessionsError

log = logging.getLogger(__name__)


def guard_window(sender, instance, update_fields=None, **kwargs):
    """An integration appointment that is a follow-up stays inside its window unless moved from
    the follow-up's page with a reason: the appointment's own reschedule page (or a shell save)
    meets the same rule."""
    if instance.pk is None or (update_fields is not None and "start" not in update_fields):
        return
    followup = (
        FollowUp.objects.filter(appointment_id=instance.pk, status__in=FollowUp.OPEN)
        .only("first_day", "last_day", "closes_at", "dose_at", "earliest")
        .first()
    )
    if followup is None or services.moving_outside_window() == instance.pk:
        return
    if not window_of(followup).contains(instance.start, instance.end):
        raise SessionsError(
            f"This is an integration follow-up due {services.window_text(followup)}: to hold it "
            "outside that window, move it from its follow-up page and give a reason.",
            field="start",
        )


def on_dose_finished(sender, dose_id, **kwargs):
    try:
        followup = dispatch.followup_open(dose_id=dose_id)
    except Exception:
        log.exception("dose %s: follow-up not opened now; the sweep will open it", dose_id)
        return
    if followup is not None and followup.status == FollowUp.Status.DUE:
        enqueue_on_commit(tasks.book_followup, followup.pk)


def on_appointment_saved(sender, instance, update_fields=None, **kwargs):
    # The booking services save a status change with update_fields naming "status".
    if update_fields is None or "status" not in update_fields:
        return
    appointment_id = instance.pk

    def follow():
        followup_id = (
            FollowUp.objects.filter(appointment_id=appointment_id).values_list("pk", flat=True)
        ).first()
        if followup_id is None:
            return
        try:
            outcome = dispatch.followup_reconcile(appointment_id=appointment_id)
        except Exception:
            log.exception("appointment %s: follow-up left to the sweep", appointment_id)
            return
        if outcome == "rebooking":
            enqueue_on_commit(tasks.book_followup, followup_id)

    transaction.on_commit(follow)
