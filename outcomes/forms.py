from datetime import timedelta

from django import forms

from accounts.models import User
from accounts.roles import CLINICIANS
from sessions.booking.selectors import local_today
from sessions.models import Dose

# Dashboard ranges: at most ten years back, never past today (the same spirit as the calendars).
MAX_DAYS = 3660


class DashboardFilterForm(forms.Form):
    start = forms.DateField(
        label="From",
        required=False,
        widget=forms.DateInput({"type": "date", "class": "form-control"}, format="%Y-%m-%d"),
    )
    end = forms.DateField(
        label="To",
        required=False,
        widget=forms.DateInput({"type": "date", "class": "form-control"}, format="%Y-%m-%d"),
    )
    clinician = forms.ModelChoiceField(
        label="Clinician",
        required=False,
        empty_label="Every clinician",
        widget=forms.Select({"class": "form-select"}),
        queryset=User.objects.filter(role__in=CLINICIANS, is_active=True).order_by(
            "last_name", "first_name", "username"
        ),
    )
    drug = forms.ChoiceField(
        label="Drug",
        required=False,
        choices=[("", "Every drug"), *Dose.Drug.choices],
        widget=forms.Select({"class": "form-select"}),
    )

    def clean(self):
        data = super().clean()
        today = local_today()
        end = data.get("end") or today
        start = data.get("start") or end - timedelta(days=89)
        if start > end:
            self.add_error("start", "The first day comes after the last day.")
        elif (end - start).days > MAX_DAYS or end > today + timedelta(days=366):
            self.add_error("start", "Choose a range of at most ten years, up to a year ahead.")
        data["start"], data["end"] = start, end
        return data


class SummaryForm(forms.Form):
    text = forms.CharField(
        label="Summary for the referring clinician",
        max_length=20000,
        widget=forms.Textarea({"rows": 8}),
        help_text="Course, response, tolerability and what you recommend next. Signing locks it.",
    )
