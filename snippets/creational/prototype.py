"""Prototype: invoice drafts cloned from configured prototypes kept in a registry.

Run it with `python -m snippets.creational.prototype`.
"""

# --8<-- [start:imports]
import copy
import dataclasses
import sys
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, Self, TypeVar, cast

# --8<-- [end:imports]


# --8<-- [start:parts]
@dataclass(frozen=True)
class InvoiceLine:
    """One line of an invoice: an immutable value, safe to share between copies."""

    description: str
    quantity: int
    unit_price: Decimal

    def __post_init__(self) -> None:
        if self.quantity < 1:
            raise ValueError(f"a quantity is at least 1, got {self.quantity}")
        if self.unit_price < 0:
            raise ValueError(f"a unit price cannot be negative, got {self.unit_price}")

    @property
    def amount(self) -> Decimal:
        return self.quantity * self.unit_price


class InvoiceNumbering:
    """Hands out consecutive numbers for one series of invoices.

    Every invoice of a series must use the same numbering object: a copy of it
    would hand out the same numbers a second time.
    """

    def __init__(self, prefix: str, start: int = 1) -> None:
        self.prefix = prefix
        self._next = start

    def next_number(self) -> str:
        number = f"{self.prefix}{self._next:05d}"
        self._next += 1
        return number


class UnknownPrototypeError(LookupError):
    """No prototype is registered under the name asked for."""


# --8<-- [end:parts]


# --8<-- [start:replace]
T = TypeVar("T")

if sys.version_info >= (3, 13):
    from copy import replace
else:

    def replace(obj: T, /, **changes: Any) -> T:
        """`copy.replace` of Python 3.13, for Python 3.11 and 3.12."""
        replace_method = getattr(type(obj), "__replace__", None)
        if replace_method is not None:
            return cast(T, replace_method(obj, **changes))
        if dataclasses.is_dataclass(obj) and not isinstance(obj, type):
            return cast(T, dataclasses.replace(obj, **changes))
        if isinstance(obj, tuple) and hasattr(obj, "_replace"):  # a named tuple
            return cast(T, obj._replace(**changes))
        raise TypeError(f"replace() does not support {type(obj).__name__} objects")


# --8<-- [end:replace]


# --8<-- [start:pythonic]
LINE_PROTOTYPES = {
    "seat": InvoiceLine("Extra seat, monthly", 1, Decimal("12.00")),
    "workshop": InvoiceLine("Onboarding workshop, per day", 1, Decimal("950.00")),
}


def invoice_line(kind: str, **changes: Any) -> InvoiceLine:
    """A line cloned from an immutable prototype: no deep copy needed."""
    try:
        prototype = LINE_PROTOTYPES[kind]
    except KeyError:
        known = ", ".join(sorted(LINE_PROTOTYPES))
        message = f"no line named {kind!r} (known: {known})"
        raise UnknownPrototypeError(message) from None
    return replace(prototype, **changes)


# --8<-- [end:pythonic]


# --8<-- [start:prototype]
@dataclass
class Invoice:
    """The prototype: an invoice draft configured once and cloned for each customer."""

    numbering: InvoiceNumbering
    currency: str
    payment_terms_days: int
    customer: str = ""
    lines: list[InvoiceLine] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    number: str | None = None

    def __post_init__(self) -> None:
        if len(self.currency) != 3 or not self.currency.isupper():
            raise ValueError(f"a currency is a code like 'EUR', got {self.currency!r}")
        if not 0 <= self.payment_terms_days <= 120:
            raise ValueError(
                f"payment terms are 0 to 120 days, got {self.payment_terms_days}"
            )

    def add_line(self, description: str, quantity: int, unit_price: Decimal) -> None:
        self.lines.append(InvoiceLine(description, quantity, unit_price))

    def total(self) -> Decimal:
        return sum((line.amount for line in self.lines), Decimal(0))

    def issue(self) -> str:
        """Give the invoice the next number of its series (once) and return it."""
        if not self.customer:
            raise ValueError("an invoice needs a customer before it is issued")
        if self.number is None:
            self.number = self.numbering.next_number()
        return self.number

    def __deepcopy__(self, memo: dict[int, Any]) -> Self:
        """`copy.deepcopy(invoice)`: a clone that keeps the number."""
        return self.clone(number=self.number)

    def clone(self, **changes: Any) -> Self:
        """A new draft without a number, with `changes` applied: one new invoice.

        It gets its own lists of lines and notes; the lines themselves are frozen,
        so they are shared, and so is the numbering of the series. The changes go
        through `__init__`, so they are checked like a new invoice.
        """
        unknown = sorted(changes.keys() - {f.name for f in dataclasses.fields(self)})
        if unknown:
            raise ValueError(f"an invoice has no field {', '.join(map(repr, unknown))}")
        own: dict[str, Any] = {"lines": list(self.lines), "notes": list(self.notes)}
        return dataclasses.replace(self, **(own | {"number": None} | changes))

    __replace__ = clone  # Python 3.13: copy.replace(invoice, ...) clones too


# --8<-- [end:prototype]


# --8<-- [start:registry]
class InvoiceRegistry:
    """Named prototypes; `create` hands out clones, never a prototype itself."""

    def __init__(self) -> None:
        self._prototypes: dict[str, Invoice] = {}

    def register(self, name: str, prototype: Invoice) -> None:
        if name in self._prototypes:
            raise ValueError(f"a prototype named {name!r} is already registered")
        # Keep a copy, so that later changes to `prototype` do not reach the registry.
        self._prototypes[name] = copy.deepcopy(prototype)

    def create(self, name: str, **changes: Any) -> Invoice:
        try:
            prototype = self._prototypes[name]
        except KeyError:
            known = ", ".join(sorted(self._prototypes))
            raise UnknownPrototypeError(
                f"no prototype named {name!r} (known: {known})"
            ) from None
        return prototype.clone(**changes)

    def names(self) -> list[str]:
        return sorted(self._prototypes)


# --8<-- [end:registry]


# --8<-- [start:setup]
EU_SERIES = InvoiceNumbering("EU-")
UK_SERIES = InvoiceNumbering("UK-")


def standard_registry() -> InvoiceRegistry:
    """The prototypes the billing team configures once, at start-up."""
    eu = Invoice(EU_SERIES, "EUR", payment_terms_days=30)
    eu.add_line("Platform subscription, monthly", 1, Decimal("490.00"))
    eu.notes.append("Reverse charge: VAT is due from the recipient.")
    uk = Invoice(UK_SERIES, "GBP", payment_terms_days=14)
    uk.add_line("Platform subscription, monthly", 1, Decimal("420.00"))
    registry = InvoiceRegistry()
    registry.register("eu-business", eu)
    registry.register("uk-business", uk)
    return registry


# --8<-- [end:setup]

if __name__ == "__main__":
    # fmt: off
    # --8<-- [start:demo-pythonic]
    seats = invoice_line("seat", quantity=5)
    print(seats.amount, LINE_PROTOTYPES["seat"].quantity)
    #> 60.00 1
    try:
        invoice_line("workshop", quantity=0)
    except ValueError as exc:
        print(exc)
        #> a quantity is at least 1, got 0
    # --8<-- [end:demo-pythonic]

    # --8<-- [start:demo]
    registry = standard_registry()
    invoice = registry.create("eu-business", customer="Fjord Analytics AS")
    invoice.add_line("Extra seat, monthly", 5, Decimal("12.00"))
    print(invoice.customer, invoice.total(), invoice.currency)
    #> Fjord Analytics AS 550.00 EUR
    print(invoice.notes)
    #> ['Reverse charge: VAT is due from the recipient.']
    print(registry.create("eu-business").total())
    #> 490.00
    # --8<-- [end:demo]

    # --8<-- [start:demo-shared]
    other = registry.create("eu-business", customer="Lisbon Freight Lda")
    print(other.lines is invoice.lines, other.lines[0] is invoice.lines[0])
    #> False True
    print(other.numbering is invoice.numbering)
    #> True
    print(invoice.issue(), other.issue())
    #> EU-00001 EU-00002
    # --8<-- [end:demo-shared]

    # --8<-- [start:demo-errors]
    try:
        registry.create("us-consumer")
    except UnknownPrototypeError as exc:
        print(exc)
        #> no prototype named 'us-consumer' (known: eu-business, uk-business)
    try:
        registry.create("eu-business", colour="teal")
    except ValueError as exc:
        print(exc)
        #> an invoice has no field 'colour'
    try:
        registry.create("uk-business", payment_terms_days=365)
    except ValueError as exc:
        print(exc)
        #> payment terms are 0 to 120 days, got 365
    # --8<-- [end:demo-errors]

    # --8<-- [start:demo-replace]
    draft = replace(invoice, customer="Oslo Dairy AS")
    print(draft.customer, draft.number, draft.total(), draft.lines is invoice.lines)
    #> Oslo Dairy AS None 550.00 False
    # --8<-- [end:demo-replace]
    # fmt: on
