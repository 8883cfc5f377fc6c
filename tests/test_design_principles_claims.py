"""Claims of the design principles page that its blocks cannot print.

What mypy reports about the concrete annotation, the Protocol, the abstract class and duck
typing; and that the mailer and the outbox behave as the page says against a real SMTP
server on 127.0.0.1 and against a port where nothing listens.
"""

from __future__ import annotations

import socket
import socketserver
import textwrap
import threading
from collections import deque
from collections.abc import Iterator
from contextlib import contextmanager
from decimal import Decimal
from email import message_from_bytes
from pathlib import Path
from unittest import mock

import pytest
from mypy import api

from snippets.principles.design_principles import (
    CardGateway,
    Line,
    Order,
    OrderPaid,
    SmtpMailer,
    place_order,
    send_receipts,
)
from tests.pagecode import ROOT

ORDER = Order("A-1001", "DE", "ana@example.com", (Line("Espresso machine", Decimal("89.90")),))

SHOWN_ON_THE_PAGE = """
    from decimal import Decimal

    from snippets.principles.design_principles import (
        CardGateway, InvoiceGateway, Line, Order, PaymentProvider, gross, pay, pay_before,
    )

    order = Order("A-1001", "DE", "ana@example.com", (Line("Espresso machine", Decimal(1)),))
    pay_before(order, CardGateway())
    pay_before(order, InvoiceGateway())
    pay(order, CardGateway())
    pay(order, InvoiceGateway())


    class LegacyGateway:
        def charge(self, amount_cents: int) -> bool:
            return True


    pay(order, LegacyGateway())


    class GiftCardProvider(PaymentProvider):
        def charge(self, reference: str, amount: Decimal) -> str:
            return f"gift-{reference}"


    GiftCardProvider()


    def pay_duck_typed(order, gateway):
        return gateway.charge(order.reference, gross(order))


    pay_duck_typed(order, LegacyGateway())
"""


SOURCE = textwrap.dedent(SHOWN_ON_THE_PAGE).lstrip("\n")


def line_of(code: str) -> str:
    """The number of the line of SOURCE that is `code`, as mypy prints it."""
    (number,) = [n for n, line in enumerate(SOURCE.splitlines(), 1) if line == code]
    return str(number)


INVOICE, LEGACY, GIFT_CARD = (
    line_of("pay_before(order, InvoiceGateway())"),
    line_of("pay(order, LegacyGateway())"),
    line_of("GiftCardProvider()"),
)


def run_mypy(tmp_path: Path, *options: str) -> list[str]:
    """mypy's errors and notes on SOURCE, as `line: message` strings."""
    module = tmp_path / "shown.py"
    module.write_text(SOURCE, encoding="utf-8")
    report, _, _ = api.run([str(module), "--cache-dir", str(tmp_path / "cache"), *options])
    prefix = f"{module}:"
    return [line.removeprefix(prefix) for line in report.splitlines() if line.startswith(prefix)]


def test_mypy_checks_the_annotation_the_protocol_and_the_abstract_class(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(ROOT)  # where mypy finds `snippets` and the project's strict settings
    lines = run_mypy(tmp_path)
    errors = [line for line in lines if ": error:" in line]
    # The concrete annotation refuses pay by invoice; the Protocol takes both providers.
    assert errors[0] == (
        f'{INVOICE}: error: Argument 2 to "pay_before" has incompatible type "InvoiceGateway"; '
        'expected "CardGateway"  [arg-type]'
    )
    # The Protocol refuses the legacy client, showing both signatures of `charge`.
    assert errors[1] == (
        f'{LEGACY}: error: Argument 2 to "pay" has incompatible type "LegacyGateway"; '
        'expected "PaymentGateway"  [arg-type]'
    )
    notes = "\n".join(line for line in lines if line.startswith(f"{LEGACY}: note:"))
    assert "def charge(self, reference: str, amount: Decimal) -> str" in notes
    assert "def charge(self, amount_cents: int) -> bool" in notes
    # The incomplete subclass of the abstract class cannot be instantiated.
    assert errors[2] == (
        f'{GIFT_CARD}: error: Cannot instantiate abstract class "GiftCardProvider" '
        'with abstract attribute "refund"  [abstract]'
    )
    # Duck typing: --strict only asks for annotations, it says nothing about the legacy client.
    assert [error.split("  [")[1] for error in errors[3:]] == [
        "no-untyped-def]",
        "no-untyped-call]",
    ]
    assert not any("LegacyGateway" in error for error in errors[3:])
    assert len(errors) == 5, "\n".join(lines)


def test_without_strict_mypy_has_nothing_to_check_in_duck_typed_code(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(ROOT)
    config = tmp_path / "mypy.ini"
    config.write_text("[mypy]\n", encoding="utf-8")  # mypy's defaults, not the project's
    errors = [line for line in run_mypy(tmp_path, "--config-file", str(config)) if "error:" in line]
    assert [error.split(":")[0] for error in errors] == [INVOICE, LEGACY, GIFT_CARD], "\n".join(
        errors
    )


class SmtpServer(socketserver.TCPServer):
    """Just enough of an SMTP server on 127.0.0.1 to accept mail and keep the messages."""

    allow_reuse_address = True

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), SmtpHandler)
        self.messages: list[bytes] = []


class SmtpHandler(socketserver.StreamRequestHandler):
    def reply(self, line: str) -> None:
        self.wfile.write(f"{line}\r\n".encode())

    def handle(self) -> None:
        assert isinstance(self.server, SmtpServer)
        self.reply("220 test.example ESMTP")
        while command := self.rfile.readline().decode().strip().upper():
            if command.startswith(("EHLO", "HELO")):
                self.reply("250 test.example")
            elif command.startswith(("MAIL", "RCPT")):
                self.reply("250 OK")
            elif command == "DATA":
                self.reply("354 end with a dot")
                data = b"".join(iter(self.rfile.readline, b".\r\n"))
                self.server.messages.append(data)
                self.reply("250 queued")
            elif command == "QUIT":
                self.reply("221 bye")
                return
            else:
                self.reply("502 not implemented")


@contextmanager
def smtp_server() -> Iterator[SmtpServer]:
    server = SmtpServer()
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


def closed_port() -> int:
    """A port on 127.0.0.1 where nothing listens any more."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
    return port


def test_the_mailer_sends_through_a_real_smtp_server_and_the_outbox_empties() -> None:
    outbox: deque[OrderPaid] = deque()
    place_order(ORDER, CardGateway(), outbox.append)
    with smtp_server() as server:
        mailer = SmtpMailer("127.0.0.1", server.server_address[1])
        assert send_receipts(outbox, mailer.send) == 1
    assert not outbox
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
    place_order(ORDER, CardGateway(), outbox.append)
    place_order(ORDER, CardGateway(), outbox.append)
    assert send_receipts(outbox, mailer.send) == 0
    assert len(outbox) == 2


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
