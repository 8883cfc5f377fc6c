"""The facade page's promise: a failure at any step undoes every step already taken."""

import functools
from collections.abc import Callable, Iterable, Mapping
from decimal import Decimal

import pytest

from snippets.structural.facade import (
    CATALOGUE,
    RATES,
    CheckoutError,
    CheckoutService,
    Inventory,
    OrderConfirmation,
    PaymentGateway,
    Reservation,
    ShippingService,
    place_order,
)

Checkout = Callable[[Mapping[str, int], str, str], OrderConfirmation]


class CarrierDown(ShippingService):
    def book(self, country: str, weight_grams: int) -> str:
        raise ConnectionError("the carrier's booking service is not answering")


class CaptureTimesOut(PaymentGateway):
    def capture(self, reference: str) -> None:
        raise TimeoutError(f"no answer to the capture of {reference}")


class StockDatabaseReadOnly(Inventory):
    def commit(self, reservations: Iterable[Reservation]) -> None:
        raise PermissionError("the stock database is read-only")


def build(
    version: str, inventory: Inventory, payments: PaymentGateway, shipping: ShippingService
) -> Checkout:
    if version == "class":
        return CheckoutService(CATALOGUE, inventory, payments, shipping).place_order
    return functools.partial(
        place_order,
        catalogue=CATALOGUE,
        inventory=inventory,
        payments=payments,
        shipping=shipping,
    )


STOCK = {"MUG-BLUE": 5, "GRINDER": 2}


@pytest.mark.parametrize("version", ["class", "function"])
@pytest.mark.parametrize(
    ("failing_step", "error", "last_payment_event"),
    [
        ("book", ConnectionError, "voided AUTH-0001"),
        ("capture", TimeoutError, "voided AUTH-0001"),
        ("commit", PermissionError, "refunded AUTH-0001"),
    ],
)
def test_a_failure_after_the_authorization_leaves_nothing_reserved_held_or_booked(
    version: str, failing_step: str, error: type[Exception], last_payment_event: str
) -> None:
    inventory = StockDatabaseReadOnly(STOCK) if failing_step == "commit" else Inventory(STOCK)
    payments = CaptureTimesOut() if failing_step == "capture" else PaymentGateway()
    shipping = CarrierDown(RATES) if failing_step == "book" else ShippingService(RATES)
    checkout = build(version, inventory, payments, shipping)

    with pytest.raises(error):
        checkout({"MUG-BLUE": 2, "GRINDER": 1}, "tok_visa", "DE")

    assert {sku: inventory.available(sku) for sku in STOCK} == STOCK
    assert payments.held == {}
    assert payments.history[-1] == last_payment_event
    assert shipping.booked == set()


@pytest.mark.parametrize("version", ["class", "function"])
def test_a_successful_order_commits_captures_and_books(version: str) -> None:
    inventory, payments, shipping = Inventory(STOCK), PaymentGateway(), ShippingService(RATES)
    order = build(version, inventory, payments, shipping)({"GRINDER": 2}, "tok_visa", "NL")
    assert inventory.available("GRINDER") == 0
    assert payments.held == {}
    assert payments.history == ["authorized 186.50 as AUTH-0001", "captured AUTH-0001"]
    assert shipping.booked == {order.tracking_number}


def test_commit_is_all_or_nothing() -> None:
    inventory = Inventory(STOCK)
    mugs, grinder = inventory.reserve("MUG-BLUE", 2), inventory.reserve("GRINDER", 1)
    inventory.release(grinder)  # say, support cancelled it in the meantime
    with pytest.raises(LookupError, match="nothing was committed"):
        inventory.commit([mugs, grinder])
    assert inventory.available("MUG-BLUE") == 3  # the mugs are still only reserved
    inventory.release(mugs)
    assert inventory.available("MUG-BLUE") == 5


def test_the_payment_sandbox_refuses_unknown_references() -> None:
    payments = PaymentGateway()
    reference = payments.authorize("tok_visa", Decimal("10.00"))
    payments.reverse(reference)
    with pytest.raises(LookupError, match="no authorization 'AUTH-0001' is held"):
        payments.capture(reference)
    with pytest.raises(LookupError, match="no payment 'AUTH-0001' to reverse"):
        payments.reverse(reference)


class ReverseFails(PaymentGateway):
    def reverse(self, reference: str) -> None:
        raise RuntimeError(f"the reversal of {reference} failed")


@pytest.mark.parametrize(("version", "grinders_left"), [("class", 1), ("function", 2)])
def test_only_exitstack_runs_the_remaining_undo_calls_after_one_raises(
    version: str, grinders_left: int
) -> None:
    inventory = Inventory(STOCK)
    checkout = build(version, inventory, ReverseFails(), CarrierDown(RATES))
    with pytest.raises(RuntimeError, match="reversal of AUTH-0001 failed") as raised:
        checkout({"GRINDER": 1}, "tok_visa", "DE")
    assert isinstance(raised.value.__context__, ConnectionError)
    assert inventory.available("GRINDER") == grinders_left


@pytest.mark.parametrize("version", ["class", "function"])
@pytest.mark.parametrize(
    ("cart", "country", "message"),
    [
        ({}, "DE", "the cart is empty"),
        ({"MUG-BLUE": 0}, "DE", "order at least 1 of 'MUG-BLUE', not 0"),
        ({"MUG-BLUE": 9}, "DE", "only 5 of 'MUG-BLUE' in stock, cannot reserve 9"),
        ({"TEAPOT": 1}, "DE", "unknown product 'TEAPOT'"),
        ({"MUG-BLUE": 1}, "US", "no shipping to 'US'; we ship to DE, FR, NL"),
    ],
)
def test_a_bad_order_is_a_checkout_error_that_leaves_nothing_behind(
    version: str, cart: dict[str, int], country: str, message: str
) -> None:
    inventory, payments, shipping = Inventory(STOCK), PaymentGateway(), ShippingService(RATES)
    with pytest.raises(CheckoutError) as raised:
        build(version, inventory, payments, shipping)(cart, "tok_visa", country)
    assert str(raised.value) == message
    assert {sku: inventory.available(sku) for sku in STOCK} == STOCK
    assert payments.history == [] and shipping.booked == set()
