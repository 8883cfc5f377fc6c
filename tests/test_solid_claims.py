"""Claims of the SOLID page that its blocks cannot print: mypy's verdicts, the contract tests
of the payment methods, bad input."""

from __future__ import annotations

import io
import re
import textwrap
import typing
from datetime import date
from decimal import Decimal

import pytest

from snippets.principles.solid import (
    Card,
    CardTender,
    GiftCard,
    GiftCardTender,
    Invoice,
    Line,
    PaymentMethod,
    Tender,
    import_payments,
    render_reminder,
)
from tests.pagecode import DOCS, ROOT
from tests.typecheck import Mypy

PAGE = DOCS / "principles" / "solid.md"
MODULE = ROOT / "snippets" / "principles" / "solid.py"
IGNORE = re.compile(r"  # type: ignore\[[a-z-]+\]")


def quoted_errors() -> list[str]:
    """The mypy errors the page quotes in its `text` blocks."""
    return re.findall(r"^(error: .+)$", PAGE.read_text(encoding="utf-8"), flags=re.M)


def test_mypy_reports_the_broken_override_and_call_but_accepts_the_gift_card(
    mypy: Mypy,
) -> None:
    """The module as shown, without its two `type: ignore` comments, has exactly the two
    errors the page quotes: the return type of `OnAccount.charge` and the `TextIO` call.
    `GiftCard`, which breaks `settle` at run time, passes."""
    source = MODULE.read_text(encoding="utf-8")
    ignored = [n for n, line in enumerate(source.splitlines(), 1) if IGNORE.search(line)]
    report = mypy.check(IGNORE.sub("", source), name="solid_shown")
    shown = mypy.folder / "solid_shown.py"
    errors = report.errors
    assert report.status == 1
    assert len(ignored) == len(errors) == 2, report.text
    quoted = quoted_errors()
    assert len(quoted) == 2, "the page quotes two mypy errors"
    for line_number, error, message in zip(ignored, errors, quoted, strict=True):
        assert error == f"{shown}:{line_number}: {message}", report.text
    assert "def charge(self, amount: Decimal) -> str:" in source.splitlines()[ignored[0] - 1]
    assert "parse_statement(download)" in source.splitlines()[ignored[1] - 1]
    gift_card = source.index("class GiftCard(")
    assert "type: ignore" not in source[gift_card : source.index("def settle(")]


def test_mypy_names_liskov_for_an_argument_of_another_type(mypy: Mypy) -> None:
    """A till that takes whole euros only, added to the module: the error and its note."""
    source = MODULE.read_text(encoding="utf-8") + textwrap.dedent(
        """

        class WholeEuros(PaymentMethod):
            def charge(self, amount: int) -> Receipt:
                return Receipt("cash", Decimal(amount))
        """
    )
    line = source.splitlines().index("    def charge(self, amount: int) -> Receipt:") + 1
    report = mypy.check(source, name="solid_till")
    till = mypy.folder / "solid_till.py"
    assert report.status == 1
    assert report.text.splitlines()[:2] == [
        f'{till}:{line}: error: Argument 1 of "charge" is incompatible with supertype '
        '"PaymentMethod"; supertype defines the argument type as "Decimal"  [override]',
        f"{till}:{line}: note: This violates the Liskov substitution principle",
    ], report.text
    page = " ".join(PAGE.read_text(encoding="utf-8").split())
    assert 'error `Argument 1 of "charge" is incompatible with supertype "PaymentMethod"`' in page
    assert 'the note "This violates the Liskov substitution principle"' in page


def test_small_protocols_fit_what_the_page_says_and_reject_the_rest(mypy: Mypy) -> None:
    """`Readable` takes a `BankDownload`, a `StringIO`, an open file and `sys.stdin`;
    `typing_extensions.Reader` (Python 3.14's `io.Reader`) does not take a `BankDownload`;
    `run_billing` refuses an adapter whose `send` does not fit `InvoiceSender`, even one that
    differs only in the names of its arguments, which `Callable[[str, str], None]` accepts."""
    source = textwrap.dedent(
        """
        import io
        import sqlite3
        import sys
        from collections.abc import Callable

        from typing_extensions import Reader

        from snippets.principles.solid import (
            BankDownload, Preview, Readable, SqliteOutbox, import_payments, run_billing,
        )

        download = BankDownload("2026-12-05.csv", "RE-1001;255.85")
        import_payments(download)
        import_payments(io.StringIO("RE-1001;255.85"))
        with open("statement.csv", encoding="utf-8") as statement:
            import_payments(statement)
        import_payments(sys.stdin)
        run_billing([], Preview())
        run_billing([], SqliteOutbox(sqlite3.connect(":memory:")))
        send_one: Callable[[str, str], None] = SqliteOutbox(sqlite3.connect("")).send

        standard: Reader[str] = io.StringIO()
        too_narrow: Reader[str] = download  # refused


        class SmsSender:
            def send(self, phone: str) -> None: ...


        run_billing([], SmsSender())  # refused


        class SwappedOutbox:
            def send(self, body: str, recipient: str) -> None: ...


        swapped: Callable[[str, str], None] = SwappedOutbox().send
        run_billing([], SwappedOutbox())  # refused
        """
    )
    refused = [
        str(n) for n, line in enumerate(source.splitlines(), 1) if line.endswith("# refused")
    ]
    report = mypy.check(source, name="uses")
    errors = report.errors
    assert report.status == 1
    assert [error.split(":")[1] for error in errors] == refused, report.text
    assert 'variable has type "Reader[str]"' in errors[0]
    assert "def read(self, int = ..., /) -> str" in report.text
    assert 'Argument 2 to "run_billing" has incompatible type "SmsSender"' in errors[1]
    assert 'expected "InvoiceSender"' in errors[1]
    assert 'Argument 2 to "run_billing" has incompatible type "SwappedOutbox"' in errors[2]
    assert 'expected "InvoiceSender"' in errors[2]
    assert "def send(self, body: str, recipient: str) -> None" in report.text


def test_textio_declares_more_than_twenty_members() -> None:
    public = {name for cls in (typing.IO, typing.TextIO) for name in vars(cls)}
    members = {name for name in public if not name.startswith("_")}
    assert {"read", "seek", "writelines", "encoding"} <= members
    assert len(members) > 20, sorted(members)


@pytest.mark.parametrize(
    ("text", "line"),
    [
        ("RE-1001;255.85\nRE-1002", "statement line 2 is not 'invoice;amount': 'RE-1002'"),
        ("RE-1001;255", "statement line 1 is not 'invoice;amount': 'RE-1001;255'"),
        ("RE-1001;NaN", "statement line 1 is not 'invoice;amount': 'RE-1001;NaN'"),
        (";95.20", "statement line 1 is not 'invoice;amount': ';95.20'"),
    ],
)
def test_a_malformed_statement_line_is_refused_with_its_number(text: str, line: str) -> None:
    with pytest.raises(ValueError, match=f"^{re.escape(line)}$"):
        import_payments(io.StringIO(text))


AMOUNTS = [Decimal("0.01"), Decimal("44.15"), Decimal("95.20"), Decimal("255.85")]


def keeps_the_tender_contract(tender: Tender, amount: Decimal) -> None:
    """The contract of `Tender`: `charge` takes at most `amount`, and says how much."""
    receipt = tender.charge(amount)
    assert Decimal(0) <= receipt.amount <= amount


def keeps_the_payment_method_contract(method: PaymentMethod, amount: Decimal) -> None:
    """The contract of `PaymentMethod`: `charge` takes any amount, all of it."""
    assert method.charge(amount).amount == amount


@pytest.mark.parametrize("amount", AMOUNTS, ids=str)
@pytest.mark.parametrize(
    "tender",
    [CardTender, lambda: GiftCardTender(Decimal("44.15"))],
    ids=["CardTender", "GiftCardTender"],
)
def test_every_tender_keeps_the_contract(
    tender: typing.Callable[[], Tender], amount: Decimal
) -> None:
    """The contract test the page recommends, run against every implementation."""
    keeps_the_tender_contract(tender(), amount)


def test_the_contract_test_finds_the_gift_card_that_breaks_payment_method() -> None:
    """The same kind of test, run against every `PaymentMethod`, finds `GiftCard`: mypy
    accepts it, the test does not."""
    for amount in AMOUNTS:
        keeps_the_payment_method_contract(Card(), amount)
    with pytest.raises(ValueError, match=r"^the gift card has only 10 EUR left$"):
        keeps_the_payment_method_contract(GiftCard(Decimal("10")), Decimal("95.20"))


def test_a_reminder_is_refused_until_the_invoice_is_overdue() -> None:
    invoice = Invoice(
        "RE-1002",
        "Atelier Moreau",
        "compta@atelier-moreau.example",
        due=date(2026, 12, 20),
        lines=(Line("Hosting, November", 1, Decimal("80.00")),),
    )
    for today in (date(2026, 12, 6), date(2026, 12, 20)):
        with pytest.raises(ValueError, match=r"^RE-1002 is not overdue until after 2026-12-20$"):
            render_reminder(invoice, today)
    assert render_reminder(invoice, date(2026, 12, 22)) == (
        "Reminder: RE-1002 is 2 days overdue, 95.20 EUR"
    )
