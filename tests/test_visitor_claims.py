"""Claims of the visitor page that its blocks do not print: amounts that are not numbers."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal

import pytest

from snippets.behavioral.visitor import (
    VAT_STANDARD,
    Discount,
    InvoiceError,
    LineItem,
    NetTotal,
)


@pytest.mark.parametrize("value", ["NaN", "sNaN", "Infinity"])
@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda v: LineItem("Desk lamp", 1, v, VAT_STANDARD), "a price is 0 or more"),
        (lambda v: LineItem("Desk lamp", 1, Decimal(45), v), "a VAT rate is a fraction"),
        (lambda v: Discount("Kit discount", v, VAT_STANDARD), "a discount is a positive"),
    ],
)
def test_amounts_that_are_not_numbers_get_the_pages_error(
    make: Callable[[Decimal], object], message: str, value: str
) -> None:
    with pytest.raises(InvoiceError, match=message):
        make(Decimal(value))


def test_whole_numbers_are_still_amounts() -> None:
    lamp = LineItem("Desk lamp", 2, 45, 0)  # type: ignore[arg-type]
    discount = Discount("Kit discount", 40, VAT_STANDARD)  # type: ignore[arg-type]
    assert (lamp.accept(NetTotal()), discount.accept(NetTotal())) == (Decimal(90), Decimal(-40))
