"""Policy impact (issue 20): previewing a draft over the stored decisions, and what publishing a
version that newly excludes enrolled patients does."""

import random
from datetime import date, timedelta

import pytest
from django.utils import timezone

from audit.models import AuditEvent
from patients.models import Alert
from screening import services
from screening.errors import ScreeningError
from screening.models import PolicyReview, ScreeningDecision
from screening.selectors import active_policy, policy_review_problem
from tests.patients.factories import CareTeamFactory, CourseFactory, PatientFactory
from tests.screening.factories import candidate_facts, store_decision

pytestmark = pytest.mark.django_db


@pytest.fixture
def director(make_user):
    """A prescriber given the policy permission (the medical director)."""
    from django.contrib.auth.models import Permission

    user = make_user("prescriber", username="dora")
    user.user_permissions.add(Permission.objects.get(codename="view_screeningpolicy"))
    return user


def draft_with(admin, **changes):
    draft = services.policy_draft_from(by=admin)
    return services.policy_update_draft(by=admin, policy=draft, data={**draft.data, **changes})


def decided(by, facts, *, phase="screening", decided_at=None, **patient):
    course = CourseFactory(patient=PatientFactory(**patient), phase=phase)
    return store_decision(course=course, by=by, facts=facts, decided_at=decided_at)


# --- the review band -------------------------------------------------------------------------


def test_a_lower_review_band_changes_exactly_the_decisions_in_the_new_band(
    screening_policy, clinic_admin, intake
):
    rng = random.Random(20)
    readings = {}
    for _ in range(60):
        count = rng.choice([1, 2, 2, 3])
        bp = [[rng.randrange(118, 166), rng.randrange(70, 104)] for _ in range(count)]
        bp = [[s, min(d, s - 20)] for s, d in bp]
        decision = decided(intake, candidate_facts(bp_readings=bp))
        readings[decision.pk] = bp
    draft = draft_with(
        clinic_admin, hypertension_elevated_systolic=130, hypertension_elevated_diastolic=85
    )

    preview = services.policy_preview(by=clinic_admin, policy=draft, since=None)

    # Independently: a mean in [130/85, 140/90) on either side, from at least two readings, in
    # whole numbers (sum >= limit * count) rather than the engine's fractions.
    def at_or_above(bp, systolic, diastolic):
        n = len(bp)
        return sum(s for s, _ in bp) >= systolic * n or sum(d for _, d in bp) >= diastolic * n

    expected = {
        pk
        for pk, bp in readings.items()
        if len(bp) >= 2 and at_or_above(bp, 130, 85) and not at_or_above(bp, 140, 90)
    }
    assert expected, "the random set should reach the new band"
    assert {change.key for change in preview.impact.changes} == expected
    assert preview.impact.newly_firing == {"hypertension_elevated": len(expected)}
    assert preview.impact.stopped_firing == {}
    assert preview.impact.replayed == 60 and preview.impact.unchanged == 60 - len(expected)
    # Outcomes move only from eligible to needs review (the rest already had a reason).
    moved = {k: n for k, n in preview.impact.transitions.items() if k[0] != k[1]}
    assert set(moved) <= {("eligible", "needs_review")}
    # The administrator sees no record: counts, no names.
    assert preview.listed == ()
    assert sum(n for _, n in preview.others) == len(expected)


def test_replaying_the_active_policy_changes_nothing(screening_policy, clinic_admin, intake):
    for facts in (
        candidate_facts(),
        candidate_facts(bp_readings=[[150, 92], [146, 90]]),
        candidate_facts(psychosis_history=True),
        candidate_facts(phq9=None),
        candidate_facts(medications=["Clonazepam 0.5 mg"]),
    ):
        decided(intake, facts)
    preview = services.policy_preview(by=clinic_admin, policy=active_policy(), since=None)
    assert preview.impact.replayed == 5 and preview.impact.changes == ()
    assert preview.impact.unchanged == 5


def test_only_decisions_since_the_date_are_replayed(screening_policy, clinic_admin, intake):
    bp = [[134, 80], [132, 80]]
    old = decided(
        intake, candidate_facts(bp_readings=bp), decided_at=timezone.now() - timedelta(800)
    )
    recent = decided(intake, candidate_facts(bp_readings=bp))
    draft = draft_with(clinic_admin, hypertension_elevated_systolic=130)
    since = timezone.localdate() - timedelta(days=730)
    preview = services.policy_preview(by=clinic_admin, policy=draft, since=since)
    assert [c.key for c in preview.impact.changes] == [recent.pk]
    everything = services.policy_preview(by=clinic_admin, policy=draft, since=None)
    assert {c.key for c in everything.impact.changes} == {old.pk, recent.pk}


# --- who sees names ----------------------------------------------------------------------------


def test_a_prescriber_sees_names_of_patients_they_may_see_and_counts_for_the_rest(
    screening_policy, clinic_admin, director, intake, make_user
):
    bp = [[134, 80], [132, 80]]
    mine = decided(intake, candidate_facts(bp_readings=bp), phase="treatment", last_name="Mine")
    CareTeamFactory(patient=mine.screening.course.patient, clinician=director)
    candidate = decided(intake, candidate_facts(bp_readings=bp), last_name="Candidate")
    decided(intake, candidate_facts(bp_readings=bp), phase="treatment", last_name="Elsewhere")
    draft = draft_with(clinic_admin, hypertension_elevated_systolic=130)

    preview = services.policy_preview(by=director, policy=draft, since=None)

    assert {row.decision_id for row in preview.listed} == {mine.pk, candidate.pk}
    assert {row.name.split()[-1] for row in preview.listed} == {"Mine", "Candidate"}
    assert preview.others == [(("eligible", "needs_review", ("hypertension_elevated",), ()), 1)]
    assert preview.others_visible == 0
    event = AuditEvent.objects.filter(object_type="screening.screeningpolicy").latest("id")
    assert (event.action, event.user) == ("view", director)
    assert event.detail["patients"] == sorted(
        str(d.screening.course.patient_id) for d in (mine, candidate)
    )
    assert event.detail["replay"] == {"since": None, "decisions": 3, "changed": 3, "unreadable": 0}


def test_one_audit_event_per_preview(screening_policy, clinic_admin, intake):
    decided(intake, candidate_facts())
    before = AuditEvent.objects.count()
    services.policy_preview(by=clinic_admin, policy=active_policy(), since=None)
    assert AuditEvent.objects.count() == before + 1


@pytest.mark.parametrize("role", ["prescriber", "therapist", "intake", "frontdesk"])
def test_only_admins_and_prescribers_with_the_permission_preview(screening_policy, make_user, role):
    with pytest.raises(ScreeningError, match="policy permission"):
        services.policy_preview(by=make_user(role), policy=active_policy(), since=None)


@pytest.mark.parametrize("decisions", [1, 15])
def test_a_preview_costs_a_fixed_number_of_queries(
    screening_policy, clinic_admin, director, intake, django_assert_num_queries, decisions
):
    for i in range(decisions):
        facts = candidate_facts(bp_readings=[[134, 80], [132, 80]])
        screening = decided(intake, facts, phase="screening" if i % 2 else "treatment").screening
        CareTeamFactory(patient=screening.course.patient, clinician=director)
    draft = draft_with(clinic_admin, hypertension_elevated_systolic=130)
    director.has_perm("screening.view_screeningpolicy")  # the permission cache, as in a request
    # the active version, decisions (with the access check inside), names, the enrolled courses'
    # latest decision ids (none newly excluded, so no decision is read again), the audit insert;
    # in a savepoint
    with django_assert_num_queries(7):
        preview = services.policy_preview(by=director, policy=draft, since=None)
    assert len(preview.listed) == decisions


# --- publishing with consequences ------------------------------------------------------------

HIGH_BP = [[150, 80], [148, 82]]  # needs review under v2 (140/90), excluded by a 145 limit


@pytest.fixture
def clinic(screening_policy, intake, prescriber, make_user):
    """Patients whose stored decisions a stricter blood-pressure limit would exclude, in every
    phase, each with a prescriber on their care team, and one enrolled patient it would not."""
    people = {}
    for phase in ("screening", "preparation", "treatment", "maintenance", "completed"):
        decision = decided(intake, candidate_facts(bp_readings=HIGH_BP), phase=phase)
        people[phase] = decision
        CareTeamFactory(patient=decision.screening.course.patient, clinician=prescriber)
    people["discontinued"] = decided(
        intake, candidate_facts(bp_readings=HIGH_BP), phase="discontinued"
    )
    people["fine"] = decided(intake, candidate_facts(), phase="treatment")
    CareTeamFactory(patient=people["fine"].screening.course.patient, clinician=prescriber)
    return people


def publish_strict(admin, limit=145):
    draft = draft_with(admin, hypertension_uncontrolled_systolic=limit)
    return services.policy_publish(by=admin, policy=draft)


def test_an_added_exclusion_raises_one_review_alert_per_enrolled_patient_it_excludes(
    clinic, clinic_admin, prescriber
):
    stored = list(ScreeningDecision.objects.values_list("pk", "outcome", "policy_label"))
    policy = publish_strict(clinic_admin)

    enrolled = {clinic[p].screening.course for p in ("preparation", "treatment", "maintenance")}
    reviews = PolicyReview.objects.all()
    assert {r.course for r in reviews} == enrolled
    assert all(r.policy == policy and r.is_pending for r in reviews)
    assert all(r.codes == ["hypertension_uncontrolled"] for r in reviews)
    alerts = Alert.objects.filter(kind="clinical")
    assert sorted(a.patient_id for a in alerts) == sorted(c.patient_id for c in enrolled)
    assert {a.recipient for a in alerts} == {prescriber}
    message = alerts.first().message
    assert message.startswith(f"Screening policy {policy.label} would exclude")
    assert "Uncontrolled blood pressure" in message and "145/100" in message
    assert all(list(r.alerts.all()) != [] for r in reviews)
    # Nothing changed silently: the stored decisions stay as they were, with their labels.
    assert list(ScreeningDecision.objects.values_list("pk", "outcome", "policy_label")) == stored


def test_the_preview_says_how_many_enrolled_patients_publishing_sends_to_review(
    clinic, clinic_admin
):
    draft = draft_with(clinic_admin, hypertension_uncontrolled_systolic=145)
    preview = services.policy_preview(by=clinic_admin, policy=draft, since=None)
    assert preview.reviews_on_publish == 3
    assert preview.differences == [
        ("Exclusion limit, mean systolic blood pressure (mmHg)", "160", "145")
    ]
    # Every high-pressure decision moves from needs review to excluded, closed courses too.
    assert preview.impact.transitions[("needs_review", "excluded")] == 6
    assert not PolicyReview.objects.exists()


def test_the_preview_reuses_its_replay_for_the_enrolled_patients(clinic, clinic_admin, intake):
    late = decided(
        intake,
        candidate_facts(bp_readings=HIGH_BP),
        phase="treatment",
        decided_at=timezone.now() - timedelta(days=1000),
    )
    draft = draft_with(clinic_admin, hypertension_uncontrolled_systolic=145)
    preview = services.policy_preview(
        by=clinic_admin, policy=draft, since=timezone.localdate() - timedelta(days=30)
    )
    assert late.pk not in preview.impact.keys
    fresh = [(d.pk, [r.code for r in found]) for d, found in services.newly_excluded(draft)]
    reused = services.newly_excluded(draft, replayed=preview.impact)
    assert [(d.pk, [r.code for r in found]) for d, found in reused] == fresh
    assert len(fresh) == preview.reviews_on_publish == 4


def test_only_the_latest_decision_of_an_enrolled_course_counts(
    screening_policy, intake, clinic_admin, prescriber
):
    course = CourseFactory(phase="treatment")
    CareTeamFactory(patient=course.patient, clinician=prescriber)
    earlier = timezone.now() - timedelta(days=30)
    store_decision(
        course=course, by=intake, facts=candidate_facts(bp_readings=HIGH_BP), decided_at=earlier
    )
    store_decision(course=course, by=intake, facts=candidate_facts())
    publish_strict(clinic_admin)
    assert not PolicyReview.objects.exists()


def test_no_review_for_closed_courses_candidates_or_patients_not_excluded(clinic, clinic_admin):
    publish_strict(clinic_admin)
    reviewed = set(PolicyReview.objects.values_list("course__phase", flat=True))
    assert reviewed == {"preparation", "treatment", "maintenance"}
    for who in ("screening", "completed", "discontinued", "fine"):
        course = clinic[who].screening.course
        assert not PolicyReview.objects.filter(course=course).exists()
        assert not Alert.objects.filter(patient_id=course.patient_id, kind="clinical").exists()


def test_an_exclusion_already_reviewed_is_not_raised_again(clinic, clinic_admin):
    publish_strict(clinic_admin)
    assert PolicyReview.objects.count() == 3
    publish_strict(clinic_admin, limit=146)  # the same rule excludes the same patients
    assert PolicyReview.objects.count() == 3
    assert Alert.objects.filter(kind="clinical").count() == 3


def test_a_version_published_without_activating_it_raises_nothing(clinic, clinic_admin):
    draft = draft_with(clinic_admin, hypertension_uncontrolled_systolic=145)
    services.policy_publish(by=clinic_admin, policy=draft, activate=False)
    assert not PolicyReview.objects.exists()


def test_without_a_prescriber_on_the_team_the_care_team_is_told(
    screening_policy, intake, clinic_admin, prescriber, therapist
):
    # The on-call prescriber is outside this enrolled patient's team: the access policy keeps
    # the alert from someone whose link to the patient would answer 404 (issue 10).
    decision = decided(intake, candidate_facts(bp_readings=HIGH_BP), phase="treatment")
    CareTeamFactory(patient=decision.screening.course.patient, clinician=therapist, primary=True)
    publish_strict(clinic_admin)
    assert [a.recipient for a in Alert.objects.filter(kind="clinical")] == [therapist]


def test_publishing_refuses_a_draft_changed_since_its_preview(screening_policy, clinic_admin):
    draft = draft_with(clinic_admin, hypertension_elevated_systolic=130)
    seen = services.policy_preview(by=clinic_admin, policy=draft, since=None).digest
    services.policy_update_draft(
        by=clinic_admin, policy=draft, data={**draft.data, "hypertension_elevated_systolic": 120}
    )
    with pytest.raises(ScreeningError, match="changed after this preview"):
        services.policy_publish(by=clinic_admin, policy=draft, previewed=seen)
    draft.refresh_from_db()
    assert draft.status == "draft"
    fresh = services.policy_preview(by=clinic_admin, policy=draft, since=None).digest
    assert services.policy_publish(by=clinic_admin, policy=draft, previewed=fresh).active


# --- the review and the dose start guard -------------------------------------------------------


@pytest.fixture
def review(clinic, clinic_admin):
    publish_strict(clinic_admin)
    return PolicyReview.objects.get(course=clinic["treatment"].screening.course)


def test_the_start_guard_asks_for_the_review(review, clinic, django_assert_num_queries):
    course = review.course
    with django_assert_num_queries(1):
        problem = policy_review_problem(course)
    assert "a prescriber documents a review" in problem
    assert f"policy {review.policy.label}: Uncontrolled blood pressure" in problem
    assert policy_review_problem(clinic["fine"].screening.course) is None


def test_continuing_with_a_reason_clears_the_guard_and_resolves_the_alerts(review, prescriber):
    services.policy_review_document(
        by=prescriber,
        review=review,
        decision="continue",
        reason="Home readings 128/80 over three weeks; white-coat effect.",
    )
    review.refresh_from_db()
    assert (review.status, review.reviewed_by) == ("continued", prescriber)
    assert policy_review_problem(review.course) is None
    alert = review.alerts.get()
    assert alert.status == "resolved" and "white-coat" in alert.resolution_note
    assert review.course.phase == "treatment"


def test_stopping_discontinues_the_course(review, prescriber):
    services.policy_review_document(
        by=prescriber, review=review, decision="stop", reason="Refer to cardiology first."
    )
    review.refresh_from_db()
    review.course.refresh_from_db()
    assert review.status == "stopped" and review.course.phase == "discontinued"
    change = review.course.phase_changes.latest("at")
    assert "Refer to cardiology first." in change.reason and review.policy.label in change.reason


@pytest.mark.parametrize(
    ("who", "decision", "reason", "error"),
    [
        ("therapist", "continue", "Fine.", "Only a prescriber"),
        ("outsider", "continue", "Fine.", "Only a prescriber"),
        ("prescriber", "continue", "  ", "written reason"),
        ("prescriber", "maybe", "Fine.", "continue the course or to stop"),
    ],
)
def test_a_review_needs_a_prescriber_of_the_patient_a_choice_and_a_reason(
    review, prescriber, therapist, make_user, who, decision, reason, error
):
    by = {"prescriber": prescriber, "therapist": therapist}.get(who) or make_user("prescriber")
    if who == "therapist":
        CareTeamFactory(patient=review.course.patient, clinician=therapist)
    with pytest.raises(ScreeningError, match=error):
        services.policy_review_document(by=by, review=review, decision=decision, reason=reason)
    review.refresh_from_db()
    assert review.is_pending


def test_a_documented_review_is_final(review, prescriber):
    services.policy_review_document(by=prescriber, review=review, decision="continue", reason="Ok")
    with pytest.raises(ScreeningError, match="documented already"):
        services.policy_review_document(by=prescriber, review=review, decision="stop", reason="No")
    review.refresh_from_db()
    review.reason = "edited"
    with pytest.raises(ScreeningError, match="never changed"):
        review.save()
    with pytest.raises(ScreeningError, match="never deleted"):
        review.delete()


@pytest.mark.postgres
def test_the_database_refuses_to_rewrite_a_documented_review(review, prescriber):
    from django.db import DatabaseError, transaction

    services.policy_review_document(by=prescriber, review=review, decision="continue", reason="Ok")
    with pytest.raises(DatabaseError, match="never changed"), transaction.atomic():
        PolicyReview.objects.filter(pk=review.pk).update(reason="edited")
    with pytest.raises(DatabaseError, match="never deleted"), transaction.atomic():
        PolicyReview.objects.filter(pk=review.pk).delete()


def test_the_decision_date_is_kept_by_the_factory(screening_policy, intake):
    # The window tests rely on the factory's back-dating.
    when = timezone.now() - timedelta(days=400)
    decision = decided(intake, candidate_facts(), decided_at=when)
    assert decision.decided_at == when and date.today() > decision.decided_at.date()
