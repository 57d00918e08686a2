"""Forms of the preparation pages. They only shape input: every rule is checked again by
`sessions.preparation.services`."""

from django import forms

from sessions.models import PreparationRecord


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
