from django.urls import path

from sessions.consent import views

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
]
