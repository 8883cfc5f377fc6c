"""The adapter page's rule: no vendor error leaves an adapter's charge or refund."""

from collections.abc import Callable
from decimal import Decimal

import pytest

from snippets.structural.adapter import (
    CardStreamAdapter,
    CardStreamClassAdapter,
    CardStreamClient,
    CardStreamError,
    LedgerPayAdapter,
    LedgerPayError,
    LedgerPayGateway,
    Money,
    PaymentDeclinedError,
    PaymentGateway,
    Receipt,
    cardstream_charge,
    charge_basket,
)

KEY = "cs_test_4eC39"
ADAPTERS: dict[str, tuple[Callable[[], PaymentGateway], type[Exception]]] = {
    "object adapter": (lambda: CardStreamAdapter(CardStreamClient(api_key=KEY)), CardStreamError),
    "class adapter": (lambda: CardStreamClassAdapter(api_key=KEY), CardStreamError),
    "ledgerpay": (lambda: LedgerPayAdapter(LedgerPayGateway("M20417")), LedgerPayError),
}
TEN_EUROS = Money(Decimal("10.00"), "EUR")


@pytest.mark.parametrize("name", ADAPTERS)
def test_refunding_an_unknown_charge_is_a_translated_error(name: str) -> None:
    make, vendor_error = ADAPTERS[name]
    gateway = make()
    unknown = Receipt(
        gateway.provider, "ch_0099" if vendor_error is CardStreamError else "LP-9", TEN_EUROS
    )
    with pytest.raises(PaymentDeclinedError, match=f"{gateway.provider} declined the refund: "):
        gateway.refund(unknown)


@pytest.mark.parametrize("name", ADAPTERS)
def test_refunding_twice_is_a_translated_error_chained_to_the_vendors(name: str) -> None:
    make, vendor_error = ADAPTERS[name]
    gateway = make()
    receipt = gateway.charge(TEN_EUROS, "tok_visa_4242")
    assert gateway.refund(receipt).kind == "refund"
    with pytest.raises(PaymentDeclinedError) as raised:
        gateway.refund(receipt)
    assert raised.value.reason in {"charge_already_refunded", "already_reversed"}
    assert isinstance(raised.value.__cause__, vendor_error)


def test_a_declined_charge_cannot_be_refunded() -> None:
    client = CardStreamClient(api_key=KEY)
    declined = client.create_charge(1000, "eur", "tok_declined")
    with pytest.raises(PaymentDeclinedError, match="declined the refund: resource_missing"):
        CardStreamAdapter(client).refund(Receipt("cardstream", declined["id"], TEN_EUROS))


def test_the_function_adapter_translates_declines_too() -> None:
    charge = cardstream_charge(CardStreamClient(api_key=KEY))
    with pytest.raises(PaymentDeclinedError, match="cardstream declined the charge"):
        charge(TEN_EUROS, "tok_declined")


@pytest.mark.parametrize("amount", ["NaN", "sNaN", "Infinity", "-Infinity", "0", "-0.01"])
def test_money_refuses_amounts_that_are_not_positive_numbers(amount: str) -> None:
    with pytest.raises(ValueError, match="an amount must be positive, got"):
        Money(Decimal(amount), "EUR")


@pytest.mark.parametrize(
    ("amount", "currency", "message"),
    [
        ("-5.00", "EUR", "an amount must be positive, got -5.00"),
        ("19.999", "EUR", "EUR amounts have at most 2 decimal places, got 19.999"),
        ("0.5", "JPY", "JPY amounts have at most 0 decimal places, got 0.5"),
        ("10", "BTC", "unknown currency 'BTC'; use one of EUR, GBP, JPY, USD"),
    ],
)
def test_a_bad_amount_never_reaches_an_sdk(amount: str, currency: str, message: str) -> None:
    with pytest.raises(ValueError) as raised:
        Money(Decimal(amount), currency)
    assert str(raised.value) == message


def test_an_empty_basket_is_refused_before_the_sdk_is_called() -> None:
    client = CardStreamClient(api_key=KEY)
    with pytest.raises(ValueError, match="an amount must be positive, got 0"):
        charge_basket(cardstream_charge(client), [], "tok_visa_4242")
    assert client.create_charge(100, "eur", "tok_visa_4242")["id"] == "ch_0001"
