from django.contrib.auth import views as auth_views
from django.urls import path

from accounts import views

urlpatterns = [
    path("accounts/login/", views.LoginView.as_view(), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("accounts/password/", views.PasswordChangeView.as_view(), name="password_change"),
    path(
        "accounts/password/done/",
        auth_views.PasswordChangeDoneView.as_view(),
        name="password_change_done",
    ),
    path("accounts/two-step/", views.two_factor_verify, name="two_factor_verify"),
    path("accounts/two-step/set-up/", views.two_factor_enrol, name="two_factor_enrol"),
    path("accounts/two-step/backup-codes/", views.backup_codes_new, name="backup_codes_new"),
    path("accounts/security/", views.security, name="account_security"),
    path("accounts/sessions/<int:session_pk>/end/", views.session_end, name="session_end"),
]
