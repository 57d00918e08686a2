"""News that travels upward: integration listens (DESIGN.md, "Layers").

`dose_finished(sender=Dose, dose_id=…)` is sent after the commit that discharges a dose or ends
it early. Integration connects to it in its AppConfig.ready() to schedule the 1–3 day follow-up,
and a periodic sweep there finds any finished dose without a follow-up, so a lost signal delays
the follow-up but never loses it.
"""

from django.dispatch import Signal

dose_finished = Signal()

# `appointment_changed(sender=Appointment, appointment=…, change=…)` is sent by the booking
# services *inside* their transaction, `change` being "booked", "moved" or the new status
# ("cancelled", "no_show", "completed"). Notifications plans, moves or cancels the appointment's
# reminders in the same transaction.
appointment_changed = Signal()
