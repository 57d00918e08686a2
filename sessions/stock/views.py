"""Controlled-substance pages: stock on hand, receiving, a lot's ledger with its actions (waste,
return or disposal, loss, count, quarantine, correction), discrepancies and the inventory. Thin:
parse, call one service, render; a refused action re-renders the page with what was typed (400).
Documents (PDF and CSV) are in `reports`."""

from django.contrib import messages
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from accounts.decorators import role_required
from accounts.roles import Role
from audit.models import Action
from audit.services import record
from sessions.errors import SessionsError
from sessions.models import Discrepancy, Lot, Movement
from sessions.pages import show_refusal
from sessions.stock import counts, selectors, services
from sessions.stock.forms import (
    CountForm,
    InventoryForm,
    LossForm,
    OutflowForm,
    QuarantineForm,
    ReceiptForm,
    ReceiptLines,
    ResolveForm,
    ReverseForm,
    WasteForm,
)


def stock_staff(view):
    """Prescribers and administrators; the pages name patients, so nothing is cached."""
    return never_cache(role_required(*services.STOCK_ROLES)(view))


def _reverse(*, by, lot, movement, reason):
    if movement.lot_id != lot.pk:
        raise SessionsError("That line is not in this lot's ledger.", field="movement")
    return services.movement_reverse(by=by, movement=movement, reason=reason)


# action → (form, service); the service takes by=, lot= and the form's cleaned data.
ACTIONS = {
    "count": (CountForm, counts.count_record),
    "waste": (WasteForm, services.waste_record),
    "outflow": (OutflowForm, services.outflow_record),
    "loss": (LossForm, services.loss_record),
    "quarantine": (QuarantineForm, services.lot_quarantine),
    "reverse": (ReverseForm, _reverse),
}


def _reversible(lot: Lot):
    return (
        Movement.objects.filter(lot=lot, reversed_by__isnull=True)
        .exclude(kind__in=[Movement.Kind.DRAWN, Movement.Kind.REVERSAL])
        .order_by("-at", "-id")
    )


@stock_staff
def stock_home(request):
    lots = list(selectors.lots_with_balance().filter(balance__gt=0))
    today = timezone.localdate()
    for lot in lots:
        lot.expired = lot.expiry < today
    return render(
        request,
        "sessions/stock/home.html",
        {
            "lots": lots,
            "discrepancies": selectors.open_discrepancies(),
            "receipts": selectors.recent_receipts(),
            "inventory_form": InventoryForm(initial={"on": today}),
        },
    )


@stock_staff
def stock_receive(request):
    form = ReceiptForm(request.POST or None)
    lines = ReceiptLines(request.POST or None, prefix="line")
    status = 200
    if request.method == "POST":
        if form.is_valid() and lines.is_valid():
            try:
                receipt = services.receipt_record(
                    by=request.user,
                    **form.cleaned_data,
                    lines=[line for line in lines.cleaned_data if line],
                )
            except SessionsError as error:
                show_refusal(form, error)
            else:
                messages.success(request, f"Received invoice {receipt.invoice_number}.")
                return redirect("stock")
        status = 400
    return render(
        request, "sessions/stock/receive.html", {"form": form, "lines": lines}, status=status
    )


def _lot_page(request, lot_pk, bound=None, status=200):
    try:
        lot = selectors.lot_page_data(lot_pk)
    except Lot.DoesNotExist as error:
        raise Http404("No such lot") from error
    lines = selectors.ledger(lot, request.user)
    record(
        user=request.user,
        action=Action.LIST,
        obj=lot,
        detail={"patients": selectors.patients_shown(lines)},
    )
    forms = {name: form_class(prefix=name) for name, (form_class, _) in ACTIONS.items()}
    forms["quarantine"] = QuarantineForm(
        prefix="quarantine", initial={"quarantined": "0" if lot.quarantined else "1"}
    )
    if bound is not None:
        forms[bound.prefix] = bound
    forms["reverse"].fields["movement"].queryset = _reversible(lot)
    return render(
        request,
        "sessions/stock/lot.html",
        {
            "lot": lot,
            "lines": lines,
            "forms": forms,
            "counts": list(lot.counts.all()[:10]),
            "expired": lot.expiry < timezone.localdate(),
        },
        status=status,
    )


@stock_staff
def lot_page(request, lot_pk):
    return _lot_page(request, lot_pk)


@stock_staff
@require_POST
def lot_action(request, lot_pk, action):
    lot = get_object_or_404(Lot, pk=lot_pk)
    if action not in ACTIONS:
        return redirect("stock_lot", lot_pk=lot.pk)
    form_class, service = ACTIONS[action]
    form = form_class(request.POST, prefix=action)
    if action == "reverse":
        form.fields["movement"].queryset = Movement.objects.filter(lot=lot)
    if form.is_valid():
        try:
            done = service(by=request.user, lot=lot, **form.cleaned_data)
        except SessionsError as error:
            show_refusal(form, error)
            return _lot_page(request, lot_pk, bound=form, status=400)
        if action == "count" and hasattr(done, "discrepancy"):
            messages.warning(request, "The count differs from the ledger: a discrepancy is open.")
        return redirect(reverse("stock_lot", args=[lot.pk]) + f"#{action}")
    return _lot_page(request, lot_pk, bound=form, status=400)


@stock_staff
def discrepancy_page(request, discrepancy_pk):
    found = get_object_or_404(Discrepancy, pk=discrepancy_pk)
    form = ResolveForm(request.POST or None)
    status = 200
    if request.method == "POST":
        if request.user.role != Role.ADMIN:
            form.add_error(None, "Only an administrator resolves a discrepancy.")
        elif form.is_valid():
            try:
                counts.discrepancy_resolve(by=request.user, discrepancy=found, **form.cleaned_data)
            except SessionsError as error:
                show_refusal(form, error)
            else:
                messages.success(request, "Discrepancy resolved.")
                return redirect("stock_discrepancy", discrepancy_pk=found.pk)
        status = 400
    return render(
        request,
        "sessions/stock/discrepancy.html",
        {
            "discrepancy": selectors.discrepancy(found.pk),
            "form": form,
            "may_resolve": request.user.role == Role.ADMIN,
        },
        status=status,
    )


@stock_staff
def inventory_page(request):
    form = InventoryForm(request.GET or {"on": timezone.localdate()})
    if not form.is_valid():
        return render(request, "sessions/stock/inventory.html", {"form": form}, status=400)
    on = form.cleaned_data["on"]
    return render(
        request,
        "sessions/stock/inventory.html",
        {"form": form, "on": on, "rows": selectors.inventory(on)},
    )
