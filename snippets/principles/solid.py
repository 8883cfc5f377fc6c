"""SOLID principles: the five of them, before and after, in a small invoicing service.

Run it with `python -m snippets.principles.solid`.
"""

# --8<-- [start:imports]
import io
import re
import sqlite3
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterable
from contextlib import closing
from dataclasses import dataclass, field
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from typing import Protocol, TextIO

# --8<-- [end:imports]


# --8<-- [start:invoice]
CENT = Decimal("0.01")


def money(amount: Decimal) -> Decimal:
    """Round to whole cents, half up, as invoices do."""
    return amount.quantize(CENT, rounding=ROUND_HALF_UP)


@dataclass(frozen=True)
class Line:
    """One line of an invoice: a service, how many, and its price before VAT."""

    description: str
    quantity: int
    unit_price: Decimal  # EUR


@dataclass(frozen=True)
class Invoice:
    """An invoice as the billing service stores it."""

    number: str
    customer: str
    email: str
    due: date
    lines: tuple[Line, ...]

    @property
    def net(self) -> Decimal:
        """The sum of the lines, before discounts and VAT."""
        amounts = (line.quantity * line.unit_price for line in self.lines)
        return money(sum(amounts, Decimal(0)))


# --8<-- [end:invoice]


# --8<-- [start:srp-before]
class InvoiceService:
    """Totals, lays out and sends invoices: three jobs that change for three people."""

    def __init__(self) -> None:
        self.mailbox: list[str] = []  # stands in for the mail server

    def issue(self, invoice: Invoice) -> Decimal:
        total = money(invoice.net * Decimal("1.19"))  # the tax adviser's rule
        text = f"{invoice.number} for {invoice.customer}: {total} EUR"  # the layout
        self.mailbox.append(f"to {invoice.email}: {text}")  # the delivery
        return total


# --8<-- [end:srp-before]


# --8<-- [start:srp-after]
VAT_RATE = Decimal("0.19")


def invoice_total(invoice: Invoice) -> Decimal:
    """The amount due, VAT included: the tax rule and nothing else."""
    return money(invoice.net * (1 + VAT_RATE))


def render_invoice(invoice: Invoice) -> str:
    """The text the customer reads."""
    return f"{invoice.number} for {invoice.customer}: {invoice_total(invoice)} EUR"


def render_reminder(invoice: Invoice, today: date) -> str:
    """A payment reminder; the caller passes `today`, so no clock is read here."""
    days = (today - invoice.due).days
    if days <= 0:
        raise ValueError(f"{invoice.number} is not overdue until after {invoice.due}")
    total = invoice_total(invoice)
    return f"Reminder: {invoice.number} is {days} days overdue, {total} EUR"


# --8<-- [end:srp-after]


# --8<-- [start:ocp-before]
def discounted_net(invoice: Invoice, deal: str) -> Decimal:
    """The net after the customer's deal: every new deal is one more branch here."""
    net = invoice.net
    if deal == "reseller":
        net -= net * Decimal("0.10")
    elif deal == "nonprofit":
        net -= net * Decimal("0.15")
    elif deal == "reseller, winter campaign":  # two deals at once: a branch of its own
        net -= net * Decimal("0.10") + (Decimal(20) if net >= 200 else Decimal(0))
    return money(net)


# --8<-- [end:ocp-before]


# --8<-- [start:ocp-after]
Discount = Callable[[Invoice], Decimal]  # how many EUR come off the net


def percent_off(rate: Decimal) -> Discount:
    """A discount of `rate` (0.10 is 10 %) of the net."""

    def discount(invoice: Invoice) -> Decimal:
        return invoice.net * rate

    return discount


def apply_discounts(invoice: Invoice, discounts: Iterable[Discount]) -> Decimal:
    """The net after every discount; a new deal is a new function, not an edit here."""
    off = sum((discount(invoice) for discount in discounts), Decimal(0))
    return money(invoice.net - off)


DEALS: dict[str, list[Discount]] = {
    "reseller": [percent_off(Decimal("0.10"))],
    "nonprofit": [percent_off(Decimal("0.15"))],
}
# --8<-- [end:ocp-after]


# --8<-- [start:lsp-before]
@dataclass(frozen=True)
class Receipt:
    """Proof of a payment: how much was taken, and by which means."""

    method: str
    amount: Decimal


class PaymentMethod(ABC):
    """The contract: `charge` takes any amount, all of it, and returns a receipt."""

    @abstractmethod
    def charge(self, amount: Decimal) -> Receipt: ...


class Card(PaymentMethod):
    """A card: always charged the full amount."""

    def charge(self, amount: Decimal) -> Receipt:
        return Receipt("card", amount)  # a real one would call the card provider


class GiftCard(PaymentMethod):
    """A prepaid balance that refuses to pay more than it holds."""

    def __init__(self, balance: Decimal) -> None:
        self.balance = balance

    def charge(self, amount: Decimal) -> Receipt:
        if amount > self.balance:  # a precondition the contract does not have
            raise ValueError(f"the gift card has only {self.balance} EUR left")
        self.balance -= amount
        return Receipt("gift card", amount)


def settle(invoices: Iterable[Invoice], method: PaymentMethod) -> Decimal:
    """Charge every invoice to one payment method; return the sum of the receipts."""
    receipts = [method.charge(invoice_total(invoice)) for invoice in invoices]
    return sum((receipt.amount for receipt in receipts), Decimal(0))


# --8<-- [end:lsp-before]


# --8<-- [start:lsp-on-account]
class OnAccount(PaymentMethod):
    """Bills the customer's account and returns a reference instead of a receipt."""

    def charge(self, amount: Decimal) -> str:  # type: ignore[override]
        return f"ACC-{amount}"


# --8<-- [end:lsp-on-account]


# --8<-- [start:lsp-after]
class Tender(Protocol):
    """The contract: `charge` takes at most `amount`; the receipt says how much."""

    def charge(self, amount: Decimal) -> Receipt: ...


class CardTender:
    """A card: it can always take the whole amount."""

    def charge(self, amount: Decimal) -> Receipt:
        return Receipt("card", amount)


class GiftCardTender:
    """A prepaid balance: it takes what it holds, up to the amount asked."""

    def __init__(self, balance: Decimal) -> None:
        self.balance = balance

    def charge(self, amount: Decimal) -> Receipt:
        taken = min(amount, self.balance)
        self.balance -= taken
        return Receipt("gift card", taken)


class UnpaidError(ValueError):
    """The tenders fell short; `receipts` records what they took."""

    def __init__(self, due: Decimal, total: Decimal, receipts: list[Receipt]) -> None:
        super().__init__(f"{due} EUR of {total} EUR are still unpaid")
        self.receipts = receipts


def pay(total: Decimal, tenders: Iterable[Tender]) -> list[Receipt]:
    """Charge the tenders in turn until `total` is paid: a split payment."""
    receipts: list[Receipt] = []
    due = total
    for tender in tenders:
        if due == 0:
            break
        receipt = tender.charge(due)
        due -= receipt.amount
        receipts.append(receipt)
    if due > 0:  # one check, in the caller, for every kind of tender
        raise UnpaidError(due, total, receipts)
    return receipts


# --8<-- [end:lsp-after]


# --8<-- [start:isp-before]
def to_payments(text: str) -> dict[str, Decimal]:
    """The EUR received per invoice number, from lines such as `RE-1001;255.85`."""
    received: dict[str, Decimal] = {}
    for n, row in enumerate(text.splitlines(), start=1):
        number, _, amount = row.partition(";")
        if not number or not re.fullmatch(r"[0-9]+\.[0-9]{2}", amount):
            raise ValueError(f"statement line {n} is not 'invoice;amount': {row!r}")
        received[number] = received.get(number, Decimal(0)) + Decimal(amount)
    return received


def parse_statement(statement: TextIO) -> dict[str, Decimal]:
    """Asks for a whole text file, with its twenty-odd members; calls only `read()`."""
    return to_payments(statement.read())


class BankDownload:
    """Stands in for what the bank's client library returns: a name and `read()`."""

    def __init__(self, name: str, text: str) -> None:
        self.name = name
        self._text = text

    def read(self) -> str:
        return self._text


# --8<-- [end:isp-before]


# --8<-- [start:isp-after]
class Readable(Protocol):
    """All that importing a statement needs: something to read the text from."""

    def read(self) -> str: ...


def import_payments(statement: Readable) -> dict[str, Decimal]:
    """The EUR received per invoice, from anything that has `read()`."""
    return to_payments(statement.read())


# --8<-- [end:isp-after]


# --8<-- [start:dip-before]
class MonthlyBilling:
    """The billing policy, welded to SQLite: it opens the database, writes the SQL."""

    def __init__(self, db_path: str) -> None:
        self.db = sqlite3.connect(db_path)
        self.db.execute("CREATE TABLE IF NOT EXISTS outbox (recipient TEXT, body TEXT)")

    def run(self, invoices: Iterable[Invoice]) -> int:
        rows = [(inv.email, render_invoice(inv)) for inv in invoices if inv.net > 0]
        with self.db:
            self.db.executemany("INSERT INTO outbox VALUES (?, ?)", rows)
        return len(rows)


# --8<-- [end:dip-before]


# --8<-- [start:dip-policy]
class InvoiceSender(Protocol):
    """Owned by the billing policy: the one thing it needs from the outside."""

    def send(self, recipient: str, body: str) -> None: ...


def run_billing(invoices: Iterable[Invoice], sender: InvoiceSender) -> int:
    """Invoice every customer who owes something; return how many were sent."""
    sent = 0
    for invoice in invoices:
        if invoice.net > 0:
            sender.send(invoice.email, render_invoice(invoice))
            sent += 1
    return sent


# --8<-- [end:dip-policy]


# --8<-- [start:dip-edge]
class SqliteOutbox:
    """An adapter at the edge: queues mail in a table that a mail worker empties."""

    def __init__(self, db: sqlite3.Connection) -> None:
        self.db = db
        db.execute("CREATE TABLE IF NOT EXISTS outbox (recipient TEXT, body TEXT)")

    def send(self, recipient: str, body: str) -> None:
        with self.db:
            self.db.execute("INSERT INTO outbox VALUES (?, ?)", (recipient, body))

    def pending(self) -> list[str]:
        rows = self.db.execute("SELECT recipient FROM outbox ORDER BY rowid")
        return [recipient for (recipient,) in rows]


@dataclass
class Preview:
    """A dry run for the finance team: collects what would be sent."""

    lines: list[str] = field(default_factory=list)

    def send(self, recipient: str, body: str) -> None:
        self.lines.append(f"{recipient}: {body}")


# --8<-- [end:dip-edge]


if __name__ == "__main__":
    # fmt: off
    # --8<-- [start:demo-invoices]
    hosting = Line("Hosting, November", 1, Decimal("80.00"))
    lindner = Invoice(
        "RE-1001", "Lindner Bau GmbH", "billing@lindner-bau.example",
        due=date(2026, 11, 30),
        lines=(hosting, Line("Support hours", 3, Decimal("45.00"))),
    )
    moreau = Invoice(
        "RE-1002", "Atelier Moreau", "compta@atelier-moreau.example",
        due=date(2026, 12, 20), lines=(hosting,),
    )
    print(lindner.net, moreau.net)
    #> 215.00 80.00
    # --8<-- [end:demo-invoices]

    # --8<-- [start:demo-srp-before]
    service = InvoiceService()
    service.issue(lindner)
    amount_due = service.issue(lindner)  # the reminder job only wants the amount
    print(amount_due, len(service.mailbox))
    #> 255.85 2
    # --8<-- [end:demo-srp-before]

    # --8<-- [start:demo-srp-after]
    print(render_invoice(lindner))
    #> RE-1001 for Lindner Bau GmbH: 255.85 EUR
    print(render_reminder(lindner, today=date(2026, 12, 14)))
    #> Reminder: RE-1001 is 14 days overdue, 255.85 EUR
    # --8<-- [end:demo-srp-after]

    # --8<-- [start:demo-ocp-before]
    print(discounted_net(lindner, "reseller"))
    #> 193.50
    print(discounted_net(lindner, "reseller, winter campaign"))
    #> 173.50
    # --8<-- [end:demo-ocp-before]

    # --8<-- [start:demo-ocp-after]
    def winter_campaign(invoice: Invoice) -> Decimal:  # written later, elsewhere
        return Decimal(20) if invoice.net >= 200 else Decimal(0)

    print(apply_discounts(lindner, DEALS["reseller"]))
    #> 193.50
    print(apply_discounts(lindner, [*DEALS["reseller"], winter_campaign]))
    #> 173.50
    print(apply_discounts(moreau, [*DEALS["nonprofit"], winter_campaign]))
    #> 68.00
    # --8<-- [end:demo-ocp-after]

    # --8<-- [start:demo-lsp-before]
    print(settle([lindner, moreau], Card()))
    #> 351.05
    voucher = GiftCard(Decimal("300.00"))
    try:
        settle([lindner, moreau], voucher)
    except ValueError as exc:
        print(exc)
        #> the gift card has only 44.15 EUR left
    print(voucher.balance)  # RE-1001 was paid, but its receipt is lost
    #> 44.15
    # --8<-- [end:demo-lsp-before]

    # --8<-- [start:demo-lsp-on-account]
    try:
        settle([lindner], OnAccount())
    except AttributeError as exc:
        print(exc)
        #> 'str' object has no attribute 'amount'
    # --8<-- [end:demo-lsp-on-account]

    # --8<-- [start:demo-lsp-after]
    tenders: list[Tender] = [GiftCardTender(Decimal("44.15")), CardTender()]
    receipts = pay(invoice_total(moreau), tenders)
    print([f"{receipt.method} {receipt.amount}" for receipt in receipts])
    #> ['gift card 44.15', 'card 51.05']
    try:
        pay(invoice_total(moreau), [GiftCardTender(Decimal("44.15"))])
    except UnpaidError as exc:
        print(exc, [str(receipt.amount) for receipt in exc.receipts])
        #> 51.05 EUR of 95.20 EUR are still unpaid ['44.15']
    # --8<-- [end:demo-lsp-after]

    # --8<-- [start:demo-isp-before]
    download = BankDownload("2026-12-05.csv", "RE-1001;255.85\nRE-1002;95.20")
    print(parse_statement(download))  # type: ignore[arg-type]
    #> {'RE-1001': Decimal('255.85'), 'RE-1002': Decimal('95.20')}
    # --8<-- [end:demo-isp-before]

    # --8<-- [start:demo-isp-after]
    print(import_payments(download))
    #> {'RE-1001': Decimal('255.85'), 'RE-1002': Decimal('95.20')}
    print(import_payments(io.StringIO("RE-1002;50.00\nRE-1002;45.20")))
    #> {'RE-1002': Decimal('95.20')}
    # --8<-- [end:demo-isp-after]

    # --8<-- [start:demo-dip-before]
    billing = MonthlyBilling(":memory:")
    print(billing.run([lindner, moreau]))
    #> 2
    print(billing.db.execute("SELECT recipient FROM outbox").fetchall())
    #> [('billing@lindner-bau.example',), ('compta@atelier-moreau.example',)]
    billing.db.close()
    # --8<-- [end:demo-dip-before]

    # --8<-- [start:demo-dip-after]
    # what main(), the composition root, does:
    with closing(sqlite3.connect(":memory:")) as db:
        outbox = SqliteOutbox(db)
        print(run_billing([lindner, moreau], outbox), outbox.pending())
        #> 2 ['billing@lindner-bau.example', 'compta@atelier-moreau.example']
    preview = Preview()
    run_billing([lindner, moreau], preview)
    print("\n".join(preview.lines))
    '''
    billing@lindner-bau.example: RE-1001 for Lindner Bau GmbH: 255.85 EUR
    compta@atelier-moreau.example: RE-1002 for Atelier Moreau: 95.20 EUR
    '''
    # --8<-- [end:demo-dip-after]
    # fmt: on
