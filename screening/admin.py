"""Policy versions in the admin site: drafts are edited here, and every write (a new draft, an
edit, publishing) goes through `screening.services`; a published version is shown read-only."""

import json

from django import forms
from django.contrib import admin, messages
from django.forms.fields import InvalidJSONInput
from django.http import HttpResponseRedirect
from django.urls import reverse
from django.utils.html import format_html

from screening import services
from screening.errors import ScreeningError
from screening.models import ScreeningPolicy


class PolicyJSONField(forms.JSONField):
    """Indented, so a clinician can read and edit the thresholds and the medication list."""

    def prepare_value(self, value):
        if isinstance(value, InvalidJSONInput):
            return value
        return _pretty(value)


def _pretty(data) -> str:
    return json.dumps(data, indent=2, ensure_ascii=False)


class DraftForm(forms.ModelForm):
    data = PolicyJSONField(widget=forms.Textarea(attrs={"rows": 40, "cols": 80}))

    class Meta:
        model = ScreeningPolicy
        fields = ("label", "notes", "data")


_WHO_AND_WHEN = ("created_at", "created_by", "published_at", "published_by")


@admin.register(ScreeningPolicy)
class ScreeningPolicyAdmin(admin.ModelAdmin):
    form = DraftForm
    list_display = ("label", "status", "active", "published_at", "based_on", "created_at")
    list_filter = ("status", "active")
    actions = ("new_draft", "publish_and_activate")
    readonly_fields = ("status", "active", "based_on", "impact", *_WHO_AND_WHEN, "published_data")

    def get_fields(self, request, obj=None):
        data = "published_data" if obj is not None and obj.is_published else "data"
        return ("label", "status", "active", "based_on", "impact", "notes", data, *_WHO_AND_WHEN)

    @admin.display(description="Impact")
    def impact(self, obj):
        if obj is None or obj.pk is None:
            return "—"
        return format_html(
            '<a href="{}">Preview whose screening this version would change</a>',
            reverse("screening_policy_impact", args=[obj.pk]),
        )

    @admin.display(description="Data")
    def published_data(self, obj):
        return format_html("<pre>{}</pre>", _pretty(obj.data))

    def has_add_permission(self, request):
        # A version starts as a copy of another ("Create a new draft from this version").
        return False

    def has_draft_permission(self, request):
        return request.user.has_perm("screening.add_screeningpolicy")

    def has_change_permission(self, request, obj=None):
        # A published version is final: its page is view-only.
        return super().has_change_permission(request, obj) and not (obj and obj.is_published)

    def has_delete_permission(self, request, obj=None):
        return super().has_delete_permission(request, obj) and not (obj and obj.is_published)

    def get_actions(self, request):
        # Bulk deletion would reach published versions.
        actions = super().get_actions(request)
        actions.pop("delete_selected", None)
        return actions

    def save_model(self, request, obj, form, change):
        services.policy_update_draft(
            by=request.user,
            policy=obj,
            data=form.cleaned_data["data"],
            notes=form.cleaned_data["notes"],
            label=form.cleaned_data["label"],
        )

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        # The form already ran the model's checks; this catches what changed meanwhile
        # (the draft published from another tab).
        try:
            return super().changeform_view(request, object_id, form_url, extra_context)
        except ScreeningError as error:
            self.message_user(request, error.message, messages.ERROR)
            return HttpResponseRedirect(request.get_full_path())

    def _one(self, request, queryset):
        if queryset.count() != 1:
            self.message_user(request, "Select exactly one policy version.", messages.ERROR)
            return None
        return queryset.get()

    @admin.action(description="Create a new draft from this version", permissions=("draft",))
    def new_draft(self, request, queryset):
        source = self._one(request, queryset)
        if source is None:
            return None
        try:
            draft = services.policy_draft_from(by=request.user, source=source)
        except ScreeningError as error:
            self.message_user(request, error.message, messages.ERROR)
            return None
        self.message_user(
            request,
            f"Draft {draft.label} created from {source.label}: edit it, then publish it.",
            messages.SUCCESS,
        )
        return HttpResponseRedirect(
            reverse("admin:screening_screeningpolicy_change", args=[draft.pk])
        )

    @admin.action(description="Publish and activate", permissions=("change",))
    def publish_and_activate(self, request, queryset):
        policy = self._one(request, queryset)
        if policy is None:
            return
        try:
            policy = services.policy_publish(by=request.user, policy=policy, activate=True)
        except ScreeningError as error:
            self.message_user(request, error.message, messages.ERROR)
            return
        reviews = policy.reviews.count()
        asked = (
            f" Enrolled patients newly excluded: {reviews}; their prescribers have been alerted."
            if reviews
            else ""
        )
        self.message_user(
            request,
            f"Policy {policy.label} is published and active: new screenings use it.{asked}",
            messages.SUCCESS,
        )
