from django.urls import path

from sessions.questionnaires import views

urlpatterns = [
    path(
        "patients/<uuid:patient_pk>/questionnaires/",
        views.questionnaire_list,
        name="questionnaires",
    ),
    path(
        "patients/<uuid:patient_pk>/questionnaires/<str:code>/",
        views.questionnaire_give,
        name="questionnaire_give",
    ),
]
