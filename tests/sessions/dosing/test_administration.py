"""The Schedule III record (CLINICAL.md, "Controlled substances"): checked by the service, held by
database constraints, and frozen once the dose is discharged or ended early: a correction is an
amendment that keeps the original (model, admin, PostgreSQL trigger)."""

import shutil
import subprocess
from decimal import Decimal

import pytest
from django.db import IntegrityError, connection, transaction
from django.urls import reverse

from sessions.dosing import administration
from sessions.dosing import services as doses
from sessions.errors import SessionsError
from sessions.models import AdministrationAmendment, Dose
from tests.conftest import service_missing
from tests.sessions.dosing.setup import administer, discharge_vitals, discharged, wind_back
from tests.sessions.stock.setup import shelf_lot

pytestmark = pytest.mark.django_db


def form(prefix="administration", lot="K2231"):
    """The page's Schedule III form: 35 mg drawn and given from the lot on the shelf `lot`."""
    return {
        f"{prefix}-lot": str(shelf_lot(lot).pk),
        f"{prefix}-quantity_drawn_mg": "35",
        f"{prefix}-quantity_given_mg": "35",
        f"{prefix}-quantity_wasted_mg": "0",
    }


def amend(dose, by, reason):
    return administration.administration_amend(
        by=by,
        dose=dose,
        reason=reason,
        lot=shelf_lot("K2232"),
        quantity_drawn_mg=Decimal(35),
        quantity_given_mg=Decimal(35),
    )


@pytest.fixture
def started(ready, therapist):
    return doses.dose_start(by=therapist, dose=ready())


@pytest.fixture
def finished(started, therapist):
    return discharged(started, by=therapist)


# --- Frozen once finished --------------------------------------------------------------------


def test_discharge_needs_the_schedule_iii_record(started, therapist):
    dose = wind_back(started)
    discharge_vitals(dose, by=therapist)
    with pytest.raises(SessionsError, match="Record the Schedule III administration"):
        doses.dose_discharge(
            by=therapist,
            dose=dose,
            alert_and_oriented=True,
            walking_steadily=True,
            escort_present=True,
            no_driving_acknowledged=True,
        )


@pytest.mark.parametrize("how", ["discharged", "ended early"])
def test_the_record_cannot_be_rewritten_once_finished(started, signed_in, therapist, how):
    if how == "discharged":
        dose = discharged(started, by=therapist)
    else:
        administer(started, by=therapist)
        dose = doses.dose_end_early(
            by=therapist, dose=started, disposition="stopped", reason="Nausea"
        )
    with pytest.raises(SessionsError, match="frozen"):
        administer(dose, by=therapist, lot="K9999")
    response = signed_in(therapist).post(
        reverse("dose_action", args=[dose.pk, "administration"]),
        form(lot="K9999"),
    )
    assert response.status_code == 400 and b"frozen" in response.content
    dose.refresh_from_db()
    assert dose.lot == "K2231"


def test_a_correction_is_an_amendment_that_keeps_the_original(
    finished, signed_in, therapist, prescriber
):
    with pytest.raises(SessionsError, match="needs a reason"):
        amend(finished, therapist, reason=" ")
    response = signed_in(therapist).post(
        reverse("dose_action", args=[finished.pk, "amend"]),
        {
            **form("amend", lot="K2232"),
            "amend-reason": "Lot number mistyped: the vial says K2232.",
        },
    )
    assert response.status_code == 302
    finished.refresh_from_db()
    assert finished.lot == "K2231"  # the original stays
    amendment = AdministrationAmendment.objects.get(dose=finished)
    assert (amendment.lot, amendment.by, amendment.reason) == (
        "K2232",
        therapist,
        "Lot number mistyped: the vial says K2232.",
    )
    assert amendment.at is not None
    page = signed_in(prescriber).get(reverse("dose", args=[finished.pk])).content.decode()
    assert "K2231" in page and "K2232" in page and "Lot number mistyped" in page
    if not shutil.which("pdftotext"):
        service_missing("pdftotext (poppler-utils)")
    pdf = signed_in(prescriber).get(reverse("dose_record_pdf", args=[finished.pk])).content
    text = subprocess.run(
        ["pdftotext", "-layout", "-", "-"], input=pdf, capture_output=True, check=True
    ).stdout.decode()
    assert "K2231" in text and "Amendment 1 (in force)" in text and "K2232" in text


def test_the_model_refuses_a_rewrite_and_a_deletion(finished):
    finished.lot = "K9999"
    with pytest.raises(SessionsError, match="frozen"):
        finished.save()
    with pytest.raises(SessionsError, match="never deleted"):
        Dose.objects.get(pk=finished.pk).delete()


def test_an_amendment_is_never_changed_or_deleted(finished, therapist):
    amendment = amend(finished, therapist, reason="Typo")
    amendment.lot = "K1"
    with pytest.raises(SessionsError, match="never changed"):
        amendment.save()
    with pytest.raises(SessionsError, match="never deleted"):
        amendment.delete()


def test_the_admin_shows_the_record_read_only(finished, signed_in, make_user):
    admin = make_user("admin", is_superuser=True, is_staff=True)
    client = signed_in(admin)
    url = reverse("admin:kap_sessions_dose_change", args=[finished.pk])
    assert client.get(url).status_code == 200
    response = client.post(url, {"lot": "FORGED", "quantity_given_mg": "30"})
    assert response.status_code == 403
    assert (
        client.post(reverse("admin:kap_sessions_dose_delete", args=[finished.pk])).status_code
        == 403
    )
    finished.refresh_from_db()
    assert finished.lot == "K2231"


@pytest.mark.postgres
@pytest.mark.parametrize(
    "sql",
    [
        "UPDATE kap_sessions_dose SET lot = 'FORGED' WHERE id = %s",
        "UPDATE kap_sessions_dose SET quantity_given_mg = 30, quantity_drawn_mg = 30 WHERE id = %s",
        "UPDATE kap_sessions_dose SET status = 'started' WHERE id = %s",
        "DELETE FROM kap_sessions_dose WHERE id = %s",
    ],
    ids=["lot", "quantities", "reopen", "delete"],
)
def test_the_database_refuses_a_rewrite(finished, sql):
    with (
        pytest.raises(IntegrityError, match="Schedule III"),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        cursor.execute(sql, [finished.pk])


@pytest.mark.postgres
def test_the_database_lets_a_finished_dose_be_integrated(finished):
    Dose.objects.filter(pk=finished.pk).update(status="integrated")
    assert Dose.objects.get(pk=finished.pk).status == "integrated"


@pytest.mark.postgres
def test_the_database_refuses_to_change_an_amendment(finished, therapist):
    amendment = amend(finished, therapist, reason="Typo")
    for sql in (
        "UPDATE kap_sessions_administrationamendment SET lot = 'X' WHERE id = %s",
        "DELETE FROM kap_sessions_administrationamendment WHERE id = %s",
    ):
        with pytest.raises(IntegrityError), transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(sql, [amendment.pk])


# --- The lines themselves ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        (
            {"quantity_given_mg": Decimal(40), "quantity_drawn_mg": Decimal(40)},
            "quantity_given_mg",
            "exceeds the order of 35",
        ),
        (
            {"quantity_drawn_mg": Decimal(0), "quantity_given_mg": Decimal(0)},
            "quantity_drawn_mg",
            "Drawn must be more than 0",
        ),
        (
            {
                "quantity_drawn_mg": Decimal(10),
                "quantity_given_mg": Decimal(0),
                "quantity_wasted_mg": Decimal(10),
            },
            "quantity_given_mg",
            "Given must be more than 0",
        ),
        ({"quantity_drawn_mg": Decimal("NaN")}, "quantity_drawn_mg", "Drawn must be a number"),
        ({"quantity_given_mg": Decimal("Infinity")}, "quantity_given_mg", "Given must be a number"),
        ({"quantity_drawn_mg": Decimal(20000)}, "quantity_drawn_mg", "Drawn must be"),
    ],
)
def test_the_service_refuses_bad_lines(started, therapist, changes, field, message):
    with pytest.raises(SessionsError, match=message) as error:
        administer(started, by=therapist, **changes)
    assert error.value.field == field


@pytest.mark.parametrize(
    ("values", "message"),
    [
        ({"quantity_given_mg": "40", "quantity_drawn_mg": "40"}, "exceeds the order of 35"),
        ({"quantity_drawn_mg": "NaN"}, "Enter a number"),
        ({"quantity_given_mg": "Infinity"}, "Enter a number"),
        ({"quantity_drawn_mg": "20000", "quantity_given_mg": "20000"}, "less than or equal to"),
        ({"lot": ""}, "This field is required"),  # stock: the lot is chosen, never typed
    ],
)
def test_the_page_refuses_bad_lines_on_their_field(started, signed_in, therapist, values, message):
    data = {**form(), **{f"administration-{k}": v for k, v in values.items()}}
    response = signed_in(therapist).post(
        reverse("dose_action", args=[started.pk, "administration"]), data
    )
    assert response.status_code == 400
    assert message.encode() in response.content
    started.refresh_from_db()
    assert started.lot == ""


@pytest.mark.parametrize(
    "values",
    [
        {
            "quantity_drawn_mg": Decimal(50),
            "quantity_given_mg": Decimal(35),
            "quantity_wasted_mg": Decimal(0),
        },
        {
            "quantity_drawn_mg": Decimal(50),
            "quantity_given_mg": Decimal(50),
            "quantity_wasted_mg": Decimal(0),
        },
        {
            "quantity_drawn_mg": Decimal(0),
            "quantity_given_mg": Decimal(0),
            "quantity_wasted_mg": Decimal(0),
        },
    ],
    ids=["drawn-not-given-plus-wasted", "given-above-the-order", "nothing-drawn"],
)
def test_the_database_holds_the_quantities(started, values):
    with pytest.raises(IntegrityError), transaction.atomic():
        Dose.objects.filter(pk=started.pk).update(**values)
