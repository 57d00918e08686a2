from django.urls import path

from sessions.preparation import views

urlpatterns = [
    path(
        "appointments/<int:appointment_pk>/preparation/",
        views.preparation_record,
        name="preparation_record",
    ),
    path(
        "appointments/<int:appointment_pk>/preparation/escort/",
        views.preparation_escort,
        name="preparation_escort",
    ),
]
