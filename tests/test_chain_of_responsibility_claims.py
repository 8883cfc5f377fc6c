"""Claims of the chain of responsibility page about `then`, stack depth and bad amounts."""

from __future__ import annotations

import itertools
import sys
from decimal import Decimal

import pytest

from snippets.behavioral.chain_of_responsibility import (
    Approver,
    Expense,
    SpendingLimit,
    approval_chain,
)

CLAIM = Expense("Dev", Decimal("80000"), "build servers")


def limits(count: int) -> list[Approver]:
    return [SpendingLimit(f"level {n}", Decimal(n)) for n in range(1, count + 1)]


def test_then_on_the_first_link_appends_after_the_last() -> None:
    chain = approval_chain()
    chain.then(SpendingLimit("board", Decimal("500000")))
    decision = chain.handle(CLAIM)
    assert decision.decided_by == "board"
    assert decision.seen_by == (
        "receipt check",
        "team lead",
        "department head",
        "CFO",
        "board",
    )


def test_then_refuses_a_link_that_is_already_in_the_chain() -> None:
    first, middle, last = limits(3)
    first.then(middle).then(last)
    for link in (first, middle, last):
        with pytest.raises(ValueError, match="would make the chain loop"):
            first.then(link)
    assert first.handle(Expense("Ann", Decimal("3"), "pens")).decided_by == "level 3"


def test_each_link_is_a_stack_frame_so_a_long_chain_hits_the_recursion_limit() -> None:
    short, long = limits(100), limits(sys.getrecursionlimit())
    for chain in (short, long):
        for earlier, later in itertools.pairwise(chain):
            earlier.then(later)
    assert short[0].handle(CLAIM).seen_by[-1] == "level 100"
    with pytest.raises(RecursionError):
        long[0].handle(CLAIM)


@pytest.mark.parametrize("amount", ["NaN", "Infinity", "sNaN", "-30", "0"])
def test_amounts_that_are_not_positive_numbers_get_a_clear_error(amount: str) -> None:
    with pytest.raises(ValueError, match="must be a positive amount"):
        Expense("Eve", Decimal(amount), "lunch")
    with pytest.raises(ValueError, match="must be positive"):
        SpendingLimit("team lead", Decimal(amount))


def test_a_limit_that_is_not_a_decimal_gets_a_clear_error() -> None:
    with pytest.raises(TypeError, match="limits are Decimal, not int"):
        SpendingLimit("team lead", 500)  # type: ignore[arg-type]


def test_an_expense_in_float_gets_a_clear_error() -> None:
    with pytest.raises(TypeError, match="amounts of money are Decimal, not float"):
        Expense("Eve", 30.0, "lunch")  # type: ignore[arg-type]
