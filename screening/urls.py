from django.urls import path

from screening import policy_views, views

urlpatterns = [
    path("intake/", views.queue, name="intake_queue"),
    path("screening/courses/<int:course_pk>/start/", views.start, name="screening_start"),
    path("screening/<int:screening_pk>/", views.screening_detail, name="screening"),
    path("screening/<int:screening_pk>/history/", views.history, name="screening_history"),
    path("screening/<int:screening_pk>/bp/", views.blood_pressure, name="screening_bp"),
    path(
        "screening/<int:screening_pk>/questionnaires/<str:code>/",
        views.questionnaire,
        name="screening_questionnaire",
    ),
    path("screening/<int:screening_pk>/decide/", views.decide, name="screening_decide"),
    path(
        "screening/decisions/<int:decision_pk>/", views.decision_detail, name="screening_decision"
    ),
    path("screening/decisions/<int:decision_pk>/enroll/", views.enroll, name="screening_enroll"),
    path(
        "screening/decisions/<int:decision_pk>/summary.pdf",
        views.decision_pdf,
        name="screening_summary_pdf",
    ),
    path("screening/review-items/<int:item_pk>/", views.review, name="screening_review"),
    path("screening/policies/", policy_views.policies, name="screening_policies"),
    path(
        "screening/policies/<int:policy_pk>/impact/",
        policy_views.impact,
        name="screening_policy_impact",
    ),
    path(
        "screening/policies/<int:policy_pk>/publish/",
        policy_views.publish,
        name="screening_policy_publish",
    ),
    path(
        "screening/policy-reviews/<int:review_pk>/",
        policy_views.policy_review,
        name="screening_policy_review",
    ),
]
