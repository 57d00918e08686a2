"""Reads of the controlled-substance records. A lot's balance is always the sum of its ledger,
computed in the query that lists the lots (one aggregate), never a stored number."""

from dataclasses import dataclass
from datetime import date, datetime, time
from decimal import Decimal

from django.db.models import DecimalField, OuterRef, Prefetch, Q, QuerySet, Subquery, Sum, Value
from django.db.models.functions import Coalesce
from django.utils import timezone

from patients.access import Access, patients_for
from sessions.models import Count, Discrepancy, Lot, Movement, Receipt
from sessions.stock import rules

_MG = DecimalField(max_digits=12, decimal_places=2)


def _balance(**filters) -> Coalesce:
    return Coalesce(
        Sum("movements__change_mg", filter=Q(**filters) if filters else None),
        Value(Decimal(0)),
        output_field=_MG,
    )


def lot_balance(lot: Lot) -> Decimal:
    total = Movement.objects.filter(lot=lot).aggregate(
        total=Coalesce(Sum("change_mg"), Value(Decimal(0)), output_field=_MG)
    )["total"]
    return Decimal(total)


def lots_with_balance() -> QuerySet[Lot]:
    return (
        Lot.objects.select_related("product", "quarantined_by")
        .annotate(balance=_balance())
        .order_by("product__drug", "product__name", "expiry", "number")
    )


def lots_on_hand() -> QuerySet[Lot]:
    return lots_with_balance().filter(balance__gt=0)


def lot_choices() -> QuerySet[Lot]:
    """The lots a dose may draw from today: on hand, in date, not quarantined."""
    return lots_on_hand().filter(quarantined=False, expiry__gte=timezone.localdate())


def lot_choice_label(lot: Lot) -> str:
    return (
        f"{lot.product.get_drug_display()} {lot.product.strength} · lot {lot.number} · "
        f"expires {lot.expiry:%b %-d, %Y} · {rules.mg(lot.balance)} on hand"
    )


def lot_with_balance(lot_pk) -> Lot:
    return lots_with_balance().get(pk=lot_pk)


@dataclass(frozen=True)
class LedgerLine:
    line: Movement
    balance: Decimal
    patient: object  # the Patient when the viewer may see their name, else None
    hidden_patient: bool  # a dose of a patient the viewer may not see


def ledger(lot: Lot, user) -> list[LedgerLine]:
    """The lot's lines in order, each with the running balance after it. Patients' names are shown
    to those the access policy lets see them (administrators see every patient's demographics)."""
    lines = list(
        Movement.objects.filter(lot=lot)
        .select_related(
            "by", "witness", "dose__course__patient", "receipt", "reverses", "reversed_by"
        )
        .order_by("at", "id")
    )
    return _with_patients(lines, rules.running_balances(m.change_mg for m in lines), user)


def _with_patients(lines, balances, user) -> list[LedgerLine]:
    patients = {m.dose.course.patient_id for m in lines if m.dose_id}
    visible = set(
        patients_for(user, Access.VIEW_DEMOGRAPHICS)
        .filter(pk__in=patients)
        .values_list("pk", flat=True)
        if patients
        else []
    )
    out = []
    for line, balance in zip(lines, balances, strict=True):
        patient = line.dose.course.patient if line.dose_id else None
        shown = patient if patient is not None and patient.pk in visible else None
        out.append(LedgerLine(line, balance, shown, patient is not None and shown is None))
    return out


def patient_dispensing(patient) -> list[Movement]:
    """Every line about the patient's doses (draws and their corrections), oldest first."""
    return list(
        Movement.objects.filter(dose__course__patient=patient)
        .select_related("lot__product", "by", "witness", "dose__appointment", "reverses")
        .order_by("at", "id")
    )


def patients_shown(lines: list[LedgerLine]) -> list[str]:
    return sorted({str(entry.patient.pk) for entry in lines if entry.patient is not None})


def open_discrepancies() -> list[Discrepancy]:
    return list(
        Discrepancy.objects.filter(status=Discrepancy.Status.OPEN)
        .select_related("lot__product", "count__counted_by", "count__second_counter")
        .order_by("opened_at", "id")
    )


def discrepancy(discrepancy_pk) -> Discrepancy:
    return Discrepancy.objects.select_related(
        "lot__product",
        "count__counted_by",
        "count__second_counter",
        "resolved_by",
        "movement",
    ).get(pk=discrepancy_pk)


def lot_page_data(lot_pk) -> Lot:
    return (
        lots_with_balance()
        .prefetch_related(
            Prefetch(
                "counts",
                queryset=Count.objects.select_related(
                    "counted_by", "second_counter", "discrepancy"
                ),
            )
        )
        .get(pk=lot_pk)
    )


def recent_receipts(limit: int = 10) -> list[Receipt]:
    return list(Receipt.objects.select_related("received_by", "witness")[:limit])


@dataclass(frozen=True)
class InventoryRow:
    lot: Lot
    balance: Decimal  # the ledger at the end of the day
    count: Count | None  # the last count that day


def inventory(on: date) -> list[InventoryRow]:
    """The inventory of `on`: every lot on hand at the end of that day, or counted that day,
    with the ledger's balance then and the day's last count (and who counted)."""
    zone = timezone.get_current_timezone()
    start = timezone.make_aware(datetime.combine(on, time.min), zone)
    end = timezone.make_aware(datetime.combine(on, time.max), zone)
    last_count = Count.objects.filter(
        lot=OuterRef("pk"), counted_at__gte=start, counted_at__lte=end
    ).order_by("-counted_at", "-id")
    lots = (
        Lot.objects.select_related("product")
        .annotate(
            balance=_balance(movements__at__lte=end),
            count_id=Subquery(last_count.values("pk")[:1]),
        )
        .filter(Q(balance__gt=0) | Q(count_id__isnull=False))
        .order_by("product__drug", "product__name", "expiry", "number")
    )
    lots = list(lots)
    counts = Count.objects.select_related("counted_by", "second_counter").in_bulk(
        [lot.count_id for lot in lots if lot.count_id]
    )
    return [InventoryRow(lot, lot.balance, counts.get(lot.count_id)) for lot in lots]
