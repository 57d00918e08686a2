from django import forms

from notifications.models import ContactPreference


class PreferenceForm(forms.ModelForm):
    class Meta:
        model = ContactPreference
        fields = ["email", "sms", "unencrypted_consent"]


class ResendForm(forms.Form):
    reason = forms.CharField(
        label="Why send it again",
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="Who checked that it did not arrive, and how.",
    )


class PauseForm(forms.Form):
    paused = forms.BooleanField(label="Pause all messages", required=False)
    reason = forms.CharField(label="Reason", max_length=200, required=False)
