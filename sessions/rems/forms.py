"""REMS forms. They shape input only: the rules are in `sessions.rems.rules` and `services`."""

from django import forms
from django.utils import timezone

from sessions.rems import rules

_YES_NO = [("", "Not answered"), ("yes", "Yes"), ("no", "No")]


def _yes_no(label):
    return forms.TypedChoiceField(
        label=label,
        choices=_YES_NO,
        coerce=lambda value: value == "yes",
        empty_value=None,
        required=False,
        widget=forms.RadioSelect,
    )


def _minutes(label):
    return forms.IntegerField(
        label=label,
        min_value=0,
        max_value=720,
        required=False,
        widget=forms.NumberInput(attrs={"inputmode": "numeric"}),
    )


class EnrollmentForm(forms.Form):
    rems_patient_id = forms.CharField(label="REMS patient ID", max_length=40)
    enrolled_on = forms.DateField(
        label="Enrolled on", widget=forms.DateInput(attrs={"type": "date"})
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["enrolled_on"].initial = timezone.localdate()


class EnrollmentEndForm(forms.Form):
    reason = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}), max_length=2000)


class MonitoringForm(forms.Form):
    """The questions the chart cannot answer: built with only the fields still missing."""

    def __init__(self, *args, missing: list[str], **kwargs):
        super().__init__(*args, **kwargs)
        for name, label in rules.CONCOMITANT:
            self.fields[name] = _yes_no(label)
        self.fields["ready_to_leave_minutes"] = _minutes(
            "Would have been ready to leave (minutes after the first device, without the "
            "2-hour rule)"
        )
        for effect, label in rules.EFFECTS:
            self.fields[rules.effect_field(effect)] = _yes_no(label)
            self.fields[f"{effect}_onset_minutes"] = _minutes(f"{label}: onset (minutes)")
            self.fields[f"{effect}_resolved_minutes"] = _minutes(f"{label}: resolved (minutes)")
        self.fields["vitals_acceptable_at_completion"] = _yes_no(
            "Vital signs acceptable at completion"
        )
        for name in list(self.fields):
            if name not in missing:
                del self.fields[name]
        self.fields["reference"] = forms.CharField(
            label="REMS confirmation reference (to submit)", required=False, max_length=60
        )

    def answers(self) -> dict:
        return {k: v for k, v in self.cleaned_data.items() if k != "reference"}

    @staticmethod
    def initial_from(form) -> dict:
        if form is None:
            return {}
        initial = {}
        for name in [*(n for n, _ in rules.CONCOMITANT), "vitals_acceptable_at_completion"] + [
            rules.effect_field(e) for e, _ in rules.EFFECTS
        ]:
            value = getattr(form, name)
            initial[name] = "" if value is None else ("yes" if value else "no")
        for effect, _ in rules.EFFECTS:
            for suffix in ("onset_minutes", "resolved_minutes"):
                initial[f"{effect}_{suffix}"] = getattr(form, f"{effect}_{suffix}")
        initial["ready_to_leave_minutes"] = form.ready_to_leave_minutes
        return initial
