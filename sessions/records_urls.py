from django.urls import path

from sessions import records_views as views

urlpatterns = [
    path("patients/<uuid:patient_pk>/consent/", views.consent_overview, name="consent"),
    path("patients/<uuid:patient_pk>/consent/sign/", views.consent_sign, name="consent_sign"),
    path(
        "patients/<uuid:patient_pk>/consent/withdraw/",
        views.consent_withdraw,
        name="consent_withdraw",
    ),
    path("consent/signatures/<int:signature_pk>/", views.consent_signed, name="consent_signed"),
    path("consent/signatures/<int:signature_pk>/pdf/", views.consent_pdf, name="consent_pdf"),
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
