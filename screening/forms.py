"""Intake forms. They only shape input: every rule is checked again by `screening.intake`."""

from django import forms

from screening import instruments
from screening.facts import SUBSTANCE_USE, YES_NO_FACTS
from screening.models import Screening
from screening.selectors import QUEUE_ORDER
from screening.wording import FACT_LABELS
from screening.wording import SUBSTANCE_USE_LABELS as SUBSTANCE_LABELS

UNKNOWN_NO_YES = [("", "Unknown"), ("no", "No"), ("yes", "Yes")]
# The form asks the questions in full where the chart's short label would be ambiguous.
HISTORY_LABELS = {
    **FACT_LABELS,
    "psychosis_history": "History of a primary psychotic disorder or psychotic episode",
    "pregnant": "Currently pregnant (answer No where it cannot apply)",
    "breastfeeding": "Currently breastfeeding",
    "ketamine_allergy": "Known hypersensitivity to ketamine or esketamine",
    "vascular_disease": "Aneurysmal vascular disease, AVM or intracerebral haemorrhage",
}


class HistoryForm(forms.Form):
    """The history facts, each Unknown / No / Yes: unknown is a real answer the engine reads."""

    substance_use = forms.ChoiceField(
        label="Substance use disorder",
        required=False,
        choices=[("", "Unknown"), *[(v, SUBSTANCE_LABELS[v]) for v in SUBSTANCE_USE]],
    )
    medications = forms.CharField(
        label="Current medications (one per line, with dose)",
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=4000,
    )
    weight_kg = forms.DecimalField(
        label="Weight (kg)", required=False, min_value=20, max_value=400, decimal_places=1
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for key in YES_NO_FACTS:
            self.fields[key] = forms.TypedChoiceField(
                label=HISTORY_LABELS.get(key, key.replace("_", " ").capitalize()),
                choices=UNKNOWN_NO_YES,
                coerce=lambda v: {"yes": True, "no": False}.get(v),
                empty_value=None,
                required=False,
                widget=forms.RadioSelect(attrs={"class": "btn-check"}),
            )

    def yes_no_fields(self):
        return [self[key] for key in YES_NO_FACTS]

    @staticmethod
    def initial_from(screening) -> dict:
        history = screening.history
        initial = {
            key: {True: "yes", False: "no"}.get(history.get(key), "") for key in YES_NO_FACTS
        }
        initial["substance_use"] = history.get("substance_use", "")
        initial["medications"] = "\n".join(history.get("medications", []))
        initial["weight_kg"] = screening.weight_kg
        return initial

    def history(self) -> dict:
        data = self.cleaned_data
        facts = {key: data.get(key) for key in YES_NO_FACTS}
        facts["substance_use"] = data["substance_use"] or None
        medications = [line.strip() for line in data["medications"].splitlines() if line.strip()]
        facts["medications"] = medications if data["medications"].strip() else None
        return facts


class BloodPressureForm(forms.Form):
    systolic = forms.IntegerField(min_value=40, max_value=300, label="Systolic (mmHg)")
    diastolic = forms.IntegerField(min_value=20, max_value=200, label="Diastolic (mmHg)")


class InstrumentForm(forms.Form):
    """One questionnaire, item by item. Items may be left blank while saving progress."""

    def __init__(self, *args, code: str, **kwargs):
        super().__init__(*args, **kwargs)
        self.code = code
        if code == "cssrs":
            self.definition = instruments.CSSRS
            for question in instruments.CSSRS.questions:
                self.fields[question.key] = forms.TypedChoiceField(
                    label=question.text,
                    choices=[("no", "No"), ("yes", "Yes")],
                    coerce=lambda v: v == "yes",
                    empty_value=None,
                    required=False,
                    widget=forms.RadioSelect(attrs={"class": "btn-check"}),
                    help_text=f"Only if {question.asked_when.upper()} is yes."
                    if question.asked_when
                    else "",
                )
        else:
            self.definition = instruments.INSTRUMENTS[code]
            choices = [(str(c.value), c.label) for c in self.definition.choices]
            for index, text in enumerate(self.definition.items):
                self.fields[f"item{index}"] = forms.TypedChoiceField(
                    label=f"{index + 1}. {text}",
                    choices=choices,
                    coerce=int,
                    empty_value=None,
                    required=False,
                    widget=forms.RadioSelect(attrs={"class": "btn-check"}),
                )

    @classmethod
    def initial_from(cls, code: str, answers) -> dict:
        if answers is None:
            return {}
        if code == "cssrs":
            return {k: {True: "yes", False: "no"}.get(v) for k, v in answers.items()}
        return {f"item{i}": str(v) for i, v in enumerate(answers) if v is not None}

    def answers(self):
        data = self.cleaned_data
        if self.code == "cssrs":
            return {key: data.get(key) for key in instruments.CSSRS.keys}
        return [data.get(f"item{i}") for i in range(len(self.definition.items))]

    def add_engine_error(self, path: str | None, message: str) -> None:
        """Attach an engine error (`phq9[3]`, `cssrs.q3`) to the item it names."""
        field = None
        if path and "[" in path:
            field = f"item{int(path.split('[')[1].rstrip(']'))}"
        elif path and "." in path:
            field = path.split(".", 1)[1]
        self.add_error(field if field in self.fields else None, message)


class ReviewForm(forms.Form):
    decision = forms.ChoiceField(
        choices=[("clear", "Clear"), ("not_clear", "Do not clear")], widget=forms.RadioSelect
    )
    reason = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}), max_length=4000)


class QueueFilterForm(forms.Form):
    """The intake queue's filter, read from the query string."""

    status = forms.ChoiceField(
        required=False,
        choices=[("", "All"), *[(s, Screening.Status(s).label) for s in QUEUE_ORDER]],
        error_messages={"invalid_choice": "Choose one of the queue's statuses."},
    )
    # Keyset pagination: the last course of the previous page, and that page's number + 1.
    after = forms.IntegerField(required=False, min_value=1, max_value=2**62)
    page = forms.IntegerField(required=False, min_value=1, max_value=1_000_000)


PERIODS = [(6, "6 months"), (12, "12 months"), (24, "24 months"), (36, "3 years"), (60, "5 years")]


class ImpactPeriodForm(forms.Form):
    """How far back the impact preview replays (GET: the address carries no patient data)."""

    months = forms.TypedChoiceField(
        label="Decisions of the last", choices=PERIODS, coerce=int, initial=24
    )


class PolicyReviewForm(forms.Form):
    decision = forms.ChoiceField(
        label="Decision",
        choices=[("continue", "Continue the course"), ("stop", "Stop the course")],
        widget=forms.RadioSelect,
    )
    reason = forms.CharField(
        label="Reason (kept in the record)",
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=4000,
    )
