"""The Schedule III record of a dose: strength, lot, expiry, quantities drawn, given and wasted,
who administered it and the witness to any waste. Written while the dose is in progress, in one
transaction on the locked dose row (`charting.lock_dose`); once the dose is discharged or ended
early the record is frozen and a correction is an amendment that keeps the original (like an
addendum to a signed note). The database holds the same lines (check constraints, and on
PostgreSQL a trigger that freezes a finished dose's record)."""

from decimal import Decimal

from django.contrib.auth import authenticate
from django.db import transaction
from django.utils import timezone

from accounts.roles import Role
from sessions.dosing import rules as dosing
from sessions.dosing.charting import audit_change, lock_dose, require_status
from sessions.errors import SessionsError
from sessions.models.doses import FROZEN_MESSAGE, AdministrationAmendment, Dose
from sessions.models.stock import Lot  # stock: the dose draws from a lot
from sessions.stock import services as stock  # stock: the lot's ledger

MAX_MG = 1000  # no vial draw reaches this; above it a value is a typing error


def _amount(value, field: str, label: str) -> Decimal:
    try:
        return dosing.decimal_value(value, label=label, low=0, high=MAX_MG, places=2, unit="mg")
    except ValueError as error:
        raise SessionsError(str(error), field=field) from None


def _lines(
    dose: Dose,
    by,
    *,
    strength: str,
    lot: str,
    expiry,
    quantity_drawn_mg,
    quantity_given_mg,
    quantity_wasted_mg=Decimal(0),
    witness_username: str = "",
    witness_password: str = "",
) -> dict:
    """The checked lines, ready to store; SessionsError on the first field that is wrong."""
    strength, lot = (strength or "").strip(), (lot or "").strip()
    if not strength:
        raise SessionsError("Enter the strength (for example 50 mg/mL).", field="strength")
    if not lot:
        raise SessionsError("Enter the lot number from the vial.", field="lot")
    if expiry is None:
        raise SessionsError("Enter the expiry date from the vial.", field="expiry")
    drawn = _amount(quantity_drawn_mg, "quantity_drawn_mg", "Drawn")
    given = _amount(quantity_given_mg, "quantity_given_mg", "Given")
    wasted = _amount(quantity_wasted_mg or 0, "quantity_wasted_mg", "Wasted")
    if drawn <= 0:
        raise SessionsError("Drawn must be more than 0 mg.", field="quantity_drawn_mg")
    if given <= 0:
        raise SessionsError("Given must be more than 0 mg.", field="quantity_given_mg")
    if given + wasted != drawn:
        raise SessionsError(
            f"Drawn ({dosing.mg_text(drawn)} mg) must equal given ({dosing.mg_text(given)} mg) "
            f"plus wasted ({dosing.mg_text(wasted)} mg).",
            field="quantity_wasted_mg",
        )
    if given > dose.dose_mg:
        raise SessionsError(
            f"Given ({dosing.mg_text(given)} mg) exceeds the order of "
            f"{dosing.mg_text(dose.dose_mg)} mg: a different dose is a new order.",
            field="quantity_given_mg",
        )
    if expiry < timezone.localdate(dose.started_at):
        raise SessionsError("The vial had expired when the dose started.", field="expiry")
    witness = None
    if wasted > 0:
        witness = authenticate(username=witness_username, password=witness_password)
        if witness is None or witness.pk == by.pk or witness.role == Role.PATIENT:
            raise SessionsError(
                "Waste needs a second staff member's own username and password.",
                field="witness_password",
            )
    return {
        "strength": strength,
        "lot": lot,
        "expiry": expiry,
        "quantity_drawn_mg": drawn,
        "quantity_given_mg": given,
        "quantity_wasted_mg": wasted,
        "waste_witness": witness,
    }


@transaction.atomic
def administration_record(
    *,
    by,
    dose: Dose,
    lot: Lot,  # stock: a lot chosen on the form; strength and expiry come from it
    quantity_drawn_mg,
    quantity_given_mg,
    quantity_wasted_mg=Decimal(0),
    witness_username: str = "",
    witness_password: str = "",
) -> Dose:
    """The controlled-substance lines of a dose in progress. Waste is witnessed by a second
    staff member who confirms with their own password."""
    dose = lock_dose(dose, by)
    if dose.is_finished:
        raise SessionsError(FROZEN_MESSAGE)
    require_status(dose, Dose.Status.STARTED, doing="record its administration")
    lines = _lines(
        dose,
        by,
        **stock.lot_lines(lot),  # stock
        quantity_drawn_mg=quantity_drawn_mg,
        quantity_given_mg=quantity_given_mg,
        quantity_wasted_mg=quantity_wasted_mg,
        witness_username=witness_username,
        witness_password=witness_password,
    )
    stock.draw_for_dose(by=by, dose=dose, lot=lot, lines=lines)  # stock: the ledger's line
    for name, value in lines.items():
        setattr(dose, name, value)
    dose.waste_witnessed_at = timezone.now() if lines["waste_witness"] else None
    dose.administered_by = by
    dose.save()
    audit_change(by, dose, administration=True, wasted=str(lines["quantity_wasted_mg"]))
    return dose


@transaction.atomic
def administration_amend(*, by, dose: Dose, reason: str, **lines) -> AdministrationAmendment:
    """Correct a finished dose's Schedule III record: the corrected lines in full (the same
    keywords as `administration_record`), with who, when and why. The dose keeps its original
    lines."""
    dose = lock_dose(dose, by)
    if not dose.is_finished:
        raise SessionsError("While the dose is in progress, record the administration itself.")
    reason = (reason or "").strip()
    if not reason:
        raise SessionsError("An amendment needs a reason.", field="reason")
    lot = lines.pop("lot")  # stock: the lot chosen on the form
    checked = _lines(dose, by, **stock.lot_lines(lot), **lines)
    stock.draw_for_dose(by=by, dose=dose, lot=lot, lines=checked)  # stock: reverse, draw anew
    amendment = AdministrationAmendment.objects.create(dose=dose, reason=reason, by=by, **checked)
    audit_change(by, dose, amendment, amendment=True)
    return amendment
