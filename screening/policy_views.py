"""Screening policy pages outside the admin site: the versions, the impact preview of a version
(and publishing it from there), and a prescriber's review of a course a new version would
exclude. Thin: every rule is in `screening.services`."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accounts.decorators import role_required
from accounts.roles import CLINICIANS, Role
from audit.models import Action
from audit.services import record
from patients import phases
from patients.access import Access, may, require
from screening import replay, rules, selectors, services
from screening.errors import ScreeningError
from screening.forms import ImpactPeriodForm, PolicyReviewForm
from screening.models import PolicyReview, ScreeningDecision, ScreeningPolicy

OUTCOMES = ScreeningDecision.OUTCOME_LABELS


def _require_preview(user) -> None:
    if not services.may_preview(user):
        raise PermissionDenied


@require_GET
def policies(request):
    """Every version, newest first, each with its impact preview."""
    _require_preview(request.user)
    versions = list(ScreeningPolicy.objects.select_related("based_on", "published_by"))
    return render(
        request,
        "screening/policy/list.html",
        {"versions": versions, "can_edit": request.user.has_perm("screening.add_screeningpolicy")},
    )


def _rule(code: str) -> dict:
    return {"code": code, "title": rules.title(code)}


def _outcome(code: str) -> dict:
    return {"code": code, "label": OUTCOMES.get(code, code)}


def _change(old: str, new: str, newly: tuple, stopped: tuple) -> dict:
    return {
        "old": _outcome(old),
        "new": _outcome(new),
        "newly": [_rule(code) for code in newly],
        "stopped": [_rule(code) for code in stopped],
    }


def _impact_context(preview: services.Preview) -> dict:
    """The preview in clinic words: labels for outcomes, titles for rules."""
    impact = preview.impact
    transitions = sorted(
        impact.transitions.items(), key=lambda item: (item[0][0] == item[0][1], -item[1], item[0])
    )
    return {
        "preview": preview,
        "impact": impact,
        "transitions": [
            {"old": _outcome(old), "new": _outcome(new), "count": n, "changed": old != new}
            for (old, new), n in transitions
        ],
        "newly_firing": [(_rule(code), n) for code, n in impact.newly_firing.items()],
        "stopped_firing": [(_rule(code), n) for code, n in impact.stopped_firing.items()],
        "rows": [
            {
                "row": row,
                **_change(
                    row.change.old_outcome,
                    row.change.new_outcome,
                    row.change.newly_firing,
                    row.change.stopped_firing,
                ),
            }
            for row in preview.listed
        ],
        "others": [{**_change(*key), "count": n} for key, n in preview.others],
        "others_total": sum(n for _, n in preview.others),
        "list_limit": services.LIST_LIMIT,
    }


@never_cache
@require_GET
def impact(request, policy_pk):
    """Replay a version over the stored decisions of the chosen period and show what changes."""
    _require_preview(request.user)
    policy = get_object_or_404(ScreeningPolicy.objects.select_related("based_on"), pk=policy_pk)
    form = ImpactPeriodForm(request.GET or None)
    context = {
        "policy": policy,
        "form": form,
        "can_publish": not policy.is_published
        and request.user.has_perm("screening.change_screeningpolicy"),
    }
    if form.is_bound and not form.is_valid():
        return render(request, "screening/policy/impact.html", context, status=400)
    months = form.cleaned_data["months"] if form.is_bound else services.DEFAULT_MONTHS
    since = replay.months_before(timezone.localdate(), months)
    try:
        preview = services.policy_preview(by=request.user, policy=policy, since=since)
    except ScreeningError as error:
        context["error"] = error.message
        return render(request, "screening/policy/impact.html", context, status=400)
    context.update(_impact_context(preview), months=months)
    return render(request, "screening/policy/impact.html", context)


@require_POST
def publish(request, policy_pk):
    """Publish and activate the version just previewed (refused if it changed meanwhile)."""
    _require_preview(request.user)
    policy = get_object_or_404(ScreeningPolicy, pk=policy_pk)
    try:
        policy = services.policy_publish(
            by=request.user, policy=policy, previewed=request.POST.get("previewed", "")
        )
    except ScreeningError as error:
        messages.error(request, error.message)
        return redirect("screening_policy_impact", policy_pk=policy.pk)
    reviews = PolicyReview.objects.filter(policy=policy).count()
    if reviews == 1:
        asked = " 1 enrolled patient now needs a prescriber's review: their prescriber is alerted."
    elif reviews:
        asked = (
            f" {reviews} enrolled patients now need a prescriber's review: their prescribers "
            "are alerted."
        )
    else:
        asked = " No enrolled patient is newly excluded."
    messages.success(
        request, f"Policy {policy.label} is published and active: new screenings use it.{asked}"
    )
    return redirect("screening_policy_impact", policy_pk=policy.pk)


# --- A prescriber's review of a course a new version would exclude -----------------------------


@never_cache
@role_required(*CLINICIANS)
@require_http_methods(["GET", "POST"])
def policy_review(request, review_pk):
    review = get_object_or_404(PolicyReview.objects.select_related("course__patient"), pk=review_pk)
    patient = review.course.patient
    require(request.user, Access.VIEW_RECORD, patient, review)
    form = PolicyReviewForm(request.POST or None)
    status = 200
    if request.method == "POST":
        require(request.user, Access.CHANGE_RECORD, patient, review)
        if form.is_valid():
            try:
                services.policy_review_document(
                    by=request.user,
                    review=review,
                    decision=form.cleaned_data["decision"],
                    reason=form.cleaned_data["reason"],
                )
            except ScreeningError as error:
                form.add_error(error.field if error.field in form.fields else None, error.message)
            else:
                messages.success(request, "Review documented.")
                return redirect("screening_policy_review", review_pk=review.pk)
        status = 400
    review = selectors.policy_review_page(review.pk)
    record(user=request.user, action=Action.VIEW, patient_id=patient.pk, obj=review)
    return render(
        request,
        "screening/policy/review.html",
        {
            "review": review,
            "patient": review.course.patient,
            "rules": [{**reason, "title": rules.title(reason["code"])} for reason in review.rules],
            "decision": review.decision,
            "phase_label": phases.LABELS[review.course.phase],
            "form": form,
            "can_document": review.is_pending
            and request.user.role == Role.PRESCRIBER
            and may(request.user, Access.CHANGE_RECORD, patient),
            "decision_url": reverse("screening_decision", args=[review.decision_id]),
        },
        status=status,
    )
