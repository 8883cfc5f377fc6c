"""Claims of the strategy page that its blocks cannot print: what mypy checks, what is refused."""

from __future__ import annotations

from decimal import Decimal

import pytest

from snippets.behavioral.strategy import Order, register
from tests.typecheck import Mypy


def test_mypy_checks_every_registered_rule_against_the_protocol(mypy: Mypy) -> None:
    report = mypy.check(
        """
            from decimal import Decimal
            from typing import Protocol

            from snippets.behavioral.strategy import (
                Order, choose_shipping, register,
            )


            @register("renamed")  # the `/` makes the parameter's name free
            def renamed(basket: Order) -> Decimal:
                return Decimal("4.90")


            register("standard")(choose_shipping("standard").cost)  # a bound method


            @register("by country")
            def by_country(country: str) -> Decimal:
                return Decimal("4.90")


            @register("as float")
            def as_float(order: Order) -> float:
                return 4.9


            class NamedRule(Protocol):  # ShippingRule without the `/`
                def __call__(self, order: Order) -> Decimal: ...


            named: NamedRule = renamed
            """
    )
    errors = report.errors
    assert report.status == 1
    assert len(errors) == 3, report.text
    assert (
        'Argument 1 has incompatible type "Callable[[str], Decimal]"; expected "ShippingRule"'
        in (errors[0])
    )
    assert 'incompatible type "Callable[[Order], float]"; expected "ShippingRule"' in errors[1]
    assert 'variable has type "NamedRule"' in errors[2]


def test_register_refuses_a_name_that_is_taken() -> None:
    with pytest.raises(ValueError, match="a shipping rule is already registered as 'parcel'"):

        @register("parcel")
        def cheap_parcel(order: Order) -> Decimal:
            return Decimal("2.90")


def test_an_order_of_no_weight_is_refused() -> None:
    with pytest.raises(ValueError, match="a parcel must weigh more than 0 kg, got 0"):
        Order(Decimal("10.00"), Decimal(0), "DE")
