"""The controlled-substance documents, each as PDF (`kap_clinic.pdf.render_pdf`) and CSV: a lot's
dispensing log (its ledger with running balances), a patient's dispensing log and the inventory of
a day (the biennial inventory). File names are opaque; every print or export is audited with the
patients it shows."""

import csv
import io

from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.utils import timezone

from audit.models import Action
from audit.services import record
from kap_clinic.pdf import pdf_response, render_pdf
from patients.access import Access, require
from patients.models import Patient
from sessions.models import ClinicRegistration, Lot
from sessions.stock import rules, selectors
from sessions.stock.forms import InventoryForm
from sessions.stock.views import stock_staff


def _when(at) -> str:
    return f"{timezone.localtime(at):%Y-%m-%d %H:%M}"


def _csv(rows: list[list], *, filename: str) -> HttpResponse:
    buffer = io.StringIO()
    csv.writer(buffer).writerows(rows)
    response = HttpResponse(buffer.getvalue(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["Cache-Control"] = "no-store"
    return response


def _num(value) -> str:
    return "" if value is None else f"{value:.2f}"


def _source(line) -> str:
    if line.receipt_id:
        receipt = line.receipt
        return (
            f"{receipt.supplier_name}, DEA {receipt.supplier_dea_number}, invoice "
            f"{receipt.invoice_number}, {line.containers} container(s)"
        )
    if line.reverses_id:
        return f"Reverses the line of {_when(line.reverses.at)}"
    return line.reference


# --- A lot's dispensing log -----------------------------------------------------------------


def _lot(request, lot_pk):
    try:
        lot = selectors.lot_with_balance(lot_pk)
    except Lot.DoesNotExist as error:
        raise Http404("No such lot") from error
    return lot, selectors.ledger(lot, request.user)


LEDGER_HEADER = [
    "When",
    "Line",
    "Change (mg)",
    "Balance (mg)",
    "Patient",
    "MRN",
    "Dose",
    "Given (mg)",
    "Wasted (mg)",
    "By",
    "Witness",
    "Supplier, invoice or paperwork",
    "Reason",
]


def _ledger_row(entry) -> list:
    line, patient = entry.line, entry.patient
    return [
        _when(line.at),
        line.get_kind_display(),
        _num(line.change_mg),
        _num(entry.balance),
        f"{patient.first_name} {patient.last_name}"
        if patient
        else ("Another care team's patient" if entry.hidden_patient else ""),
        patient.mrn if patient else "",
        line.dose_id or "",
        _num(line.given_mg),
        _num(line.wasted_mg),
        str(line.by),
        str(line.witness or ""),
        _source(line),
        line.reason,
    ]


@stock_staff
def lot_ledger_pdf(request, lot_pk):
    lot, lines = _lot(request, lot_pk)
    record(
        user=request.user,
        action=Action.PRINT,
        obj=lot,
        detail={"patients": selectors.patients_shown(lines)},
    )
    context = {
        "lot": lot,
        "rows": [_ledger_row(entry) for entry in lines],
        "header": LEDGER_HEADER,
        "registration": ClinicRegistration.objects.select_related("registrant").first(),
        "printed_at": timezone.now(),
        "balance": rules.mg(lot.balance),
    }
    return pdf_response(
        render_pdf("sessions/stock/lot_ledger_pdf.html", context),
        filename=f"lot-ledger-{lot.pk}.pdf",
    )


@stock_staff
def lot_ledger_csv(request, lot_pk):
    lot, lines = _lot(request, lot_pk)
    record(
        user=request.user,
        action=Action.EXPORT,
        obj=lot,
        detail={"patients": selectors.patients_shown(lines)},
    )
    rows = [LEDGER_HEADER, *(_ledger_row(entry) for entry in lines)]
    return _csv(rows, filename=f"lot-ledger-{lot.pk}.csv")


# --- A patient's dispensing log -------------------------------------------------------------

PATIENT_HEADER = [
    "When",
    "Line",
    "Drug",
    "Strength",
    "Lot",
    "Dose",
    "Drawn (mg)",
    "Given (mg)",
    "Wasted (mg)",
    "By",
    "Witness",
    "Reason",
]


def _patient_rows(lines) -> list[list]:
    return [
        [
            _when(line.at),
            line.get_kind_display(),
            line.lot.product.get_drug_display(),
            line.lot.product.strength,
            line.lot.number,
            line.dose_id,
            _num(-line.change_mg),
            _num(line.given_mg),
            _num(line.wasted_mg),
            str(line.by),
            str(line.witness or ""),
            line.reason,
        ]
        for line in lines
    ]


def _patient(request, patient_pk, action) -> tuple[Patient, list]:
    patient = get_object_or_404(Patient, pk=patient_pk)
    require(request.user, Access.VIEW_DEMOGRAPHICS, patient)
    record(user=request.user, action=action, patient_id=patient.pk, detail={"dispensing": True})
    return patient, selectors.patient_dispensing(patient)


@stock_staff
def patient_dispensing(request, patient_pk):
    patient, lines = _patient(request, patient_pk, Action.VIEW)
    return render(
        request,
        "sessions/stock/dispensing.html",
        {"patient": patient, "header": PATIENT_HEADER, "rows": _patient_rows(lines)},
    )


@stock_staff
def patient_dispensing_pdf(request, patient_pk):
    patient, lines = _patient(request, patient_pk, Action.PRINT)
    context = {
        "patient": patient,
        "header": PATIENT_HEADER,
        "rows": _patient_rows(lines),
        "registration": ClinicRegistration.objects.first(),
        "printed_at": timezone.now(),
    }
    return pdf_response(
        render_pdf("sessions/stock/dispensing_pdf.html", context),
        filename=f"dispensing-log-{str(patient.pk)[:8]}.pdf",
    )


@stock_staff
def patient_dispensing_csv(request, patient_pk):
    patient, lines = _patient(request, patient_pk, Action.EXPORT)
    rows = [PATIENT_HEADER, *_patient_rows(lines)]
    return _csv(rows, filename=f"dispensing-log-{str(patient.pk)[:8]}.csv")


# --- The inventory of a day -----------------------------------------------------------------

INVENTORY_HEADER = [
    "Drug",
    "Product",
    "Strength",
    "Container",
    "Lot",
    "Expiry",
    "Ledger (mg)",
    "Counted (mg)",
    "Counted at",
    "Counted by",
    "Second counter",
]


def _inventory(request):
    form = InventoryForm(request.GET)
    if not form.is_valid():
        raise Http404("Choose a date")
    on = form.cleaned_data["on"]
    rows = []
    for row in selectors.inventory(on):
        lot, count = row.lot, row.count
        rows.append(
            [
                lot.product.get_drug_display(),
                lot.product.name,
                lot.product.strength,
                lot.product.container,
                lot.number,
                f"{lot.expiry:%Y-%m-%d}",
                _num(row.balance),
                _num(count.counted_mg) if count else "Not counted",
                _when(count.counted_at) if count else "",
                str(count.counted_by) if count else "",
                str(count.second_counter) if count else "",
            ]
        )
    record(user=request.user, action=Action.EXPORT, detail={"inventory": str(on)})
    return on, rows


@stock_staff
def inventory_pdf(request):
    on, rows = _inventory(request)
    context = {
        "on": on,
        "header": INVENTORY_HEADER,
        "rows": rows,
        "registration": ClinicRegistration.objects.select_related("registrant").first(),
        "printed_at": timezone.now(),
    }
    return pdf_response(
        render_pdf("sessions/stock/inventory_pdf.html", context),
        filename=f"inventory-{on:%Y-%m-%d}.pdf",
    )


@stock_staff
def inventory_csv(request):
    on, rows = _inventory(request)
    return _csv([INVENTORY_HEADER, *rows], filename=f"inventory-{on:%Y-%m-%d}.csv")
