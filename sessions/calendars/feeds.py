"""A clinician's appointments as an iCalendar document.

Calendar apps copy feeds to phones and cloud services outside the clinic's control, so an event
carries no PHI beyond the patient's initials: initials, the appointment type, the room, the times.
"""

from django.utils import timezone
from icalendar import Calendar, Event

PRODUCT = "-//KAP Clinic//Schedule//EN"
UID_DOMAIN = "kap-clinic"


def _summary(appointment, clinician) -> str:
    summary = f"{appointment.patient.initials} · {appointment.type.name}"
    if appointment.clinician_id != clinician.pk:
        summary += " (further staff)"
    return summary


def ical(clinician, appointments) -> bytes:
    calendar = Calendar()
    calendar.add("prodid", PRODUCT)
    calendar.add("version", "2.0")
    calendar.add("x-wr-calname", "KAP Clinic appointments")
    stamp = timezone.now()
    for appointment in appointments:
        event = Event()
        event.add("uid", f"appointment-{appointment.pk}@{UID_DOMAIN}")
        event.add("dtstamp", stamp)
        event.add("dtstart", appointment.start)
        event.add("dtend", appointment.end)
        event.add("summary", _summary(appointment, clinician))
        event.add("location", appointment.room.name if appointment.room else "Telehealth")
        event.add("status", "CONFIRMED")
        calendar.add_component(event)
    return calendar.to_ical()
