"""The ledger's arithmetic and which movements are valid: pure Python, no Django.

Quantities are milligrams as `Decimal`. A lot's balance is the sum of its lines' changes; a line
that would take it below zero is refused; a dose never draws from an expired or quarantined lot;
drawn = given + wasted, and any waste has a witness.
"""

from collections.abc import Iterable
from datetime import date
from decimal import Decimal

ZERO = Decimal(0)

RECEIVED = "received"
DRAWN = "drawn"
WASTED = "wasted"
RETURNED = "returned"
DISPOSED = "disposed"
LOST = "lost"
ADJUSTED = "adjusted"
REVERSAL = "reversal"

INFLOW = frozenset({RECEIVED})
OUTFLOW = frozenset({DRAWN, WASTED, RETURNED, DISPOSED, LOST})
EITHER = frozenset({ADJUSTED, REVERSAL})  # the sign follows the count, or the line reversed
KINDS = INFLOW | OUTFLOW | EITHER


def mg(value) -> str:
    """12.50 → "12.5 mg", 35 → "35 mg": how a page says a quantity."""
    text = f"{Decimal(value):f}"
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return f"{text} mg"


def balance(changes: Iterable[Decimal]) -> Decimal:
    return sum((Decimal(change) for change in changes), ZERO)


def running_balances(changes: Iterable[Decimal]) -> list[Decimal]:
    """The balance after each line, in ledger order."""
    total, out = ZERO, []
    for change in changes:
        total += Decimal(change)
        out.append(total)
    return out


def signed_change(kind: str, quantity: Decimal) -> Decimal:
    """The change a positive quantity of `kind` makes to the lot (reversals and adjustments carry
    their own sign)."""
    if kind not in KINDS:
        raise ValueError(f"unknown movement kind {kind!r}")
    quantity = Decimal(quantity)
    return -quantity if kind in OUTFLOW else quantity


def quantity_problem(kind: str, change: Decimal) -> str | None:
    change = Decimal(change)
    if change == 0:
        return "A ledger line moves some milligrams: enter a quantity above zero."
    if kind in INFLOW and change < 0 or kind in OUTFLOW and change > 0:
        return "A ledger line of this kind cannot move stock that way."
    if change.as_tuple().exponent < -2:
        return "Quantities are recorded to a hundredth of a milligram."
    return None


def below_zero_problem(current: Decimal, change: Decimal) -> str | None:
    after = Decimal(current) + Decimal(change)
    if after < 0:
        return (
            f"The lot holds {mg(current)}: taking {mg(-Decimal(change))} would leave "
            f"{mg(after)}. A balance never goes below zero."
        )
    return None


def lot_problem(*, expiry: date, quarantined: bool, on: date) -> str | None:
    """Why a dose on `on` may not draw from this lot, if it may not."""
    if quarantined:
        return "This lot is quarantined: no dose is drawn from it."
    if expiry < on:
        return f"This lot expired on {expiry:%b %-d, %Y}: no dose is drawn from it."
    return None


def draw_problem(drawn: Decimal, given: Decimal, wasted: Decimal) -> str | None:
    drawn, given, wasted = Decimal(drawn), Decimal(given), Decimal(wasted)
    if min(drawn, given, wasted) < 0 or given + wasted != drawn:
        return f"Drawn ({mg(drawn)}) must equal given ({mg(given)}) plus wasted ({mg(wasted)})."
    if drawn == 0:
        return "Enter the milligrams drawn."
    return None


def reversal_problem(*, kind: str, already_reversed: bool) -> str | None:
    if kind == REVERSAL:
        return "A correction is not reversed: write a new line instead."
    if already_reversed:
        return "This line is already reversed."
    return None


def count_difference(counted: Decimal, ledger: Decimal) -> Decimal:
    """Positive: more on the shelf than the ledger says; negative: missing."""
    return Decimal(counted) - Decimal(ledger)
