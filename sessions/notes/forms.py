"""Forms of the notes pages. They only shape input: every rule is checked again by
`sessions.notes.services`."""

from django import forms

from sessions.notes.services import KIND_LABELS, PROGRESS

_TEXTAREA = {"class": "form-control", "rows": 6}


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
