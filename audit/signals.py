"""Signals the audit app sends to the apps above it (it imports none of them).

`chain_broken(sender=AuditSeal, seal=…, problem=…)` is sent by the daily check
(`audit.tasks.verify_audit_chain`) when a seal no longer matches its events; `notifications`
alerts the administrators.
"""

from django.dispatch import Signal

chain_broken = Signal()
