"""Visitor: totals, VAT and a printout of an invoice, without changing its classes.

Run it with `python -m snippets.behavioral.visitor`.
"""

# --8<-- [start:imports]
import ast
from abc import ABC, abstractmethod
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from functools import singledispatch
from typing import Generic, TypeVar

T = TypeVar("T")
# --8<-- [end:imports]


# --8<-- [start:elements]
class InvoiceError(ValueError):
    """An invoice or one of its lines holds a value no invoice may hold."""


class InvoiceNode(ABC):
    """An element of the invoice tree; it only knows how to accept a visitor."""

    @abstractmethod
    def accept(self, visitor: "InvoiceVisitor[T]") -> T:
        """Call the visitor's method for this class and return its result."""


@dataclass(frozen=True)
class LineItem(InvoiceNode):
    description: str
    quantity: int
    unit_price: Decimal
    vat_rate: Decimal

    def __post_init__(self) -> None:
        if self.quantity < 1:
            raise InvoiceError(
                f"{self.description!r}: the quantity must be at least 1, "
                f"got {self.quantity}"
            )
        if not finite(self.unit_price) or self.unit_price < 0:
            raise InvoiceError(
                f"{self.description!r}: a price is 0 or more, got {self.unit_price}"
            )
        check_vat_rate(self.description, self.vat_rate)

    def accept(self, visitor: "InvoiceVisitor[T]") -> T:
        return visitor.visit_line_item(self)


@dataclass(frozen=True)
class Discount(InvoiceNode):
    description: str
    amount: Decimal
    vat_rate: Decimal

    def __post_init__(self) -> None:
        if not finite(self.amount) or self.amount <= 0:
            raise InvoiceError(
                f"{self.description!r}: a discount is a positive amount that is "
                f"subtracted, got {self.amount}"
            )
        check_vat_rate(self.description, self.vat_rate)

    def accept(self, visitor: "InvoiceVisitor[T]") -> T:
        return visitor.visit_discount(self)


@dataclass(frozen=True)
class Bundle(InvoiceNode):
    description: str
    items: tuple[InvoiceNode, ...]

    def __post_init__(self) -> None:
        if not self.items:
            raise InvoiceError(f"the bundle {self.description!r} is empty")

    def accept(self, visitor: "InvoiceVisitor[T]") -> T:
        return visitor.visit_bundle(self)


@dataclass(frozen=True)
class Invoice(InvoiceNode):
    number: str
    customer: str
    items: tuple[InvoiceNode, ...]

    def __post_init__(self) -> None:
        if not self.items:
            raise InvoiceError(f"invoice {self.number} has no items")

    def accept(self, visitor: "InvoiceVisitor[T]") -> T:
        return visitor.visit_invoice(self)


def finite(amount: Decimal) -> bool:
    return Decimal(amount).is_finite()  # not NaN or infinity; ints too


def check_vat_rate(description: str, rate: Decimal) -> None:
    if not (finite(rate) and 0 <= rate < 1):
        raise InvoiceError(
            f"{description!r}: a VAT rate is a fraction such as 0.19, got {rate}"
        )


# --8<-- [end:elements]


# --8<-- [start:visitor]
class InvoiceVisitor(ABC, Generic[T]):
    """One operation on the invoice tree: a method per element class."""

    @abstractmethod
    def visit_invoice(self, invoice: Invoice) -> T: ...

    @abstractmethod
    def visit_bundle(self, bundle: Bundle) -> T: ...

    @abstractmethod
    def visit_line_item(self, item: LineItem) -> T: ...

    @abstractmethod
    def visit_discount(self, discount: Discount) -> T: ...


# --8<-- [end:visitor]


# --8<-- [start:net-total]
class NetTotal(InvoiceVisitor[Decimal]):
    """The amount before VAT."""

    def visit_invoice(self, invoice: Invoice) -> Decimal:
        return self.sum(invoice.items)

    def visit_bundle(self, bundle: Bundle) -> Decimal:
        return self.sum(bundle.items)

    def visit_line_item(self, item: LineItem) -> Decimal:
        return item.quantity * item.unit_price

    def visit_discount(self, discount: Discount) -> Decimal:
        return -discount.amount

    def sum(self, items: Iterable[InvoiceNode]) -> Decimal:
        return sum((item.accept(self) for item in items), Decimal(0))


# --8<-- [end:net-total]


# --8<-- [start:net-by-rate]
RateTable = dict[Decimal, Decimal]


def merge(tables: Iterable[RateTable]) -> RateTable:
    """Add up several {VAT rate: net amount} tables."""
    merged: RateTable = {}
    for table in tables:
        for rate, amount in table.items():
            merged[rate] = merged.get(rate, Decimal(0)) + amount
    return merged


class NetByVatRate(InvoiceVisitor[RateTable]):
    """The net amount taxed at each VAT rate, which the VAT lines are computed from."""

    def visit_invoice(self, invoice: Invoice) -> RateTable:
        return merge(item.accept(self) for item in invoice.items)

    def visit_bundle(self, bundle: Bundle) -> RateTable:
        return merge(item.accept(self) for item in bundle.items)

    def visit_line_item(self, item: LineItem) -> RateTable:
        return {item.vat_rate: item.quantity * item.unit_price}

    def visit_discount(self, discount: Discount) -> RateTable:
        return {discount.vat_rate: -discount.amount}


def vat(net: Decimal, rate: Decimal) -> Decimal:
    """The VAT on a net amount, rounded to the cent."""
    return (net * rate).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


# --8<-- [end:net-by-rate]


# --8<-- [start:renderer]
class PlainTextRenderer(InvoiceVisitor[list[str]]):
    """The invoice as lines of text; bundles indent their items.

    A visitor may keep state while it walks: here, the current depth.
    """

    def __init__(self) -> None:
        self.depth = 0

    def visit_invoice(self, invoice: Invoice) -> list[str]:
        lines = [f"Invoice {invoice.number} for {invoice.customer}"]
        lines += self.children(invoice.items)
        net = invoice.accept(NetTotal())  # visitors may run other visitors
        lines.append(self.line("Net", net))
        total = net
        for rate, amount in sorted(invoice.accept(NetByVatRate()).items()):
            tax = vat(amount, rate)
            lines.append(self.line(f"VAT {rate:.0%} on {amount}", tax))
            total += tax
        lines.append(self.line("Total", total))
        return lines

    def visit_bundle(self, bundle: Bundle) -> list[str]:
        subtotal = bundle.accept(NetTotal())
        return [self.line(bundle.description, subtotal), *self.children(bundle.items)]

    def visit_line_item(self, item: LineItem) -> list[str]:
        quantity = f"{item.quantity:>3} x {item.unit_price:>7}"
        amount = item.accept(NetTotal())
        return [self.line(item.description, amount, quantity)]

    def visit_discount(self, discount: Discount) -> list[str]:
        return [self.line(discount.description, -discount.amount)]

    def children(self, items: Iterable[InvoiceNode]) -> list[str]:
        self.depth += 1
        try:
            return [line for item in items for line in item.accept(self)]
        finally:
            self.depth -= 1

    def line(self, label: str, amount: Decimal, quantity: str = "") -> str:
        indented = "  " * self.depth + label
        return f"{indented:<24}{quantity:>13}{amount:>10}"


# --8<-- [end:renderer]


# --8<-- [start:sample]
VAT_STANDARD = Decimal("0.19")
VAT_REDUCED = Decimal("0.07")

INVOICE = Invoice(
    number="2024-0042",
    customer="Nordwind GmbH",
    items=(
        LineItem("USB-C dock", 2, Decimal("89.00"), VAT_STANDARD),
        Bundle(
            "Home office kit",
            (
                LineItem("Standing desk", 1, Decimal("349.00"), VAT_STANDARD),
                LineItem("Desk lamp", 1, Decimal("45.00"), VAT_STANDARD),
                Discount("Kit discount", Decimal("40.00"), VAT_STANDARD),
            ),
        ),
        LineItem("Ergonomics handbook", 1, Decimal("29.90"), VAT_REDUCED),
    ),
)
# --8<-- [end:sample]


# --8<-- [start:singledispatch]
@singledispatch
def net_total(node: object) -> Decimal:
    """The net amount of any invoice element; one registered function per class."""
    raise TypeError(f"net_total() cannot price a {type(node).__name__}")


@net_total.register
def _(node: LineItem) -> Decimal:
    return node.quantity * node.unit_price


@net_total.register
def _(node: Discount) -> Decimal:
    return -node.amount


@net_total.register
def _(node: Bundle | Invoice) -> Decimal:
    return sum((net_total(item) for item in node.items), Decimal(0))


# --8<-- [end:singledispatch]


# --8<-- [start:ast-visitor]
class ImportedModules(ast.NodeVisitor):
    """Collect the top-level modules a piece of Python source imports."""

    def __init__(self) -> None:
        self.modules: set[str] = set()

    def visit_Import(self, node: ast.Import) -> None:
        self.modules.update(alias.name.partition(".")[0] for alias in node.names)

    def visit_ImportFrom(self, node: ast.ImportFrom) -> None:
        if node.module and node.level == 0:  # level > 0: a relative import
            self.modules.add(node.module.partition(".")[0])


def imported_modules(source: str) -> list[str]:
    collector = ImportedModules()
    collector.visit(ast.parse(source))
    return sorted(collector.modules)


SERVICE_SOURCE = """\
import json
from http import HTTPStatus
from . import settings

def send_invoice(invoice):
    import smtplib  # imported where it is used
    from email.message import EmailMessage
"""
# --8<-- [end:ast-visitor]


if __name__ == "__main__":
    # fmt: off
    # --8<-- [start:demo]
    lines = INVOICE.accept(PlainTextRenderer())
    print("\n".join(lines))
    '''
    Invoice 2024-0042 for Nordwind GmbH
      USB-C dock              2 x   89.00    178.00
      Home office kit                        354.00
        Standing desk         1 x  349.00    349.00
        Desk lamp             1 x   45.00     45.00
        Kit discount                         -40.00
      Ergonomics handbook     1 x   29.90     29.90
    Net                                      561.90
    VAT 7% on 29.90                            2.09
    VAT 19% on 532.00                        101.08
    Total                                    665.07
    '''
    print(INVOICE.accept(NetTotal()))
    #> 561.90
    print(INVOICE.accept(NetByVatRate()))
    #> {Decimal('0.19'): Decimal('532.00'), Decimal('0.07'): Decimal('29.90')}
    # --8<-- [end:demo]

    # --8<-- [start:demo-pythonic]
    print(net_total(INVOICE))
    #> 561.90
    try:
        net_total("USB-C dock")
    except TypeError as exc:
        print(exc)
        #> net_total() cannot price a str
    # --8<-- [end:demo-pythonic]

    # --8<-- [start:demo-ast]
    print(imported_modules(SERVICE_SOURCE))
    #> ['email', 'http', 'json', 'smtplib']
    # --8<-- [end:demo-ast]
    # fmt: on
