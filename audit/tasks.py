import logging
from datetime import timedelta

from celery import shared_task

from audit.models import Action, AuditSeal
from audit.services import SETTLE, describe, record, seal_new_events, verify
from audit.signals import chain_broken

log = logging.getLogger(__name__)


@shared_task(acks_late=True)
def seal_audit_events(settle_seconds: float = SETTLE.total_seconds()) -> int:
    """Seal everything settled since the last run; returns how many events were sealed."""
    settle = timedelta(seconds=settle_seconds)
    sealed = 0
    while (seal := seal_new_events(settle=settle)) is not None:
        sealed += seal.event_count
    return sealed


@shared_task(acks_late=True)
def verify_audit_chain() -> bool:
    """The daily check of the whole chain (beat). Returns True when whole.

    Every run is itself an audit event; a break is logged as an error and alerts the
    administrators (`audit.signals.chain_broken`).
    """
    result = verify()
    text = " ".join(describe(result))
    seal = result.broken.seal if result.broken else result.last_seal
    record(
        user=None,
        action=Action.VIEW,
        obj=seal,
        detail={
            "check": "audit chain",
            "whole": result.broken is None,
            "seals": result.seals,
            "unsealed": result.unsealed,
        },
    )
    if result.broken is None:
        log.info("audit chain check: %s", text)
        return True
    log.error("audit chain check: %s", text)
    chain_broken.send(sender=AuditSeal, seal=result.broken.seal, problem=result.broken.problem)
    return False
