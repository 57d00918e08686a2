"""The chart's Outcomes section and the course summary: written, signed, never changed; its PDF
printed with a file name that names nobody, audited."""

import pytest
from django.db import IntegrityError, InternalError, connection, transaction
from django.urls import reverse

from audit.models import AuditEvent
from outcomes import services
from outcomes.errors import OutcomesError
from outcomes.models import CourseSummary
from patients.models import CareTeamMember, TreatmentCourse
from tests.accounts.factories import UserFactory
from tests.outcomes.seed import seed

pytestmark = pytest.mark.django_db


@pytest.fixture
def course():
    therapist = UserFactory(username="oc-therapist", role="therapist")
    seed(2, clinicians=[therapist, therapist], by=therapist)  # course 1: 2 doses, 20 → 11
    course = TreatmentCourse.objects.select_related("patient").order_by("pk")[1]
    CareTeamMember.objects.create(patient=course.patient, clinician=therapist, primary=True)
    course.therapist = therapist
    return course


def test_the_chart_shows_the_outcomes_section(client, course):
    client.force_login(course.therapist)
    page = client.get(reverse("chart", args=[course.patient_id])).content.decode()
    assert 'id="section-outcomes"' in page
    assert "PHQ-9 20 → 11 after 2 doses: no response yet" in page
    assert "<svg" in page and "<title" in page and 'data-testid="outcomes-table"' in page


def test_write_sign_and_never_change(client, course):
    client.force_login(course.therapist)
    url = reverse("course_summary", args=[course.pk])
    assert client.get(url).status_code == 200
    assert client.post(url, {"text": "  "}).status_code == 400
    assert client.post(url, {"text": "Responded partly."}).status_code == 302
    assert client.post(url, {"text": "Responded partly.", "sign": "1"}).status_code == 302
    summary = CourseSummary.objects.get(course=course)
    assert summary.signed and summary.signed_by == course.therapist
    response = client.post(url, {"text": "Changed."})
    assert response.status_code == 403 or response.status_code == 400
    with pytest.raises(OutcomesError):
        services.summary_save(by=course.therapist, course_pk=course.pk, text="Changed.")
    summary.text = "Changed."
    with pytest.raises(OutcomesError):
        summary.save()
    with pytest.raises(OutcomesError):
        summary.delete()
    assert CourseSummary.objects.get(pk=summary.pk).text == "Responded partly."
    page = client.get(url).content.decode()
    assert "Responded partly." in page and "<textarea" not in page


def test_only_the_care_team_writes(client, course):
    stranger = UserFactory(username="oc-stranger", role="therapist")
    with pytest.raises(OutcomesError):
        services.summary_save(by=stranger, course_pk=course.pk, text="x")
    client.force_login(stranger)
    assert client.get(reverse("course_summary", args=[course.pk])).status_code == 404
    assert client.get(reverse("course_summary_pdf", args=[course.pk])).status_code == 404


def test_the_pdf_names_nobody_and_is_audited_as_a_print(client, course):
    services.summary_save(by=course.therapist, course_pk=course.pk, text="Summary.")
    services.summary_sign(by=course.therapist, course_pk=course.pk)
    client.force_login(course.therapist)
    response = client.get(reverse("course_summary_pdf", args=[course.pk]))
    assert response.status_code == 200 and response.content.startswith(b"%PDF")
    assert response["Content-Disposition"] == f'inline; filename="course-summary-{course.pk}.pdf"'
    assert AuditEvent.objects.filter(
        action="print", patient_id=course.patient_id, user=course.therapist
    ).exists()


@pytest.mark.postgres
def test_postgresql_refuses_changing_a_signed_summary(course):
    services.summary_save(by=course.therapist, course_pk=course.pk, text="Summary.")
    summary = services.summary_sign(by=course.therapist, course_pk=course.pk)
    for sql in (
        "UPDATE outcomes_coursesummary SET text = 'x' WHERE id = %s",
        "DELETE FROM outcomes_coursesummary WHERE id = %s",
    ):
        with (
            pytest.raises((IntegrityError, InternalError)),
            transaction.atomic(),
            connection.cursor() as cursor,
        ):
            cursor.execute(sql, [summary.pk])
