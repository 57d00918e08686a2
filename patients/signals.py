"""News that travels upward from patients (DESIGN.md, "Layers").

`alerts_raised(sender=Alert, alerts=[…])` is sent by `services.alert_raise` inside its
transaction, once per call, with the alerts written. Notifications e-mails the urgent ones.
"""

from django.dispatch import Signal

alerts_raised = Signal()
