"""Mock object: fakes, stubs and mocks for a checkout that charges a card.

Run it with `python -m snippets.testing.mock_object`.
"""

# --8<-- [start:imports]
import json
import socket
import sqlite3
import threading
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import closing, contextmanager
from dataclasses import dataclass
from decimal import Decimal
from email.message import EmailMessage
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from smtplib import SMTP  # this module's own name for the class: patch it here
from typing import Any, Protocol, cast
from unittest.mock import ANY, Mock, create_autospec, patch, seal

# --8<-- [end:imports]


# --8<-- [start:domain]
@dataclass(frozen=True)
class Order:
    """An order to pay for: its number, the customer's address and the total in EUR."""

    order_id: str
    email: str
    amount: Decimal

    def __post_init__(self) -> None:
        if self.amount <= 0:
            raise ValueError(f"an order must cost more than 0 EUR, got {self.amount}")


class PaymentDeclinedError(Exception):
    """The payment provider refused the charge."""


class SqliteOrders:
    """The paid orders, in SQLite: a file in production, `:memory:` in a test."""

    def __init__(self, connection: sqlite3.Connection) -> None:
        self.connection = connection
        connection.execute(
            "CREATE TABLE IF NOT EXISTS orders (order_id TEXT PRIMARY KEY,"
            " email TEXT NOT NULL, amount TEXT NOT NULL, charge_id TEXT NOT NULL)"
        )

    def save(self, order: Order, charge_id: str) -> None:
        with self.connection:  # a transaction: committed, or rolled back on error
            self.connection.execute(
                "INSERT INTO orders (order_id, email, amount, charge_id)"
                " VALUES (?, ?, ?, ?)",
                (order.order_id, order.email, str(order.amount), charge_id),
            )

    def charge_id(self, order_id: str) -> str | None:
        """The charge that paid for `order_id`, or None if it is not paid."""
        row = self.connection.execute(
            "SELECT charge_id FROM orders WHERE order_id = ?", (order_id,)
        ).fetchone()
        return None if row is None else str(row[0])


# --8<-- [end:domain]


# --8<-- [start:checkout]
class PaymentGateway(Protocol):
    """What the checkout needs from a payment provider."""

    def charge(self, order_id: str, amount: Decimal) -> str:
        """Charge `amount` EUR for `order_id`; return the provider's charge id."""
        ...


class Mailer(Protocol):
    """What the checkout needs to send a receipt."""

    def send(self, to: str, subject: str, body: str) -> None: ...


class CheckoutService:
    """The code under test: charge an order once, record it, mail a receipt."""

    def __init__(
        self, gateway: PaymentGateway, mailer: Mailer, orders: SqliteOrders
    ) -> None:
        self.gateway = gateway
        self.mailer = mailer
        self.orders = orders

    def place(self, order: Order) -> str:
        """Pay for `order` and return the charge id; an order placed again is
        not charged again."""
        paid = self.orders.charge_id(order.order_id)
        if paid is not None:
            return paid
        charge_id = self.gateway.charge(order.order_id, order.amount)
        self.orders.save(order, charge_id)
        self.mailer.send(
            order.email,
            f"Receipt for order {order.order_id}",
            f"We charged {order.amount} EUR to your card ({charge_id}).",
        )
        return charge_id


# --8<-- [end:checkout]


# --8<-- [start:adapters]
class HttpPaymentGateway:
    """The real PaymentGateway: the provider's JSON API over HTTP."""

    def __init__(self, base_url: str, timeout: float = 5.0) -> None:
        self.base_url = base_url
        self.timeout = timeout

    def charge(self, order_id: str, amount: Decimal) -> str:
        body = {"order_id": order_id, "amount": str(amount)}
        request = urllib.request.Request(
            f"{self.base_url}/charges",
            data=json.dumps(body).encode(),
            headers={"Content-Type": "application/json"},
            method="POST",
        )
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:
                return str(json.load(response)["id"])
        except urllib.error.HTTPError as exc:
            if exc.code != 402:  # 402 Payment Required: the card was declined
                raise
            with exc:
                raise PaymentDeclinedError(json.load(exc)["error"]) from None


class SmtpMailer:
    """The real Mailer: one SMTP connection per message."""

    def __init__(
        self, host: str, port: int = 25, sender: str = "shop@example.com"
    ) -> None:
        self.host = host
        self.port = port
        self.sender = sender

    def send(self, to: str, subject: str, body: str) -> None:
        message = EmailMessage()
        message["From"] = self.sender
        message["To"] = to
        message["Subject"] = subject
        message.set_content(body)
        with SMTP(self.host, self.port, timeout=5.0) as smtp:
            smtp.send_message(message)


# --8<-- [end:adapters]


# --8<-- [start:doubles]
class FakeGateway:
    """A fake: a working payment provider in memory, with a card limit."""

    def __init__(self, limit: Decimal) -> None:
        self.limit = limit
        self.charges: dict[str, tuple[str, Decimal]] = {}  # charge id -> order

    def charge(self, order_id: str, amount: Decimal) -> str:
        if amount > self.limit:
            raise PaymentDeclinedError(f"card declined: {amount} EUR is over the limit")
        charge_id = f"ch_{len(self.charges) + 1:04d}"
        self.charges[charge_id] = (order_id, amount)
        return charge_id


@dataclass(frozen=True)
class Email:
    """A message the OutboxMailer kept instead of sending it."""

    to: str
    subject: str
    body: str


class OutboxMailer:
    """A fake: a mailer that keeps every message in a list."""

    def __init__(self) -> None:
        self.outbox: list[Email] = []

    def send(self, to: str, subject: str, body: str) -> None:
        self.outbox.append(Email(to, subject, body))


class StubGateway:
    """A stub: one canned answer to every charge, a charge id or an error."""

    def __init__(self, answer: str | Exception) -> None:
        self.answer = answer

    def charge(self, order_id: str, amount: Decimal) -> str:
        if isinstance(self.answer, Exception):
            raise self.answer
        return self.answer


@contextmanager
def memory_orders() -> Iterator[SqliteOrders]:
    """A real SqliteOrders on a fresh in-memory database, closed on the way out."""
    with closing(sqlite3.connect(":memory:")) as connection:
        yield SqliteOrders(connection)


# --8<-- [end:doubles]


# --8<-- [start:ports]
@contextmanager
def refused_port() -> Iterator[int]:
    """A port on 127.0.0.1 that is taken but not listening: connecting is refused."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        yield cast(int, sock.getsockname()[1])


# --8<-- [end:ports]


# --8<-- [start:provider]
class ProviderServer(ThreadingHTTPServer):
    """The payment provider's API, played on 127.0.0.1: real HTTP, no real money."""

    def __init__(self, limit: Decimal) -> None:
        super().__init__(("127.0.0.1", 0), ProviderHandler)
        self.limit = limit
        self.received: list[dict[str, str]] = []  # every charge request, in order
        self.charged = 0  # charges made; a declined request is not numbered
        self.lock = threading.Lock()

    @property
    def url(self) -> str:
        host, port = self.server_address[:2]
        return f"http://{host!s}:{port}"


class ProviderHandler(BaseHTTPRequestHandler):
    """Answers `POST /charges` as the provider does, 201 with an id or 402; else 404."""

    def do_POST(self) -> None:
        server = cast(ProviderServer, self.server)
        length = int(self.headers["Content-Length"])
        body = self.rfile.read(length)  # read in full, even for a wrong path
        if self.path != "/charges":
            self.reply(404, {"error": f"no such endpoint: {self.path}"})
            return
        request: dict[str, str] = json.loads(body)
        with server.lock:
            server.received.append(request)
            declined = Decimal(request["amount"]) > server.limit
            if not declined:
                server.charged += 1
            number = server.charged
        if declined:
            error = f"card declined: {request['amount']} EUR is over the limit"
            self.reply(402, {"error": error})
        else:
            self.reply(201, {"id": f"ch_{number:04d}"})

    def reply(self, status: int, answer: dict[str, str]) -> None:
        body = json.dumps(answer).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: Any) -> None:
        """Keep the test output quiet."""


@contextmanager
def local_provider(limit: Decimal) -> Iterator[ProviderServer]:
    """Serve a ProviderServer from a thread on a free port; stop it on the way out."""
    server = ProviderServer(limit)
    thread = threading.Thread(target=server.serve_forever)
    thread.start()
    try:
        yield server
    finally:
        server.shutdown()
        thread.join()
        server.server_close()


# --8<-- [end:provider]


if __name__ == "__main__":
    # fmt: off
    # --8<-- [start:demo-fake]
    ana = Order("A-1001", "ana@example.com", Decimal("42.50"))
    gateway = FakeGateway(limit=Decimal("500.00"))
    mailer = OutboxMailer()
    with memory_orders() as orders:
        service = CheckoutService(gateway, mailer, orders)
        print(service.place(ana), service.place(ana))  # placed twice
        #> ch_0001 ch_0001
        try:
            service.place(Order("A-1002", "bo@example.com", Decimal("1200.00")))
        except PaymentDeclinedError as exc:
            print(exc)
            #> card declined: 1200.00 EUR is over the limit
        print(orders.charge_id("A-1001"), orders.charge_id("A-1002"))
        #> ch_0001 None
    print(gateway.charges)
    #> {'ch_0001': ('A-1001', Decimal('42.50'))}
    print(len(mailer.outbox), mailer.outbox[0].body)
    #> 1 We charged 42.50 EUR to your card (ch_0001).
    # --8<-- [end:demo-fake]

    # --8<-- [start:demo-stub]
    mailer = OutboxMailer()
    with memory_orders() as orders:
        down = StubGateway(TimeoutError("the provider did not answer in 5 s"))
        try:
            CheckoutService(down, mailer, orders).place(ana)
        except TimeoutError as exc:
            print(exc)
            #> the provider did not answer in 5 s
        print(orders.charge_id("A-1001"), mailer.outbox)
        #> None []
    # --8<-- [end:demo-stub]

    # --8<-- [start:demo-mock]
    gateway = create_autospec(HttpPaymentGateway, instance=True)
    gateway.charge.return_value = "ch_0042"
    mailer = create_autospec(SmtpMailer, instance=True)
    with memory_orders() as orders:
        service = CheckoutService(gateway, mailer, orders)
        service.place(ana)
        service.place(ana)
    gateway.charge.assert_called_once_with("A-1001", Decimal("42.50"))
    mailer.send.assert_called_once_with(
        "ana@example.com", "Receipt for order A-1001", ANY
    )
    print(gateway.mock_calls)
    #> [call.charge('A-1001', Decimal('42.50'))]
    # --8<-- [end:demo-mock]

    # --8<-- [start:demo-spec]
    try:
        gateway.chrage("A-1001", Decimal("42.50"))  # a typo, or a renamed method
    except AttributeError as exc:
        print(exc)
        #> Mock object has no attribute 'chrage'
    try:
        gateway.charge("A-1001")  # the amount is missing
    except TypeError as exc:
        print(exc)
        #> missing a required argument: 'amount'

    response = Mock(status=201)  # an HTTP response, built by hand
    response.json.return_value = {"id": "ch_0042"}
    seal(response)  # from now on, no new attributes
    print(response.status, response.json()["id"])
    #> 201 ch_0042
    try:
        print(response.status_code)  # the name is `status` here
    except AttributeError as exc:
        print(exc)
        #> mock.status_code
    # --8<-- [end:demo-spec]

    # --8<-- [start:demo-patch]
    import snippets.testing.mock_object as shop  # as a test imports it

    with refused_port() as port:
        smtp_mailer = shop.SmtpMailer("127.0.0.1", port)
        with patch("smtplib.SMTP"):  # wrong: `shop` has its own name `SMTP`
            try:
                smtp_mailer.send("ana@example.com", "Receipt", "42.50 EUR")
            except ConnectionRefusedError as exc:
                print("the real SMTP ran:", type(exc).__name__)
                #> the real SMTP ran: ConnectionRefusedError
        with patch("snippets.testing.mock_object.SMTP", autospec=True) as smtp_class:
            smtp_mailer.send("ana@example.com", "Receipt", "42.50 EUR")
        smtp_class.assert_called_once_with("127.0.0.1", port, timeout=5.0)
    smtp = smtp_class.return_value.__enter__.return_value  # `as smtp`
    message = smtp.send_message.call_args.args[0]
    print(message["To"], "|", message["Subject"], "|", message.get_content().rstrip())
    #> ana@example.com | Receipt | 42.50 EUR
    # --8<-- [end:demo-patch]

    # --8<-- [start:demo-real]
    with local_provider(limit=Decimal("500.00")) as provider:
        mailer = OutboxMailer()
        with memory_orders() as orders:
            service = CheckoutService(HttpPaymentGateway(provider.url), mailer, orders)
            print(service.place(ana), service.place(ana))
            #> ch_0001 ch_0001
            try:
                service.place(Order("A-1002", "bo@example.com", Decimal("1200.00")))
            except PaymentDeclinedError as exc:
                print(exc)
                #> card declined: 1200.00 EUR is over the limit
    print(len(provider.received), provider.received[0])  # what went over the wire
    #> 2 {'order_id': 'A-1001', 'amount': '42.50'}
    print(len(mailer.outbox))
    #> 1
    # --8<-- [end:demo-real]
    # fmt: on
