"""One appointment as an iCalendar file for the patient's own calendar.

Calendar apps copy events to phones and cloud services outside the clinic's control, so the event
says only the clinic, the kind of appointment, the room and the times: no name, no clinical
detail (the portal says what to do before it)."""

from django.utils import timezone
from icalendar import Calendar, Event

PRODUCT = "-//KAP Clinic//Patient portal//EN"
UID_DOMAIN = "kap-clinic"


def appointment_ical(appointment) -> bytes:
    calendar = Calendar()
    calendar.add("prodid", PRODUCT)
    calendar.add("version", "2.0")
    event = Event()
    event.add("uid", f"portal-appointment-{appointment.pk}@{UID_DOMAIN}")
    event.add("dtstamp", timezone.now())
    event.add("dtstart", appointment.start)
    event.add("dtend", appointment.end)
    event.add("summary", f"KAP Clinic: {appointment.type.name}")
    event.add("location", appointment.room.name if appointment.room else "Telehealth")
    event.add("description", "Open the KAP Clinic patient portal for what to do before it.")
    event.add("status", "CANCELLED" if appointment.status == "cancelled" else "CONFIRMED")
    calendar.add_component(event)
    return calendar.to_ical()
