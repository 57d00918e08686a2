from django.urls import path

from sessions.notes import views

urlpatterns = [
    path(
        "appointments/<int:appointment_pk>/notes/",
        views.appointment_notes,
        name="appointment_notes",
    ),
    path("appointments/<int:appointment_pk>/notes/new/", views.note_new, name="note_new"),
    path("notes/<str:kind>/<int:note_pk>/edit/", views.note_edit, name="note_edit"),
    path("notes/<str:kind>/<int:note_pk>/sign/", views.note_sign, name="note_sign"),
    path("notes/<str:kind>/<int:note_pk>/addenda/", views.addendum_new, name="addendum_new"),
]
