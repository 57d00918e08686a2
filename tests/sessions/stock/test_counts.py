"""Counts by two staff, the discrepancy a differing count opens, and its resolution by an
administrator."""

from decimal import Decimal

import pytest

from patients.models import Alert
from sessions.errors import SessionsError
from sessions.models import Count, Discrepancy
from sessions.stock import counts, selectors
from tests.conftest import PASSWORD
from tests.sessions.stock.setup import count

pytestmark = pytest.mark.django_db


def test_a_count_that_matches_opens_nothing(lot, prescriber, clinic_admin):
    done = count(lot, prescriber, "500")
    assert (done.ledger_mg, done.second_counter) == (500, clinic_admin)
    assert not Discrepancy.objects.exists()


def test_a_count_that_differs_opens_exactly_one_discrepancy(lot, prescriber):
    done = count(lot, prescriber, "499")
    found = Discrepancy.objects.get()
    assert found.count == done and found.difference_mg == Decimal(-1) and found.status == "open"
    count(lot, prescriber, "500")
    assert Discrepancy.objects.count() == 1


@pytest.mark.parametrize(
    ("second", "password"), [("ada", "wrong"), ("priya", PASSWORD), ("paula", PASSWORD)]
)
def test_the_second_counter_is_another_staff_member_with_their_password(
    lot, prescriber, patient, second, password
):
    with pytest.raises(SessionsError, match="second staff member"):
        count(lot, prescriber, "500", second=second, password=password)
    assert not Count.objects.exists()


def test_only_an_administrator_resolves(lot, prescriber):
    count(lot, prescriber, "499")
    with pytest.raises(SessionsError, match="Only an administrator"):
        counts.discrepancy_resolve(
            by=prescriber,
            discrepancy=Discrepancy.objects.get(),
            outcome="adjusted",
            reason="Residue",
        )


def test_resolving_needs_a_reason(lot, prescriber, clinic_admin):
    count(lot, prescriber, "499")
    with pytest.raises(SessionsError, match="needs a reason"):
        counts.discrepancy_resolve(
            by=clinic_admin, discrepancy=Discrepancy.objects.get(), outcome="adjusted", reason=""
        )


def test_adjusting_brings_the_ledger_to_the_count(lot, prescriber, clinic_admin, therapist):
    count(lot, prescriber, "499", second="theo")
    found = counts.discrepancy_resolve(
        by=clinic_admin,
        discrepancy=Discrepancy.objects.get(),
        outcome="adjusted",
        reason="Vial dead space",
    )
    assert found.status == "resolved" and found.movement.kind == "adjusted"
    assert found.movement.change_mg == -1 and found.movement.witness.username == "theo"
    assert selectors.lot_balance(lot) == 499
    assert selectors.open_discrepancies() == []
    with pytest.raises(SessionsError, match="already resolved"):
        counts.discrepancy_resolve(
            by=clinic_admin, discrepancy=found, outcome="explained", reason="Again"
        )


def test_a_shortfall_recorded_as_a_loss_alerts(
    lot, prescriber, clinic_admin, registrant, therapist
):
    count(lot, prescriber, "450", second="theo")
    found = counts.discrepancy_resolve(
        by=clinic_admin,
        discrepancy=Discrepancy.objects.get(),
        outcome="lost",
        reason="Vial unaccounted for after the weekend",
    )
    assert found.movement.kind == "lost" and selectors.lot_balance(lot) == 450
    assert set(
        Alert.objects.filter(kind="stock").values_list("recipient__username", flat=True)
    ) == {
        "ada",
        "rhea",
    }


def test_an_explained_difference_leaves_the_ledger(lot, prescriber, clinic_admin):
    count(lot, prescriber, "510")
    found = counts.discrepancy_resolve(
        by=clinic_admin,
        discrepancy=Discrepancy.objects.get(),
        outcome="explained",
        reason="Miscounted: recount matched",
    )
    assert found.movement is None and selectors.lot_balance(lot) == 500
    with pytest.raises(SessionsError, match="never changed"):
        found.save()


def test_a_surplus_is_never_a_loss(lot, prescriber, clinic_admin):
    count(lot, prescriber, "510")
    with pytest.raises(SessionsError, match="nothing is missing"):
        counts.discrepancy_resolve(
            by=clinic_admin, discrepancy=Discrepancy.objects.get(), outcome="lost", reason="?"
        )
