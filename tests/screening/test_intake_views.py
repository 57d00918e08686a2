"""Intake pages: queue, screening, questionnaires, decision, review, enrollment and the PDF."""

import shutil
import subprocess

import pytest
from django.urls import reverse

from audit.models import AuditEvent
from screening.demo import screen_candidate
from tests.conftest import service_missing
from tests.patients.factories import CareTeamFactory, CourseFactory, PatientFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def course(candidate, screening_policy):
    return candidate.courses.get()


def candidates(count, intake, profile=None):
    for _ in range(count):
        course = CourseFactory(patient=PatientFactory(), phase="screening")
        if profile is not None:
            screen_candidate(course=course, by=intake, **profile)


@pytest.mark.parametrize("count", [1, 12])
def test_the_queue_costs_a_fixed_number_of_queries(
    signed_in, intake, screening_policy, django_assert_num_queries, count
):
    candidates(count, intake)
    candidates(count, intake, {})
    candidates(count, intake, {"history": {"bipolar_disorder": True}})
    client = signed_in(intake)
    # session, user, the figures, the page, audit insert, session update in a savepoint
    with django_assert_num_queries(8):
        response = client.get(reverse("intake_queue"))
    counts = {key: n for key, _, n in response.context["statuses"]}
    assert counts == {
        "in_progress": count,
        "incomplete": 0,
        "awaiting_review": count,
        "eligible": count,
        "excluded": 0,
    }


def test_the_queue_shows_a_page_at_a_time_and_audits_the_page_not_the_ids(
    signed_in, intake, screening_policy, django_assert_num_queries, monkeypatch
):
    from screening import selectors

    monkeypatch.setattr(selectors, "QUEUE_PAGE_SIZE", 4)
    candidates(6, intake)
    candidates(3, intake, {})
    client = signed_in(intake)
    first = client.get(reverse("intake_queue"))
    shown = first.context["courses"]
    assert len(shown) == 4 and first.context["next_after"] == shown[-1].pk
    event = AuditEvent.objects.filter(action="list").latest("id")
    assert event.detail == {"queue": "all", "page": 1, "shown": 4}
    # The next page starts after the last course shown and costs what the first did (keyset).
    with django_assert_num_queries(8):
        second = client.get(
            reverse("intake_queue"), {"after": first.context["next_after"], "page": 2}
        )
    assert [c.opened_at for c in second.context["courses"]] == sorted(
        c.opened_at for c in second.context["courses"]
    )
    seen = {c.pk for c in shown} | {c.pk for c in second.context["courses"]}
    third = client.get(reverse("intake_queue"), {"after": second.context["next_after"], "page": 3})
    seen |= {c.pk for c in third.context["courses"]}
    assert len(seen) == 9 and third.context["next_after"] is None
    assert "Page 3" in third.content.decode()
    event = AuditEvent.objects.filter(action="list").latest("id")
    assert event.detail == {"queue": "all", "page": 3, "shown": 1}
    # Filtered: the three screened ones (eligible), on one page.
    eligible = client.get(reverse("intake_queue"), {"status": "eligible"})
    assert len(eligible.context["courses"]) == 3 and eligible.context["next_after"] is None


def test_the_queue_figures_stop_at_the_cap(signed_in, intake, screening_policy, monkeypatch):
    from screening import selectors

    monkeypatch.setattr(selectors, "QUEUE_COUNT_CAP", 3)
    candidates(3, intake)
    page = signed_in(intake).get(reverse("intake_queue"))
    assert page.context["total"] == 3 and not page.context["capped"]
    candidates(1, intake)
    page = signed_in(intake).get(reverse("intake_queue"))
    assert page.context["capped"]
    assert all(count is None for _, _, count in page.context["statuses"])
    assert "3+" in page.content.decode() and len(page.context["courses"]) == 4


def test_one_form_starts_any_screening_from_the_queue(signed_in, intake, screening_policy):
    candidates(3, intake)
    client = signed_in(intake)
    page = client.get(reverse("intake_queue")).content.decode()
    # One token for the sign-out form, one for every "Start screening" button.
    assert page.count("csrfmiddlewaretoken") == 2 and page.count('form="start-screening"') == 3


def test_the_queue_filters_by_status_oldest_first(signed_in, intake, screening_policy):
    candidates(2, intake, {"history": {"psychosis_history": True}})
    candidates(1, intake, {})
    response = signed_in(intake).get(reverse("intake_queue"), {"status": "excluded"})
    shown = response.context["courses"]
    assert len(shown) == 2 and shown[0].opened_at <= shown[1].opened_at
    assert all(c.queue_status == "excluded" for c in shown)


@pytest.mark.parametrize("reasons", [1, 4])
def test_the_decision_page_costs_a_fixed_number_of_queries(
    signed_in, intake, course, django_assert_num_queries, reasons
):
    history = dict(
        list(
            {
                "bipolar_disorder": True,
                "cardiac_condition": True,
                "severe_liver_disease": True,
                "respiratory_disease": True,
            }.items()
        )[:reasons]
    )
    decision = screen_candidate(course=course, by=intake, history=history).decisions.get()
    client = signed_in(intake)
    client.get(reverse("screening_decision", args=[decision.pk]))
    with django_assert_num_queries(10):
        response = client.get(reverse("screening_decision", args=[decision.pk]))
    assert len(response.context["reasons"]) == reasons


def test_the_decision_page_explains_each_rule(signed_in, intake, course):
    decision = screen_candidate(
        course=course,
        by=intake,
        bp=((148, 86), (144, 88)),
        history={"medications": ["Clonazepam 0.5 mg"]},
    ).decisions.get()
    content = signed_in(intake).get(reverse("screening_decision", args=[decision.pk])).content
    assert b"Needs review" in content
    assert b"hypertension_elevated" in content and b"146" in content
    assert b"interacting_medication" in content and b"Clonazepam" in content


def test_history_errors_keep_what_was_typed(signed_in, intake, course):
    client = signed_in(intake)
    client.post(reverse("screening_start", args=[course.pk]))
    screening = course.screenings.get()
    response = client.post(
        reverse("screening_history", args=[screening.pk]),
        {"psychosis_history": "no", "weight_kg": "12", "medications": "lithium 300 mg"},
    )
    assert response.status_code == 400
    assert b"lithium 300 mg" in response.content
    assert response.context["history_form"]["psychosis_history"].value() == "no"
    screening.refresh_from_db()
    assert screening.history == {}


def test_an_incomplete_questionnaire_names_the_missing_item(signed_in, intake, course):
    client = signed_in(intake)
    client.post(reverse("screening_start", args=[course.pk]))
    screening = course.screenings.get()
    url = reverse("screening_questionnaire", args=[screening.pk, "phq9"])
    data = {f"item{i}": "1" for i in range(8)}  # item 9 left out
    response = client.post(url, {**data, "complete": "1"})
    assert response.status_code == 400
    assert "item8" in response.context["form"].errors
    saved = client.post(url, {**data, "save": "1"})
    assert saved.status_code == 302
    assert screening.administrations.get().answers == [1] * 8 + [None]


def test_a_high_risk_answer_shows_the_crisis_protocol(signed_in, intake, course, prescriber):
    client = signed_in(intake)
    client.post(reverse("screening_start", args=[course.pk]))
    screening = course.screenings.get()
    url = reverse("screening_questionnaire", args=[screening.pk, "cssrs"])
    response = client.post(
        url,
        {
            "q1": "yes",
            "q2": "yes",
            "q3": "yes",
            "q4": "yes",
            "q5": "no",
            "q6": "no",
            "complete": "1",
        },
        follow=True,
    )
    assert b"Crisis protocol" in response.content and b"Stay with the candidate" in response.content
    assert prescriber.alerts.filter(severity="urgent").exists()


def test_a_prescriber_clears_and_enrolls(signed_in, intake, prescriber, therapist, course):
    CareTeamFactory(patient=course.patient, clinician=therapist, primary=True)
    decision = screen_candidate(
        course=course, by=intake, history={"family_psychosis_history": True}
    ).decisions.get()
    item = decision.review_items.get()
    client = signed_in(prescriber)
    response = client.post(reverse("screening_review", args=[item.pk]), {"decision": "clear"})
    assert response.status_code == 400 and b"required" in response.content
    client.post(
        reverse("screening_review", args=[item.pk]),
        {"decision": "clear", "reason": "Uncle, distant history; low risk."},
    )
    response = client.post(reverse("screening_enroll", args=[decision.pk]))
    assert response.status_code == 302
    course.refresh_from_db()
    assert course.phase == "preparation"


def test_an_outsider_cannot_open_a_screening(signed_in, intake, course, outside_clinician):
    screening = screen_candidate(course=course, by=intake)
    response = signed_in(outside_clinician).get(reverse("screening", args=[screening.pk]))
    assert response.status_code == 404
    assert AuditEvent.objects.latest("id").action == "denied"


def test_the_summary_pdf_holds_the_outcome_and_every_fired_rule(signed_in, intake, course):
    if not shutil.which("pdftotext"):
        service_missing("pdftotext (poppler-utils)")
    decision = screen_candidate(
        course=course,
        by=intake,
        bp=((148, 86), (144, 88)),
        history={"bipolar_disorder": True, "medications": ["XANAX 1 mg"]},
    ).decisions.get()
    response = signed_in(intake).get(reverse("screening_summary_pdf", args=[decision.pk]))
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == (
        f'inline; filename="screening-summary-{decision.pk}.pdf"'
    )
    text = subprocess.run(
        ["pdftotext", "-layout", "-", "-"],
        input=response.content,
        capture_output=True,
        check=True,
    ).stdout.decode()
    assert "Needs review" in text and decision.policy_label in text
    for code in ("hypertension_elevated", "bipolar", "interacting_medication"):
        assert code in text
    assert AuditEvent.objects.latest("id").action == "print"


# --- Bad input (issue 10) -----------------------------------------------------------------------


@pytest.mark.parametrize("status", ["in_progress\x00", "\x00", "x" * 5000, "no_such_status"])
def test_a_hostile_queue_filter_is_refused_with_the_whole_queue(
    signed_in, intake, candidate, status
):
    response = signed_in(intake).get(reverse("intake_queue"), {"status": status})
    assert response.status_code == 400
    assert [c.patient for c in response.context["courses"]] == [candidate]
    assert "Choose one of the queue" in response.content.decode()
    event = AuditEvent.objects.filter(action="list").latest("id")
    assert event.detail["queue"] == "all"


def test_again_then_save_progress_keeps_both_on_the_page(signed_in, intake, course):
    from screening import intake as services

    client = signed_in(intake)
    client.post(reverse("screening_start", args=[course.pk]))
    screening = course.screenings.get()
    services.instrument_save(
        by=intake, screening=screening, code="phq9", answers=[1] * 8 + [0], complete=True
    )
    page = client.get(reverse("screening", args=[screening.pk])).content.decode()
    assert ">Again</a>" in page
    url = reverse("screening_questionnaire", args=[screening.pk, "phq9"])
    assert client.get(url).status_code == 200
    saved = client.post(url, {"item0": "2", "item1": "3", "save": "1"})
    assert saved.status_code == 302
    page = client.get(reverse("screening", args=[screening.pk])).content.decode()
    assert "total 8" in page and "A new one is in progress" in page and ">Resume</a>" in page
    resumed = client.get(url)
    assert resumed.context["form"].initial["item1"] == "3"
