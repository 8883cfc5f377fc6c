"""Strategy: shipping costs chosen at checkout, as classes and as plain functions.

Run it with `python -m snippets.behavioral.strategy`.
"""

# --8<-- [start:imports]
import functools
import operator
from abc import ABC, abstractmethod
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from decimal import ROUND_CEILING, ROUND_HALF_UP, Decimal

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
        if self.subtotal < 0:
            raise ValueError(f"a subtotal cannot be negative, got {self.subtotal}")
        if self.weight_kg <= 0:
            raise ValueError(
                f"a parcel must weigh more than 0 kg, got {self.weight_kg}"
            )
        if len(self.destination) != 2 or not self.destination.isupper():
            raise ValueError(
                f"a destination is a country code like 'DE', got {self.destination!r}"
            )


# --8<-- [end:order]


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
        started_kilograms = order.weight_kg.to_integral_value(ROUND_CEILING)
        return money(self.base + self.per_kg * started_kilograms)


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
        fee = self.shipping.cost(self.order)
        if fee < 0:
            raise ValueError(
                f"shipping {self.shipping.name!r} returned a negative fee: {fee}"
            )
        return money(self.order.subtotal + fee)


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


# --8<-- [start:pythonic]
ShippingRule = Callable[[Order], Decimal]


def pickup(order: Order) -> Decimal:
    """Collected at the shop: nothing to pay."""
    return money(Decimal(0))


def parcel(order: Order, *, base: Decimal, per_kg: Decimal) -> Decimal:
    return ByWeight(base, per_kg).cost(order)


SHIPPING_RULES: dict[str, ShippingRule] = {
    "pickup": pickup,
    "parcel": functools.partial(parcel, base=Decimal("3.90"), per_kg=Decimal("1.00")),
    "bulky": functools.partial(parcel, base=Decimal("19.00"), per_kg=Decimal("0.50")),
}


def quotes(
    order: Order, rules: Mapping[str, ShippingRule]
) -> list[tuple[str, Decimal]]:
    """Every option with its fee, cheapest first: `sorted` takes a strategy too."""
    priced = [(name, rule(order)) for name, rule in rules.items()]
    return sorted(priced, key=operator.itemgetter(1))


# --8<-- [end:pythonic]


if __name__ == "__main__":
    # fmt: off
    # --8<-- [start:demo]
    basket = Order(Decimal("42.50"), weight_kg=Decimal("2.3"), destination="DE")
    checkout = Checkout(basket, choose_shipping("standard"))
    print(checkout.shipping.name, checkout.total())
    #> free from 50 EUR, else by weight 49.40
    for option in ["letter", "express"]:
        checkout.shipping = choose_shipping(option)  # the customer changes their mind
        print(checkout.shipping.name, checkout.total())
        #> flat rate 44.30
        #> express courier 52.40
    big_basket = Order(Decimal("120.00"), Decimal("7.5"), "AT")
    print(Checkout(big_basket, choose_shipping("standard")).total())
    #> 120.00
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
    try:
        Order(Decimal("10.00"), Decimal(0), "DE")
    except ValueError as exc:
        print(exc)
        #> a parcel must weigh more than 0 kg, got 0
    # --8<-- [end:demo-errors]

    # --8<-- [start:demo-pythonic]
    for name, fee in quotes(basket, SHIPPING_RULES):
        print(f"{name:<7} {fee:>6} EUR")
        #> pickup    0.00 EUR
        #> parcel    6.90 EUR
        #> bulky    20.50 EUR
    # --8<-- [end:demo-pythonic]
    # fmt: on
