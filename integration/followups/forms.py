"""Forms of the follow-up pages. They only shape input: every rule is checked again by
`integration.followups.services` and `.notes`."""

from datetime import date

from django import forms

from integration.followups.notes import FIELDS
from integration.models import IntegrationNote
from sessions.booking import rules as scheduling
from sessions.booking.selectors import clinic_zone, clinicians
from sessions.models import Room

_TEXT = {"class": "form-control", "rows": 3}


class _Where(forms.Form):
    clinician = forms.ModelChoiceField(clinicians(), empty_label=None)
    room = forms.ModelChoiceField(
        Room.objects.filter(is_active=True), required=False, empty_label="No room (telehealth)"
    )

    def __init__(self, *args, care_team, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["clinician"].queryset = care_team


class SlotForm(_Where):
    """One click in the work queue: a proposed start with a clinician."""

    start = forms.DateTimeField(widget=forms.HiddenInput)


class MoveForm(_Where):
    """Move or rebook: a day and a time; outside the window, a reason."""

    day = forms.DateField(label="Date", widget=forms.DateInput(attrs={"type": "date"}))
    time = forms.TimeField(
        label="Start time", widget=forms.TimeInput(attrs={"type": "time", "step": 900})
    )
    reason = forms.CharField(
        label="Reason (outside the window, or after a second no-show)",
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    def clean(self):
        data = super().clean()
        day, at = data.get("day"), data.get("time")
        if isinstance(day, date) and at is not None:
            try:
                data["start"] = scheduling.local_instant(day, at, clinic_zone())
            except (scheduling.NonexistentTime, OverflowError, ValueError):
                self.add_error("time", "That time does not exist on that day.")
        return data


class NoteForm(forms.ModelForm):
    class Meta:
        model = IntegrationNote
        fields = list(FIELDS)
        widgets = {
            name: forms.Textarea(attrs=_TEXT)
            for name in fields
            if name not in ("risk", "questionnaires")
        } | {
            "risk": forms.RadioSelect,
            "questionnaires": forms.Textarea(attrs={"class": "form-control", "rows": 2}),
        }
        help_texts = {
            "questionnaires": "A PHQ-9 or GAD-7 given today, or why not (the latest are shown).",
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["risk"].choices = IntegrationNote.Risk.choices  # no empty choice
        self.fields["risk"].required = False  # needed to sign, not to save a draft


class AddendumForm(forms.Form):
    text = forms.CharField(
        label="Addendum", max_length=20000, widget=forms.Textarea(attrs={"rows": 3})
    )


class CloseSeriesForm(forms.Form):
    reason = forms.CharField(
        label="How the initial series went",
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
