"""Every write to the screening policy versions.

Each function runs in one transaction, checks its rule, writes, records the audit event and raises
`ScreeningError` with a sentence the user can read when the rule says no.
"""

import copy
import re

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from audit.models import Action
from audit.services import record
from screening.errors import ScreeningError
from screening.models import ScreeningPolicy
from screening.selectors import active_policy

_NUMBERED = re.compile(r"^v(\d+)$")


def _require(by, permission: str, doing: str) -> None:
    if not by.has_perm(f"screening.{permission}_screeningpolicy"):
        raise ScreeningError(f"Only an administrator may {doing}.")


def _locked(policy: ScreeningPolicy) -> ScreeningPolicy:
    return ScreeningPolicy.objects.select_for_update().get(pk=policy.pk)


def _validate(policy: ScreeningPolicy) -> None:
    """The model's checks (label, policy data, constraints), as one readable ScreeningError."""
    try:
        policy.full_clean()
    except ValidationError as error:
        field, messages = next(iter(error.message_dict.items()))
        raise ScreeningError(" ".join(messages), field=field) from error


def _next_label() -> str:
    numbers = [
        int(match.group(1))
        for match in map(_NUMBERED.match, ScreeningPolicy.objects.values_list("label", flat=True))
        if match
    ]
    return f"v{max(numbers, default=0) + 1}"


@transaction.atomic
def policy_draft_from(
    *, by, source: ScreeningPolicy | None = None, label: str | None = None
) -> ScreeningPolicy:
    """A new draft copied from `source` (the active version by default), labelled `label` or
    the next free `v<n>`."""
    _require(by, "add", "create a policy version")
    source = source or active_policy()
    draft = ScreeningPolicy(
        label=(label or "").strip() or _next_label(),
        data=copy.deepcopy(source.data),
        based_on=source,
        created_by=by,
    )
    _validate(draft)
    draft.save()
    record(user=by, action=Action.CREATE, obj=draft, detail={"based_on": source.label})
    return draft


@transaction.atomic
def policy_update_draft(
    *,
    by,
    policy: ScreeningPolicy,
    data: dict,
    notes: str | None = None,
    label: str | None = None,
) -> ScreeningPolicy:
    """Replace a draft's data (and its notes or label when given). Keys the screening rules do
    not read are kept: they belong to other parts of the clinic policy."""
    _require(by, "change", "change a policy version")
    policy = _locked(policy)
    if policy.is_published:
        raise ScreeningError(
            f"Policy {policy.label} is published and can no longer be changed: "
            "create a new draft from it."
        )
    policy.data = data
    if notes is not None:
        policy.notes = notes.strip()
    if label is not None:
        policy.label = label.strip()
    _validate(policy)
    policy.save()
    record(user=by, action=Action.CHANGE, obj=policy, detail={"status": policy.status})
    return policy


@transaction.atomic
def policy_publish(*, by, policy: ScreeningPolicy, activate: bool = True) -> ScreeningPolicy:
    """Publish a draft (its data is final from now on) and, with `activate`, make it the one
    version new screenings use. An already published version may be activated again."""
    _require(by, "change", "publish a policy version")
    # Every version row is locked, always in id order (there are a handful): concurrent publishes
    # queue here, and each then reads the rows as the one before it left them, so exactly one
    # version stays active and two publishers never deadlock.
    versions = {v.pk: v for v in ScreeningPolicy.objects.select_for_update().order_by("pk")}
    if policy.pk not in versions:
        raise ScreeningError("This policy version no longer exists.")
    policy = versions[policy.pk]
    if policy.is_published and not activate:
        raise ScreeningError(f"Policy {policy.label} is already published.")
    if policy.active:
        raise ScreeningError(f"Policy {policy.label} is already the active version.")
    if not policy.is_published:
        _validate(policy)
        policy.status = ScreeningPolicy.Status.PUBLISHED
        policy.published_at = timezone.now()
        policy.published_by = by
    replaced = [v for v in versions.values() if v.active and v.pk != policy.pk] if activate else []
    if replaced:
        ScreeningPolicy.objects.filter(pk__in=[v.pk for v in replaced]).update(active=False)
    policy.active = policy.active or activate
    policy.save(update_fields=["status", "published_at", "published_by", "active"])
    record(
        user=by,
        action=Action.CHANGE,
        obj=policy,
        detail={
            "status": policy.status,
            "active": policy.active,
            "replaces": [v.label for v in replaced],
        },
    )
    return policy
