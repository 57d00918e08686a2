from datetime import timedelta

from celery import shared_task

from audit.services import SETTLE, seal_new_events


@shared_task(acks_late=True)
def seal_audit_events(settle_seconds: float = SETTLE.total_seconds()) -> int:
    """Seal everything settled since the last run; returns how many events were sealed."""
    settle = timedelta(seconds=settle_seconds)
    sealed = 0
    while (seal := seal_new_events(settle=settle)) is not None:
        sealed += seal.event_count
    return sealed
