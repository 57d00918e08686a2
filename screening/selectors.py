"""Reads of the screening policy versions and of intake, each in a fixed number of queries."""

from collections import Counter
from dataclasses import dataclass
from datetime import datetime

from django.db.models import (
    BooleanField,
    Exists,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
    Value,
)

from patients import phases
from patients.access import Access, candidates_for
from patients.models import CareTeamMember, Patient, TreatmentCourse
from screening import replay, rules
from screening.errors import ScreeningError
from screening.models import (
    InstrumentAdministration,
    PolicyReview,
    ReviewItem,
    Screening,
    ScreeningDecision,
    ScreeningPolicy,
)


def active_policy() -> ScreeningPolicy:
    """The version new screenings use."""
    policy = ScreeningPolicy.objects.filter(active=True).first()
    if policy is None:
        raise ScreeningError(
            "No screening policy is active: publish and activate one in the admin site."
        )
    return policy


def policy_by_label(label: str, *, published: bool = False) -> ScreeningPolicy:
    """The version with this label; with `published`, a draft is refused as well."""
    policy = ScreeningPolicy.objects.filter(label=label).first()
    if policy is None:
        raise ScreeningError(f"There is no screening policy labelled {label!r}.")
    if published and not policy.is_published:
        raise ScreeningError(f"Screening policy {label!r} is a draft: publish it first.")
    return policy


# --- Intake -----------------------------------------------------------------------------------

QUEUE_ORDER = ("in_progress", "incomplete", "awaiting_review", "eligible", "excluded")


QUEUE_PAGE_SIZE = 50
# The status figures are exact up to this many candidates; past it the page says "500+".
QUEUE_COUNT_CAP = 500


@dataclass
class QueuePage:
    courses: list  # each with `screening_status` and `screening_id` of its latest screening
    next_after: int | None  # the last course shown, when there is a next page
    counts: dict[str, int] | None  # by status; None past QUEUE_COUNT_CAP candidates
    total: int  # every candidate, or QUEUE_COUNT_CAP + 1 past the cap


def _queue(user):
    """The open courses in screening `user` may see the record of, each with its latest
    screening's id and status: two index probes per row (`screening_course_latest`), walking
    the partial index `course_in_screening_opened` oldest first."""
    scope = candidates_for(user, Access.VIEW_RECORD)
    if scope is None:
        return TreatmentCourse.objects.none()
    latest = Screening.objects.filter(course=OuterRef("pk")).order_by("-started_at", "-id")
    return (
        TreatmentCourse.objects.filter(scope, phase=phases.SCREENING)
        .annotate(
            screening_status=Subquery(latest.values("status")[:1]),
            screening_id=Subquery(latest.values("id")[:1]),
        )
        .order_by("opened_at", "id")
    )


def intake_queue(user, *, status: str = "", after: int | None = None) -> QueuePage:
    """One page of the intake queue, oldest first, from the course after `after` (keyset: the
    cost of a page does not grow with its number), filtered by `status` (a course with no
    screening yet counts as in progress), and the figures by status: two queries, each
    reading at most QUEUE_COUNT_CAP + 1 or QUEUE_PAGE_SIZE + 1 candidates."""
    queue = _queue(user)
    statuses = list(queue.values_list("screening_status", flat=True)[: QUEUE_COUNT_CAP + 1])
    capped = len(statuses) > QUEUE_COUNT_CAP
    counts = None if capped else Counter(s or Screening.Status.IN_PROGRESS for s in statuses)
    if status == Screening.Status.IN_PROGRESS:
        queue = queue.filter(Q(screening_status=status) | Q(screening_status__isnull=True))
    elif status:
        queue = queue.filter(screening_status=status)
    if after is not None:
        opened = Subquery(TreatmentCourse.objects.filter(pk=after).values("opened_at")[:1])
        queue = queue.filter(Q(opened_at__gt=opened) | Q(opened_at=opened, pk__gt=after))
    courses = list(queue.select_related("patient")[: QUEUE_PAGE_SIZE + 1])
    more = len(courses) > QUEUE_PAGE_SIZE
    courses = courses[:QUEUE_PAGE_SIZE]
    return QueuePage(
        courses=courses,
        next_after=courses[-1].pk if more else None,
        counts=counts,
        total=len(statuses),
    )


REVIEW_QUEUE_SIZE = 50


def review_queue(user) -> list[Screening]:
    """The prescriber's review queue: screenings of candidates `user` may see the record of,
    awaiting a prescriber's review, oldest decision first, each with `decision_id` (its latest
    decision) and `pending` (that decision's review items still to clear): two queries."""
    scope = candidates_for(user, Access.VIEW_RECORD, patient="course__patient")
    if scope is None:
        return []
    latest = ScreeningDecision.objects.filter(screening=OuterRef("pk")).order_by(
        "-decided_at", "-id"
    )
    screenings = list(
        Screening.objects.filter(
            scope,
            status=Screening.Status.AWAITING_REVIEW,
            course__phase=phases.SCREENING,
        )
        .select_related("course__patient")
        .annotate(
            decision_id=Subquery(latest.values("id")[:1]),
            decided_at=Subquery(latest.values("decided_at")[:1]),
        )
        .order_by("decided_at", "id")[:REVIEW_QUEUE_SIZE]
    )
    pending: dict[int, list[ReviewItem]] = {}
    items = ReviewItem.objects.filter(
        decision_id__in=[s.decision_id for s in screenings], status=ReviewItem.Status.PENDING
    ).order_by("id")
    for item in items:
        item.title = rules.title(item.code)
        pending.setdefault(item.decision_id, []).append(item)
    for screening in screenings:
        screening.pending = pending.get(screening.decision_id, [])
    return screenings


def screening_page(screening_pk):
    """A screening with its readings, questionnaires and decisions (newest first, with their
    review items), in a fixed number of queries."""
    return (
        Screening.objects.select_related("course__patient", "started_by")
        .prefetch_related(
            "bp_readings",
            Prefetch(
                "administrations",
                queryset=InstrumentAdministration.objects.exclude(status="replaced"),
                to_attr="current_administrations",
            ),
            Prefetch(
                "decisions",
                queryset=ScreeningDecision.objects.select_related("decided_by").prefetch_related(
                    Prefetch(
                        "review_items", queryset=ReviewItem.objects.select_related("reviewed_by")
                    )
                ),
            ),
        )
        .get(pk=screening_pk)
    )


def latest_screening(course):
    return Screening.objects.filter(course=course).order_by("-started_at", "-id").first()


# --- Replaying a policy over stored decisions ---------------------------------------------------


@dataclass(frozen=True)
class DecisionMeta:
    """What a preview shows about a replayed decision besides the change itself."""

    decision_id: int
    decided_at: datetime
    policy_label: str
    patient_id: object
    visible: bool  # the viewer may see this patient's record (and so their name)


def replay_decisions(
    *, since: datetime | None, visible_patients: QuerySet[Patient] | None = None
) -> tuple[list[replay.Stored], dict[int, DecisionMeta]]:
    """Every decision made from `since` on (all when None), newest first, as the plain rows the
    replay reads, and each one's meta: one query, reading only what the decision stored.

    `visible_patients` (an access-filtered queryset) marks the decisions whose patient the viewer
    may see; the patients' names are not read here.
    """
    decisions = ScreeningDecision.objects.order_by("-decided_at", "-id")
    if since is not None:
        decisions = decisions.filter(decided_at__gte=since)
    if visible_patients is None or visible_patients.query.is_empty():
        visible = Value(False, output_field=BooleanField())
    else:
        visible = Exists(visible_patients.filter(pk=OuterRef("screening__course__patient_id")))
    rows = decisions.annotate(visible=visible).values_list(
        "id",
        "outcome",
        "reasons",
        "facts",
        "decided_at",
        "policy_label",
        "screening__course__patient_id",
        "visible",
    )
    stored, meta = [], {}
    for pk, outcome, reasons, facts, decided_at, label, patient_id, seen in rows.iterator(
        chunk_size=2000
    ):
        stored.append(replay.Stored(pk, outcome, tuple(r["code"] for r in reasons), facts))
        meta[pk] = DecisionMeta(pk, decided_at, label, patient_id, bool(seen))
    return stored, meta


def patient_names(patient_ids) -> dict[object, str]:
    """Display names by patient id, for a page that may show them: one query."""
    patients = Patient.objects.filter(pk__in=list(patient_ids)).only(
        "first_name", "last_name", "preferred_name"
    )
    return {patient.pk: patient.display_name for patient in patients}


def enrolled_latest_decision_ids() -> list[int]:
    """The latest decision of every enrolled course (preparation, treatment, maintenance): one
    query over the enrolled courses' decisions, ids only; the latest per course is picked here
    (a correlated "latest" subquery costs quadratic time on PostgreSQL at clinic scale)."""
    rows = (
        ScreeningDecision.objects.filter(screening__course__phase__in=phases.ENROLLED)
        .order_by("screening__course_id", "-decided_at", "-id")
        .values_list("screening__course_id", "id")
    )
    latest: dict[int, int] = {}
    for course_id, pk in rows.iterator(chunk_size=5000):
        latest.setdefault(course_id, pk)
    return sorted(latest.values())


DECISION_BATCH = 500


def decisions_with_courses(pks, *, care_teams: bool = False):
    """The decisions `pks`, in id order, with the course, the patient and the course's policy
    reviews (and, with `care_teams`, the care team's clinicians): two or three queries per
    DECISION_BATCH decisions."""
    related = ["screening__course__policy_reviews"]
    if care_teams:
        related.append(
            Prefetch(
                "screening__course__patient__care_team",
                queryset=CareTeamMember.objects.select_related("clinician"),
            )
        )
    pks = sorted(pks)
    for start in range(0, len(pks), DECISION_BATCH):
        yield from (
            ScreeningDecision.objects.filter(pk__in=pks[start : start + DECISION_BATCH])
            .select_related("screening__course__patient")
            .prefetch_related(*related)
            .order_by("id")
        )


# --- Policy reviews -----------------------------------------------------------------------------


def pending_policy_reviews(courses) -> list[PolicyReview]:
    """The pending reviews of `courses` (a queryset), oldest first, with patient and policy."""
    return list(
        PolicyReview.objects.filter(status=PolicyReview.Status.PENDING, course__in=courses)
        .select_related("course__patient", "policy")
        .order_by("created_at", "id")
    )


def policy_review_page(review_pk) -> PolicyReview:
    return PolicyReview.objects.select_related(
        "course__patient", "policy", "decision", "reviewed_by"
    ).get(pk=review_pk)


def policy_review_problem(course) -> str | None:
    """Why the next dose of `course` may not start for want of a policy review, or None.

    For the dose start guard: a published version newly excluded this enrolled patient, and no
    prescriber has yet documented a review (continue with a reason, or stop the course). One
    query, no writes.
    """
    pending = list(
        PolicyReview.objects.filter(course=course, status=PolicyReview.Status.PENDING)
        .select_related("policy")
        .order_by("created_at", "id")
    )
    if not pending:
        return None
    named = "; ".join(
        f"policy {review.policy.label}: " + ", ".join(rules.title(code) for code in review.codes)
        for review in pending
    )
    return (
        f"A newly published screening policy would exclude this patient ({named}): a "
        "prescriber documents a review (continue with a reason, or stop the course) before "
        "the next dose."
    )
