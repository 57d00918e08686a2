"""Forms of the portal's pages. They only shape input: every rule is checked again by the
services. The questionnaires and the consent reuse the clinic's own forms."""

from django import forms

from notifications.forms import PreferenceForm

SHARING = [("private", "Only me"), ("shared", "Me and my care team")]


class AcceptForm(forms.Form):
    new_password1 = forms.CharField(
        label="Choose a password",
        max_length=128,
        strip=False,
        widget=forms.PasswordInput(
            attrs={"class": "form-control form-control-lg", "autocomplete": "new-password"}
        ),
        help_text="At least 12 characters; not only numbers, and not a common password.",
    )
    new_password2 = forms.CharField(
        label="Type it again",
        max_length=128,
        strip=False,
        widget=forms.PasswordInput(
            attrs={"class": "form-control form-control-lg", "autocomplete": "new-password"}
        ),
    )

    def clean(self):
        data = super().clean()
        first, second = data.get("new_password1"), data.get("new_password2")
        if first and second and first != second:
            self.add_error("new_password2", "The two passwords are not the same.")
        return data


class JournalEntryForm(forms.Form):
    text = forms.CharField(
        label="Your entry",
        max_length=20_000,
        widget=forms.Textarea(attrs={"class": "form-control", "rows": 8}),
    )
    sharing = forms.ChoiceField(
        label="Who may read it",
        choices=SHARING,
        initial="private",
        widget=forms.RadioSelect(attrs={"class": "btn-check"}),
    )

    @property
    def shared(self) -> bool:
        return self.cleaned_data["sharing"] == "shared"


class MessagesForm(PreferenceForm):
    """The notifications app's preference form, as switches on a phone."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            field.widget.attrs.update({"class": "form-check-input", "role": "switch"})
