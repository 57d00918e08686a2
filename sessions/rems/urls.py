from django.urls import path

from sessions.rems import views

urlpatterns = [
    path("rems/", views.rems_queue, name="rems_queue"),
    path("rems/doses/<int:dose_pk>/", views.rems_form, name="rems_form"),
    path("rems/doses/<int:dose_pk>/form.pdf", views.rems_form_pdf, name="rems_form_pdf"),
    path("patients/<uuid:patient_pk>/rems/", views.chart_section, name="rems_chart"),
    path("patients/<uuid:patient_pk>/rems/enroll/", views.enroll, name="rems_enroll"),
    path(
        "rems/enrollments/<int:enrollment_pk>/end/",
        views.enrollment_end,
        name="rems_enrollment_end",
    ),
]
