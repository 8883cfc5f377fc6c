"""Facade: one checkout call over a catalogue, stock, card payments and shipping.

Run it with `python -m snippets.structural.facade`.
"""

# --8<-- [start:imports]
import functools
import itertools
from collections.abc import Callable, Iterable, Mapping
from contextlib import ExitStack
from dataclasses import dataclass
from decimal import Decimal

# --8<-- [end:imports]


# --8<-- [start:errors]
class CheckoutError(ValueError):
    """An order cannot be placed as asked; the message says why."""


class OutOfStockError(CheckoutError):
    """Fewer items are available than the order asks for."""


class PaymentDeclinedError(CheckoutError):
    """The payment provider refused to authorize the amount."""


# --8<-- [end:errors]


# --8<-- [start:catalogue]
@dataclass(frozen=True)
class Product:
    """An article the shop sells, with what checkout needs to know about it."""

    sku: str
    name: str
    price: Decimal
    weight_grams: int


class Catalogue:
    """What the shop sells, by SKU."""

    def __init__(self, products: Iterable[Product]) -> None:
        self._products = {product.sku: product for product in products}

    def product(self, sku: str) -> Product:
        """The product with this SKU; an unknown SKU is a `CheckoutError`."""
        try:
            return self._products[sku]
        except KeyError:
            raise CheckoutError(f"unknown product {sku!r}") from None


# --8<-- [end:catalogue]


# --8<-- [start:inventory]
@dataclass(frozen=True)
class Reservation:
    """Items set aside for one order until it is paid for or abandoned."""

    reservation_id: int
    sku: str
    quantity: int


class Inventory:
    """Stock on hand per SKU, minus what open orders have reserved."""

    def __init__(self, stock: Mapping[str, int]) -> None:
        self._on_hand = dict(stock)
        self._reserved: dict[int, Reservation] = {}
        self._ids = itertools.count(1)

    def available(self, sku: str) -> int:
        """How many items of `sku` a new order may still reserve."""
        reserved = sum(r.quantity for r in self._reserved.values() if r.sku == sku)
        return self._on_hand.get(sku, 0) - reserved

    def reserve(self, sku: str, quantity: int) -> Reservation:
        """Set items aside, or raise `OutOfStockError` if there are not enough."""
        if quantity < 1:
            raise CheckoutError(f"order at least 1 of {sku!r}, not {quantity}")
        left = self.available(sku)
        if quantity > left:
            raise OutOfStockError(
                f"only {left} of {sku!r} in stock, cannot reserve {quantity}"
            )
        reservation = Reservation(next(self._ids), sku, quantity)
        self._reserved[reservation.reservation_id] = reservation
        return reservation

    def release(self, reservation: Reservation) -> None:
        """Put reserved items back on the shelf: the order was abandoned."""
        self._reserved.pop(reservation.reservation_id, None)

    def commit(self, reservations: Iterable[Reservation]) -> None:
        """The order is paid for: its items leave the stock for good, all or none."""
        reservations = list(reservations)
        if any(r.reservation_id not in self._reserved for r in reservations):
            raise LookupError("a reservation was released; nothing was committed")
        for reservation in reservations:
            del self._reserved[reservation.reservation_id]
            self._on_hand[reservation.sku] -= reservation.quantity

    def restock(self, sku: str, quantity: int) -> None:
        """Book a delivery into the stock (the warehouse calls this directly)."""
        if quantity < 1:
            raise ValueError(f"a delivery holds at least 1 item, got {quantity}")
        self._on_hand[sku] = self._on_hand.get(sku, 0) + quantity


# --8<-- [end:inventory]


# --8<-- [start:payments]
class PaymentGateway:
    """A card payment provider's sandbox: authorize, then capture or reverse.

    Like a real sandbox, it declines the test cards it is told to decline.
    """

    def __init__(self, declined_cards: Iterable[str] = ()) -> None:
        self._declined = set(declined_cards)
        self._ids = itertools.count(1)
        self._captured: set[str] = set()
        self.held: dict[str, Decimal] = {}  # authorized, not yet captured or voided
        self.history: list[str] = []

    def authorize(self, card_token: str, amount: Decimal) -> str:
        """Hold `amount` on the card and return the authorization's reference."""
        if card_token in self._declined:
            self.history.append(f"declined {amount} on {card_token}")
            raise PaymentDeclinedError(f"the card {card_token!r} was declined")
        reference = f"AUTH-{next(self._ids):04d}"
        self.held[reference] = amount
        self.history.append(f"authorized {amount} as {reference}")
        return reference

    def capture(self, reference: str) -> None:
        """Take the money that an authorization holds."""
        if reference not in self.held:
            raise LookupError(f"no authorization {reference!r} is held")
        del self.held[reference]
        self._captured.add(reference)
        self.history.append(f"captured {reference}")

    def reverse(self, reference: str) -> None:
        """Undo a payment: void it while it is held, refund it once it is captured."""
        if self.held.pop(reference, None) is not None:
            self.history.append(f"voided {reference}")
        elif reference in self._captured:
            self._captured.remove(reference)
            self.history.append(f"refunded {reference}")
        else:
            raise LookupError(f"no payment {reference!r} to reverse")


# --8<-- [end:payments]


# --8<-- [start:shipping]
class ShippingService:
    """A carrier: a base rate plus a rate per started kilogram, per country."""

    def __init__(self, rates: Mapping[str, tuple[Decimal, Decimal]]) -> None:
        self._rates = dict(rates)
        self._ids = itertools.count(1)
        self.booked: set[str] = set()

    def quote(self, country: str, weight_grams: int) -> Decimal:
        """The price of sending a parcel of `weight_grams` to `country`."""
        try:
            base, per_kilogram = self._rates[country]
        except KeyError:
            known = ", ".join(sorted(self._rates))
            raise CheckoutError(
                f"no shipping to {country!r}; we ship to {known}"
            ) from None
        started_kilograms = -(-weight_grams // 1000)
        return base + per_kilogram * started_kilograms

    def book(self, country: str, weight_grams: int) -> str:
        """Book a pick-up and return the parcel's tracking number."""
        tracking_number = f"TRK-{country}-{next(self._ids):05d}"
        self.booked.add(tracking_number)
        return tracking_number

    def cancel(self, tracking_number: str) -> None:
        """Cancel a booked pick-up."""
        self.booked.remove(tracking_number)


# --8<-- [end:shipping]


# --8<-- [start:facade]
@dataclass(frozen=True)
class OrderConfirmation:
    """What the customer is told once the order went through."""

    items_total: Decimal
    shipping: Decimal
    total: Decimal
    payment_reference: str
    tracking_number: str


class CheckoutService:
    """The facade: one call places an order across the four subsystem classes."""

    def __init__(
        self,
        catalogue: Catalogue,
        inventory: Inventory,
        payments: PaymentGateway,
        shipping: ShippingService,
    ) -> None:
        self._catalogue = catalogue
        self._inventory = inventory
        self._payments = payments
        self._shipping = shipping

    def place_order(
        self, cart: Mapping[str, int], card_token: str, country: str
    ) -> OrderConfirmation:
        """Reserve the items, charge the card, book the parcel and commit the stock.

        If a step raises, the steps already taken are undone, newest first, and the
        exception travels on (unless an undo call raises: that one travels on and
        stops the loop); a customer's mistake is a `CheckoutError`.
        """
        if not cart:
            raise CheckoutError("the cart is empty")
        lines = [(self._catalogue.product(sku), qty) for sku, qty in cart.items()]
        undo: list[Callable[[], None]] = []
        try:
            reservations = []
            for product, quantity in lines:
                reservation = self._inventory.reserve(product.sku, quantity)
                undo.append(functools.partial(self._inventory.release, reservation))
                reservations.append(reservation)
            items_total = sum((p.price * qty for p, qty in lines), Decimal(0))
            weight = sum(p.weight_grams * qty for p, qty in lines)
            shipping = self._shipping.quote(country, weight)
            reference = self._payments.authorize(card_token, items_total + shipping)
            undo.append(functools.partial(self._payments.reverse, reference))
            tracking_number = self._shipping.book(country, weight)
            undo.append(functools.partial(self._shipping.cancel, tracking_number))
            self._payments.capture(reference)
            self._inventory.commit(reservations)
        except BaseException:
            for step in reversed(undo):
                step()
            raise
        return OrderConfirmation(
            items_total, shipping, items_total + shipping, reference, tracking_number
        )


# --8<-- [end:facade]


# --8<-- [start:pythonic]
def place_order(
    cart: Mapping[str, int],
    card_token: str,
    country: str,
    *,
    catalogue: Catalogue,
    inventory: Inventory,
    payments: PaymentGateway,
    shipping: ShippingService,
) -> OrderConfirmation:
    """The same facade as a function; `ExitStack` remembers how to undo each step."""
    if not cart:
        raise CheckoutError("the cart is empty")
    lines = [(catalogue.product(sku), qty) for sku, qty in cart.items()]
    with ExitStack() as undo:
        reservations = []
        for product, quantity in lines:
            reservation = inventory.reserve(product.sku, quantity)
            undo.callback(inventory.release, reservation)
            reservations.append(reservation)
        items_total = sum((p.price * qty for p, qty in lines), Decimal(0))
        weight = sum(p.weight_grams * qty for p, qty in lines)
        shipping_cost = shipping.quote(country, weight)
        reference = payments.authorize(card_token, items_total + shipping_cost)
        undo.callback(payments.reverse, reference)
        tracking_number = shipping.book(country, weight)
        undo.callback(shipping.cancel, tracking_number)
        payments.capture(reference)
        inventory.commit(reservations)
        undo.pop_all()  # every step succeeded: nothing to undo on the way out
    total = items_total + shipping_cost
    return OrderConfirmation(
        items_total, shipping_cost, total, reference, tracking_number
    )


# --8<-- [end:pythonic]


# --8<-- [start:samples]
CATALOGUE = Catalogue(
    [
        Product("MUG-BLUE", "Blue enamel mug", Decimal("12.50"), 350),
        Product("BEANS-1KG", "Espresso beans, 1 kg", Decimal("24.90"), 1050),
        Product("GRINDER", "Hand coffee grinder", Decimal("89.00"), 700),
    ]
)
RATES = {
    "DE": (Decimal("4.90"), Decimal("1.00")),
    "FR": (Decimal("7.50"), Decimal("1.50")),
    "NL": (Decimal("6.50"), Decimal("1.00")),
}
# --8<-- [end:samples]

if __name__ == "__main__":
    # fmt: off
    # --8<-- [start:demo]
    inventory = Inventory({"MUG-BLUE": 5, "BEANS-1KG": 20, "GRINDER": 1})
    payments = PaymentGateway(declined_cards={"tok_chargeDeclined"})
    shipping = ShippingService(RATES)
    checkout = CheckoutService(CATALOGUE, inventory, payments, shipping)

    order = checkout.place_order({"MUG-BLUE": 2, "BEANS-1KG": 1}, "tok_visa", "NL")
    print(f"{order.items_total} + {order.shipping} shipping = {order.total}")
    #> 49.90 + 8.50 shipping = 58.40
    print(order.payment_reference, order.tracking_number)
    #> AUTH-0001 TRK-NL-00001
    print(inventory.available("MUG-BLUE"), inventory.available("BEANS-1KG"))
    #> 3 19
    # --8<-- [end:demo]

    # --8<-- [start:demo-declined]
    try:
        checkout.place_order({"GRINDER": 1}, "tok_chargeDeclined", "DE")
    except PaymentDeclinedError as exc:
        print(exc)
        #> the card 'tok_chargeDeclined' was declined
    print(inventory.available("GRINDER"))
    #> 1
    # --8<-- [end:demo-declined]

    # --8<-- [start:demo-direct]
    inventory.restock("GRINDER", 4)
    print(inventory.available("GRINDER"))
    #> 5
    for event in payments.history:
        print(event)
        #> authorized 58.40 as AUTH-0001
        #> captured AUTH-0001
        #> declined 94.90 on tok_chargeDeclined
    # --8<-- [end:demo-direct]

    # --8<-- [start:demo-undo]
    class CarrierDown(ShippingService):
        def book(self, country: str, weight_grams: int) -> str:
            raise ConnectionError("the carrier's booking service is not answering")

    outage = CheckoutService(CATALOGUE, inventory, payments, CarrierDown(RATES))
    try:
        outage.place_order({"GRINDER": 1}, "tok_visa", "DE")
    except ConnectionError as exc:
        print(exc)
        #> the carrier's booking service is not answering
    print(inventory.available("GRINDER"), payments.held, payments.history[-1])
    #> 5 {} voided AUTH-0002
    # --8<-- [end:demo-undo]

    # --8<-- [start:demo-pythonic]
    checkout_order = functools.partial(
        place_order,
        catalogue=CATALOGUE, inventory=inventory, payments=payments, shipping=shipping,
    )
    order = checkout_order({"GRINDER": 2}, "tok_visa", "FR")
    print(f"{order.total} {order.tracking_number}")
    #> 188.50 TRK-FR-00002
    try:
        checkout_order({"GRINDER": 1, "MUG-BLUE": 1}, "tok_chargeDeclined", "FR")
    except PaymentDeclinedError as exc:
        print(exc)
        #> the card 'tok_chargeDeclined' was declined
    print(inventory.available("GRINDER"), inventory.available("MUG-BLUE"))
    #> 3 3
    # --8<-- [end:demo-pythonic]
    # fmt: on
