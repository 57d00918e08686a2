"""Forms of the consent, preparation and notes pages. They only shape input: every rule is
checked again by the services (`sessions.consent`, `sessions.preparation`, `sessions.notes`)."""

from django import forms

from sessions.models import PreparationRecord
from sessions.notes import KIND_LABELS, PROGRESS

_TEXTAREA = {"class": "form-control", "rows": 6}


class ConsentSignForm(forms.Form):
    typed_name = forms.CharField(
        label="Type your full name",
        max_length=200,
        widget=forms.TextInput(
            attrs={"class": "form-control form-control-lg", "autocomplete": "off"}
        ),
    )
    understood = forms.BooleanField(
        label="I have read and understood this consent, and I agree to it.",
        widget=forms.CheckboxInput(attrs={"class": "form-check-input"}),
    )
    version = forms.IntegerField(widget=forms.HiddenInput)
    shown_sha256 = forms.CharField(max_length=64, widget=forms.HiddenInput)


class WithdrawForm(forms.Form):
    reason = forms.CharField(
        label="Reason the patient gives",
        max_length=4000,
        widget=forms.Textarea(attrs={"class": "form-control", "rows": 3}),
    )


class PreparationForm(forms.ModelForm):
    class Meta:
        model = PreparationRecord
        fields = [
            "goals",
            "intentions",
            "expectations",
            "fasting_instructions_given",
            "medication_adjustments",
            "escort_name",
            "escort_relationship",
            "escort_phone",
        ]
        labels = {
            "fasting_instructions_given": "Fasting instructions given (no food 4 h, no liquids "
            "2 h before each dose)",
            "escort_name": "Escort's name",
            "escort_relationship": "Relationship",
            "escort_phone": "Escort's phone",
        }
        help_texts = {"fasting_instructions_given": ""}
        widgets = {
            "goals": forms.Textarea(attrs={"class": "form-control", "rows": 3}),
            "intentions": forms.Textarea(attrs={"class": "form-control", "rows": 3}),
            "expectations": forms.Textarea(attrs={"class": "form-control", "rows": 3}),
            "medication_adjustments": forms.Textarea(attrs={"class": "form-control", "rows": 2}),
            "fasting_instructions_given": forms.CheckboxInput(attrs={"class": "form-check-input"}),
            "escort_name": forms.TextInput(attrs={"class": "form-control"}),
            "escort_relationship": forms.TextInput(attrs={"class": "form-control"}),
            "escort_phone": forms.TextInput(attrs={"class": "form-control", "type": "tel"}),
        }


class EscortForm(forms.ModelForm):
    class Meta:
        model = PreparationRecord
        fields = ["escort_name", "escort_relationship", "escort_phone"]
        labels = PreparationForm.Meta.labels
        widgets = {
            name: PreparationForm.Meta.widgets[name]
            for name in ("escort_name", "escort_relationship", "escort_phone")
        }


class NoteForm(forms.Form):
    text = forms.CharField(label="Note", max_length=50000, widget=forms.Textarea(attrs=_TEXTAREA))


class NewNoteForm(NoteForm):
    kind = forms.ChoiceField(
        choices=list(KIND_LABELS.items()),
        initial=PROGRESS,
        widget=forms.RadioSelect(attrs={"class": "form-check-input"}),
        help_text="A psychotherapy note is yours alone: it never appears on the chart.",
    )


class AddendumForm(forms.Form):
    text = forms.CharField(
        label="Addendum",
        max_length=20000,
        widget=forms.Textarea(attrs={"class": "form-control", "rows": 3}),
    )
