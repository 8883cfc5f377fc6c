"""Claims of the visitor page that its blocks do not print: bad amounts, mypy's verdict."""

from __future__ import annotations

import re
import runpy
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path

import pytest

from snippets.behavioral.visitor import (
    VAT_STANDARD,
    Discount,
    Invoice,
    InvoiceError,
    LineItem,
    NetTotal,
)
from tests.typecheck import Mypy

PAGE = Path(__file__).resolve().parent.parent / "docs" / "behavioral" / "visitor.md"


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


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (
            lambda: LineItem("Desk lamp", 0, Decimal("45.00"), VAT_STANDARD),
            "'Desk lamp': the quantity must be at least 1, got 0",
        ),
        (
            lambda: LineItem("Desk lamp", 1, Decimal("45.00"), Decimal("19")),
            "'Desk lamp': a VAT rate is a fraction such as 0.19, got 19",
        ),
        (lambda: Invoice("2024-0043", "Café Lumière", items=()), "invoice 2024-0043 has no items"),
    ],
)
def test_values_no_invoice_may_hold_are_refused_with_a_message_naming_them(
    make: Callable[[], object], message: str
) -> None:
    with pytest.raises(InvoiceError, match=re.escape(message)):
        make()


KIT_WITH_SHIPPING = """\
from dataclasses import dataclass
from decimal import Decimal
from typing import assert_never


@dataclass
class Item:
    description: str
    quantity: int
    unit_price: Decimal


@dataclass
class Kit:
    description: str
    items: list["KitLine"]


@dataclass
class Rebate:
    description: str
    amount: Decimal


@dataclass
class Shipping:
    amount: Decimal


KitLine = Item | Kit | Rebate | Shipping


def kit_total(node: KitLine) -> Decimal:
    match node:
        case Item(quantity=quantity, unit_price=price):
            return quantity * price
        case Kit(items=items):
            return sum((kit_total(item) for item in items), Decimal(0))
        case Rebate(amount=amount):
            return -amount
        # SHIPPING
        case _:
            assert_never(node)
"""


def test_mypy_names_the_class_a_match_over_a_closed_union_forgot(
    mypy: Mypy, tmp_path: Path
) -> None:
    quoted = [line for line in PAGE.read_text().splitlines() if 'assert_never" has' in line]
    assert len(quoted) == 1, "the page quotes mypy's message once, in a text block"
    handled = KIT_WITH_SHIPPING.replace(
        "# SHIPPING", "case Shipping(amount=amount):\n            return amount"
    )
    forgotten = mypy.check(KIT_WITH_SHIPPING, name="forgotten")
    assert forgotten.status == 1 and f": {quoted[0]}\n" in forgotten.text, forgotten.text
    assert mypy.check(handled, name="handled").status == 0  # with the case added, it passes

    namespace = runpy.run_path(str(tmp_path / "forgotten.py"))  # and if it runs anyway
    kit_total, shipping = namespace["kit_total"], namespace["Shipping"]
    assert callable(kit_total) and callable(shipping)
    with pytest.raises(
        AssertionError, match=r"^Expected code to be unreachable, but got: Shipping"
    ):
        kit_total(shipping(Decimal("6.90")))


def test_a_final_wildcard_case_turns_a_bare_name_capture_into_a_syntax_error() -> None:
    page = PAGE.read_text()
    start = page.index("def sign(")
    sign = page[start : page.index("\n\n", start)]  # the pitfall's function, as shown
    compile(sign, "sign", "exec")  # as the last case, the capture is accepted
    for ending in ["raise TypeError(node)", "assert_never(node)"]:
        with pytest.raises(SyntaxError, match="name capture 'Discount' makes remaining"):
            compile(f"{sign}\n        case _:\n            {ending}\n", "sign", "exec")
