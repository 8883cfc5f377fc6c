"""Claims of the design principles page that its blocks cannot print.

What mypy reports about the concrete annotation, the Protocol, the abstract class and duck
typing, checked on the code the page shows; that the two classes the page only shows work;
and that the mailer and the outbox behave as the page says against a real SMTP server on
127.0.0.1 and against a port where nothing listens.
"""

from __future__ import annotations

import re
import smtplib
import socket
import threading
from collections import deque
from decimal import Decimal
from email import message_from_bytes
from pathlib import Path
from unittest import mock

import pytest

from snippets.principles.design_principles import (
    CardGateway,
    Line,
    LoggingTaxedPriceCalculator,
    Order,
    OrderPaid,
    PaymentProvider,
    SmtpMailer,
    place_order,
    send_receipts,
)
from tests.pagecode import DOCS, PYTHON_LANGUAGES, fence_examples, find_fences
from tests.smtp import smtp_server
from tests.typecheck import Mypy, run_mypy

PAGE = DOCS / "principles" / "design-principles.md"
ORDER = Order("A-1001", "DE", "ana@example.com", (Line("Espresso machine", Decimal("89.90")),))

# The messages the page quotes in its prose, word for word.
INVOICE_MESSAGE = (
    'Argument 2 to "pay_before" has incompatible type "InvoiceGateway"; expected "CardGateway"'
)
ABSTRACT_MESSAGE = (
    'Cannot instantiate abstract class "GiftCardProvider" with abstract attribute "refund"'
)
LEGACY_MESSAGE = (
    'Argument 2 to "pay" has incompatible type "LegacyGateway"; expected "PaymentGateway"'
)


def page_program() -> str:
    """The page's Python blocks, includes expanded, as the one program the examples run."""
    return "".join(
        example.source
        for fence in find_fences(PAGE)
        if fence.language in PYTHON_LANGUAGES
        for example, _ in fence_examples(PAGE, fence)
    )


# The prose: "Passed to the Protocol-typed `pay`, the same object is reported by mypy".
PROGRAM = page_program() + "pay(berlin, LegacyGateway())\n"


def line_of(code: str) -> int:
    """The number of the one line of PROGRAM that is `code`, before any comment."""
    (number,) = [
        n for n, line in enumerate(PROGRAM.splitlines(), 1) if line.split("  #")[0].strip() == code
    ]
    return number


INVOICE = line_of("print(pay_before(berlin, InvoiceGateway()))")
DUCK_DEF = line_of("def pay_duck_typed(order, gateway):")
DUCK_LEGACY = line_of("pay_duck_typed(berlin, LegacyGateway())")
DUCK_CENTS = line_of("print(pay_duck_typed(berlin, CentsGateway()))")
GIFT_CARD = line_of("GiftCardProvider()")
LEGACY = line_of("pay(berlin, LegacyGateway())")

ERROR = re.compile(r":(?P<line>\d+): error: (?P<message>.*?)  \[(?P<code>[\w-]+)\]$")


def errors_of(report: str) -> list[tuple[int, str, str]]:
    """mypy's errors as (line, message, code)."""
    found = (ERROR.search(line) for line in report.splitlines())
    return [(int(m["line"]), m["message"], m["code"]) for m in found if m]


def test_mypy_checks_the_annotation_the_protocol_and_the_abstract_class(mypy: Mypy) -> None:
    report = mypy.check(PROGRAM, name="shown")
    errors = errors_of(report.text)
    assert report.status == 1
    assert [(line, code) for line, _, code in errors] == [
        (INVOICE, "arg-type"),  # the concrete annotation refuses pay by invoice
        (DUCK_DEF, "no-untyped-def"),  # duck typing: --strict only asks for annotations
        (DUCK_LEGACY, "no-untyped-call"),
        (DUCK_CENTS, "no-untyped-call"),
        (GIFT_CARD, "abstract"),  # the incomplete subclass of the abstract class
        (LEGACY, "arg-type"),  # the Protocol refuses the legacy client
    ], report.text
    messages = {line: message for line, message, _ in errors}
    assert messages[INVOICE] == INVOICE_MESSAGE
    assert messages[GIFT_CARD] == ABSTRACT_MESSAGE
    assert messages[LEGACY] == LEGACY_MESSAGE
    # The page's comment on the refused call names the same error code.
    assert PROGRAM.splitlines()[INVOICE - 1].endswith("# mypy: error [arg-type]")
    # The Protocol's error shows the expected and the actual signature of `charge`.
    notes = "\n".join(line for line in report.text.splitlines() if f":{LEGACY}: note:" in line)
    assert "def charge(self, reference: str, amount: Decimal) -> str" in notes
    assert "def charge(self, amount_cents: int) -> bool" in notes


def test_the_page_quotes_the_messages_mypy_prints() -> None:
    prose = " ".join(PAGE.read_text(encoding="utf-8").split())  # line breaks as spaces
    for message in (INVOICE_MESSAGE, ABSTRACT_MESSAGE):
        assert f"`{message}`" in prose, message


def test_without_strict_mypy_has_nothing_to_check_in_duck_typed_code(tmp_path: Path) -> None:
    """Other flags than --strict, so `run_mypy` with a cache of its own, not the fixture."""
    module = tmp_path / "shown.py"
    module.write_text(PROGRAM, encoding="utf-8")
    config = tmp_path / "mypy.ini"
    config.write_text("[mypy]\n", encoding="utf-8")  # mypy's defaults, not the project's
    report = run_mypy(
        "--config-file", str(config), "--cache-dir", str(tmp_path / "cache"), str(module)
    ).text
    assert [line for line, _, _ in errors_of(report)] == [INVOICE, GIFT_CARD, LEGACY], report


def test_the_classes_the_page_only_shows_work() -> None:
    class GiftCard(PaymentProvider):
        def charge(self, reference: str, amount: Decimal) -> str:
            return f"gift-{reference}-{amount}"

        def refund(self, payment_id: str) -> None:
            pass

    assert GiftCard().pay(ORDER) == "gift-A-1001-106.98"  # `pay`, inherited from the ABC
    log: list[str] = []
    assert LoggingTaxedPriceCalculator(log).total(ORDER) == Decimal("106.98")
    assert log == ["A-1001 priced at 106.98"]


def closed_port() -> int:
    """A port on 127.0.0.1 where nothing listens any more."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
    return port


def test_the_mailer_sends_through_a_real_smtp_server_and_the_outbox_empties() -> None:
    outbox: deque[OrderPaid] = deque()
    undeliverable: list[OrderPaid] = []
    place_order(ORDER, CardGateway(), outbox.append)
    with smtp_server() as server:
        mailer = SmtpMailer("127.0.0.1", server.port)
        assert send_receipts(outbox, mailer.send, undeliverable) == 1
    assert not outbox
    assert undeliverable == []
    (raw,) = server.messages
    mail = message_from_bytes(raw)
    assert mail["To"] == "ana@example.com"
    assert mail["Subject"] == "Your receipt for A-1001"
    assert "total 106.98" in mail.get_payload()


def test_a_refused_connection_keeps_the_receipt_in_the_outbox() -> None:
    mailer = SmtpMailer("127.0.0.1", closed_port())
    with pytest.raises(ConnectionRefusedError):
        mailer.send("ana@example.com", "Your receipt", "...")
    outbox: deque[OrderPaid] = deque()
    undeliverable: list[OrderPaid] = []
    place_order(ORDER, CardGateway(), outbox.append)
    place_order(ORDER, CardGateway(), outbox.append)
    assert send_receipts(outbox, mailer.send, undeliverable) == 0
    assert len(outbox) == 2
    assert undeliverable == []


def test_a_refused_address_is_set_aside_and_the_receipt_behind_it_is_sent() -> None:
    gone = Order("A-1000", "DE", "gone@example.com", ORDER.lines)
    outbox: deque[OrderPaid] = deque()
    undeliverable: list[OrderPaid] = []
    place_order(gone, CardGateway(), outbox.append)
    place_order(ORDER, CardGateway(), outbox.append)
    with smtp_server(refused=frozenset({"gone@example.com"})) as server:
        mailer = SmtpMailer("127.0.0.1", server.port)
        with pytest.raises(smtplib.SMTPRecipientsRefused):  # what smtplib makes of the 550
            mailer.send("gone@example.com", "Your receipt", "...")
        assert send_receipts(outbox, mailer.send, undeliverable) == 1
    assert not outbox
    assert [paid.reference for paid in undeliverable] == ["A-1000"]
    (raw,) = server.messages
    assert message_from_bytes(raw)["To"] == "ana@example.com"


def test_patch_object_replaces_send_for_every_caller_in_the_process() -> None:
    """The page: the test replaces `SmtpMailer.send` for the whole process while it runs."""
    mailer = SmtpMailer("127.0.0.1", closed_port())  # created before the patch, elsewhere
    failures: list[BaseException] = []

    def send_from_another_thread() -> None:
        try:
            mailer.send("ana@example.com", "Your receipt", "...")
        except BaseException as exc:
            failures.append(exc)

    with mock.patch.object(SmtpMailer, "send", autospec=True) as send:
        worker = threading.Thread(target=send_from_another_thread)
        worker.start()
        worker.join()
    assert failures == []
    assert send.call_count == 1
    worker = threading.Thread(target=send_from_another_thread)  # unpatched again: refused
    worker.start()
    worker.join()
    assert [type(exc) for exc in failures] == [ConnectionRefusedError]
