"""The Schedule III record of a dose: strength, lot, expiry, quantities drawn, given and wasted,
who administered it and the witness to any waste. Written in one transaction on the locked dose
row (`charting.lock_dose`)."""

from decimal import Decimal

from django.contrib.auth import authenticate
from django.db import transaction
from django.utils import timezone

from accounts.roles import Role
from sessions.dosing.charting import audit_change, lock_dose, require_status
from sessions.errors import SessionsError
from sessions.models.doses import Dose


@transaction.atomic
def administration_record(
    *,
    by,
    dose: Dose,
    strength: str,
    lot: str,
    expiry,
    quantity_drawn_mg: Decimal,
    quantity_given_mg: Decimal,
    quantity_wasted_mg: Decimal = Decimal(0),
    witness_username: str = "",
    witness_password: str = "",
) -> Dose:
    """The controlled-substance lines. Waste is witnessed by a second staff member who confirms
    with their own password."""
    dose = lock_dose(dose, by)
    require_status(
        dose,
        Dose.Status.STARTED,
        Dose.Status.DISCHARGED,
        Dose.Status.ENDED_EARLY,
        doing="record its administration",
    )
    drawn, given = Decimal(quantity_drawn_mg), Decimal(quantity_given_mg)
    wasted = Decimal(quantity_wasted_mg or 0)
    if min(drawn, given, wasted) < 0 or given + wasted != drawn:
        raise SessionsError(
            f"Drawn ({drawn} mg) must equal given ({given} mg) plus wasted ({wasted} mg).",
            field="quantity_wasted_mg",
        )
    if expiry and expiry < timezone.localdate(dose.started_at):
        raise SessionsError("The vial had expired when the dose started.", field="expiry")
    witness = None
    if wasted > 0:
        witness = authenticate(username=witness_username, password=witness_password)
        if witness is None or witness.pk == by.pk or witness.role == Role.PATIENT:
            raise SessionsError(
                "Waste needs a second staff member's own username and password.",
                field="witness_password",
            )
    dose.strength, dose.lot, dose.expiry = strength.strip(), lot.strip(), expiry
    dose.quantity_drawn_mg, dose.quantity_given_mg, dose.quantity_wasted_mg = drawn, given, wasted
    dose.waste_witness = witness
    dose.waste_witnessed_at = timezone.now() if witness else None
    dose.administered_by = by
    dose.save()
    audit_change(by, dose, administration=True, wasted=str(wasted))
    return dose
