from django.urls import path

from integration.followups import views

urlpatterns = [
    path("followups/<int:pk>/", views.followup_detail, name="followup"),
    path("followups/<int:pk>/book/", views.followup_book, name="followup_book"),
    path("followups/<int:pk>/move/", views.followup_move, name="followup_move"),
    path("followups/<int:pk>/note/", views.note_save, name="followup_note"),
    path("followups/<int:pk>/note/addendum/", views.note_addendum, name="followup_addendum"),
    path(
        "patients/<uuid:patient_pk>/courses/<int:course_pk>/series/",
        views.course_series,
        name="course_series",
    ),
    path(
        "patients/<uuid:patient_pk>/courses/<int:course_pk>/series/close/",
        views.course_close_series,
        name="course_close_series",
    ),
]
