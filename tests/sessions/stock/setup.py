"""Stock for tests, received through the real service: the clinic's registration, a supplier,
ketamine vials (50 mg/mL, 10 mL: 500 mg a vial) and esketamine devices (28 mg each)."""

from datetime import timedelta
from decimal import Decimal

from django.utils import timezone

from sessions.models import ClinicRegistration, Lot, Movement, Product, Receipt, Supplier
from sessions.stock import counts
from sessions.stock import services as stock
from tests.accounts.factories import UserFactory
from tests.conftest import PASSWORD


def registration(registrant) -> ClinicRegistration:
    return ClinicRegistration.objects.get_or_create(
        pk=1,
        defaults={
            "name": "KAP Clinic Riverside",
            "address": "12 River Road, Springfield",
            "dea_number": "FK1234563",
            "registrant": registrant,
            "rems_setting_id": "HCS-20417",
        },
    )[0]


def supplier() -> Supplier:
    return Supplier.objects.get_or_create(
        name="Midwest Pharma Supply",
        defaults={"address": "400 Depot St, Columbus OH", "dea_number": "RM0314159"},
    )[0]


def ketamine() -> Product:
    return Product.objects.get_or_create(
        drug="ketamine",
        name="Ketamine HCl injection",
        strength="50 mg/mL",
        defaults={"form": "vial", "container": "10 mL vial", "mg_per_container": Decimal(500)},
    )[0]


def esketamine() -> Product:
    return Product.objects.get_or_create(
        drug="esketamine",
        name="Spravato nasal spray",
        strength="28 mg/device",
        defaults={"form": "nasal", "container": "device", "mg_per_container": Decimal(28)},
    )[0]


def receive(*, by, witness, number="K2231", containers=1, product=None, expiry_days=300):
    """A receipt of one lot; returns the lot."""
    product = product or ketamine()
    receipt = stock.receipt_record(
        by=by,
        supplier=supplier(),
        invoice_number=f"INV-{number}",
        received_on=timezone.localdate(),
        lines=[
            {
                "product": product,
                "lot_number": number,
                "expiry": timezone.localdate() + timedelta(days=expiry_days),
                "containers": containers,
            }
        ],
        witness_username=witness.username,
        witness_password=PASSWORD,
    )
    return receipt.lines.get().lot


def shelf_lot(number="K2231", *, product=None, containers=1, expiry_days=200):
    """A lot already on the shelf, written directly as test data (no receipt service, so no
    prescriber or witness needed): tests of the dose's record choose it by number."""
    product = product or ketamine()
    lot = Lot.objects.filter(product=product, number=number).first()
    if lot is not None:
        return lot
    keeper = UserFactory(username="storekeeper", role="prescriber")
    witness = UserFactory(username="storewitness", role="admin")
    receipt = Receipt.objects.create(
        supplier=supplier(),
        supplier_name="Midwest Pharma Supply",
        supplier_address="400 Depot St, Columbus OH",
        supplier_dea_number="RM0314159",
        invoice_number=f"INV-{number}",
        received_on=timezone.localdate(),
        received_by=keeper,
        witness=witness,
    )
    lot = Lot.objects.create(
        product=product, number=number, expiry=timezone.localdate() + timedelta(days=expiry_days)
    )
    Movement.objects.create(
        lot=lot,
        kind="received",
        change_mg=product.mg_per_container * containers,
        by=keeper,
        witness=witness,
        receipt=receipt,
        containers=containers,
    )
    return lot


def count(lot, by, counted, second="ada", password=PASSWORD):
    """A count of `lot` by `by` and the second counter `second`."""
    return counts.count_record(
        by=by,
        lot=lot,
        counted_mg=Decimal(counted),
        second_username=second,
        second_password=password,
    )
