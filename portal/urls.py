from django.urls import path

from portal import views

app_name = "portal"

urlpatterns = [
    # The patient's own pages: no patient in any URL; ids are checked to be the patient's own.
    path("me/", views.home, name="home"),
    path("me/appointments/<int:appointment_pk>/", views.appointment, name="appointment"),
    path(
        "me/appointments/<int:appointment_pk>/calendar.ics",
        views.appointment_ics,
        name="appointment_ics",
    ),
    path("me/questionnaires/", views.questionnaire_list, name="questionnaires"),
    path("me/questionnaires/<str:code>/", views.questionnaire, name="questionnaire"),
    path("me/help-now/", views.crisis, name="crisis"),
    path("me/consent/", views.consent_page, name="consent"),
    path("me/consent/<int:signature_pk>.pdf", views.consent_pdf, name="consent_pdf"),
    path("me/journal/", views.journal, name="journal"),
    path("me/journal/prompts/<int:assignment_pk>/", views.journal_write, name="journal_write"),
    path("me/journal/entries/<int:entry_pk>/", views.journal_entry, name="journal_entry"),
    path("me/progress/", views.progress, name="progress"),
    path("me/record/", views.my_record, name="record"),
    path("me/record/who-has-seen-it/", views.access_log, name="access_log"),
    path("me/messages/", views.messages_page, name="messages"),
    path("me/record.pdf", views.record_pdf, name="record_pdf"),
    # The invitation link (anonymous) and the staff pieces.
    path("welcome/<str:token>/", views.accept, name="accept"),
    path("patients/<uuid:patient_pk>/portal/", views.invite, name="invite"),
    path("followups/<int:pk>/journal/", views.followup_journal, name="followup_journal"),
]
