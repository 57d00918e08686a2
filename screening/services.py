"""Every write to the screening policy versions, their impact preview and its consequences.

Each function runs in one transaction, checks its rule, writes, records the audit event and raises
`ScreeningError` with a sentence the user can read when the rule says no.
"""

import copy
import functools
import hashlib
import json
import re
from dataclasses import dataclass
from datetime import date, datetime, time

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from accounts.roles import Role
from audit.models import Action
from audit.services import record
from patients import phases
from patients.access import Access, may, patients_for
from patients.errors import PatientsError
from patients.models import Alert
from patients.services import (
    alert_raise,
    alert_resolve,
    course_change_phase,
    on_call_prescribers,
)
from screening import replay, rules, selectors
from screening.errors import ScreeningError
from screening.facts import FactsError
from screening.models import PolicyReview, ScreeningPolicy
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


def data_digest(policy: ScreeningPolicy) -> str:
    """A fingerprint of a version's data: publishing can insist on the data previewed."""
    canonical = json.dumps(policy.data, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(canonical.encode()).hexdigest()


@transaction.atomic
def policy_publish(
    *, by, policy: ScreeningPolicy, activate: bool = True, previewed: str | None = None
) -> ScreeningPolicy:
    """Publish a draft (its data is final from now on) and, with `activate`, make it the one
    version new screenings use. An already published version may be activated again.

    Activating a version has consequences: every enrolled patient it would now exclude gets a
    `PolicyReview` and a review alert (`_review_newly_excluded`). `previewed` is the
    `data_digest` of the data the publisher saw in the impact preview: a draft changed since
    is refused."""
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
    if previewed is not None and previewed != data_digest(policy):
        raise ScreeningError(
            f"Policy {policy.label} changed after this preview: preview it again before publishing."
        )
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
    if policy.active:
        _review_newly_excluded(by=by, policy=policy)
    return policy


# --- Consequences of a new active version --------------------------------------------------------


def _review_recipients(patient, on_call) -> list:
    """The care team's prescribers; the on-call prescriber(s) when the team has none.
    `on_call` is a callable, asked at most once per publish."""
    team = [
        m.clinician
        for m in patient.care_team.all()
        if m.clinician.role == Role.PRESCRIBER and m.clinician.is_active
    ]
    return team or on_call()


def review_alert_message(label: str, found: list[rules.FiredRule]) -> str:
    named = "; ".join(f"{rules.title(r.code)}: {r.message}" for r in found)
    return (
        f"Screening policy {label} would exclude this enrolled patient. {named} Document a "
        "prescriber's review before the next dose: continue with a reason, or stop the course."
    )


def newly_excluded(
    policy: ScreeningPolicy, *, care_teams: bool = False, replayed: replay.Impact | None = None
) -> list[tuple]:
    """(stored decision, exclusion rules) for each enrolled course whose latest stored decision
    `policy` would now exclude, less the exclusions a previous review of the course already
    covered. Closed and screening-phase courses are not enrolled and never appear. Reads only.

    `replayed` is a replay of the same version already made (the preview's): its answers are
    reused for the decisions it covered, so they are not replayed twice."""
    engine = policy.to_policy()
    known: dict = {}
    if replayed is not None:
        known = dict.fromkeys(replayed.keys)
        known.update({change.key: change for change in replayed.changes})
    found = []
    # Only the decisions not replayed yet, and those the replay found newly excluded, are read.
    wanted = [
        pk
        for pk in selectors.enrolled_latest_decision_ids()
        if pk not in known or (known[pk] is not None and known[pk].newly_excluded)
    ]
    for decision in selectors.decisions_with_courses(wanted, care_teams=care_teams):
        if decision.pk in known:
            change = known[decision.pk]
        else:
            codes = tuple(r["code"] for r in decision.reasons)
            try:
                change = replay.replay_one(
                    replay.Stored(decision.pk, decision.outcome, codes, decision.facts), engine
                )
            except FactsError:
                continue  # facts the engine no longer reads: the preview counts them as unreadable
        if change is None or not change.newly_excluded:
            continue
        course = decision.screening.course
        covered = {code for review in course.policy_reviews.all() for code in review.codes}
        exclusions = [reason for reason in change.exclusions if reason.code not in covered]
        if exclusions:
            found.append((decision, exclusions))
    return found


def _review_newly_excluded(*, by, policy: ScreeningPolicy) -> list[PolicyReview]:
    """A review, and a review alert to the care team's prescribers, for each enrolled patient
    the newly active version would exclude, naming the rules. The stored decisions are left as
    they were, labelled with the version that made them."""
    raised = []
    ask_on_call = functools.cache(on_call_prescribers)  # asked once per publish, if at all

    for decision, exclusions in newly_excluded(policy, care_teams=True):
        course = decision.screening.course
        review = PolicyReview.objects.create(
            course=course, policy=policy, decision=decision, rules=[r.as_dict() for r in exclusions]
        )
        patient = course.patient
        review.alerts.add(
            *alert_raise(
                patient=patient,
                recipients=_review_recipients(patient, ask_on_call),
                kind=Alert.Kind.CLINICAL,
                severity=Alert.Severity.WARNING,
                message=review_alert_message(policy.label, exclusions),
                by=by,
            )
        )
        record(
            user=by,
            action=Action.CREATE,
            patient_id=patient.pk,
            obj=review,
            detail={"policy": policy.label, "rules": [r.code for r in exclusions]},
        )
        raised.append(review)
    return raised


REVIEW_CONTINUE = "continue"
REVIEW_STOP = "stop"


@transaction.atomic
def policy_review_document(*, by, review: PolicyReview, decision: str, reason: str):
    """A prescriber documents the review of a course a new policy would exclude: continue the
    course with a written reason, or stop it (the course is discontinued with that reason).
    The review's alerts are resolved with the same words."""
    review = (
        PolicyReview.objects.select_for_update()
        .select_related("course__patient", "policy")
        .get(pk=review.pk)
    )
    patient = review.course.patient
    if by.role != Role.PRESCRIBER or not may(by, Access.CHANGE_RECORD, patient):
        raise ScreeningError("Only a prescriber on the care team may document this review.")
    if not review.is_pending:
        raise ScreeningError("This review has been documented already.")
    if decision not in (REVIEW_CONTINUE, REVIEW_STOP):
        raise ScreeningError("Choose to continue the course or to stop it.", field="decision")
    reason = (reason or "").strip()
    if not reason:
        raise ScreeningError("A review needs a written reason.", field="reason")
    label = review.policy.label
    course = review.course
    if decision == REVIEW_CONTINUE and course.phase in phases.CLOSED:
        raise ScreeningError("This course is closed: it cannot be continued.", field="decision")
    if decision == REVIEW_STOP and course.phase not in phases.CLOSED:
        try:
            course_change_phase(
                by=by,
                course=course,
                to_phase=phases.DISCONTINUED,
                reason=f"Stopped on review of screening policy {label}: {reason}",
            )
        except PatientsError as error:
            raise ScreeningError(error.message) from error
    stopped = decision == REVIEW_STOP
    review.status = PolicyReview.Status.STOPPED if stopped else PolicyReview.Status.CONTINUED
    review.reason, review.reviewed_by, review.reviewed_at = reason, by, timezone.now()
    review.save()
    note = f"Review of policy {label} documented: {'course stopped' if stopped else 'continue'}."
    for alert in review.alerts.exclude(status=Alert.Status.RESOLVED):
        alert_resolve(by=by, alert=alert, note=f"{note} {reason}")
    record(
        user=by,
        action=Action.CHANGE,
        patient_id=patient.pk,
        obj=review,
        detail={"policy": label, "status": review.status},
    )
    return review


# --- The impact preview ---------------------------------------------------------------------------

DEFAULT_MONTHS = 24
LIST_LIMIT = 200  # named rows on one page; the rest are counted


def may_preview(user) -> bool:
    """Administrators, and prescribers given the policy permission (a medical director)."""
    return getattr(user, "role", None) in (Role.ADMIN, Role.PRESCRIBER) and user.has_perm(
        "screening.view_screeningpolicy"
    )


@dataclass(frozen=True)
class AffectedRow:
    """One affected screening decision the viewer may see, with the patient's name."""

    decision_id: int
    patient_id: object
    name: str
    decided_at: datetime
    policy_label: str
    change: replay.Change


@dataclass(frozen=True)
class Preview:
    policy: ScreeningPolicy
    since: date | None
    impact: replay.Impact
    listed: tuple[AffectedRow, ...]  # newest first, at most LIST_LIMIT
    # The affected decisions not listed by name, counted by change.
    others: list[tuple[tuple[str, str, tuple, tuple], int]]
    others_visible: int  # of those, decisions of patients the viewer may see (past the limit)
    digest: str  # data_digest of the version previewed
    changed: dict  # decision id -> selectors.DecisionMeta, for every changed decision (no names)
    # Enrolled patients whom activating this version would send to a prescriber's review.
    reviews_on_publish: int
    # (what, before, after) against the active version; None when this is the active version.
    differences: list | None


def _start_of(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min))


@transaction.atomic
def policy_preview(*, by, policy: ScreeningPolicy, since: date | None) -> Preview:
    """Replay `policy` over the stored facts of every decision made from `since` on and say what
    would change. Names are given only for patients whose record `by` may see; the others are
    counted. `by=None` is the command line: no names at all. One audit event per preview."""
    if by is not None and not may_preview(by):
        raise ScreeningError(
            "Only an administrator or a prescriber with the policy permission may preview a "
            "policy version."
        )
    try:
        engine = policy.to_policy()
    except rules.PolicyError as error:
        raise ScreeningError(f"Policy {policy.label} cannot be used: {error}") from error
    active = ScreeningPolicy.objects.filter(active=True).first()
    current = active.to_policy() if active is not None and active.pk != policy.pk else None
    visible = patients_for(by, Access.VIEW_RECORD) if by is not None else None
    stored, meta = selectors.replay_decisions(
        since=_start_of(since) if since else None, visible_patients=visible
    )
    impact = replay.replay(stored, engine)
    shown = [c for c in impact.changes if meta[c.key].visible][:LIST_LIMIT]
    shown_keys = {c.key for c in shown}
    names = selectors.patient_names({meta[c.key].patient_id for c in shown}) if shown else {}
    listed = tuple(
        AffectedRow(
            decision_id=c.key,
            patient_id=meta[c.key].patient_id,
            name=names.get(meta[c.key].patient_id, ""),
            decided_at=meta[c.key].decided_at,
            policy_label=meta[c.key].policy_label,
            change=c,
        )
        for c in shown
    )
    rest = [c for c in impact.changes if c.key not in shown_keys]
    record(
        user=by,
        action=Action.VIEW,
        obj=policy,
        detail={
            "replay": {
                "since": since.isoformat() if since else None,
                "decisions": impact.replayed,
                "changed": len(impact.changes),
                "unreadable": len(impact.unreadable),
            },
            "via": "page" if by is not None else "command",
            "patients": sorted({str(row.patient_id) for row in listed}),
        },
    )
    return Preview(
        policy=policy,
        since=since,
        impact=impact,
        listed=listed,
        others=replay.group_changes(rest),
        others_visible=sum(1 for c in rest if meta[c.key].visible),
        digest=data_digest(policy),
        changed={c.key: meta[c.key] for c in impact.changes},
        reviews_on_publish=0 if policy.active else len(newly_excluded(policy, replayed=impact)),
        differences=None if current is None else replay.differences(current, engine),
    )
