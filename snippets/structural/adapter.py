"""Adapter: two payment providers' SDKs behind the one interface a checkout expects.

The two "vendor SDKs" below are small stand-ins written for this example; they keep
the shapes real SDKs have (amounts in cents or in decimal units, dictionaries or
dataclasses, status fields or exceptions) without talking to a network.

Run it with `python -m snippets.structural.adapter`.
"""

# --8<-- [start:imports]
import contextlib
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Literal, ParamSpec, Protocol, Self, runtime_checkable

# --8<-- [end:imports]


# --8<-- [start:vendor-cardstream]
class CardStreamError(Exception):
    """Raised by the CardStream SDK for a request it refuses; `code` says why."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code


class CardStreamClient:
    """Stand-in for vendor SDK number one.

    Amounts are whole cents, currencies are lowercase, responses are dictionaries, and
    a declined card is a response whose `status` is `"failed"`, not an exception.
    """

    def __init__(self, api_key: str) -> None:
        if not api_key.startswith("cs_"):
            raise CardStreamError(
                "invalid_api_key", "CardStream API keys start with 'cs_'"
            )
        self._charges: dict[str, dict[str, Any]] = {}
        self._refunded: set[str] = set()
        self.closed = False

    def create_charge(
        self, amount_cents: int, currency: str, source: str
    ) -> dict[str, Any]:
        if currency != currency.lower():
            raise CardStreamError(
                "invalid_currency", f"lowercase only, got {currency!r}"
            )
        declined = "declined" in source
        charge: dict[str, Any] = {
            "id": f"ch_{len(self._charges) + 1:04d}",
            "amount": amount_cents,
            "currency": currency,
            "status": "failed" if declined else "succeeded",
            "failure_code": "card_declined" if declined else None,
        }
        self._charges[charge["id"]] = charge
        return dict(charge)

    def create_refund(self, charge_id: str, amount_cents: int) -> dict[str, Any]:
        charge = self._charges.get(charge_id)
        if charge is None or charge["status"] != "succeeded":
            raise CardStreamError("resource_missing", f"no paid charge {charge_id}")
        if amount_cents > charge["amount"]:
            raise CardStreamError(
                "invalid_request", f"cannot refund {amount_cents} cents of {charge_id}"
            )
        if charge_id in self._refunded:
            raise CardStreamError(
                "charge_already_refunded", f"{charge_id} was refunded"
            )
        self._refunded.add(charge_id)
        return {
            "id": f"re_{charge_id[3:]}",
            "charge": charge_id,
            "amount": amount_cents,
            "currency": charge["currency"],
            "status": "succeeded",
        }

    def close(self) -> None:
        """Release the HTTP session (here: just remember that it was closed)."""
        self.closed = True


# --8<-- [end:vendor-cardstream]


# --8<-- [start:vendor-ledgerpay]
class LedgerPayError(Exception):
    """Raised by the LedgerPay SDK; `code` says why, in upper case."""

    def __init__(self, code: str, detail: str) -> None:
        super().__init__(f"{code}: {detail}")
        self.code = code


@dataclass(frozen=True)
class LedgerPayment:
    """What LedgerPay returns: decimal amounts in major units, ISO currency codes."""

    reference: str
    value: Decimal
    currency_code: str
    state: Literal["APPROVED", "REVERSED"]


class LedgerPayGateway:
    """Stand-in for vendor SDK number two: keyword arguments, exceptions on declines."""

    def __init__(self, merchant_id: str) -> None:
        self.merchant_id = merchant_id
        self._payments: dict[str, LedgerPayment] = {}

    def submit_payment(
        self, *, value: Decimal, currency_code: str, card_reference: str
    ) -> LedgerPayment:
        if currency_code != currency_code.upper():
            raise LedgerPayError(
                "INVALID_CURRENCY", f"upper case only: {currency_code}"
            )
        if "declined" in card_reference:
            raise LedgerPayError("DO_NOT_HONOR", "the issuer declined the card")
        reference = f"LP-{self.merchant_id}-{len(self._payments) + 1}"
        payment = LedgerPayment(reference, value, currency_code, "APPROVED")
        self._payments[reference] = payment
        return payment

    def reverse_payment(self, reference: str) -> LedgerPayment:
        payment = self._payments.get(reference)
        if payment is None:
            raise LedgerPayError("UNKNOWN_REFERENCE", reference)
        if payment.state == "REVERSED":
            raise LedgerPayError("ALREADY_REVERSED", reference)
        reversed_payment = LedgerPayment(
            reference, payment.value, payment.currency_code, "REVERSED"
        )
        self._payments[reference] = reversed_payment
        return reversed_payment


# --8<-- [end:vendor-ledgerpay]


# --8<-- [start:money]
DECIMAL_PLACES = {"EUR": 2, "GBP": 2, "USD": 2, "JPY": 0}


@dataclass(frozen=True)
class Money:
    """A positive amount in a known currency, exact to the currency's smallest unit."""

    amount: Decimal
    currency: str

    def __post_init__(self) -> None:
        if not isinstance(self.amount, Decimal):
            raise TypeError(
                f"money amounts are Decimal, not {type(self.amount).__name__}: "
                f"write Decimal('{self.amount}')"
            )
        if self.currency not in DECIMAL_PLACES:
            known = ", ".join(sorted(DECIMAL_PLACES))
            raise ValueError(f"unknown currency {self.currency!r}; use one of {known}")
        if not (self.amount.is_finite() and self.amount > 0):
            raise ValueError(f"an amount must be positive, got {self.amount}")
        places = DECIMAL_PLACES[self.currency]
        if self.amount != round(self.amount, places):
            raise ValueError(
                f"{self.currency} amounts have at most {places} decimal places, "
                f"got {self.amount}"
            )

    @property
    def minor_units(self) -> int:
        """The amount in the currency's smallest unit: cents for EUR, yen for JPY."""
        return int(self.amount.scaleb(DECIMAL_PLACES[self.currency]))

    @classmethod
    def from_minor_units(cls, units: int, currency: str) -> Self:
        places = DECIMAL_PLACES.get(currency.upper(), 0)
        return cls(Decimal(units).scaleb(-places), currency.upper())

    def __str__(self) -> str:
        return f"{self.amount} {self.currency}"


# --8<-- [end:money]


# --8<-- [start:target]
Kind = Literal["charge", "refund"]


@dataclass(frozen=True)
class Receipt:
    """Proof of a charge or a refund, the same shape whichever provider made it."""

    provider: str
    reference: str
    money: Money
    kind: Kind = "charge"

    def __str__(self) -> str:
        return f"{self.kind} {self.reference}: {self.money} via {self.provider}"


class PaymentDeclinedError(Exception):
    """The provider refused a charge or a refund; `reason` is a lowercase code."""

    def __init__(self, provider: str, reason: str, kind: Kind = "charge") -> None:
        super().__init__(f"{provider} declined the {kind}: {reason}")
        self.provider = provider
        self.reason = reason


@runtime_checkable
class PaymentGateway(Protocol):
    """The target: the only payment interface the checkout code knows."""

    provider: str

    def charge(self, money: Money, card_token: str) -> Receipt:
        """Take `money` from the card; raise `PaymentDeclinedError` on a decline."""
        ...

    def refund(self, receipt: Receipt) -> Receipt:
        """Give back a charge made by this provider, or raise `PaymentDeclinedError`."""
        ...


def check_refundable(provider: str, receipt: Receipt) -> None:
    """Refuse receipts that belong to another provider or are refunds already."""
    if receipt.provider != provider:
        raise ValueError(
            f"{receipt.reference} is a {receipt.provider} receipt; "
            f"{provider} cannot refund it"
        )
    if receipt.kind != "charge":
        raise ValueError(f"receipt {receipt.reference} is a refund, not a charge")


# --8<-- [end:target]


# --8<-- [start:object-adapters]
P = ParamSpec("P")


def cardstream_request(
    kind: Kind, request: Callable[P, dict[str, Any]], *args: P.args, **kwargs: P.kwargs
) -> Receipt:
    """Make one CardStream request and translate its outcome: a refused request or a
    failed status becomes `PaymentDeclinedError`, cents become `Money`."""
    try:
        response = request(*args, **kwargs)
    except CardStreamError as exc:
        raise PaymentDeclinedError("cardstream", exc.code, kind) from exc
    if response["status"] != "succeeded":
        raise PaymentDeclinedError("cardstream", response["failure_code"], kind)
    money = Money.from_minor_units(response["amount"], response["currency"])
    return Receipt("cardstream", response["id"], money, kind)


class CardStreamAdapter:
    """Object adapter: holds a `CardStreamClient` and speaks `PaymentGateway`."""

    provider = "cardstream"

    def __init__(self, client: CardStreamClient) -> None:
        self._client = client

    def charge(self, money: Money, card_token: str) -> Receipt:
        return cardstream_request(
            "charge",
            self._client.create_charge,
            money.minor_units,
            money.currency.lower(),
            card_token,
        )

    def refund(self, receipt: Receipt) -> Receipt:
        check_refundable(self.provider, receipt)
        return cardstream_request(
            "refund",
            self._client.create_refund,
            receipt.reference,
            receipt.money.minor_units,
        )


class LedgerPayAdapter:
    """Object adapter: holds a `LedgerPayGateway` and speaks `PaymentGateway`."""

    provider = "ledgerpay"

    def __init__(self, gateway: LedgerPayGateway) -> None:
        self._gateway = gateway

    def charge(self, money: Money, card_token: str) -> Receipt:
        try:
            payment = self._gateway.submit_payment(
                value=money.amount,
                currency_code=money.currency,
                card_reference=card_token,
            )
        except LedgerPayError as exc:
            raise PaymentDeclinedError(self.provider, exc.code.lower()) from exc
        return Receipt(self.provider, payment.reference, money)

    def refund(self, receipt: Receipt) -> Receipt:
        check_refundable(self.provider, receipt)
        try:
            payment = self._gateway.reverse_payment(receipt.reference)
        except LedgerPayError as exc:
            raise PaymentDeclinedError(
                self.provider, exc.code.lower(), "refund"
            ) from exc
        money = Money(payment.value, payment.currency_code)
        return Receipt(self.provider, f"{payment.reference}/R", money, "refund")


# --8<-- [end:object-adapters]


# --8<-- [start:class-adapter]
class CardStreamClassAdapter(CardStreamClient):
    """Class adapter: *is* a `CardStreamClient`, plus the `PaymentGateway` methods."""

    provider = "cardstream"

    def charge(self, money: Money, card_token: str) -> Receipt:
        return cardstream_request(
            "charge",
            self.create_charge,
            money.minor_units,
            money.currency.lower(),
            card_token,
        )

    def refund(self, receipt: Receipt) -> Receipt:
        check_refundable(self.provider, receipt)
        return cardstream_request(
            "refund", self.create_refund, receipt.reference, receipt.money.minor_units
        )


# --8<-- [end:class-adapter]


# --8<-- [start:client]
def pay_order(
    gateway: PaymentGateway, order_id: str, total: Money, card_token: str
) -> str:
    """The client: it knows `PaymentGateway`, `Money` and `Receipt`, and no vendor."""
    try:
        receipt = gateway.charge(total, card_token)
    except PaymentDeclinedError as exc:
        return f"order {order_id}: {exc}"
    paid = f"paid {receipt.money} via {receipt.provider}"
    return f"order {order_id}: {paid} ({receipt.reference})"


# --8<-- [end:client]


# --8<-- [start:pythonic]
ChargeFunction = Callable[[Money, str], Receipt]


def cardstream_charge(client: CardStreamClient) -> ChargeFunction:
    """A function adapter: enough when the target interface is a single call."""

    def charge(money: Money, card_token: str) -> Receipt:
        return cardstream_request(
            "charge",
            client.create_charge,
            money.minor_units,
            money.currency.lower(),
            card_token,
        )

    return charge


def charge_basket(
    charge: ChargeFunction, prices: list[str], card_token: str
) -> Receipt:
    """Client code typed against a callable: a function or a bound method fits."""
    return charge(Money(sum(map(Decimal, prices), Decimal(0)), "EUR"), card_token)


# --8<-- [end:pythonic]

if __name__ == "__main__":
    # fmt: off
    # --8<-- [start:demo]
    total = Money(Decimal("19.99"), "EUR")
    gateways: list[PaymentGateway] = [
        CardStreamAdapter(CardStreamClient(api_key="cs_test_4eC39")),
        LedgerPayAdapter(LedgerPayGateway(merchant_id="M20417")),
    ]
    for gateway in gateways:
        for order_id, card in [("A-1001", "tok_visa_4242"), ("A-1002", "tok_declined")]:
            print(pay_order(gateway, order_id, total, card_token=card))
            #> order A-1001: paid 19.99 EUR via cardstream (ch_0001)
            #> order A-1002: cardstream declined the charge: card_declined
            #> order A-1001: paid 19.99 EUR via ledgerpay (LP-M20417-1)
            #> order A-1002: ledgerpay declined the charge: do_not_honor
    # --8<-- [end:demo]

    # --8<-- [start:demo-refund]
    cardstream = CardStreamAdapter(CardStreamClient(api_key="cs_test_4eC39"))
    ledgerpay = LedgerPayAdapter(LedgerPayGateway(merchant_id="M20417"))
    tickets = Money(Decimal("4500"), "JPY")
    providers: list[PaymentGateway] = [cardstream, ledgerpay]
    receipts = [provider.charge(tickets, "tok_visa_4242") for provider in providers]
    for provider, receipt in zip(providers, receipts, strict=True):
        print(provider.refund(receipt))
        #> refund re_0001: 4500 JPY via cardstream
        #> refund LP-M20417-1/R: 4500 JPY via ledgerpay
    for provider, receipt in zip(providers, receipts, strict=True):
        try:
            provider.refund(receipt)  # the same charge a second time
        except PaymentDeclinedError as exc:
            print(exc)
            #> cardstream declined the refund: charge_already_refunded
            #> ledgerpay declined the refund: already_reversed
    try:
        ledgerpay.refund(receipts[0])
    except ValueError as exc:
        print(exc)
        #> ch_0001 is a cardstream receipt; ledgerpay cannot refund it
    # --8<-- [end:demo-refund]

    # --8<-- [start:demo-class-adapter]
    class_adapter = CardStreamClassAdapter(api_key="cs_test_4eC39")
    print(pay_order(class_adapter, "A-1003", total, card_token="tok_visa_4242"))
    #> order A-1003: paid 19.99 EUR via cardstream (ch_0001)
    print(isinstance(class_adapter, PaymentGateway))
    #> True
    print([name for name in dir(cardstream) if not name.startswith("_")])
    #> ['charge', 'provider', 'refund']
    extra = set(dir(class_adapter)) - set(dir(cardstream))
    print(sorted(name for name in extra if not name.startswith("_")))
    #> ['close', 'closed', 'create_charge', 'create_refund']
    # --8<-- [end:demo-class-adapter]

    # --8<-- [start:demo-pythonic]
    with contextlib.closing(CardStreamClient(api_key="cs_live_51H")) as client:
        charge = cardstream_charge(client)
        print(charge_basket(charge, ["12.50", "7.49"], "tok_visa_4242").money)
        #> 19.99 EUR
        print(charge_basket(ledgerpay.charge, ["3.10"], "tok_visa_4242").reference)
        #> LP-M20417-2
    print(client.closed)
    #> True
    # --8<-- [end:demo-pythonic]
    # fmt: on
