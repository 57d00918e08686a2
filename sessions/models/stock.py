"""Controlled substances: products, receipts, lots and one append-only ledger of movements per lot,
counts by two staff and the discrepancies they open.

The balance of a lot is the sum of its movements' `change_mg`, computed when asked
(`sessions.stock.selectors`), never stored where it could drift. Movements, receipts and counts
are never changed or deleted (here, in the admin and, on PostgreSQL, by a trigger); a correction
is a reversing movement with a reason. Writes go through `sessions.stock.services`.
"""

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from pgtrigger import AnyChange, Delete, Update

from kap_clinic.triggers import Refuse, never_changed
from sessions.errors import SessionsError
from sessions.models.doses import Dose

_USER = settings.AUTH_USER_MODEL
MG = {"max_digits": 10, "decimal_places": 2}


class ClinicRegistration(models.Model):
    """The clinic's registrations, one row kept by administrators: the DEA registration (its
    registrant answers for every milligram and is alerted to a loss) and the Spravato REMS
    healthcare-setting certification."""

    name = models.CharField("clinic name", max_length=200)
    address = models.TextField()
    dea_number = models.CharField("DEA registration number", max_length=16)
    registrant = models.ForeignKey(
        _USER,
        on_delete=models.PROTECT,
        related_name="+",
        help_text="The person who holds the DEA registration: alerted to any loss or theft.",
    )
    rems_setting_id = models.CharField(
        "Spravato REMS healthcare setting ID", max_length=40, blank=True
    )

    class Meta:
        constraints = [models.CheckConstraint(condition=Q(id=1), name="one_clinic_registration")]

    def __str__(self):
        return f"{self.name} (DEA {self.dea_number})"

    def save(self, *args, **kwargs):
        self.pk = 1  # one row: saving again edits it
        super().save(*args, **kwargs)


class Product(models.Model):
    """What is bought: a drug in one form, strength and container."""

    class Form(models.TextChoices):
        VIAL = "vial", "Injection vial"
        NASAL = "nasal", "Nasal spray device"
        LOZENGE = "lozenge", "Sublingual lozenge"

    drug = models.CharField(max_length=16, choices=Dose.Drug.choices)
    name = models.CharField(max_length=120, help_text="e.g. Ketamine HCl injection")
    form = models.CharField(max_length=16, choices=Form.choices)
    strength = models.CharField(max_length=40, help_text="e.g. 50 mg/mL")
    container = models.CharField(max_length=40, help_text="e.g. 10 mL vial")
    mg_per_container = models.DecimalField(**MG)
    is_active = models.BooleanField(default=True)

    class Meta:
        ordering = ["drug", "name", "strength"]
        constraints = [
            models.CheckConstraint(condition=Q(mg_per_container__gt=0), name="product_mg_positive")
        ]

    def __str__(self):
        return f"{self.name} {self.strength}, {self.container}"


class Supplier(models.Model):
    name = models.CharField(max_length=200)
    address = models.TextField()
    dea_number = models.CharField("DEA registration number", max_length=16)
    is_active = models.BooleanField(default=True)

    class Meta:
        ordering = ["name"]

    def __str__(self):
        return f"{self.name} (DEA {self.dea_number})"


class _AppendOnly(models.QuerySet):
    def update(self, **kwargs):
        raise SessionsError(f"{self.model._meta.verbose_name_plural} are never changed.")

    def delete(self):
        raise SessionsError(f"{self.model._meta.verbose_name_plural} are never deleted.")


class _AppendOnlyModel(models.Model):
    objects = _AppendOnly.as_manager()

    class Meta:
        abstract = True

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise SessionsError(f"A {self._meta.verbose_name} is never changed.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise SessionsError(f"A {self._meta.verbose_name} is never deleted.")


class Receipt(_AppendOnlyModel):
    """One delivery on one invoice (Schedule III: no DEA Form 222). The supplier's name, address
    and DEA number are copied as they were that day. Its lots arrive as `received` movements."""

    supplier = models.ForeignKey(Supplier, on_delete=models.PROTECT, related_name="receipts")
    supplier_name = models.CharField(max_length=200)
    supplier_address = models.TextField()
    supplier_dea_number = models.CharField(max_length=16)
    invoice_number = models.CharField(max_length=60)
    received_on = models.DateField()
    received_by = models.ForeignKey(_USER, on_delete=models.PROTECT, related_name="+")
    witness = models.ForeignKey(_USER, on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-received_on", "-id"]
        triggers = [never_changed("stock_receipt_immutable", "a receipt")]
        constraints = [
            models.CheckConstraint(
                condition=~Q(witness=F("received_by")), name="receipt_witness_is_someone_else"
            )
        ]

    def __str__(self):
        return f"Receipt {self.pk}: invoice {self.invoice_number}"


class Lot(models.Model):
    """A manufacturer's lot of one product. Only its quarantine ever changes."""

    product = models.ForeignKey(Product, on_delete=models.PROTECT, related_name="lots")
    number = models.CharField("lot number", max_length=40)
    expiry = models.DateField()
    created_at = models.DateTimeField(auto_now_add=True)
    quarantined = models.BooleanField(default=False, editable=False)
    quarantine_reason = models.TextField(blank=True, editable=False)
    quarantined_by = models.ForeignKey(
        _USER, null=True, blank=True, on_delete=models.PROTECT, related_name="+", editable=False
    )
    quarantined_at = models.DateTimeField(null=True, blank=True, editable=False)

    class Meta:
        ordering = ["product", "expiry", "number"]
        triggers = [
            Refuse(
                name="stock_lot_immutable",
                message="a lot's product, number and expiry never change",
                operation=Update,
                changed=AnyChange("product", "number", "expiry"),
            ),
            Refuse(
                name="stock_lot_not_deleted", message="a lot is never deleted", operation=Delete
            ),
        ]
        constraints = [
            models.UniqueConstraint(fields=["product", "number"], name="lot_number_per_product"),
            models.CheckConstraint(
                condition=Q(quarantined=False) | ~Q(quarantine_reason=""),
                name="lot_quarantine_has_reason",
            ),
        ]

    def __str__(self):
        return f"Lot {self.number} ({self.product.strength})"


class Movement(_AppendOnlyModel):
    """One line of a lot's ledger: milligrams in (+) or out (−)."""

    class Kind(models.TextChoices):
        RECEIVED = "received", "Received"
        DRAWN = "drawn", "Drawn for a dose"
        WASTED = "wasted", "Wasted (witnessed)"
        RETURNED = "returned", "Returned to the supplier"
        DISPOSED = "disposed", "Sent to a reverse distributor"
        LOST = "lost", "Lost or stolen"
        ADJUSTED = "adjusted", "Adjusted after a count"
        REVERSAL = "reversal", "Correction (reverses a line)"

    lot = models.ForeignKey(Lot, on_delete=models.PROTECT, related_name="movements")
    kind = models.CharField(max_length=16, choices=Kind.choices)
    change_mg = models.DecimalField(**MG)
    at = models.DateTimeField(auto_now_add=True, db_index=True)
    by = models.ForeignKey(_USER, on_delete=models.PROTECT, related_name="+")
    witness = models.ForeignKey(
        _USER, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    # A draw: the dose it was drawn for (written by the dose's administration record), and how
    # the drawn milligrams split into given and wasted.
    dose = models.ForeignKey(
        Dose, null=True, blank=True, on_delete=models.PROTECT, related_name="stock_movements"
    )
    given_mg = models.DecimalField(null=True, blank=True, **MG)
    wasted_mg = models.DecimalField(null=True, blank=True, **MG)
    receipt = models.ForeignKey(
        Receipt, null=True, blank=True, on_delete=models.PROTECT, related_name="lines"
    )
    containers = models.PositiveIntegerField(null=True, blank=True)
    reference = models.CharField(
        max_length=100, blank=True, help_text="Paperwork: DEA Form 41 or 106, a return's number."
    )
    reason = models.TextField(blank=True)
    reverses = models.OneToOneField(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="reversed_by"
    )

    class Meta:
        ordering = ["at", "id"]
        indexes = [models.Index(fields=["lot", "at"])]
        # A draw that would take a lot below zero: the trigger of migration 0007 (it reads the
        # lot's ledger under the lot's row lock, which a declared guard cannot say more simply).
        triggers = [never_changed("stock_movement_immutable", "a ledger line")]
        constraints = [
            models.CheckConstraint(
                condition=Q(kind="received", change_mg__gt=0, receipt__isnull=False)
                | Q(kind="drawn", change_mg__lt=0, dose__isnull=False)
                | Q(kind="wasted", change_mg__lt=0, witness__isnull=False)
                | (Q(kind__in=["returned", "disposed"], change_mg__lt=0) & ~Q(reference=""))
                | (Q(kind="lost", change_mg__lt=0) & ~Q(reason=""))
                | (Q(kind="adjusted", witness__isnull=False) & ~Q(change_mg=0) & ~Q(reason=""))
                | (Q(kind="reversal", reverses__isnull=False) & ~Q(reason="")),
                name="movement_kind_complete",
            ),
            models.CheckConstraint(
                condition=~Q(kind="drawn")
                | Q(
                    given_mg__gte=0,
                    wasted_mg__gte=0,
                    change_mg=-(F("given_mg") + F("wasted_mg")),
                ),
                name="movement_drawn_is_given_plus_wasted",
            ),
            models.CheckConstraint(
                condition=~Q(kind="drawn") | Q(wasted_mg=0) | Q(witness__isnull=False),
                name="movement_waste_witnessed",
            ),
            models.CheckConstraint(
                condition=Q(witness__isnull=True) | ~Q(witness=F("by")),
                name="movement_witness_is_someone_else",
            ),
        ]

    def __str__(self):
        return f"{self.get_kind_display()} {self.change_mg} mg"


class Count(_AppendOnlyModel):
    """Two staff counted a lot; the second confirmed with their own password. The ledger's
    balance at that moment is kept beside the count."""

    lot = models.ForeignKey(Lot, on_delete=models.PROTECT, related_name="counts")
    counted_mg = models.DecimalField(**MG)
    ledger_mg = models.DecimalField(**MG)
    counted_by = models.ForeignKey(_USER, on_delete=models.PROTECT, related_name="+")
    second_counter = models.ForeignKey(_USER, on_delete=models.PROTECT, related_name="+")
    counted_at = models.DateTimeField(auto_now_add=True, db_index=True)
    note = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering = ["-counted_at", "-id"]
        triggers = [never_changed("stock_count_immutable", "a count")]
        constraints = [
            models.CheckConstraint(condition=Q(counted_mg__gte=0), name="count_not_negative"),
            models.CheckConstraint(
                condition=~Q(second_counter=F("counted_by")), name="count_by_two_people"
            ),
        ]

    def __str__(self):
        return f"Count {self.pk} of lot {self.lot_id}"

    @property
    def difference_mg(self):
        return self.counted_mg - self.ledger_mg


class Discrepancy(models.Model):
    """A count that differed from the ledger: open until an administrator resolves it with a
    reason (adjusting the ledger, recording a loss, or explaining it). Resolved ones are final."""

    class Status(models.TextChoices):
        OPEN = "open", "Open"
        RESOLVED = "resolved", "Resolved"

    class Outcome(models.TextChoices):
        ADJUSTED = "adjusted", "Ledger adjusted to the count"
        LOST = "lost", "Recorded as lost or stolen"
        EXPLAINED = "explained", "Explained, no change to the ledger"

    count = models.OneToOneField(Count, on_delete=models.PROTECT, related_name="discrepancy")
    lot = models.ForeignKey(Lot, on_delete=models.PROTECT, related_name="discrepancies")
    difference_mg = models.DecimalField(**MG)
    opened_at = models.DateTimeField(auto_now_add=True)
    status = models.CharField(
        max_length=16, choices=Status.choices, default=Status.OPEN, editable=False
    )
    outcome = models.CharField(max_length=16, choices=Outcome.choices, blank=True)
    reason = models.TextField(blank=True)
    resolved_by = models.ForeignKey(
        _USER, null=True, blank=True, on_delete=models.PROTECT, related_name="+", editable=False
    )
    resolved_at = models.DateTimeField(null=True, blank=True, editable=False)
    movement = models.OneToOneField(
        Movement, null=True, blank=True, on_delete=models.PROTECT, related_name="resolves"
    )

    class Meta:
        ordering = ["opened_at", "id"]
        verbose_name_plural = "discrepancies"
        triggers = [
            never_changed(
                "stock_discrepancy_resolved_immutable",
                "a resolved discrepancy",
                condition="OLD.status = 'resolved'",
            )
        ]
        constraints = [
            models.CheckConstraint(condition=~Q(difference_mg=0), name="discrepancy_differs"),
            models.CheckConstraint(
                condition=Q(status="open")
                | (Q(resolved_by__isnull=False, resolved_at__isnull=False) & ~Q(reason=""))
                & ~Q(outcome=""),
                name="discrepancy_resolved_has_reason",
            ),
        ]

    def __str__(self):
        return f"Discrepancy {self.pk} ({self.get_status_display().lower()})"

    def save(self, *args, **kwargs):
        if not self._state.adding:
            stored = Discrepancy.objects.filter(pk=self.pk).values("status").first()
            if stored and stored["status"] == self.Status.RESOLVED:
                raise SessionsError("A resolved discrepancy is never changed.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise SessionsError("A discrepancy is never deleted.")
