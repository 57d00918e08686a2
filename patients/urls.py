from django.urls import path

from patients import views

urlpatterns = [
    path("patients/", views.patient_list, name="patient_list"),
    path("patients/register/", views.patient_register, name="patient_register"),
    path("patients/<uuid:patient_pk>/edit/", views.patient_edit, name="patient_edit"),
    path(
        "patients/<uuid:patient_pk>/courses/<int:course_pk>/phase/",
        views.course_phase,
        name="course_phase",
    ),
    path("patients/<uuid:patient_pk>/care-team/", views.care_team_add, name="care_team_add"),
    path("emergency-access/", views.emergency_access, name="emergency_access"),
    path("alerts/<int:alert_pk>/", views.alert_detail, name="alert"),
    path("alerts/<int:alert_pk>/acknowledge/", views.alert_acknowledge, name="alert_acknowledge"),
    path("alerts/<int:alert_pk>/resolve/", views.alert_resolve, name="alert_resolve"),
]
