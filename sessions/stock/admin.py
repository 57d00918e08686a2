"""The controlled-substance records in the admin site. Administrators keep the clinic's
registration, the products and the suppliers here; lots, receipts, ledger lines, counts and
discrepancies are shown read only (no add, change or delete for anyone, superusers included):
they are written through the stock pages, whose rules, locks and audit apply. Registered by
`sessions.admin`."""

from django.contrib import admin

from sessions.models import (
    ClinicRegistration,
    Count,
    Discrepancy,
    Lot,
    Movement,
    Product,
    Receipt,
    Supplier,
)


@admin.register(ClinicRegistration)
class ClinicRegistrationAdmin(admin.ModelAdmin):
    list_display = ("name", "dea_number", "registrant", "rems_setting_id")

    def has_add_permission(self, request):
        return super().has_add_permission(request) and not ClinicRegistration.objects.exists()

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Product)
class ProductAdmin(admin.ModelAdmin):
    list_display = (
        "name",
        "drug",
        "form",
        "strength",
        "container",
        "mg_per_container",
        "is_active",
    )
    list_filter = ("drug", "is_active")

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Supplier)
class SupplierAdmin(admin.ModelAdmin):
    list_display = ("name", "dea_number", "is_active")
    list_filter = ("is_active",)

    def has_delete_permission(self, request, obj=None):
        return False


class _ReadOnly(admin.ModelAdmin):
    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Lot)
class LotAdmin(_ReadOnly):
    list_display = ("number", "product", "expiry", "quarantined")
    list_filter = ("quarantined", "product")
    list_select_related = ("product",)


@admin.register(Receipt)
class ReceiptAdmin(_ReadOnly):
    list_display = ("received_on", "supplier_name", "invoice_number", "received_by", "witness")
    list_select_related = ("received_by", "witness")
    date_hierarchy = "received_on"


@admin.register(Movement)
class MovementAdmin(_ReadOnly):
    # The dose is shown by its number only: no patient names in the admin.
    list_display = ("at", "lot", "kind", "change_mg", "dose_id", "by", "witness")
    list_filter = ("kind",)
    list_select_related = ("lot__product", "by", "witness")
    date_hierarchy = "at"
    exclude = ("dose",)


@admin.register(Count)
class CountAdmin(_ReadOnly):
    list_display = ("counted_at", "lot", "counted_mg", "ledger_mg", "counted_by", "second_counter")
    list_select_related = ("lot__product", "counted_by", "second_counter")


@admin.register(Discrepancy)
class DiscrepancyAdmin(_ReadOnly):
    list_display = ("opened_at", "lot", "difference_mg", "status", "outcome", "resolved_by")
    list_filter = ("status",)
    list_select_related = ("lot__product", "resolved_by")
