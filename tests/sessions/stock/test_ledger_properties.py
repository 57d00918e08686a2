"""The balance is the sum of the ledger after any sequence of writes, and never below zero
(hypothesis drives the real services; each example rolls back to a savepoint)."""

from decimal import Decimal

import pytest
from django.db import transaction
from django.db.models import Sum
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sessions.errors import SessionsError
from sessions.models import Movement
from sessions.stock import counts, selectors
from sessions.stock import services as stock
from tests.conftest import PASSWORD
from tests.sessions.stock.conftest import give
from tests.sessions.stock.setup import receive

pytestmark = pytest.mark.django_db

QUANTITY = st.integers(min_value=1, max_value=400).map(lambda n: Decimal(n) / 2)
GIVEN = st.integers(min_value=1, max_value=70).map(lambda n: Decimal(n) / 2)
OPERATION = st.one_of(
    st.tuples(st.just("receive"), st.integers(min_value=1, max_value=2)),
    # Given never above the order (35 mg), the waste as large as a vial holds.
    st.tuples(st.just("dose"), st.integers(min_value=0, max_value=2), GIVEN, QUANTITY),
    st.tuples(st.just("waste"), QUANTITY),
    st.tuples(st.just("dispose"), QUANTITY),
    st.tuples(st.just("lose"), QUANTITY),
    st.tuples(st.just("reverse"), st.integers(min_value=0, max_value=30)),
    st.tuples(st.just("count"), QUANTITY),
)


class Rollback(Exception):
    pass


@pytest.fixture
def pool(started):
    """Three started doses to draw for (drawing again for one corrects its earlier draw)."""
    return [started() for _ in range(3)]


def run(operation, lot, *, pool, prescriber, clinic_admin) -> None:
    kind, *args = operation
    if kind == "receive":
        receive(by=prescriber, witness=clinic_admin, containers=args[0])
    elif kind == "dose":
        index, given_mg, wasted_mg = args
        give(
            pool[index],
            lot,
            drawn=str(given_mg + wasted_mg),
            given=str(given_mg),
            wasted=str(wasted_mg),
        )
    elif kind == "waste":
        stock.waste_record(
            by=prescriber,
            lot=lot,
            quantity_mg=args[0],
            reason="Spilled",
            witness_username="ada",
            witness_password=PASSWORD,
        )
    elif kind == "dispose":
        stock.outflow_record(
            by=prescriber, lot=lot, kind="disposed", quantity_mg=args[0], reference="F41"
        )
    elif kind == "lose":
        stock.loss_record(by=prescriber, lot=lot, quantity_mg=args[0], reason="Missing")
    elif kind == "reverse":
        lines = list(
            Movement.objects.filter(lot=lot, reversed_by=None).exclude(
                kind__in=["drawn", "reversal"]
            )
        )
        if lines:
            stock.movement_reverse(
                by=prescriber, movement=lines[args[0] % len(lines)], reason="Correction"
            )
    elif kind == "count":
        done = counts.count_record(
            by=prescriber,
            lot=lot,
            counted_mg=args[0],
            second_username="ada",
            second_password=PASSWORD,
        )
        if hasattr(done, "discrepancy"):
            counts.discrepancy_resolve(
                by=clinic_admin, discrepancy=done.discrepancy, outcome="adjusted", reason="Count"
            )


def test_the_balance_is_the_sum_of_the_ledger_after_any_sequence(
    lot, pool, prescriber, clinic_admin
):
    @settings(
        max_examples=30,
        deadline=None,
        suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    )
    @given(st.lists(OPERATION, max_size=12))
    def check(operations):
        try:
            with transaction.atomic():
                for operation in operations:
                    before = selectors.lot_balance(lot)
                    try:
                        with transaction.atomic():
                            run(
                                operation,
                                lot,
                                pool=pool,
                                prescriber=prescriber,
                                clinic_admin=clinic_admin,
                            )
                    except SessionsError:
                        assert selectors.lot_balance(lot) == before  # a refusal writes nothing
                    total = Movement.objects.filter(lot=lot).aggregate(s=Sum("change_mg"))["s"]
                    listed = selectors.lots_with_balance().get(pk=lot.pk).balance
                    assert selectors.lot_balance(lot) == total == listed >= 0
                    # Each dose has at most one draw in force.
                    for dose in pool:
                        assert (
                            dose.stock_movements.filter(kind="drawn", reversed_by=None).count() <= 1
                        )
                raise Rollback
        except Rollback:
            pass

    check()
