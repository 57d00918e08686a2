from django.contrib import admin
from django.urls import include, path

from kap_clinic import audit_views, views

urlpatterns = [
    path("", views.home, name="home"),
    path("patients/<uuid:patient_pk>/", views.chart, name="chart"),
    path("audit/", audit_views.audit_events, name="audit_events"),
    path("audit/export.csv", audit_views.audit_export, name="audit_export"),
    path("", include("accounts.urls")),
    path("", include("patients.urls")),
    path("", include("sessions.booking.urls")),
    path("", include("sessions.calendars.urls")),
    path("", include("sessions.consent.urls")),
    path("", include("sessions.preparation.urls")),
    path("", include("sessions.questionnaires.urls")),
    path("", include("sessions.notes.urls")),
    path("", include("sessions.dosing.urls")),
    path("", include("sessions.stock.urls")),
    path("", include("sessions.rems.urls")),
    path("", include("integration.followups.urls")),
    path("", include("notifications.urls")),
    path("", include("screening.urls")),
    path("", include("outcomes.urls")),
    path("", include("portal.urls")),
    path("admin/", admin.site.urls),
]
