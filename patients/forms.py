from django import forms

from patients import phases
from patients.models import Patient
from patients.services import DEMOGRAPHIC_FIELDS


class PatientForm(forms.ModelForm):
    class Meta:
        model = Patient
        fields = DEMOGRAPHIC_FIELDS
        widgets = {
            "date_of_birth": forms.DateInput(attrs={"type": "date"}),
            "address": forms.Textarea(attrs={"rows": 2}),
        }


class PatientSearchForm(forms.Form):
    q = forms.CharField(
        label="Search",
        required=False,
        max_length=100,
        widget=forms.TextInput(
            attrs={"placeholder": "Name, MRN or date of birth", "autocomplete": "off"}
        ),
    )
    page = forms.IntegerField(required=False, min_value=1, widget=forms.HiddenInput)


class PhaseChangeForm(forms.Form):
    to_phase = forms.ChoiceField(label="Move to", choices=())
    reason = forms.CharField(
        required=False, widget=forms.Textarea(attrs={"rows": 2}), max_length=2000
    )

    def __init__(self, *args, current_phase: str, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["to_phase"].choices = [
            (p, phases.LABELS[p]) for p in phases.next_phases(current_phase)
        ]


class AlertResolveForm(forms.Form):
    note = forms.CharField(
        label="Resolution note", widget=forms.Textarea(attrs={"rows": 2}), max_length=4000
    )


class CareTeamForm(forms.Form):
    clinician = forms.ModelChoiceField(
        queryset=None, label="Clinician", widget=forms.Select(attrs={"class": "form-select"})
    )
    primary = forms.BooleanField(
        required=False,
        label="Primary therapist",
        widget=forms.CheckboxInput(attrs={"class": "form-check-input"}),
    )

    def __init__(self, *args, **kwargs):
        from accounts.models import User
        from accounts.roles import CLINICIANS

        super().__init__(*args, **kwargs)
        self.fields["clinician"].queryset = User.objects.filter(
            role__in=CLINICIANS, is_active=True
        ).order_by("last_name", "first_name")
        self.fields["clinician"].label_from_instance = lambda user: (
            f"{user} ({user.get_role_display()})"
        )


class BreakGlassForm(forms.Form):
    mrn = forms.CharField(
        label="Record number (MRN)",
        max_length=16,
        help_text="From the wristband, the referral or the patient's papers.",
    )
    reason = forms.CharField(
        label="Why you need this chart now",
        min_length=10,
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="Kept with the access; the patient's primary therapist and the administrators "
        "are told.",
    )

    def clean(self):
        data = super().clean()
        for name in ("mrn", "reason"):
            if "\x00" in (data.get(name) or ""):
                self.add_error(name, "Remove the unreadable character.")
        return data
