"""Chair-side forms. They shape input only: every rule is checked by `sessions.dosing.services`."""

from django import forms

from sessions.dosing.administration import MAX_MG
from sessions.dosing.rules import DOSE_MG_LIMITS, VITAL_BOUNDS, WEIGHT_KG_LIMITS
from sessions.models import AdverseEvent, ChecklistItem, Dose, VitalSigns
from sessions.stock.forms import LotChoiceField  # stock


def _number(label, name, **kwargs):
    low, high = VITAL_BOUNDS[name]
    return forms.IntegerField(
        label=label,
        min_value=low,
        max_value=high,
        required=False,
        widget=forms.NumberInput(attrs={"inputmode": "numeric", "class": "form-control"}),
        **kwargs,
    )


def _mg(label, **kwargs):
    return forms.DecimalField(
        label=label, min_value=0, max_value=MAX_MG, max_digits=6, decimal_places=2, **kwargs
    )


class ChecklistForm(forms.Form):
    item = forms.ChoiceField(choices=ChecklistItem.Item.choices)
    note = forms.CharField(required=False, max_length=200)


class OrderForm(forms.Form):
    drug = forms.ChoiceField(choices=Dose.Drug.choices)
    route = forms.ChoiceField(choices=Dose.Route.choices)
    weight_kg = forms.DecimalField(
        label="Weight today (kg)",
        min_value=WEIGHT_KG_LIMITS[0],
        max_value=WEIGHT_KG_LIMITS[1],
        max_digits=4,
        decimal_places=1,
    )
    dose_mg = forms.DecimalField(
        label="Dose (mg)",
        min_value=DOSE_MG_LIMITS[0],
        max_value=DOSE_MG_LIMITS[1],
        max_digits=6,
        decimal_places=2,
    )
    order_text = forms.CharField(
        label="Order", required=False, widget=forms.Textarea(attrs={"rows": 2}), max_length=2000
    )
    weight_confirm_reason = forms.CharField(
        label="Reason, if the weight is outside the plausible adult weight",
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        max_length=2000,
    )
    range_confirm_reason = forms.CharField(
        label="Reason, if outside the policy's range",
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        max_length=2000,
    )


class VitalsForm(forms.Form):
    """One row of the grid, quick to enter on a tablet: every value optional but one."""

    moment = forms.ChoiceField(
        choices=VitalSigns.Moment.choices, widget=forms.Select(attrs={"class": "form-select"})
    )
    systolic = _number("Sys", "systolic")
    diastolic = _number("Dia", "diastolic")
    heart_rate = _number("HR", "heart_rate")
    spo2 = _number("SpO2", "spo2")
    respiratory_rate = _number("RR", "respiratory_rate")


class StartForm(forms.Form):
    bp_confirm_reason = forms.CharField(
        label="Prescriber's reason for a blood pressure in the confirm band",
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        max_length=2000,
    )
    previous_dose_reason = forms.CharField(
        label="Prescriber's reason to dose before the previous dose is integrated",
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        max_length=2000,
    )


class AdministrationForm(forms.Form):
    lot = LotChoiceField(label="Lot")  # stock: strength and expiry come from the lot
    quantity_drawn_mg = _mg("Drawn (mg)")
    quantity_given_mg = _mg("Given (mg)")
    quantity_wasted_mg = _mg("Wasted (mg)", required=False)
    witness_username = forms.CharField(
        label="Waste witness: username", required=False, max_length=150
    )
    witness_password = forms.CharField(
        label="Waste witness: password", required=False, widget=forms.PasswordInput, max_length=200
    )


class AmendmentForm(AdministrationForm):
    """The corrected Schedule III lines in full, and why."""

    reason = forms.CharField(
        label="Why the record is corrected",
        widget=forms.Textarea(attrs={"rows": 2}),
        max_length=2000,
    )


class AdverseEventForm(forms.Form):
    kind = forms.ChoiceField(choices=AdverseEvent.Kind.choices)
    severity = forms.ChoiceField(choices=AdverseEvent.Severity.choices)
    action_taken = forms.ChoiceField(choices=AdverseEvent.ActionTaken.choices)
    notes = forms.CharField(
        required=False, widget=forms.Textarea(attrs={"rows": 2}), max_length=4000
    )


class NotesForm(forms.Form):
    dissociation = forms.IntegerField(
        label="Dissociation (0–10)", min_value=0, max_value=10, required=False
    )
    setting_notes = forms.CharField(
        label="Setting (music, eye shades)",
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        max_length=4000,
    )


class DischargeForm(forms.Form):
    alert_and_oriented = forms.BooleanField(required=False, label="Alert and oriented")
    walking_steadily = forms.BooleanField(required=False, label="Walking steadily")
    escort_present = forms.BooleanField(required=False, label="Named escort present")
    no_driving_acknowledged = forms.BooleanField(
        required=False,
        label="Patient acknowledges: no driving, machinery or major decisions until the next "
        "day after sleep",
    )


class EndEarlyForm(forms.Form):
    disposition = forms.ChoiceField(choices=Dose.Disposition.choices)
    reason = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}), max_length=4000)


class StrikeForm(forms.Form):
    """An amendment of a wrongly entered vitals row or checklist tick: which one, and why."""

    entry_id = forms.IntegerField(label="Entry", min_value=1, max_value=2**63 - 1)
    reason = forms.CharField(
        label="Why it is wrong",
        widget=forms.TextInput(attrs={"placeholder": "e.g. typed 186 for 136"}),
        max_length=2000,
    )
