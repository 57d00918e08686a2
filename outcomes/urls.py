from django.urls import path

from outcomes import views

urlpatterns = [
    path("outcomes/", views.dashboard, name="outcomes_dashboard"),
    path("outcomes/export.csv", views.dashboard_csv, name="outcomes_csv"),
    path("courses/<int:course_pk>/summary/", views.course_summary, name="course_summary"),
    path(
        "courses/<int:course_pk>/summary.pdf", views.course_summary_pdf, name="course_summary_pdf"
    ),
]
