"""Calendar pages: a clinician's or a room's day and week, the schedule chooser, the clinician's
own page and their iCalendar feed. Thin: parse, call one selector or service, render."""

from datetime import date, timedelta

from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_POST

from accounts.decorators import role_required, staff_required
from accounts.roles import CLINICIANS
from audit.models import Action
from audit.services import record
from sessions.booking import selectors, services
from sessions.booking.forms import CalendarForm
from sessions.calendars import feeds
from sessions.models import CalendarFeed, Room

# --- Calendars ------------------------------------------------------------------------------------


def _calendar_window(form: CalendarForm, today: date) -> tuple[str, date, int]:
    """What to show: a field that does not pass falls back (the day view, today)."""
    form.is_valid()
    view = form.cleaned_data.get("view") or "day"
    day = form.cleaned_data.get("day") or today
    if view == "week":
        return view, selectors.week_start(day), 7
    return view, day, 1


def _calendar(request, *, clinician=None, room=None):
    today = selectors.local_today()
    form = CalendarForm(request.GET, today=today)
    view, first_day, days = _calendar_window(form, today)
    cal_days = selectors.calendar(
        request.user, first_day=first_day, days=days, clinician=clinician, room=room
    )
    shown = [a for cal_day in cal_days for a in cal_day.appointments]
    record(
        user=request.user,
        action=Action.LIST,
        detail={"patients": selectors.shown_patient_ids(shown)},
    )
    step = timedelta(days=days)
    return render(
        request,
        "sessions/calendars/calendar.html",
        {
            "view": view,
            "days": selectors.working_week(cal_days) if view == "week" else cal_days,
            "first_day": first_day,
            "last_day": first_day + step - timedelta(days=1),
            "previous_day": first_day - step,
            "next_day": first_day + step,
            "today": today,
            "clinician": clinician,
            "room": room,
            "subject": clinician or room,
            "here": request.path,
            "is_desk": selectors.is_desk(request.user),
            "refusals": [message for errors in form.errors.values() for message in errors],
            # A refused date stays in the box, as typed, beside its reason.
            "typed_day": form.data.get("day") if "day" in form.errors else None,
        },
        status=400 if form.errors else 200,
    )


@staff_required
def clinician_calendar(request, clinician_pk):
    clinician = get_object_or_404(selectors.clinicians(), pk=clinician_pk)
    return _calendar(request, clinician=clinician)


@staff_required
def room_calendar(request, room_pk):
    return _calendar(request, room=get_object_or_404(Room, pk=room_pk))


@staff_required
def schedule(request):
    """Choose a clinician's or a room's calendar."""
    return render(
        request,
        "sessions/calendars/schedule.html",
        {
            "clinicians": list(selectors.clinicians()),
            "rooms": list(Room.objects.filter(is_active=True)),
        },
    )


# --- The clinician's own page and calendar feed ---------------------------------------------------


@role_required(*CLINICIANS)
def my_schedule(request, new_token: str | None = None):
    user = request.user
    today = selectors.local_today()
    feed_url = (
        request.build_absolute_uri(reverse("calendar_feed", args=[new_token]))
        if new_token
        else None
    )
    return render(
        request,
        "sessions/calendars/my_schedule.html",
        {
            "hours": list(user.working_hours.all()),
            "days_off": list(user.days_off.filter(last_day__gte=today)),
            "feed": CalendarFeed.objects.filter(clinician=user, revoked_at=None).first(),
            "feed_url": feed_url,
        },
    )


@role_required(*CLINICIANS)
@require_POST
def calendar_feed_issue(request):
    _, token = services.calendar_feed_issue(by=request.user)
    # Rendered, not redirected: the address is shown this once and never stored.
    return my_schedule(request, new_token=token)


@role_required(*CLINICIANS)
@require_POST
def calendar_feed_revoke(request):
    if services.calendar_feed_revoke(by=request.user):
        messages.success(request, "Calendar feed revoked: its address no longer works.")
    return redirect("my_schedule")


@login_not_required
@require_GET
def calendar_feed(request, token):
    """The iCalendar feed: a secret address instead of a sign-in; initials and types only."""
    feed = (
        CalendarFeed.objects.select_related("clinician")
        .filter(token_hash=services.feed_token_hash(token), revoked_at=None)
        .first()
    )
    if feed is None or not feed.clinician.is_active:
        raise Http404("No such calendar")
    appointments = selectors.for_feed(feed.clinician)
    CalendarFeed.objects.filter(pk=feed.pk).update(last_fetched_at=timezone.now())
    record(
        user=feed.clinician,
        action=Action.EXPORT,
        obj=feed,
        detail={"patients": sorted({str(a.patient_id) for a in appointments})},
    )
    response = HttpResponse(
        feeds.ical(feed.clinician, appointments), content_type="text/calendar; charset=utf-8"
    )
    response["Cache-Control"] = "private, no-store"
    return response
