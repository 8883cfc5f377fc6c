"""Strategy: shipping costs chosen at checkout, as classes and as plain functions.

Run it with `python -m snippets.behavioral.strategy`.
"""

# --8<-- [start:imports]
import operator
from abc import ABC, abstractmethod
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from decimal import ROUND_CEILING, ROUND_HALF_UP, Decimal
from typing import Protocol

# --8<-- [end:imports]


# --8<-- [start:order]
CENT = Decimal("0.01")


def money(amount: Decimal) -> Decimal:
    """Round to whole cents, half up, as invoices do."""
    return amount.quantize(CENT, rounding=ROUND_HALF_UP)


@dataclass(frozen=True)
class Order:
    """What every shipping strategy gets to look at."""

    subtotal: Decimal  # EUR, goods only
    weight_kg: Decimal
    destination: str  # ISO 3166 country code, such as "DE"

    def __post_init__(self) -> None:
        if self.weight_kg <= 0:
            raise ValueError(
                f"a parcel must weigh more than 0 kg, got {self.weight_kg}"
            )

    @property
    def started_kg(self) -> Decimal:
        """The weight rounded up to whole kilograms, as carriers charge it."""
        return self.weight_kg.to_integral_value(ROUND_CEILING)


# --8<-- [end:order]


# --8<-- [start:functions]
class ShippingRule(Protocol):
    """The strategy interface as a type: anything callable like this prices an order."""

    def __call__(self, order: Order, /) -> Decimal: ...


SHIPPING_RULES: dict[str, ShippingRule] = {}


def register(name: str) -> Callable[[ShippingRule], ShippingRule]:
    """A decorator that files a shipping rule under the name the shop shows."""

    def add(rule: ShippingRule) -> ShippingRule:
        if name in SHIPPING_RULES:
            raise ValueError(f"a shipping rule is already registered as {name!r}")
        SHIPPING_RULES[name] = rule
        return rule

    return add


@register("parcel")
def parcel(order: Order) -> Decimal:
    """3.90 EUR, plus 1.00 EUR per started kilogram."""
    return money(Decimal("3.90") + order.started_kg)


@register("freight")
def freight(order: Order) -> Decimal:
    """For heavy goods: 19.00 EUR, plus 0.50 EUR per started kilogram."""
    return money(Decimal("19.00") + Decimal("0.50") * order.started_kg)


def cheapest(order: Order) -> tuple[str, Decimal]:
    """Run every registered strategy on the order and keep the lowest fee."""
    fees = [(name, rule(order)) for name, rule in SHIPPING_RULES.items()]
    return min(fees, key=operator.itemgetter(1))


# --8<-- [end:functions]


# --8<-- [start:strategies]
class ShippingStrategy(ABC):
    """The strategy interface: one way of pricing the delivery of an order."""

    name: str

    @abstractmethod
    def cost(self, order: Order) -> Decimal:
        """The shipping fee for `order`, in EUR."""


class FlatRate(ShippingStrategy):
    """The same fee for every parcel."""

    name = "flat rate"

    def __init__(self, fee: Decimal) -> None:
        self.fee = fee

    def cost(self, order: Order) -> Decimal:
        return money(self.fee)


class ByWeight(ShippingStrategy):
    """A base fee plus a price per started kilogram."""

    name = "by weight"

    def __init__(self, base: Decimal, per_kg: Decimal) -> None:
        self.base = base
        self.per_kg = per_kg

    def cost(self, order: Order) -> Decimal:
        return money(self.base + self.per_kg * order.started_kg)


class ZoneRates(ShippingStrategy):
    """A courier's price list: one fee per destination country."""

    name = "express courier"

    def __init__(self, rates: Mapping[str, Decimal]) -> None:
        self.rates = dict(rates)

    def cost(self, order: Order) -> Decimal:
        try:
            return money(self.rates[order.destination])
        except KeyError:
            known = ", ".join(sorted(self.rates))
            raise ValueError(
                f"no {self.name} to {order.destination!r} (we deliver to {known})"
            ) from None


class FreeAbove(ShippingStrategy):
    """Free shipping from a threshold on; below it, another strategy decides."""

    def __init__(self, threshold: Decimal, otherwise: ShippingStrategy) -> None:
        self.threshold = threshold
        self.otherwise = otherwise
        self.name = f"free from {threshold} EUR, else {otherwise.name}"

    def cost(self, order: Order) -> Decimal:
        if order.subtotal >= self.threshold:
            return money(Decimal(0))
        return self.otherwise.cost(order)


# --8<-- [end:strategies]


# --8<-- [start:context]
class Checkout:
    """The context: it totals an order with whatever strategy it holds right now."""

    def __init__(self, order: Order, shipping: ShippingStrategy) -> None:
        self.order = order
        self.shipping = shipping  # swappable at run time

    def total(self) -> Decimal:
        return money(self.order.subtotal + self.shipping.cost(self.order))


SHIPPING_OPTIONS: dict[str, ShippingStrategy] = {
    "standard": FreeAbove(Decimal(50), ByWeight(Decimal("3.90"), Decimal("1.00"))),
    "letter": FlatRate(Decimal("1.80")),
    "express": ZoneRates({"DE": Decimal("9.90"), "AT": Decimal("14.90")}),
}


def choose_shipping(option: str) -> ShippingStrategy:
    """Look up the strategy the customer picked, by the name the shop shows."""
    try:
        return SHIPPING_OPTIONS[option]
    except KeyError:
        known = ", ".join(sorted(SHIPPING_OPTIONS))
        raise ValueError(
            f"unknown shipping option {option!r}; choose one of: {known}"
        ) from None


# --8<-- [end:context]


if __name__ == "__main__":
    # fmt: off
    # --8<-- [start:demo-functions]
    basket = Order(Decimal("42.50"), weight_kg=Decimal("2.3"), destination="DE")
    print(SHIPPING_RULES["parcel"](basket))
    #> 6.90
    pallet = Order(Decimal("980.00"), weight_kg=Decimal(40), destination="AT")
    print(cheapest(basket), cheapest(pallet))
    #> ('parcel', Decimal('6.90')) ('freight', Decimal('39.00'))
    # --8<-- [end:demo-functions]

    # --8<-- [start:demo]
    checkout = Checkout(basket, choose_shipping("standard"))
    print(checkout.shipping.name, checkout.total())
    #> free from 50 EUR, else by weight 49.40
    for option in ["letter", "express"]:
        checkout.shipping = choose_shipping(option)  # the customer changes their mind
        print(checkout.shipping.name, checkout.total())
        #> flat rate 44.30
        #> express courier 52.40
    print(Checkout(pallet, choose_shipping("standard")).total())
    #> 980.00
    # --8<-- [end:demo]

    # --8<-- [start:demo-errors]
    try:
        choose_shipping("drone")
    except ValueError as exc:
        print(exc)
        #> unknown shipping option 'drone'; choose one of: express, letter, standard
    try:
        tokyo = Order(Decimal("30.00"), Decimal(1), destination="JP")
        Checkout(tokyo, choose_shipping("express")).total()
    except ValueError as exc:
        print(exc)
        #> no express courier to 'JP' (we deliver to AT, DE)
    # --8<-- [end:demo-errors]
    # fmt: on
