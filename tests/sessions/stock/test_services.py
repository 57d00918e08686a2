"""The ledger through its services: receipts, the draw for a dose (from the dose's administration
record), waste, returns, loss and its alert, corrections, quarantine, and what is refused."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from patients.models import Alert
from sessions.errors import SessionsError
from sessions.models import Lot, Movement, Receipt
from sessions.stock import selectors
from sessions.stock import services as stock
from tests.conftest import PASSWORD
from tests.sessions.stock.conftest import give
from tests.sessions.stock.setup import esketamine, ketamine, receive, supplier

pytestmark = pytest.mark.django_db


def balance(lot):
    return selectors.lot_balance(lot)


def test_a_receipt_opens_the_lot_with_its_milligrams(lot, prescriber, clinic_admin):
    line = lot.movements.get()
    assert (line.kind, line.change_mg, line.containers) == ("received", Decimal(500), 1)
    receipt = line.receipt
    assert receipt.supplier_dea_number == "RM0314159" and receipt.witness == clinic_admin
    assert balance(lot) == 500


def test_a_second_delivery_of_the_same_lot_adds_to_it(lot, prescriber, clinic_admin):
    again = receive(by=prescriber, witness=clinic_admin, containers=2)
    assert again == lot and balance(lot) == 1500


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"witness_password": "wrong"}, "second staff member"),
        ({"witness_username": "priya"}, "second staff member"),  # the receiver themself
        ({"expiry": -1}, "has expired"),
        ({"containers": 0}, "one container or more"),
    ],
)
def test_a_receipt_is_refused(clinic, prescriber, clinic_admin, changes, message):
    line = {
        "product": ketamine(),
        "lot_number": "K9",
        "expiry": timezone.localdate() + timedelta(days=changes.pop("expiry", 300)),
        "containers": changes.pop("containers", 1),
    }
    arguments = {"witness_username": "ada", "witness_password": PASSWORD, **changes}
    with pytest.raises(SessionsError, match=message):
        stock.receipt_record(
            by=prescriber,
            supplier=supplier(),
            invoice_number="INV-9",
            received_on=timezone.localdate(),
            lines=[line],
            **arguments,
        )
    assert not Receipt.objects.exists() and not Lot.objects.filter(number="K9").exists()


def test_only_a_prescriber_or_administrator_receives(clinic, therapist, clinic_admin):
    with pytest.raises(SessionsError, match="prescriber or an administrator"):
        receive(by=therapist, witness=clinic_admin)


def test_the_administration_record_draws_from_the_lot(started, lot, therapist, prescriber):
    dose = give(started(), lot)
    line = Movement.objects.get(kind="drawn")
    assert line.dose == dose and line.lot == lot and line.witness == prescriber
    assert (line.change_mg, line.given_mg, line.wasted_mg) == (-50, 35, 15)
    assert balance(lot) == 450
    # Strength, lot and expiry are the lot's, never typed twice.
    assert (dose.strength, dose.lot, dose.expiry) == ("50 mg/mL", "K2231", lot.expiry)


def test_recording_the_administration_again_reverses_the_earlier_draw(
    started, lot, therapist, prescriber, clinic_admin
):
    dose = started()
    give(dose, lot)
    give(dose, lot)  # the same record: nothing new
    assert lot.movements.count() == 2
    other = receive(by=prescriber, witness=clinic_admin, number="K3000")
    give(dose, other, drawn="35", given="35", wasted="0")
    first = Movement.objects.get(kind="drawn", lot=lot)
    assert first.reversed_by.change_mg == 50 and first.reversed_by.dose == dose
    assert (balance(lot), balance(other)) == (500, 465)
    assert Movement.objects.filter(dose=dose, kind="drawn", reversed_by=None).get().lot == other


def test_no_dose_draws_more_than_the_lot_holds(started, lot, therapist):
    dose = started()
    with pytest.raises(SessionsError, match="holds 500 mg: taking 600 mg would leave -100 mg"):
        give(dose, lot, drawn="600", given="35", wasted="565")
    dose.refresh_from_db()
    assert dose.quantity_drawn_mg is None and balance(lot) == 500


def _lot_directly(*, expiry, prescriber, clinic_admin, number="OLD1"):
    """A lot already on the shelf with a past expiry: written directly (the receipt service
    refuses an expired lot)."""
    receipt = Receipt.objects.create(
        supplier=supplier(),
        supplier_name="Midwest Pharma Supply",
        supplier_address="400 Depot St",
        supplier_dea_number="RM0314159",
        invoice_number="INV-OLD",
        received_on=expiry - timedelta(days=200),
        received_by=prescriber,
        witness=clinic_admin,
    )
    old = Lot.objects.create(product=ketamine(), number=number, expiry=expiry)
    Movement.objects.create(
        lot=old, kind="received", change_mg=500, by=prescriber, receipt=receipt, containers=1
    )
    return old


def test_no_dose_draws_from_an_expired_lot(started, therapist, prescriber, clinic_admin):
    old = _lot_directly(
        expiry=timezone.localdate() - timedelta(days=1),
        prescriber=prescriber,
        clinic_admin=clinic_admin,
    )
    with pytest.raises(SessionsError, match="expired"):
        give(started(), old)
    assert balance(old) == 500


def test_no_dose_draws_from_a_quarantined_lot(started, lot, therapist, prescriber):
    stock.lot_quarantine(by=prescriber, lot=lot, quarantined=True, reason="Manufacturer recall")
    with pytest.raises(SessionsError, match="quarantined"):
        give(started(), lot)
    stock.lot_quarantine(by=prescriber, lot=lot, quarantined=False)
    give(started(), lot)
    assert balance(lot) == 450


def test_a_ketamine_order_never_draws_esketamine(
    started, clinic, therapist, prescriber, clinic_admin
):
    spray = receive(by=prescriber, witness=clinic_admin, number="E77", product=esketamine())
    with pytest.raises(SessionsError, match="is esketamine; the order is ketamine"):
        give(started(), spray, drawn="28", given="28", wasted="0")


def test_waste_outside_a_dose_is_witnessed(lot, prescriber, clinic_admin):
    with pytest.raises(SessionsError, match="second staff member"):
        stock.waste_record(
            by=prescriber,
            lot=lot,
            quantity_mg=Decimal(20),
            reason="Vial dropped",
            witness_username="ada",
            witness_password="nope",
        )
    line = stock.waste_record(
        by=prescriber,
        lot=lot,
        quantity_mg=Decimal(20),
        reason="Vial dropped",
        witness_username="ada",
        witness_password=PASSWORD,
    )
    assert line.witness == clinic_admin and balance(lot) == 480


def test_a_return_or_disposal_needs_its_paperwork(lot, prescriber):
    with pytest.raises(SessionsError, match="paperwork"):
        stock.outflow_record(by=prescriber, lot=lot, kind="disposed", quantity_mg=100, reference="")
    stock.outflow_record(
        by=prescriber, lot=lot, kind="disposed", quantity_mg=100, reference="Form 41 #8812"
    )
    assert balance(lot) == 400


def test_a_loss_alerts_every_administrator_and_the_registrant(
    lot, prescriber, clinic_admin, registrant, make_user
):
    second_admin = make_user("admin", username="abe")
    stock.loss_record(by=prescriber, lot=lot, quantity_mg=Decimal(50), reason="Vial missing")
    alerts = Alert.objects.filter(kind="stock")
    assert {a.recipient for a in alerts} == {clinic_admin, second_admin, registrant}
    alert = alerts.first()
    assert alert.severity == "urgent" and alert.patient is None
    assert "50 mg of Ketamine HCl injection 50 mg/mL, lot K2231" in alert.message
    assert "Form 106" in alert.message
    assert balance(lot) == 450


def test_an_administrator_reads_and_resolves_a_loss_alert(lot, prescriber, clinic_admin, client):
    stock.loss_record(by=prescriber, lot=lot, quantity_mg=Decimal(50), reason="Vial missing")
    alert = Alert.objects.get(recipient=clinic_admin)
    client.force_login(clinic_admin)
    home = client.get("/")
    assert b"Vial missing" not in home.content and b"lot K2231" in home.content
    assert client.get(f"/alerts/{alert.pk}/").status_code == 200
    response = client.post(f"/alerts/{alert.pk}/resolve/", {"note": "DEA Form 106 filed"})
    assert response.status_code == 302
    alert.refresh_from_db()
    assert alert.status == "resolved" and alert.resolved_by == clinic_admin


def test_a_correction_reverses_a_line_once(lot, prescriber, clinic_admin):
    extra = receive(by=prescriber, witness=clinic_admin, containers=1)
    line = extra.movements.order_by("-id").first()
    stock.movement_reverse(by=prescriber, movement=line, reason="Counted the vial twice")
    assert balance(lot) == 500
    with pytest.raises(SessionsError, match="already reversed"):
        stock.movement_reverse(by=prescriber, movement=line, reason="Again")


def test_a_draw_is_corrected_on_the_dose_not_on_the_ledger(started, lot, therapist, prescriber):
    give(started(), lot)
    with pytest.raises(SessionsError, match="administration record"):
        stock.movement_reverse(
            by=prescriber, movement=Movement.objects.get(kind="drawn"), reason="Wrong"
        )


def test_a_correction_never_takes_the_lot_below_zero(started, lot, therapist, prescriber):
    give(started(), lot)
    with pytest.raises(SessionsError, match="below zero"):
        stock.movement_reverse(
            by=prescriber, movement=lot.movements.get(kind="received"), reason="Typo"
        )


def test_quarantine_needs_a_reason(lot, prescriber):
    with pytest.raises(SessionsError, match="why"):
        stock.lot_quarantine(by=prescriber, lot=lot, quarantined=True, reason=" ")


@pytest.mark.parametrize(
    "write",
    [
        lambda line: line.save(),
        lambda line: line.delete(),
        lambda line: Movement.objects.filter(pk=line.pk).update(change_mg=1),
        lambda line: Movement.objects.filter(pk=line.pk).delete(),
    ],
)
def test_the_model_refuses_to_change_a_ledger_line(lot, write):
    line = lot.movements.get()
    with pytest.raises(SessionsError, match="never"):
        write(line)
    assert balance(lot) == 500
