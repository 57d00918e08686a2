from celery import shared_task

from audit.services import seal_new_events


@shared_task(acks_late=True)
def seal_audit_events() -> int:
    """Seal everything written since the last run; returns how many events were sealed."""
    sealed = 0
    while (seal := seal_new_events()) is not None:
        sealed += seal.event_count
    return sealed
