"""The stock pages and documents: who may open them, what they cost, refusals that keep what was
typed, the PDFs and CSVs, and the administrator's dashboard."""

import csv
import io
import shutil
import subprocess

import pytest
from django.urls import reverse
from django.utils import timezone

from audit.models import AuditEvent
from sessions.models import Count, Discrepancy
from tests.conftest import PASSWORD, service_missing
from tests.sessions.stock.conftest import give
from tests.sessions.stock.setup import count, ketamine, supplier

pytestmark = pytest.mark.django_db


def pdf_text(data: bytes) -> str:
    if not shutil.which("pdftotext"):
        service_missing("pdftotext (poppler-utils)")
    return subprocess.run(
        ["pdftotext", "-layout", "-", "-"], input=data, capture_output=True, check=True
    ).stdout.decode()


@pytest.mark.parametrize("name", ["stock", "stock_receive", "stock_inventory"])
def test_the_stock_pages_are_for_prescribers_and_administrators(
    signed_in, therapist, frontdesk, prescriber, clinic_admin, clinic, name
):
    for user, status in (
        (therapist, 403),
        (frontdesk, 403),
        (prescriber, 200),
        (clinic_admin, 200),
    ):
        assert signed_in(user).get(reverse(name)).status_code == status


def test_the_stock_page_lists_lots_with_their_ledger_balance(signed_in, prescriber, lot):
    response = signed_in(prescriber).get(reverse("stock"))
    assert b"K2231" in response.content and b"500 mg" in response.content
    assert "no-store" in response["Cache-Control"]


def test_receiving_through_the_page(signed_in, prescriber, clinic_admin, clinic):
    product, source = ketamine(), supplier()
    data = {
        "supplier": source.pk,
        "invoice_number": "INV-77",
        "received_on": str(timezone.localdate()),
        "witness_username": "ada",
        "witness_password": PASSWORD,
        "line-TOTAL_FORMS": "3",
        "line-INITIAL_FORMS": "0",
        "line-MIN_NUM_FORMS": "1",
        "line-MAX_NUM_FORMS": "10",
        "line-0-product": product.pk,
        "line-0-lot_number": "K777",
        "line-0-expiry": str(timezone.localdate().replace(year=timezone.localdate().year + 1)),
        "line-0-containers": "4",
    }
    client = signed_in(prescriber)
    refused = client.post(reverse("stock_receive"), {**data, "witness_password": "wrong"})
    assert refused.status_code == 400
    assert b"second staff member" in refused.content and b'value="K777"' in refused.content
    assert client.post(reverse("stock_receive"), data).status_code == 302
    assert b"2000 mg" in client.get(reverse("stock")).content


def test_a_refused_action_keeps_what_was_typed(signed_in, prescriber, lot):
    response = signed_in(prescriber).post(
        reverse("stock_lot_action", args=[lot.pk, "loss"]),
        {"loss-quantity_mg": "900", "loss-reason": "Vial missing from the safe"},
    )
    assert response.status_code == 400
    assert b"below zero" in response.content and b"Vial missing from the safe" in response.content


@pytest.mark.parametrize("draws", [1, 4])
def test_the_lot_page_costs_a_fixed_number_of_queries(
    signed_in, started, lot, therapist, prescriber, django_assert_num_queries, draws
):
    for _ in range(draws):
        give(started(), lot)
    client = signed_in(prescriber)
    client.get(reverse("stock_lot", args=[lot.pk]))
    # session, user, the lot with its balance, its counts, the ledger, the patients shown,
    # audit insert, the reversible lines (form), the session's update in its savepoint
    with django_assert_num_queries(11):
        response = client.get(reverse("stock_lot", args=[lot.pk]))
    assert len(response.context["lines"]) == draws + 1


def test_the_ledger_names_only_patients_the_viewer_may_see(
    signed_in, started, lot, therapist, prescriber, patient, make_user
):
    give(started(), lot)
    stranger = make_user("prescriber", username="pia")
    page = signed_in(stranger).get(reverse("stock_lot", args=[lot.pk])).content
    assert b"Reyes" not in page and b"another care team" in page
    page = signed_in(prescriber).get(reverse("stock_lot", args=[lot.pk])).content
    assert b"Paula Reyes" in page
    event = AuditEvent.objects.filter(action="list", user=prescriber).latest("at")
    assert event.detail["patients"] == [str(patient.pk)]


def test_the_lot_ledger_as_pdf_and_csv(signed_in, started, lot, therapist, prescriber, patient):
    give(started(), lot)
    client = signed_in(prescriber)
    pdf = client.get(reverse("stock_lot_pdf", args=[lot.pk]))
    assert pdf["Content-Disposition"] == f'inline; filename="lot-ledger-{lot.pk}.pdf"'
    text = pdf_text(pdf.content)
    assert "Dispensing log: lot K2231" in text and "FK1234563" in text
    assert patient.mrn in text and "Paula" in text and "Drawn for" in text and "450.00" in text
    rows = list(csv.reader(io.StringIO(client.get(reverse("stock_lot_csv", args=[lot.pk])).text)))
    assert rows[0][:4] == ["When", "Line", "Change (mg)", "Balance (mg)"]
    assert rows[2][1:5] == ["Drawn for a dose", "-50.00", "450.00", "Paula Reyes"]
    assert AuditEvent.objects.filter(action="export", patient_id=None).exists()


def test_a_patients_dispensing_log(signed_in, started, lot, therapist, prescriber, patient):
    dose = give(started(), lot)
    client = signed_in(prescriber)
    page = client.get(reverse("stock_patient", args=[patient.pk]))
    assert b"K2231" in page.content
    text = pdf_text(client.get(reverse("stock_patient_pdf", args=[patient.pk])).content)
    assert "Paula Reyes" in text and "K2231" in text and str(dose.pk) in text
    rows = list(
        csv.reader(io.StringIO(client.get(reverse("stock_patient_csv", args=[patient.pk])).text))
    )
    assert rows[1][1:9] == [
        "Drawn for a dose",
        "Ketamine (racemic)",
        "50 mg/mL",
        "K2231",
        str(dose.pk),
        "50.00",
        "35.00",
        "15.00",
    ]


def test_another_care_teams_patient_log_is_not_found(signed_in, make_user, patient, clinic):
    stranger = make_user("prescriber", username="pia")
    assert signed_in(stranger).get(reverse("stock_patient", args=[patient.pk])).status_code == 404


def test_the_inventory_of_a_day(signed_in, lot, prescriber, clinic_admin):
    count(lot, prescriber, "500")
    client = signed_in(clinic_admin)
    today = str(timezone.localdate())
    page = client.get(reverse("stock_inventory"), {"on": today})
    assert b"K2231" in page.content and b"Not counted" not in page.content
    text = pdf_text(client.get(reverse("stock_inventory_pdf"), {"on": today}).content)
    assert "inventory of" in text and "K2231" in text and "500.00" in text
    rows = list(
        csv.reader(io.StringIO(client.get(reverse("stock_inventory_csv"), {"on": today}).text))
    )
    assert rows[1][4:8] == ["K2231", str(lot.expiry), "500.00", "500.00"]
    assert client.get(reverse("stock_inventory"), {"on": "not a date"}).status_code == 400


def test_the_administrators_home_lists_open_discrepancies(signed_in, lot, prescriber, clinic_admin):
    count(lot, prescriber, "499")
    page = signed_in(clinic_admin).get("/").content.decode()
    assert "Open count discrepancies" in page and "lot K2231" in page and "-1 mg" in page


def test_resolving_through_the_page(signed_in, lot, prescriber, clinic_admin):
    count(lot, prescriber, "499")
    found = Discrepancy.objects.get()
    url = reverse("stock_discrepancy", args=[found.pk])
    refused = signed_in(prescriber).post(url, {"outcome": "adjusted", "reason": "Residue"})
    assert refused.status_code == 400 and b"Only an administrator" in refused.content
    client = signed_in(clinic_admin)
    missing = client.post(url, {"outcome": "adjusted", "reason": ""})
    assert missing.status_code == 400
    assert (
        client.post(url, {"outcome": "adjusted", "reason": "Residue in the vial"}).status_code
        == 302
    )
    found.refresh_from_db()
    assert found.status == "resolved" and Count.objects.count() == 1


def test_the_admin_shows_the_ledger_read_only(signed_in, clinic_admin, started, lot):
    give(started(), lot)
    client = signed_in(clinic_admin)
    line = lot.movements.get(kind="drawn")
    for model in ("movement", "lot", "receipt", "count", "discrepancy", "product", "supplier"):
        assert client.get(f"/admin/kap_sessions/{model}/").status_code == 200, model
    page = client.get(f"/admin/kap_sessions/movement/{line.pk}/change/")
    assert page.status_code == 200 and b"Reyes" not in page.content
    assert client.get("/admin/kap_sessions/movement/add/").status_code == 403
    assert client.post(f"/admin/kap_sessions/movement/{line.pk}/delete/").status_code == 403
    assert client.get("/admin/kap_sessions/clinicregistration/add/").status_code == 403  # one row
    assert client.get("/admin/kap_sessions/product/add/").status_code == 200
