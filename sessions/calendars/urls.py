from django.urls import path

from sessions.calendars import views

urlpatterns = [
    path("schedule/", views.schedule, name="schedule"),
    path("schedule/me/", views.my_schedule, name="my_schedule"),
    path("schedule/me/feed/", views.calendar_feed_issue, name="calendar_feed_issue"),
    path("schedule/me/feed/revoke/", views.calendar_feed_revoke, name="calendar_feed_revoke"),
    path(
        "schedule/clinicians/<int:clinician_pk>/",
        views.clinician_calendar,
        name="clinician_calendar",
    ),
    path("schedule/rooms/<int:room_pk>/", views.room_calendar, name="room_calendar"),
    path("calendar/<str:token>.ics", views.calendar_feed, name="calendar_feed"),
]
