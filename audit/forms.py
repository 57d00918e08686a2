"""The audit reports' inputs: the audit page's filters (a GET form: ids, a code and dates, never
a name), the "find by record number" form (POSTed: an MRN never travels in a URL) and the page
cursor both reports share."""

from datetime import date

from django import forms
from django.contrib.auth import get_user_model

from audit import words
from audit.models import Action
from audit.selectors import Filters

# Audit rows exist from the clinic's first day; a date outside these is a typing slip.
EARLIEST = date(2000, 1, 1)
LATEST = date(2100, 12, 31)
CURSOR_MAX = 2**62


class CursorForm(forms.Form):
    before = forms.IntegerField(min_value=1, max_value=CURSOR_MAX, required=False)
    after = forms.IntegerField(min_value=0, max_value=CURSOR_MAX, required=False)

    def cursor(self) -> dict:
        """`before`/`after` for `keyset_page`; a refused cursor is the newest page."""
        if not self.is_valid():
            return {}
        data = self.cleaned_data
        if data["after"] is not None:
            return {"after": data["after"]}
        return {"before": data["before"]} if data["before"] is not None else {}


class StaffChoice(forms.ModelChoiceField):
    def label_from_instance(self, user):
        name = user.get_full_name() or user.username
        return f"{name} ({user.username}) · {user.get_role_display()}"


class AuditFilterForm(forms.Form):
    patient = forms.UUIDField(required=False, widget=forms.HiddenInput)
    user = StaffChoice(
        queryset=get_user_model().objects.exclude(role="patient").order_by("last_name", "username"),
        required=False,
        label="Staff member",
        empty_label="Anyone",
        widget=forms.Select({"class": "form-select"}),
    )
    action = forms.ChoiceField(
        choices=[("", "Any action")] + [(code, words.action_word(code)) for code in Action.values],
        required=False,
        widget=forms.Select({"class": "form-select"}),
    )
    start = forms.DateField(
        required=False,
        label="From",
        widget=forms.DateInput({"type": "date", "class": "form-control"}, format="%Y-%m-%d"),
    )
    end = forms.DateField(
        required=False,
        label="To",
        widget=forms.DateInput({"type": "date", "class": "form-control"}, format="%Y-%m-%d"),
    )

    def clean(self):
        data = super().clean()
        for name in ("start", "end"):
            day = data.get(name)
            if day and not EARLIEST <= day <= LATEST:
                self.add_error(name, f"Choose a day from {EARLIEST.year} to {LATEST.year}.")
        start, end = data.get("start"), data.get("end")
        if start and end and end < start:
            self.add_error("end", "The range ends before it starts.")
        return data

    def filters(self) -> Filters:
        """The filters in effect: the fields that were read; a refused one filters nothing."""
        self.is_valid()
        data = self.cleaned_data
        user = data.get("user")
        return Filters(
            patient_id=data.get("patient"),
            user_id=user.pk if user else None,
            action=data.get("action") or "",
            start=data.get("start"),
            end=data.get("end"),
        )


class FindByMrnForm(forms.Form):
    mrn = forms.CharField(label="Record number (MRN)", max_length=16)

    def clean_mrn(self):
        mrn = self.cleaned_data["mrn"].strip().upper()
        if "\x00" in mrn:
            raise forms.ValidationError("Remove the unreadable character.")
        return mrn
