from django.urls import path

from notifications import views

urlpatterns = [
    path(
        "patients/<uuid:patient_pk>/messages/preferences/",
        views.preference_edit,
        name="message_preferences",
    ),
    path("messages/<int:message_pk>/resend/", views.message_resend, name="message_resend"),
    path("messages/pause/", views.pause, name="message_pause"),
    path("crisis-protocol/", views.crisis_protocol, name="crisis_protocol"),
]
