from datetime import date, datetime

from django import forms
from django.urls import reverse

from sessions.booking import rules as scheduling
from sessions.booking.selectors import clinic_zone, clinicians, local_today
from sessions.models import AppointmentType, Room


class _SlotSearch:
    """Fields whose change refreshes the proposed slots (htmx; the page works without it)."""

    SEARCH_FIELDS = ("type", "clinician", "room", "minutes", "day")

    def _wire_slot_search(self, slots_url: str):
        include = ", ".join(f"#id_{name}" for name in self.SEARCH_FIELDS if name in self.fields)
        for name in self.SEARCH_FIELDS:
            if name in self.fields:
                self.fields[name].widget.attrs.update(
                    {
                        "hx-get": slots_url,
                        "hx-trigger": "change",
                        "hx-target": "#slots",
                        "hx-include": include,
                    }
                )


class AppointmentForm(_SlotSearch, forms.Form):
    """Book (or, with `appointment`, reschedule): the time is typed or taken from a proposal."""

    type = forms.ModelChoiceField(
        AppointmentType.objects.filter(is_active=True), to_field_name="code", empty_label=None
    )
    clinician = forms.ModelChoiceField(clinicians(), label="Attending clinician", empty_label=None)
    room = forms.ModelChoiceField(
        Room.objects.filter(is_active=True),
        required=False,
        empty_label="No room (telehealth)",
    )
    staff = forms.ModelMultipleChoiceField(
        clinicians(),
        required=False,
        label="Further staff (listed, not booked)",
        widget=forms.CheckboxSelectMultiple,
    )
    day = forms.DateField(label="Date", widget=forms.DateInput(attrs={"type": "date"}))
    time = forms.TimeField(
        label="Start time", widget=forms.TimeInput(attrs={"type": "time", "step": 900})
    )
    minutes = forms.IntegerField(
        required=False,
        min_value=5,
        max_value=600,
        help_text="Leave empty for the type's usual length.",
    )

    def __init__(self, *args, care_team, types, slots_url: str, appointment=None, **kwargs):
        super().__init__(*args, **kwargs)
        self._today = local_today()
        # The attending clinician comes from the patient's care team (the service insists).
        self.fields["clinician"].queryset = care_team
        if appointment is None:
            self.fields["type"].queryset = types  # what this role may book
        else:
            del self.fields["type"]  # a rescheduled appointment keeps its type
        self._wire_slot_search(slots_url)

    def clean_day(self):
        return _refused_unless(
            self.cleaned_data["day"], scheduling.booking_day_refusal, self._today
        )

    def clean(self):
        data = super().clean()
        day, at = data.get("day"), data.get("time")
        if isinstance(day, date) and at is not None:
            try:
                data["start"] = scheduling.local_instant(day, at, clinic_zone())
            except scheduling.NonexistentTime:
                self.add_error("time", "That time does not exist: the clocks change that night.")
        return data


class SlotQueryForm(forms.Form):
    """The proposals' inputs, read from a GET (all optional: missing ones fall back)."""

    type = forms.ModelChoiceField(
        AppointmentType.objects.filter(is_active=True), to_field_name="code", required=False
    )
    clinician = forms.ModelChoiceField(clinicians(), required=False)
    room = forms.ModelChoiceField(Room.objects.filter(is_active=True), required=False)
    minutes = forms.IntegerField(required=False, min_value=5, max_value=600)
    day = forms.DateField(required=False)

    def __init__(self, *args, care_team, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["clinician"].queryset = care_team
        self._today = local_today()

    def clean_day(self):
        return _refused_unless(
            self.cleaned_data["day"], scheduling.booking_day_refusal, self._today
        )


class CancelForm(forms.Form):
    reason = forms.CharField(
        label="Reason for cancelling", max_length=2000, widget=forms.Textarea(attrs={"rows": 2})
    )


class CalendarForm(forms.Form):
    day = forms.DateField(required=False, widget=forms.DateInput(attrs={"type": "date"}))
    view = forms.ChoiceField(
        choices=[("day", "Day"), ("week", "Week")],
        required=False,
        error_messages={"invalid_choice": "Choose the day or the week view."},
    )

    def __init__(self, *args, today: date, **kwargs):
        super().__init__(*args, **kwargs)
        self._today = today

    def clean_day(self):
        return _refused_unless(
            self.cleaned_data["day"], scheduling.calendar_day_refusal, self._today
        )


def _refused_unless(day: date | None, refusal, today: date) -> date | None:
    """A date field's value, or the rule's sentence as its error (an empty field passes)."""
    problem = day and refusal(day, today)
    if problem:
        raise forms.ValidationError(problem)
    return day


def slots_url(patient, appointment=None) -> str:
    if appointment is not None:
        return reverse("appointment_slots_reschedule", args=[appointment.pk])
    return reverse("appointment_slots", args=[patient.pk])


def earliest_from(day: date | None) -> datetime | None:
    """Proposals from the start of a chosen day (never before now; the selector sees to that)."""
    if day is None:
        return None
    return scheduling.local_instant(day, datetime.min.time(), clinic_zone())
