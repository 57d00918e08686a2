from django.urls import path

from sessions.dosing import views as dose_views

urlpatterns = [
    path("appointments/<int:appointment_pk>/dose/", dose_views.dose_open, name="dose_open"),
    path("doses/<int:dose_pk>/", dose_views.dose_page, name="dose"),
    path("doses/<int:dose_pk>/record.pdf", dose_views.dose_record_pdf, name="dose_record_pdf"),
    path("doses/<int:dose_pk>/<str:action>/", dose_views.dose_action, name="dose_action"),
]
