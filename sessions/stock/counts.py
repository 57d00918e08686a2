"""Counts and discrepancies: two staff count a lot (the second with their own password); a count
that differs from the ledger opens exactly one discrepancy (one per count, by a one-to-one key),
which only an administrator resolves, with a reason: adjust the ledger to the count, record the
difference as lost or stolen, or explain it without changing the ledger."""

from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from accounts.roles import Role
from audit.models import Action
from audit.services import record
from sessions.errors import SessionsError
from sessions.models import Count, Discrepancy, Lot, Movement
from sessions.stock import rules, selectors
from sessions.stock.services import (
    append,
    locked,
    record_loss,
    require_stock_role,
    second_person,
)


@transaction.atomic
def count_record(
    *,
    by,
    lot: Lot,
    counted_mg,
    second_username: str,
    second_password: str,
    note: str = "",
) -> Count:
    require_stock_role(by)
    counted = Decimal(counted_mg if counted_mg is not None else -1)
    if counted < 0:
        raise SessionsError("Enter what you counted in mg (0 when empty).", field="counted_mg")
    second = second_person(
        by, second_username, second_password, field="second_password", doing="A count"
    )
    # The lot stays locked until the count commits: no draw slips in between the ledger's
    # balance and the count beside it.
    lot = locked(lot)[lot.pk]
    ledger = selectors.lot_balance(lot)
    count = Count.objects.create(
        lot=lot,
        counted_mg=counted,
        ledger_mg=ledger,
        counted_by=by,
        second_counter=second,
        note=(note or "").strip()[:200],
    )
    difference = rules.count_difference(counted, ledger)
    record(
        user=by,
        action=Action.CREATE,
        obj=count,
        detail={"lot": lot.pk, "difference_mg": str(difference)},
    )
    if difference:
        discrepancy = Discrepancy.objects.create(count=count, lot=lot, difference_mg=difference)
        record(user=by, action=Action.CREATE, obj=discrepancy, detail={"lot": lot.pk})
    return count


@transaction.atomic
def discrepancy_resolve(*, by, discrepancy: Discrepancy, outcome: str, reason: str) -> Discrepancy:
    if by.role != Role.ADMIN:
        raise SessionsError("Only an administrator resolves a discrepancy.")
    reason = (reason or "").strip()
    if not reason:
        raise SessionsError("Resolving a discrepancy needs a reason.", field="reason")
    if outcome not in Discrepancy.Outcome.values:
        raise SessionsError("Choose how the discrepancy is resolved.", field="outcome")
    lot = locked(discrepancy.lot)[discrepancy.lot_id]
    discrepancy = (
        Discrepancy.objects.select_for_update().select_related("count").get(pk=discrepancy.pk)
    )
    if discrepancy.status != Discrepancy.Status.OPEN:
        raise SessionsError("This discrepancy is already resolved.")
    difference = discrepancy.difference_mg
    line = None
    if outcome == Discrepancy.Outcome.ADJUSTED:
        line = append(
            lot,
            by=by,
            kind=Movement.Kind.ADJUSTED,
            change=difference,
            witness=discrepancy.count.second_counter
            if discrepancy.count.second_counter_id != by.pk
            else discrepancy.count.counted_by,
            reason=reason,
        )
    elif outcome == Discrepancy.Outcome.LOST:
        if difference > 0:
            raise SessionsError(
                "The count found more than the ledger: nothing is missing.", field="outcome"
            )
        line = record_loss(lot, by=by, change=difference, reason=reason)
    discrepancy.status = Discrepancy.Status.RESOLVED
    discrepancy.outcome, discrepancy.reason, discrepancy.movement = outcome, reason, line
    discrepancy.resolved_by, discrepancy.resolved_at = by, timezone.now()
    discrepancy.save()
    record(user=by, action=Action.CHANGE, obj=discrepancy, detail={"outcome": outcome})
    return discrepancy
