"""Design principles: the ideas behind the patterns, on one online shop's checkout.

Encapsulate what varies, program to an interface, composition over inheritance and loose
coupling, each as code before and after. Run it with
`python -m snippets.principles.design_principles`.
"""

# --8<-- [start:imports]
import smtplib
from abc import ABC, abstractmethod
from collections import deque
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from email.message import EmailMessage
from typing import Protocol
from unittest import mock

# --8<-- [end:imports]


# --8<-- [start:order]
def money(amount: Decimal) -> Decimal:
    """Round to whole cents, half up, as invoices do."""
    return amount.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


@dataclass(frozen=True)
class Line:
    """One line of an order: a product, its net unit price in EUR, how many."""

    product: str
    unit_price: Decimal
    quantity: int = 1


@dataclass(frozen=True)
class Order:
    """An order at checkout, before VAT."""

    reference: str
    country: str  # ISO 3166 code of the delivery address, such as "DE"
    email: str
    lines: tuple[Line, ...]

    @property
    def net(self) -> Decimal:
        return sum((line.unit_price * line.quantity for line in self.lines), Decimal(0))


# --8<-- [end:order]


# --8<-- [start:vat-before]
def gross_before(order: Order) -> Decimal:
    """What checkout charges: the net prices plus VAT."""
    if order.country == "DE":
        rate = Decimal("0.19")
    elif order.country == "CH":  # added when the shop opened in Switzerland
        rate = Decimal("0.081")
    else:
        rate = Decimal("0.20")  # Austria
    return order.net + money(order.net * rate)


def receipt_before(order: Order) -> str:
    """What the customer is mailed: the same VAT, worked out a second time."""
    rate = Decimal("0.19") if order.country == "DE" else Decimal("0.20")
    vat = money(order.net * rate)
    return f"{order.reference}: net {order.net}, VAT {vat}, total {order.net + vat}"


# --8<-- [end:vat-before]


# --8<-- [start:vat-after]
VAT_RATES: Mapping[str, Decimal] = {
    "DE": Decimal("0.19"),
    "AT": Decimal("0.20"),
    "CH": Decimal("0.081"),
}


def vat_rate(country: str) -> Decimal:
    """The one place that knows the rates, and which countries have one."""
    try:
        return VAT_RATES[country]
    except KeyError:
        known = ", ".join(sorted(VAT_RATES))
        raise ValueError(f"no VAT rate for {country!r}; we sell to {known}") from None


def vat(order: Order) -> Decimal:
    return money(order.net * vat_rate(order.country))


def gross(order: Order) -> Decimal:
    """What checkout charges."""
    return order.net + vat(order)


def receipt(order: Order) -> str:
    """What the customer is mailed."""
    return f"{order.reference}: net {order.net}, VAT {vat(order)}, total {gross(order)}"


# --8<-- [end:vat-after]


# --8<-- [start:pay-before]
class CardGateway:
    """A card provider's client; this one records charges instead of calling out."""

    def __init__(self) -> None:
        self.charged: list[tuple[str, Decimal]] = []

    def charge(self, reference: str, amount: Decimal) -> str:
        self.charged.append((reference, amount))
        return f"card-{len(self.charged):04d}"


class InvoiceGateway:
    """Pay by invoice: nothing is charged now, the customer gets a reference."""

    def charge(self, reference: str, amount: Decimal) -> str:
        return f"invoice-{reference}"


def pay_before(order: Order, gateway: CardGateway) -> str:
    """Charge an order: written against one provider's class."""
    return gateway.charge(order.reference, gross(order))


# --8<-- [end:pay-before]


# --8<-- [start:pay-after]
class PaymentGateway(Protocol):
    """What checkout needs from any payment provider: one method."""

    def charge(self, reference: str, amount: Decimal) -> str: ...


def pay(order: Order, gateway: PaymentGateway) -> str:
    """Charge an order with whatever provider fits `PaymentGateway`."""
    return gateway.charge(order.reference, gross(order))


# --8<-- [end:pay-after]


# --8<-- [start:abc]
class PaymentProvider(ABC):
    """A nominal interface: providers inherit from it, and inherit `pay` with it."""

    @abstractmethod
    def charge(self, reference: str, amount: Decimal) -> str: ...

    @abstractmethod
    def refund(self, payment_id: str) -> None: ...

    def pay(self, order: Order) -> str:
        return self.charge(order.reference, gross(order))


# --8<-- [end:abc]


# --8<-- [start:pricing-before]
class PriceCalculator:
    """Prices an order: the sum of its lines."""

    def total(self, order: Order) -> Decimal:
        return order.net


class TaxedPriceCalculator(PriceCalculator):
    def total(self, order: Order) -> Decimal:
        base = super().total(order)
        return base + money(base * vat_rate(order.country))


class VoucherPriceCalculator(PriceCalculator):
    voucher = Decimal("10.00")

    def total(self, order: Order) -> Decimal:
        return super().total(order) - self.voucher


class LoggingTaxedPriceCalculator(TaxedPriceCalculator):
    def __init__(self, log: list[str]) -> None:
        self.log = log

    def total(self, order: Order) -> Decimal:
        result = super().total(order)
        self.log.append(f"{order.reference} priced at {result}")
        return result


# A voucher and VAT: one class per combination, in one order or the other.
class TaxedVoucherPriceCalculator(TaxedPriceCalculator, VoucherPriceCalculator):
    pass


class VoucherTaxedPriceCalculator(VoucherPriceCalculator, TaxedPriceCalculator):
    pass


# --8<-- [end:pricing-before]


# --8<-- [start:pricing-after]
class Pricing(Protocol):
    """Anything that prices an order."""

    def total(self, order: Order) -> Decimal: ...


class Subtotal:
    """The innermost step: the net sum of the lines."""

    def total(self, order: Order) -> Decimal:
        return order.net


@dataclass(frozen=True)
class VoucherOff:
    """Takes a fixed voucher off whatever `inner` priced."""

    inner: Pricing
    amount: Decimal

    def total(self, order: Order) -> Decimal:
        return self.inner.total(order) - self.amount


@dataclass(frozen=True)
class AddVat:
    """Adds VAT at the delivery country's rate to whatever `inner` priced."""

    inner: Pricing

    def total(self, order: Order) -> Decimal:
        base = self.inner.total(order)
        return base + money(base * vat_rate(order.country))


@dataclass(frozen=True)
class Logged:
    """Records every total that `inner` computes, for any kind of pricing."""

    inner: Pricing
    log: list[str]

    def total(self, order: Order) -> Decimal:
        result = self.inner.total(order)
        self.log.append(f"{order.reference} priced at {result}")
        return result


# --8<-- [end:pricing-after]


# --8<-- [start:coupling-before]
class SmtpMailer:
    """Sends mail through the shop's own relay, which needs no login from the shop."""

    def __init__(self, host: str = "mail.shop.example", port: int = 25) -> None:
        self.host = host
        self.port = port

    def send(self, to: str, subject: str, body: str) -> None:
        message = EmailMessage()
        message["From"] = "orders@shop.example"
        message["To"] = to
        message["Subject"] = subject
        message.set_content(body)
        with smtplib.SMTP(self.host, self.port, timeout=10) as server:
            server.send_message(message)


def place_order_before(order: Order, gateway: PaymentGateway) -> str:
    """Charge, then mail the receipt with a mailer that checkout builds itself."""
    payment_id = pay(order, gateway)
    subject = f"Your receipt for {order.reference}"
    SmtpMailer().send(order.email, subject, receipt(order))
    return payment_id


# --8<-- [end:coupling-before]


# --8<-- [start:coupling-after]
@dataclass(frozen=True)
class OrderPaid:
    """The event checkout publishes; it does not know who listens."""

    reference: str
    email: str
    receipt: str


def place_order(
    order: Order, gateway: PaymentGateway, publish: Callable[[OrderPaid], None]
) -> str:
    """Charge, then announce that the order is paid."""
    payment_id = pay(order, gateway)
    publish(OrderPaid(order.reference, order.email, receipt(order)))
    return payment_id


def send_receipts(
    outbox: deque[OrderPaid],
    send: Callable[[str, str, str], None],
    undeliverable: list[OrderPaid],
) -> int:
    """Mail the receipts waiting in `outbox` and return how many were sent.

    A receipt whose address the server refuses moves to `undeliverable`, for a person to
    look at; any other `OSError` stops the run and keeps the rest in `outbox` for later.
    """
    sent = 0
    while outbox:
        paid = outbox[0]
        try:
            send(paid.email, f"Your receipt for {paid.reference}", paid.receipt)
        except smtplib.SMTPRecipientsRefused:  # this address, not the server
            undeliverable.append(outbox.popleft())
            continue
        except OSError:  # smtplib's other errors and refused connections: try later
            break
        outbox.popleft()
        sent += 1
    return sent


# --8<-- [end:coupling-after]


if __name__ == "__main__":
    # fmt: off
    # --8<-- [start:demo-vat-before]
    berlin = Order("A-1001", "DE", "ana@example.com", (
        Line("Espresso machine", Decimal("89.90")),
        Line("Milk jug", Decimal("14.50"), quantity=2),
    ))
    zurich = Order("A-1002", "CH", "lea@example.com", (
        Line("Milk jug", Decimal("14.50"), quantity=2),
    ))
    print(gross_before(zurich), "|", receipt_before(zurich))
    #> 31.35 | A-1002: net 29.00, VAT 5.80, total 34.80
    # --8<-- [end:demo-vat-before]

    # --8<-- [start:demo-vat-after]
    print(gross(zurich), "|", receipt(zurich))
    #> 31.35 | A-1002: net 29.00, VAT 2.35, total 31.35
    try:
        gross(Order("A-1003", "FR", "jo@example.com", berlin.lines))
    except ValueError as exc:
        print(exc)
        #> no VAT rate for 'FR'; we sell to AT, CH, DE
    # --8<-- [end:demo-vat-after]

    # --8<-- [start:demo-pay]
    print(pay(berlin, CardGateway()), pay(berlin, InvoiceGateway()))
    #> card-0001 invoice-A-1001
    # --8<-- [end:demo-pay]

    # --8<-- [start:demo-pricing-before]
    print(TaxedVoucherPriceCalculator().total(berlin))
    #> 129.59
    print(VoucherTaxedPriceCalculator().total(berlin))
    #> 131.49
    # --8<-- [end:demo-pricing-before]

    # --8<-- [start:demo-pricing-after]
    log: list[str] = []
    pricing = Logged(AddVat(VoucherOff(Subtotal(), Decimal("10.00"))), log)
    print(pricing.total(berlin), log)
    #> 129.59 ['A-1001 priced at 129.59']
    print(VoucherOff(AddVat(Subtotal()), Decimal("5.00")).total(berlin))
    #> 136.49
    # --8<-- [end:demo-pricing-after]

    # --8<-- [start:demo-coupling-before]
    card = CardGateway()
    with mock.patch.object(SmtpMailer, "send", autospec=True) as send:
        print(place_order_before(berlin, card), send.call_args.args[1:3])
        #> card-0001 ('ana@example.com', 'Your receipt for A-1001')

    card = CardGateway()
    mail_down = ConnectionRefusedError("mail server down")
    with mock.patch.object(SmtpMailer, "send", side_effect=mail_down):
        try:
            place_order_before(berlin, card)
        except ConnectionRefusedError as exc:
            reference, amount = card.charged[0]
            print(f"checkout failed ({exc}), yet {reference} was charged {amount}")
            #> checkout failed (mail server down), yet A-1001 was charged 141.49
    # --8<-- [end:demo-coupling-before]

    # --8<-- [start:demo-coupling-after]
    published: list[OrderPaid] = []  # all a test needs
    print(place_order(berlin, CardGateway(), published.append), published[0].receipt)
    #> card-0001 A-1001: net 118.90, VAT 22.59, total 141.49

    outbox: deque[OrderPaid] = deque()  # in production, a job mails what waits here
    place_order(berlin, CardGateway(), outbox.append)
    undeliverable: list[OrderPaid] = []

    def refused(to: str, subject: str, body: str) -> None:
        raise ConnectionRefusedError("mail server down")

    delivered: list[str] = []

    def deliver(to: str, subject: str, body: str) -> None:
        delivered.append(to)

    print(send_receipts(outbox, refused, undeliverable), len(outbox))
    #> 0 1
    print(send_receipts(outbox, deliver, undeliverable), len(outbox), delivered)
    #> 1 0 ['ana@example.com']
    # --8<-- [end:demo-coupling-after]
    # fmt: on
