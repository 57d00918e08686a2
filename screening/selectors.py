"""Reads of the screening policy versions and of intake, each in a fixed number of queries."""

from django.db.models import OuterRef, Prefetch, Subquery

from patients import phases
from patients.models import TreatmentCourse
from screening.errors import ScreeningError
from screening.models import (
    InstrumentAdministration,
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


def intake_queue(patients) -> list:
    """The open courses in screening of `patients` (an access-filtered queryset), oldest first,
    each with `screening_status` and `screening_id` of its latest screening: one query."""
    latest = Screening.objects.filter(course=OuterRef("pk")).order_by("-started_at", "-id")
    return list(
        TreatmentCourse.objects.filter(phase=phases.SCREENING, patient__in=patients)
        .select_related("patient")
        .annotate(
            screening_status=Subquery(latest.values("status")[:1]),
            screening_id=Subquery(latest.values("id")[:1]),
        )
        .order_by("opened_at", "id")
    )


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
