"""The demo clinic's controlled stock: the clinic's registration (the prescriber holds the DEA
registration), a supplier, ketamine vials and esketamine devices, and one delivery received
through `receipt_record` with the administrator as witness. Idempotent: nothing once a product
exists."""

from datetime import timedelta
from decimal import Decimal

from django.utils import timezone

from sessions.models import ClinicRegistration, Product, Supplier
from sessions.stock.services import receipt_record


def seed_stock(users, *, witness_password: str) -> None:
    if Product.objects.exists():
        return
    ClinicRegistration.objects.get_or_create(
        pk=1,
        defaults={
            "name": "KAP Clinic (demo)",
            "address": "1 Demo Street, Springfield",
            "dea_number": "FD0000001",
            "registrant": users["prescriber"],
            "rems_setting_id": "HCS-DEMO-1",
        },
    )
    supplier = Supplier.objects.create(
        name="Midwest Pharma Supply", address="400 Depot St, Columbus OH", dea_number="RM0314159"
    )
    vial = Product.objects.create(
        drug="ketamine",
        name="Ketamine HCl injection",
        form=Product.Form.VIAL,
        strength="50 mg/mL",
        container="10 mL vial",
        mg_per_container=Decimal(500),
    )
    spray = Product.objects.create(
        drug="esketamine",
        name="Spravato nasal spray",
        form=Product.Form.NASAL,
        strength="28 mg/device",
        container="device",
        mg_per_container=Decimal(28),
    )
    today = timezone.localdate()
    receipt_record(
        by=users["prescriber"],
        supplier=supplier,
        invoice_number="INV-DEMO-1",
        received_on=today,
        lines=[
            {
                "product": vial,
                "lot_number": "K2231",
                "expiry": today + timedelta(days=400),
                "containers": 4,
            },
            {
                "product": spray,
                "lot_number": "E4410",
                "expiry": today + timedelta(days=300),
                "containers": 12,
            },
        ],
        witness_username=users["admin"].username,
        witness_password=witness_password,
    )
