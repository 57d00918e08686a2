"""Forms of the consent pages. They only shape input: every rule is checked again by
`sessions.consent.services`."""

from django import forms


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
