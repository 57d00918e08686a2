from django.urls import path

from sessions.booking import views

urlpatterns = [
    path(
        "patients/<uuid:patient_pk>/appointments/",
        views.patient_appointments,
        name="patient_appointments",
    ),
    path(
        "patients/<uuid:patient_pk>/appointments/new/",
        views.appointment_book,
        name="appointment_book",
    ),
    path(
        "patients/<uuid:patient_pk>/appointments/slots/",
        views.appointment_slots,
        name="appointment_slots",
    ),
    path("appointments/<int:appointment_pk>/", views.appointment_detail, name="appointment"),
    path(
        "appointments/<int:appointment_pk>/reschedule/",
        views.appointment_reschedule,
        name="appointment_reschedule",
    ),
    path(
        "appointments/<int:appointment_pk>/slots/",
        views.appointment_slots,
        name="appointment_slots_reschedule",
    ),
    path(
        "appointments/<int:appointment_pk>/cancel/",
        views.appointment_cancel,
        name="appointment_cancel",
    ),
    path(
        "appointments/<int:appointment_pk>/no-show/",
        views.appointment_no_show,
        name="appointment_no_show",
    ),
    path(
        "appointments/<int:appointment_pk>/complete/",
        views.appointment_complete,
        name="appointment_complete",
    ),
]
