"""Claims of the composite page: bad definitions fail early, with a message naming them.

Without these checks a float price or a fractional discount is accepted and breaks the
first `price()` of a bundle, far from the mistake, and a refused `add` half-fills a bundle.
"""

from decimal import Decimal
from typing import Any

import pytest

from snippets.structural.composite import (
    OFFICE_KIT,
    Bundle,
    Category,
    PricingError,
    Product,
    price_of,
)


@pytest.mark.parametrize(
    ("price", "quantity", "message"),
    [
        (9.9, 1, "KB-TKL: price is a finite Decimal >= 0, not 9.9"),
        ("89.00", 1, "KB-TKL: price is a finite Decimal >= 0, not '89.00'"),
        (Decimal("NaN"), 1, "KB-TKL: price is a finite Decimal >= 0, not Decimal('NaN')"),
        (Decimal("Inf"), 1, "KB-TKL: price is a finite Decimal >= 0, not Decimal('Infinity')"),
        (Decimal("-89.00"), 1, "KB-TKL: price is a finite Decimal >= 0, not Decimal('-89.00')"),
        (Decimal("89.00"), 1.5, "KB-TKL: quantity is an int >= 1, not 1.5"),
        (Decimal("89.00"), 0, "KB-TKL: quantity is an int >= 1, not 0"),
    ],
)
def test_a_product_refuses_what_it_cannot_price(price: Any, quantity: Any, message: str) -> None:
    with pytest.raises(PricingError) as caught:
        Product("KB-TKL", "Mechanical keyboard", price, quantity)
    assert str(caught.value) == message


@pytest.mark.parametrize("discount", [12.5, "10", -1, 100, 120])
def test_a_bundle_refuses_a_discount_it_cannot_apply(discount: Any) -> None:
    with pytest.raises(PricingError, match="Clearance: a discount is 0 to 99 percent, got"):
        Bundle("Clearance", discount)


def test_a_refused_add_leaves_the_bundle_unchanged() -> None:
    mouse = Product("MS-ERGO", "Ergonomic mouse", Decimal("49.00"))
    peripherals = Bundle("Peripherals")
    with pytest.raises(PricingError, match="holds products and bundles, not"):
        peripherals.add(mouse, {"sku": "KB-TKL", "price": "89.00"})  # type: ignore[arg-type]
    with pytest.raises(PricingError, match="to itself"):
        peripherals.add(mouse, peripherals)
    assert peripherals.children() == ()
    assert peripherals.add(mouse).price() == Decimal("49.00")
    office = Bundle("Home office kit").add(peripherals)
    with pytest.raises(PricingError) as caught:
        peripherals.add(office)  # a cycle through another bundle
    assert str(caught.value) == "cannot add 'Home office kit' to 'Peripherals', which it contains"
    assert peripherals.children() == (mouse,)


def test_child_management_is_on_the_bundle_only_the_safe_form() -> None:
    keyboard = Product("KB-TKL", "Mechanical keyboard", Decimal("89.00"))
    with pytest.raises(AttributeError, match="'Product' object has no attribute 'add'"):
        keyboard.add(keyboard)  # type: ignore[attr-defined]
    assert keyboard.children() == ()  # reading children is on every Component


def test_a_category_refuses_to_remove_what_it_does_not_hold() -> None:
    shop, screens, monitors = Category("Shop"), Category("Screens"), Category("Monitors")
    screens.add(monitors)
    with pytest.raises(ValueError, match="'Monitors' is not in 'Shop'"):
        shop.remove(monitors)
    assert monitors.parent is screens and screens.children() == (monitors,)
    with pytest.raises(ValueError, match="cannot move 'Screens' into itself"):
        screens.add(screens)


@pytest.mark.parametrize(
    "spec",
    [
        {"bundle": "Clearance", "discount": 12.5, "items": []},  # int() would make it 12
        {"bundle": "Clearance", "discount": 100, "items": []},
        {"sku": "MON-27", "price": "279.00", "quantity": 1.5},  # int() would make it 1
        {"sku": "MON-27", "price": "279.00", "quantity": 0},
    ],
)
def test_the_pythonic_version_refuses_numbers_it_cannot_use(spec: dict[str, Any]) -> None:
    with pytest.raises(PricingError, match="not a valid product or bundle"):
        price_of(spec)
    assert price_of(OFFICE_KIT) == Decimal("1699.29")
