"""The impact preview page, publishing from it, the prescriber's review page and the home card
(issue 20)."""

import html
import re

import pytest
from django.contrib.auth.models import Permission
from django.urls import reverse

from audit.models import AuditEvent
from patients.models import Alert
from screening import services
from screening.models import PolicyReview, ScreeningPolicy
from tests.patients.factories import CareTeamFactory, CourseFactory, PatientFactory
from tests.screening.factories import candidate_facts, store_decision

pytestmark = pytest.mark.django_db

IN_NEW_BAND = [[134, 80], [132, 80]]
HIGH_BP = [[150, 80], [148, 82]]


@pytest.fixture
def director(make_user):
    user = make_user("prescriber", username="dora")
    user.user_permissions.add(Permission.objects.get(codename="view_screeningpolicy"))
    return user


@pytest.fixture
def draft(screening_policy, clinic_admin):
    draft = services.policy_draft_from(by=clinic_admin)
    data = {**draft.data, "hypertension_elevated_systolic": 130}
    return services.policy_update_draft(
        by=clinic_admin, policy=draft, data=data, notes="Review band from 130 mmHg systolic."
    )


def decided(by, facts, *, phase="screening", **patient):
    course = CourseFactory(patient=PatientFactory(**patient), phase=phase)
    return store_decision(course=course, by=by, facts=facts)


def impact_url(policy, **query):
    url = reverse("screening_policy_impact", args=[policy.pk])
    return url + ("?" + "&".join(f"{k}={v}" for k, v in query.items()) if query else "")


def text(response) -> str:
    return html.unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", response.content.decode())))


# --- the preview page --------------------------------------------------------------------------


def test_an_admin_sees_counts_and_the_affected_list_without_names(
    signed_in, clinic_admin, draft, intake
):
    decided(intake, candidate_facts(bp_readings=IN_NEW_BAND), last_name="Quist")
    decided(intake, candidate_facts())
    response = signed_in(clinic_admin).get(impact_url(draft))
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]
    page = text(response)
    assert "Impact of policy v4" in page and "Review band from 130 mmHg systolic." in page
    assert "Review limit, mean systolic blood pressure (mmHg) 140 130" in page
    assert "2 decisions replayed" in page and "1 unchanged" in page
    assert "Eligible → Needs review 1" in page
    assert "Blood pressure in the review band hypertension_elevated 1" in page
    assert "Quist" not in page and 'data-testid="affected-list"' not in page
    assert 'data-testid="affected-counts"' in response.content.decode()
    assert "Publish and activate v4" in page
    # Clinic words only: no Python values, no raw outcome codes outside <code>.
    for leak in ("needs_review", "None", "{'", "[]", "True", "False"):
        assert leak not in page


def test_a_director_sees_the_names_of_patients_they_may_see(signed_in, director, draft, intake):
    mine = decided(intake, candidate_facts(bp_readings=IN_NEW_BAND), last_name="Mine")
    CareTeamFactory(patient=mine.screening.course.patient, clinician=director)
    decided(intake, candidate_facts(bp_readings=IN_NEW_BAND), phase="treatment", last_name="Far")
    response = signed_in(director).get(impact_url(draft))
    page = text(response)
    assert "Mine" in page and "Far" not in page
    assert reverse("screening_decision", args=[mine.pk]) in response.content.decode()
    assert "And 1 more, counted by change" in page
    # The director may preview, not publish.
    assert "Publish and activate" not in page


def test_one_audit_event_per_preview_naming_the_patients_shown(signed_in, director, draft, intake):
    mine = decided(intake, candidate_facts(bp_readings=IN_NEW_BAND))
    CareTeamFactory(patient=mine.screening.course.patient, clinician=director)
    client = signed_in(director)
    before = AuditEvent.objects.count()
    client.get(impact_url(draft, months=12))
    events = AuditEvent.objects.order_by("id")[before:]
    assert [(e.action, e.object_type) for e in events] == [("view", "screening.screeningpolicy")]
    assert events[0].detail["patients"] == [str(mine.screening.course.patient_id)]


@pytest.mark.parametrize("role", ["prescriber", "therapist", "intake", "frontdesk", "patient"])
def test_other_roles_are_refused(signed_in, make_user, draft, role):
    client = signed_in(make_user(role))
    assert client.get(impact_url(draft)).status_code == 403
    assert client.get(reverse("screening_policies")).status_code == 403
    publish = reverse("screening_policy_publish", args=[draft.pk])
    assert client.post(publish).status_code == 403
    draft.refresh_from_db()
    assert draft.status == "draft"


@pytest.mark.parametrize("months", ["7", "abc", "", "-24"])
def test_a_period_not_offered_is_a_400(signed_in, clinic_admin, draft, months):
    response = signed_in(clinic_admin).get(impact_url(draft, months=months))
    assert response.status_code == 400
    assert "Choose one of the periods offered." in text(response)


def test_an_unknown_version_is_a_404(signed_in, clinic_admin, draft):
    url = reverse("screening_policy_impact", args=[draft.pk + 100])
    assert signed_in(clinic_admin).get(url).status_code == 404


@pytest.mark.parametrize("decisions", [1, 12])
def test_the_preview_page_costs_a_fixed_number_of_queries(
    signed_in, director, draft, intake, django_assert_num_queries, decisions
):
    for i in range(decisions):
        screening = decided(
            intake, candidate_facts(bp_readings=IN_NEW_BAND), phase="treatment"
        ).screening
        if i % 2 == 0:
            CareTeamFactory(patient=screening.course.patient, clinician=director)
    client = signed_in(director)
    client.get(impact_url(draft))  # warm the session
    # session, user, permissions (user and group), the version; in a savepoint the active
    # version, decisions, names, enrolled courses' latest decision ids, audit insert; the session
    # update in a savepoint
    with django_assert_num_queries(15):
        response = client.get(impact_url(draft))
    assert response.status_code == 200


def test_the_versions_page_links_each_preview(signed_in, clinic_admin, draft):
    response = signed_in(clinic_admin).get(reverse("screening_policies"))
    assert response.status_code == 200
    assert impact_url(draft) in response.content.decode()
    assert "Draft" in text(response) and "Active" in text(response)


def test_the_admin_draft_page_links_its_preview(client, clinic_admin, draft):
    clinic_admin.is_staff = True
    clinic_admin.save()
    client.force_login(clinic_admin)
    response = client.get(reverse("admin:screening_screeningpolicy_change", args=[draft.pk]))
    assert impact_url(draft) in response.content.decode()


# --- publishing from the preview ------------------------------------------------------------------


def test_publishing_from_the_preview_activates_and_reports_reviews(
    signed_in, clinic_admin, screening_policy, intake, prescriber
):
    enrolled = decided(intake, candidate_facts(bp_readings=HIGH_BP), phase="treatment")
    CareTeamFactory(patient=enrolled.screening.course.patient, clinician=prescriber)
    draft = services.policy_draft_from(by=clinic_admin)
    data = {**draft.data, "hypertension_uncontrolled_systolic": 145}
    draft = services.policy_update_draft(by=clinic_admin, policy=draft, data=data)
    client = signed_in(clinic_admin)
    page = client.get(impact_url(draft))
    assert "1 enrolled patient would be newly excluded" in text(page)
    digest = page.context["preview"].digest
    response = client.post(
        reverse("screening_policy_publish", args=[draft.pk]), {"previewed": digest}, follow=True
    )
    assert "is published and active" in text(response)
    assert "1 enrolled patient now needs a prescriber's review" in text(response)
    draft.refresh_from_db()
    assert draft.active and PolicyReview.objects.count() == 1


def test_publishing_a_draft_changed_since_the_preview_is_refused(signed_in, clinic_admin, draft):
    client = signed_in(clinic_admin)
    digest = client.get(impact_url(draft)).context["preview"].digest
    services.policy_update_draft(
        by=clinic_admin, policy=draft, data={**draft.data, "hypertension_elevated_systolic": 120}
    )
    response = client.post(
        reverse("screening_policy_publish", args=[draft.pk]), {"previewed": digest}, follow=True
    )
    assert response.status_code == 200
    assert "changed after this preview" in text(response)
    assert ScreeningPolicy.objects.get(pk=draft.pk).status == "draft"


def test_a_director_without_the_change_permission_cannot_publish(signed_in, director, draft):
    response = signed_in(director).post(
        reverse("screening_policy_publish", args=[draft.pk]), {"previewed": "x"}, follow=True
    )
    assert response.status_code == 200 and "Only an administrator" in text(response)
    assert ScreeningPolicy.objects.get(pk=draft.pk).status == "draft"


# --- the review page and the home card ---------------------------------------------------------


@pytest.fixture
def review(screening_policy, clinic_admin, intake, prescriber, therapist):
    decision = decided(intake, candidate_facts(bp_readings=HIGH_BP), phase="treatment")
    patient = decision.screening.course.patient
    CareTeamFactory(patient=patient, clinician=prescriber)
    CareTeamFactory(patient=patient, clinician=therapist, primary=True)
    draft = services.policy_draft_from(by=clinic_admin)
    data = {**draft.data, "hypertension_uncontrolled_systolic": 145}
    draft = services.policy_update_draft(by=clinic_admin, policy=draft, data=data)
    services.policy_publish(by=clinic_admin, policy=draft)
    return PolicyReview.objects.get()


def review_url(review):
    return reverse("screening_policy_review", args=[review.pk])


def test_the_prescriber_finds_the_review_on_their_home_page(signed_in, prescriber, review):
    response = signed_in(prescriber).get(reverse("home"))
    page = response.content.decode()
    assert review_url(review) in page
    assert "Policy reviews to document" in page
    alert = Alert.objects.get(kind="clinical")
    assert alert.message in text(response)


def test_the_review_page_shows_the_rule_and_documents_a_continuation(signed_in, prescriber, review):
    client = signed_in(prescriber)
    response = client.get(review_url(review))
    assert response.status_code == 200 and "no-store" in response["Cache-Control"]
    page = text(response)
    assert "Uncontrolled blood pressure hypertension_uncontrolled" in page
    assert "the next dose cannot start" in page
    response = client.post(review_url(review), {"decision": "continue", "reason": "Home BP fine."})
    assert response.status_code == 302
    review.refresh_from_db()
    assert review.status == "continued"
    assert "Continued by" in text(client.get(review_url(review)))


def test_a_review_without_a_reason_is_a_400_that_keeps_the_choice(signed_in, prescriber, review):
    response = signed_in(prescriber).post(review_url(review), {"decision": "stop", "reason": " "})
    assert response.status_code == 400
    assert re.search(r'value="stop"[^>]* checked', response.content.decode())
    review.refresh_from_db()
    assert review.is_pending


def test_a_therapist_reads_the_review_but_cannot_document_it(signed_in, therapist, review):
    client = signed_in(therapist)
    response = client.get(review_url(review))
    assert response.status_code == 200 and 'data-testid="review-form"' not in text(response)
    response = client.post(review_url(review), {"decision": "continue", "reason": "Fine."})
    assert response.status_code == 400 and "Only a prescriber" in text(response)
    review.refresh_from_db()
    assert review.is_pending


def test_a_clinician_outside_the_team_gets_a_404_and_a_denied_event(
    signed_in, outside_clinician, review
):
    response = signed_in(outside_clinician).get(review_url(review))
    assert response.status_code == 404
    event = AuditEvent.objects.latest("id")
    assert (event.action, event.object_type) == ("denied", "screening.policyreview")


@pytest.mark.parametrize("role", ["frontdesk", "admin", "intake"])
def test_non_clinicians_are_refused_the_review_page(signed_in, make_user, review, role):
    assert signed_in(make_user(role)).get(review_url(review)).status_code == 403
