"""What PostgreSQL itself guarantees: ledger lines, receipts and counts refuse UPDATE and DELETE
from any path; no line takes a lot below zero, even by raw SQL; concurrent draws from one lot
queue on its row lock and never take it below zero."""

import threading
from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import DatabaseError, IntegrityError, connection, connections, transaction
from django.utils import timezone

from sessions.dosing import administration
from sessions.errors import SessionsError
from sessions.models import Discrepancy, Dose, Movement
from sessions.stock import counts, selectors
from tests.patients.factories import CareTeamFactory, CourseFactory, PatientFactory
from tests.sessions.factories import AppointmentFactory, kind
from tests.sessions.stock.setup import count, receive, registration

pytestmark = [pytest.mark.postgres]


def _raw(sql, params):
    with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(sql, params)


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("table", "sql"),
    [
        ("movement", "UPDATE kap_sessions_movement SET change_mg = 9999 WHERE lot_id = %s"),
        ("movement", "DELETE FROM kap_sessions_movement WHERE lot_id = %s"),
        (
            "receipt",
            "UPDATE kap_sessions_receipt SET invoice_number = 'X' WHERE id IN "
            "(SELECT receipt_id FROM kap_sessions_movement WHERE lot_id = %s)",
        ),
        ("lot", "UPDATE kap_sessions_lot SET expiry = expiry + 365 WHERE id = %s"),
        ("lot", "DELETE FROM kap_sessions_lot WHERE id = %s"),
    ],
)
def test_the_database_refuses_to_rewrite_the_ledger(lot, table, sql):
    _raw(sql, [lot.pk])
    assert selectors.lot_balance(lot) == 500


@pytest.mark.django_db
def test_counts_and_resolved_discrepancies_are_final(lot, prescriber, clinic_admin):
    count(lot, prescriber, "499")
    _raw("UPDATE kap_sessions_count SET counted_mg = 500 WHERE lot_id = %s", [lot.pk])
    found = counts.discrepancy_resolve(
        by=clinic_admin,
        discrepancy=Discrepancy.objects.get(),
        outcome="explained",
        reason="Recount",
    )
    _raw("UPDATE kap_sessions_discrepancy SET reason = 'x' WHERE id = %s", [found.pk])
    _raw("DELETE FROM kap_sessions_discrepancy WHERE id = %s", [found.pk])


@pytest.mark.django_db
def test_no_line_takes_a_lot_below_zero_even_by_raw_sql(lot, prescriber):
    with (
        pytest.raises(IntegrityError, match="below zero"),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        cursor.execute(
            "INSERT INTO kap_sessions_movement (lot_id, kind, change_mg, at, by_id, reason,"
            " reference) VALUES (%s, 'lost', -501, now(), %s, 'x', '')",
            [lot.pk, prescriber.pk],
        )
    assert selectors.lot_balance(lot) == 500


DRAWS = 8


def _patient_in_treatment(therapist):
    patient = PatientFactory()
    CourseFactory(patient=patient, phase="treatment")
    CareTeamFactory(patient=patient, clinician=therapist, primary=True)
    return patient


@pytest.mark.django_db(transaction=True)
def test_concurrent_draws_never_take_a_lot_below_zero(
    therapist, prescriber, clinic_admin, appointment_types
):
    """Eight chairs, eight patients, one vial: each dose locks only its own patient's rows, so
    the draws meet at the lot's lock."""
    registration(prescriber)
    lot = receive(by=prescriber, witness=clinic_admin)  # 500 mg: five draws of 100 mg
    doses = []
    for day in range(DRAWS):
        patient = _patient_in_treatment(therapist)
        appointment = AppointmentFactory(
            patient=patient,
            course=patient.courses.get(),
            type=kind("dosing"),
            clinician=therapist,
            room=None,
            start=timezone.now() - timedelta(days=day, minutes=5),
        )
        doses.append(
            Dose.objects.create(  # test data: started doses, written directly
                appointment=appointment,
                course=appointment.course,
                status="started",
                started_at=timezone.now(),
                started_by=therapist,
                drug="ketamine",
                route="im",
                dose_mg=Decimal(100),
            )
        )
    barrier = threading.Barrier(DRAWS)
    results = []

    def draw(dose):
        try:
            barrier.wait()
            administration.administration_record(
                by=therapist,
                dose=dose,
                lot=lot,
                quantity_drawn_mg=Decimal(100),
                quantity_given_mg=Decimal(100),
                quantity_wasted_mg=Decimal(0),
            )
            results.append("drawn")
        except SessionsError as error:
            results.append(error.message)
        except Exception as error:  # noqa: BLE001 (a database error is a failure to report)
            results.append(repr(error))
        finally:
            connections.close_all()

    threads = [threading.Thread(target=draw, args=(dose,)) for dose in doses]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    # Every loser was refused by the service, holding the lot's lock, in the clinic's words (not
    # by the database's trigger, the guard for paths that skip the service).
    assert len(results) == DRAWS and results.count("drawn") == 5, results
    assert all(r.startswith("The lot holds 0 mg") for r in results if r != "drawn"), results
    assert selectors.lot_balance(lot) == 0
    assert Movement.objects.filter(lot=lot, kind="drawn").count() == 5
