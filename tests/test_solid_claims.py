"""Claims of the SOLID page that its blocks cannot print: mypy's verdicts, bad statements."""

from __future__ import annotations

import io
import re
import textwrap
import typing
from pathlib import Path

import pytest
from mypy import api

from snippets.principles.solid import import_payments
from tests.pagecode import DOCS, ROOT

PAGE = DOCS / "principles" / "solid.md"
MODULE = ROOT / "snippets" / "principles" / "solid.py"
IGNORE = re.compile(r"  # type: ignore\[[a-z-]+\]")


def mypy_errors(path: Path, tmp_path: Path) -> tuple[int, list[str]]:
    """Run `mypy --strict` on one file; return its status and its report, line by line."""
    report, _, status = api.run(
        [str(path), "--strict", "--no-incremental", "--cache-dir", str(tmp_path / "cache")]
    )
    return status, report.splitlines()


def quoted_errors() -> list[str]:
    """The mypy errors the page quotes in its `text` blocks."""
    return re.findall(r"^(error: .+)$", PAGE.read_text(encoding="utf-8"), flags=re.M)


def test_mypy_reports_the_broken_override_and_call_but_accepts_the_gift_card(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The module as shown, without its two `type: ignore` comments, has exactly the two
    errors the page quotes: the return type of `OnAccount.charge` and the `TextIO` call.
    `GiftCard`, which breaks `settle` at run time, passes."""
    monkeypatch.chdir(ROOT)  # the project's mypy settings
    source = MODULE.read_text(encoding="utf-8")
    ignored = [n for n, line in enumerate(source.splitlines(), 1) if IGNORE.search(line)]
    shown = tmp_path / "solid_shown.py"
    shown.write_text(IGNORE.sub("", source), encoding="utf-8")
    status, report = mypy_errors(shown, tmp_path)
    errors = [line for line in report if ": error:" in line]
    assert status == 1
    assert len(ignored) == len(errors) == 2, report
    quoted = quoted_errors()
    assert len(quoted) == 2, "the page quotes two mypy errors"
    for line_number, error, message in zip(ignored, errors, quoted, strict=True):
        assert error == f"{shown}:{line_number}: {message}", report
    assert "def charge(self, amount: Decimal) -> str:" in source.splitlines()[ignored[0] - 1]
    assert "parse_statement(download)" in source.splitlines()[ignored[1] - 1]
    gift_card = source.index("class GiftCard(")
    assert "type: ignore" not in source[gift_card : source.index("def settle(")]


def test_mypy_names_liskov_for_a_narrowed_argument(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A till that takes whole euros only, added to the module: the error and its note."""
    monkeypatch.chdir(ROOT)
    source = MODULE.read_text(encoding="utf-8")
    till = tmp_path / "solid_till.py"
    till.write_text(
        source
        + textwrap.dedent(
            """

            class WholeEuros(PaymentMethod):
                def charge(self, amount: int) -> Receipt:
                    return Receipt("cash", Decimal(amount))
            """
        ),
        encoding="utf-8",
    )
    lines = till.read_text(encoding="utf-8").splitlines()
    line = lines.index("    def charge(self, amount: int) -> Receipt:") + 1
    status, report = mypy_errors(till, tmp_path)
    assert status == 1
    assert report[:2] == [
        f'{till}:{line}: error: Argument 1 of "charge" is incompatible with supertype '
        '"PaymentMethod"; supertype defines the argument type as "Decimal"  [override]',
        f"{till}:{line}: note: This violates the Liskov substitution principle",
    ], report
    page = " ".join(PAGE.read_text(encoding="utf-8").split())
    assert 'error `Argument 1 of "charge" is incompatible with supertype "PaymentMethod"`' in page
    assert 'the note "This violates the Liskov substitution principle"' in page


def test_small_protocols_fit_what_the_page_says_and_reject_the_rest(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`Readable` takes a `BankDownload`, a `StringIO`, an open file and `sys.stdin`;
    `typing_extensions.Reader` (Python 3.14's `io.Reader`) does not take a `BankDownload`;
    `run_billing` refuses an adapter whose `send` does not fit `InvoiceSender`; a bound
    `send` fits `Callable[[str, str], None]`."""
    monkeypatch.chdir(ROOT)
    uses = tmp_path / "uses.py"
    uses.write_text(
        textwrap.dedent(
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

            standard: Reader[str] = io.StringIO()
            too_narrow: Reader[str] = download  # line 23


            class SmsSender:
                def send(self, phone: str) -> None: ...


            run_billing([], SmsSender())  # line 30
            send_one: Callable[[str, str], None] = SqliteOutbox(sqlite3.connect("")).send
            """
        ),
        encoding="utf-8",
    )
    status, report = mypy_errors(uses, tmp_path)
    errors = [line for line in report if ": error:" in line]
    assert status == 1
    assert [error.split(":")[1] for error in errors] == ["23", "30"], report
    assert 'variable has type "Reader[str]"' in errors[0]
    assert "def read(self, int = ..., /) -> str" in "\n".join(report)
    assert 'Argument 2 to "run_billing" has incompatible type "SmsSender"' in errors[1]
    assert 'expected "InvoiceSender"' in errors[1]


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
