"""Stock forms. They shape input only: every rule is in `sessions.stock.services` and `counts`."""

from django import forms
from django.utils import timezone

from sessions.models import Discrepancy, Lot, Movement, Product, Supplier
from sessions.stock import selectors

_TEXT = {"widget": forms.Textarea(attrs={"rows": 2}), "max_length": 2000}


def _mg(label="Quantity (mg)", **kwargs):
    return forms.DecimalField(
        label=label,
        min_value=0,
        max_digits=10,
        decimal_places=2,
        widget=forms.NumberInput(attrs={"inputmode": "decimal", "step": "0.01"}),
        **kwargs,
    )


def _password(label):
    return forms.CharField(label=label, widget=forms.PasswordInput, max_length=200)


class LotChoiceField(forms.ModelChoiceField):
    """A lot a dose may draw from: the list offers today's usable lots with their balances; a lot
    that left the list since the page was drawn is still accepted here so that the service can
    say why it is refused (expired, quarantined, empty)."""

    def __init__(self, **kwargs):
        kwargs.setdefault("empty_label", "Choose the lot")
        super().__init__(queryset=Lot.objects.none(), **kwargs)

    def __deepcopy__(self, memo):
        result = super().__deepcopy__(memo)
        result.queryset = selectors.lot_choices()  # today's date, read per form
        return result

    def label_from_instance(self, obj):
        return selectors.lot_choice_label(obj)

    def to_python(self, value):
        if value in self.empty_values:
            return None
        try:
            return Lot.objects.select_related("product").get(pk=int(value))
        except (ValueError, TypeError, Lot.DoesNotExist) as error:
            raise forms.ValidationError(
                self.error_messages["invalid_choice"], code="invalid_choice"
            ) from error

    def validate(self, value):
        forms.Field.validate(self, value)


class ReceiptForm(forms.Form):
    supplier = forms.ModelChoiceField(
        queryset=Supplier.objects.filter(is_active=True), empty_label="Choose the supplier"
    )
    invoice_number = forms.CharField(max_length=60)
    received_on = forms.DateField(
        label="Received on", widget=forms.DateInput(attrs={"type": "date"})
    )
    witness_username = forms.CharField(label="Witness: username", max_length=150)
    witness_password = _password("Witness: password")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["received_on"].initial = timezone.localdate()


class ReceiptLineForm(forms.Form):
    product = forms.ModelChoiceField(
        queryset=Product.objects.filter(is_active=True), empty_label="Choose the product"
    )
    lot_number = forms.CharField(label="Lot number", max_length=40)
    expiry = forms.DateField(widget=forms.DateInput(attrs={"type": "date"}))
    containers = forms.IntegerField(min_value=1, max_value=10000)


ReceiptLines = forms.formset_factory(ReceiptLineForm, extra=3, max_num=10, min_num=1)


class WasteForm(forms.Form):
    quantity_mg = _mg()
    reason = forms.CharField(label="What happened", **_TEXT)
    witness_username = forms.CharField(label="Witness: username", max_length=150)
    witness_password = _password("Witness: password")


class OutflowForm(forms.Form):
    kind = forms.ChoiceField(
        label="Sent",
        choices=[
            (Movement.Kind.RETURNED, Movement.Kind.RETURNED.label),
            (Movement.Kind.DISPOSED, Movement.Kind.DISPOSED.label),
        ],
    )
    quantity_mg = _mg()
    reference = forms.CharField(
        label="Paperwork reference", max_length=100, help_text="The return's number, DEA Form 41"
    )
    reason = forms.CharField(label="Note", required=False, **_TEXT)


class LossForm(forms.Form):
    quantity_mg = _mg()
    reason = forms.CharField(label="What was found missing, and how", **_TEXT)
    reference = forms.CharField(
        label="DEA Form 106 or police report, if filed", required=False, max_length=100
    )


class CountForm(forms.Form):
    counted_mg = _mg("Counted (mg)")
    second_username = forms.CharField(label="Second counter: username", max_length=150)
    second_password = _password("Second counter: password")
    note = forms.CharField(required=False, max_length=200)


class QuarantineForm(forms.Form):
    quarantined = forms.TypedChoiceField(
        label="Action",
        choices=[("1", "Quarantine it"), ("0", "Release it")],
        coerce=lambda value: value == "1",
    )
    reason = forms.CharField(required=False, **_TEXT)


class LineChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        local = timezone.localtime(obj.at)
        return f"{local:%b %-d, %Y %H:%M} · {obj.get_kind_display()} · {obj.change_mg:+} mg"


class ReverseForm(forms.Form):
    movement = LineChoiceField(
        label="Line to correct", queryset=Movement.objects.none(), empty_label="Choose the line"
    )
    reason = forms.CharField(label="Why this line is corrected", **_TEXT)


class ResolveForm(forms.Form):
    outcome = forms.ChoiceField(choices=Discrepancy.Outcome.choices, widget=forms.RadioSelect)
    reason = forms.CharField(**_TEXT)


class InventoryForm(forms.Form):
    on = forms.DateField(label="Inventory of", widget=forms.DateInput(attrs={"type": "date"}))
