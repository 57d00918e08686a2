from django.urls import path

from sessions.stock import reports, views

urlpatterns = [
    path("stock/", views.stock_home, name="stock"),
    path("stock/receive/", views.stock_receive, name="stock_receive"),
    path("stock/lots/<int:lot_pk>/", views.lot_page, name="stock_lot"),
    path("stock/lots/<int:lot_pk>/ledger.pdf", reports.lot_ledger_pdf, name="stock_lot_pdf"),
    path("stock/lots/<int:lot_pk>/ledger.csv", reports.lot_ledger_csv, name="stock_lot_csv"),
    path("stock/lots/<int:lot_pk>/<str:action>/", views.lot_action, name="stock_lot_action"),
    path(
        "stock/discrepancies/<int:discrepancy_pk>/",
        views.discrepancy_page,
        name="stock_discrepancy",
    ),
    path("stock/inventory/", views.inventory_page, name="stock_inventory"),
    path("stock/inventory.pdf", reports.inventory_pdf, name="stock_inventory_pdf"),
    path("stock/inventory.csv", reports.inventory_csv, name="stock_inventory_csv"),
    path(
        "stock/patients/<uuid:patient_pk>/",
        reports.patient_dispensing,
        name="stock_patient",
    ),
    path(
        "stock/patients/<uuid:patient_pk>/dispensing.pdf",
        reports.patient_dispensing_pdf,
        name="stock_patient_pdf",
    ),
    path(
        "stock/patients/<uuid:patient_pk>/dispensing.csv",
        reports.patient_dispensing_csv,
        name="stock_patient_csv",
    ),
]
