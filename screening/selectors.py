"""Reads of the clinic's screening policy versions."""

from screening.errors import ScreeningError
from screening.models import ScreeningPolicy


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
