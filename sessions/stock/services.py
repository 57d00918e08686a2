"""Every write to the controlled-substance ledger: receipts, the draw for a dose, witnessed waste,
returns and disposal, loss or theft, quarantine and reversing corrections. Counts and their
discrepancies are in `counts`.

Each function runs in one transaction with the lot's row locked (`select_for_update`; on SQLite the
IMMEDIATE transaction makes writers queue), reads the balance from the ledger, checks the rule
(`rules`), appends the line, records the audit event and raises `SessionsError` with a sentence the
user can read. On PostgreSQL a trigger refuses a line below zero even from outside this module.
"""

from decimal import Decimal

from django.contrib.auth import authenticate
from django.db import transaction
from django.utils import timezone

from accounts.models import User
from accounts.roles import CLINICIANS, Role
from audit.models import Action
from audit.services import record
from patients.models import Alert
from patients.services import alert_raise
from sessions.errors import SessionsError
from sessions.models import ClinicRegistration, Dose, Lot, Movement, Receipt
from sessions.stock import rules, selectors

STOCK_ROLES = frozenset({Role.PRESCRIBER, Role.ADMIN})
Kind = Movement.Kind


def require_stock_role(by) -> None:
    if by.role not in STOCK_ROLES:
        raise SessionsError("Only a prescriber or an administrator keeps the controlled stock.")


def second_person(by, username: str, password: str, *, field: str, doing: str):
    """A second staff member present, confirming with their own password (as for waste)."""
    other = authenticate(username=(username or "").strip(), password=password or "")
    if other is None or other.pk == by.pk or other.role == Role.PATIENT:
        raise SessionsError(
            f"{doing} needs a second staff member's own username and password.", field=field
        )
    return other


def locked(*lots: Lot) -> dict[int, Lot]:
    """Lock the lots' rows in id order (two writers never wait on each other crosswise)."""
    ids = sorted({lot.pk for lot in lots})
    rows = Lot.objects.select_for_update().select_related("product").filter(pk__in=ids)
    found = {lot.pk: lot for lot in rows.order_by("pk")}
    if len(found) != len(ids):
        raise SessionsError("No such lot.")
    return found


def append(lot: Lot, *, by, kind: str, change: Decimal, patient_id=None, **fields) -> Movement:
    """Append one line to a locked lot's ledger, refused below zero."""
    problem = rules.quantity_problem(kind, change) if kind not in rules.EITHER else None
    problem = problem or rules.below_zero_problem(selectors.lot_balance(lot), change)
    if problem:
        raise SessionsError(problem, field="quantity_mg")
    line = Movement.objects.create(lot=lot, kind=kind, change_mg=change, by=by, **fields)
    record(
        user=by,
        action=Action.CREATE,
        patient_id=patient_id,
        obj=line,
        detail={"kind": kind, "change_mg": str(change), "lot": lot.pk},
    )
    return line


def _quantity(value) -> Decimal:
    value = Decimal(value if value is not None else 0)
    if value <= 0:
        raise SessionsError("Enter a quantity above zero.", field="quantity_mg")
    return value


@transaction.atomic
def receipt_record(
    *,
    by,
    supplier,
    invoice_number: str,
    received_on,
    lines: list[dict],
    witness_username: str,
    witness_password: str,
) -> Receipt:
    """One delivery: each line is a product, its lot number and expiry, and the containers."""
    require_stock_role(by)
    if not lines:
        raise SessionsError("A receipt has at least one lot.")
    if received_on > timezone.localdate():
        raise SessionsError("A delivery is recorded once it has arrived.", field="received_on")
    witness = second_person(
        by, witness_username, witness_password, field="witness_password", doing="A receipt"
    )
    receipt = Receipt.objects.create(
        supplier=supplier,
        supplier_name=supplier.name,
        supplier_address=supplier.address,
        supplier_dea_number=supplier.dea_number,
        invoice_number=invoice_number.strip(),
        received_on=received_on,
        received_by=by,
        witness=witness,
    )
    for line in lines:
        product, number = line["product"], line["lot_number"].strip()
        lot, _ = Lot.objects.get_or_create(
            product=product, number=number, defaults={"expiry": line["expiry"]}
        )
        if line["expiry"] < received_on:
            raise SessionsError(f"Lot {number} has expired: it is not received.")
        if lot.expiry != line["expiry"]:
            raise SessionsError(
                f"Lot {number} is on file with expiry {lot.expiry:%b %-d, %Y}: check the label."
            )
        lot = locked(lot)[lot.pk]
        containers = int(line["containers"])
        if containers < 1:
            raise SessionsError("Each lot arrives in one container or more.")
        append(
            lot,
            by=by,
            kind=Kind.RECEIVED,
            change=product.mg_per_container * containers,
            witness=witness,
            receipt=receipt,
            containers=containers,
        )
    record(user=by, action=Action.CREATE, obj=receipt, detail={"lots": len(lines)})
    return receipt


def lot_lines(lot: Lot) -> dict:
    """The Schedule III lines a lot gives the dose's record: never typed twice."""
    return {"strength": lot.product.strength, "lot": lot.number, "expiry": lot.expiry}


@transaction.atomic
def draw_for_dose(*, by, dose: Dose, lot: Lot, lines: dict) -> Movement:
    """The dose's line in the ledger, written by the dose's administration record or its
    amendment with the record's checked lines (`quantity_drawn_mg`, `quantity_given_mg`,
    `quantity_wasted_mg`, `waste_witness`). Recording it again corrects it: the earlier draw is
    reversed, then drawn anew."""
    if by.role not in CLINICIANS:
        raise SessionsError("Only a clinician on the care team records a dose's draw.")
    drawn, given = Decimal(lines["quantity_drawn_mg"]), Decimal(lines["quantity_given_mg"])
    wasted = Decimal(lines["quantity_wasted_mg"] or 0)
    witness = lines["waste_witness"]
    problem = rules.draw_problem(drawn, given, wasted)
    if problem:
        raise SessionsError(problem, field="quantity_wasted_mg")
    earlier = list(
        Movement.objects.filter(dose=dose, kind=Kind.DRAWN, reversed_by__isnull=True).order_by("id")
    )
    lots = locked(lot, *(line.lot for line in earlier))
    lot = lots[lot.pk]
    if dose.drug and lot.product.drug != dose.drug:
        raise SessionsError(
            f"Lot {lot.number} is {lot.product.get_drug_display().lower()}; the order is "
            f"{dose.get_drug_display().lower()}.",
            field="lot",
        )
    on = timezone.localdate(dose.started_at or timezone.now())
    problem = rules.lot_problem(expiry=lot.expiry, quarantined=lot.quarantined, on=on)
    if problem:
        raise SessionsError(problem, field="lot")
    witness = witness if wasted > 0 else None
    same = [
        line
        for line in earlier
        if (line.lot_id, line.given_mg, line.wasted_mg, line.witness_id)
        == (lot.pk, given, wasted, getattr(witness, "pk", None))
    ]
    if len(earlier) == 1 and same:
        return earlier[0]
    patient_id = dose.course.patient_id
    for line in earlier:
        append(
            lots[line.lot_id],
            by=by,
            kind=Kind.REVERSAL,
            change=-line.change_mg,
            reverses=line,
            dose=dose,
            reason="The dose's administration record was corrected.",
            patient_id=patient_id,
        )
    try:
        return append(
            lot,
            by=by,
            kind=Kind.DRAWN,
            change=-drawn,
            dose=dose,
            given_mg=given,
            wasted_mg=wasted,
            witness=witness,
            patient_id=patient_id,
        )
    except SessionsError as error:
        raise SessionsError(error.message, field="quantity_drawn_mg") from error


@transaction.atomic
def waste_record(
    *, by, lot: Lot, quantity_mg, reason: str, witness_username: str, witness_password: str
) -> Movement:
    """Waste outside a dose (a broken vial, contamination), witnessed."""
    require_stock_role(by)
    if not (reason or "").strip():
        raise SessionsError("Say what happened.", field="reason")
    witness = second_person(
        by, witness_username, witness_password, field="witness_password", doing="Waste"
    )
    lot = locked(lot)[lot.pk]
    change = -_quantity(quantity_mg)
    return append(lot, by=by, kind=Kind.WASTED, change=change, witness=witness, reason=reason)


@transaction.atomic
def outflow_record(
    *, by, lot: Lot, kind: str, quantity_mg, reference: str, reason: str = ""
) -> Movement:
    """Returned to the supplier, or sent to a reverse distributor, with its paperwork."""
    require_stock_role(by)
    if kind not in (Kind.RETURNED, Kind.DISPOSED):
        raise SessionsError("Choose a return or a disposal.", field="kind")
    if not (reference or "").strip():
        raise SessionsError(
            "Enter the paperwork's reference (the return's number, DEA Form 41).",
            field="reference",
        )
    lot = locked(lot)[lot.pk]
    return append(
        lot,
        by=by,
        kind=kind,
        change=-_quantity(quantity_mg),
        reference=reference.strip(),
        reason=(reason or "").strip(),
    )


def _loss_alert(lot: Lot, line: Movement, by) -> None:
    """An urgent alert to every administrator and the DEA registrant. No patient: it names the
    lot and the quantity only."""
    registration = ClinicRegistration.objects.select_related("registrant").first()
    recipients = {u.pk: u for u in User.objects.filter(role=Role.ADMIN, is_active=True)}
    if registration is not None and registration.registrant.is_active:
        recipients[registration.registrant.pk] = registration.registrant
    message = (
        f"{rules.mg(-line.change_mg)} of {lot.product.name} {lot.product.strength}, lot "
        f"{lot.number}, recorded lost or stolen by {by}. Report a theft or significant loss to "
        f"the DEA within one business day of discovery (Form 106)."
    )
    for recipient in recipients.values():
        alert_raise(
            patient=None,
            recipient=recipient,
            kind=Alert.Kind.STOCK,
            severity=Alert.Severity.URGENT,
            message=message,
            by=by,
        )


def record_loss(lot: Lot, *, by, change: Decimal, reason: str, reference: str = "", **fields):
    """A loss on a locked lot: the line and its alert (used by counts too)."""
    line = append(
        lot,
        by=by,
        kind=Kind.LOST,
        change=change,
        reason=reason.strip(),
        reference=(reference or "").strip(),
        **fields,
    )
    _loss_alert(lot, line, by)
    return line


@transaction.atomic
def loss_record(*, by, lot: Lot, quantity_mg, reason: str, reference: str = "") -> Movement:
    require_stock_role(by)
    if not (reason or "").strip():
        raise SessionsError("Say what was found missing and how.", field="reason")
    lot = locked(lot)[lot.pk]
    return record_loss(
        lot, by=by, change=-_quantity(quantity_mg), reason=reason, reference=reference
    )


@transaction.atomic
def movement_reverse(*, by, movement: Movement, reason: str) -> Movement:
    """A correction: a new line with the opposite change. A dose's draw is corrected on the
    dose's administration record instead, so the two never disagree."""
    require_stock_role(by)
    if not (reason or "").strip():
        raise SessionsError("A correction needs a reason.", field="reason")
    lot = locked(movement.lot)[movement.lot_id]
    movement = Movement.objects.select_related("dose").get(pk=movement.pk)
    if movement.kind == Kind.DRAWN:
        raise SessionsError("A draw is corrected on the dose's administration record.")
    problem = rules.reversal_problem(
        kind=movement.kind, already_reversed=Movement.objects.filter(reverses=movement).exists()
    )
    if problem:
        raise SessionsError(problem)
    return append(
        lot,
        by=by,
        kind=Kind.REVERSAL,
        change=-movement.change_mg,
        reverses=movement,
        reason=reason.strip(),
    )


@transaction.atomic
def lot_quarantine(*, by, lot: Lot, quarantined: bool, reason: str = "") -> Lot:
    """Set a lot aside (a recall, a damaged seal) or release it; no dose draws from it meanwhile."""
    require_stock_role(by)
    lot = locked(lot)[lot.pk]
    reason = (reason or "").strip()
    if quarantined and not reason:
        raise SessionsError("Say why the lot is quarantined.", field="reason")
    lot.quarantined = quarantined
    lot.quarantine_reason = reason if quarantined else ""
    lot.quarantined_by = by if quarantined else None
    lot.quarantined_at = timezone.now() if quarantined else None
    lot.save(update_fields=["quarantined", "quarantine_reason", "quarantined_by", "quarantined_at"])
    record(user=by, action=Action.CHANGE, obj=lot, detail={"quarantined": quarantined})
    return lot
