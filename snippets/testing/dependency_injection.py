"""Dependency injection: payment reminders, with clock, database and mailer passed in.

Run it with `python -m snippets.testing.dependency_injection`.
"""

# --8<-- [start:imports]
import asyncio
import os
import smtplib
import sqlite3
from collections.abc import Callable, Iterator, Mapping
from contextlib import closing, contextmanager
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from email.message import EmailMessage
from pathlib import Path
from typing import Annotated, Protocol, Self

import httpx
from fastapi import Depends, FastAPI

# --8<-- [end:imports]


# --8<-- [start:ports]
@dataclass(frozen=True)
class Invoice:
    """An unpaid invoice: number, customer's address, amount and due date."""

    number: str
    customer: str
    amount: Decimal  # EUR
    due: date


class InvoiceRepository(Protocol):
    """Where invoices live: what the reminders need from a database."""

    def overdue(self, today: date) -> list[Invoice]:
        """Invoices past their due date that have had no reminder yet."""
        ...

    def mark_reminded(self, number: str, at: datetime) -> None:
        """Record that a reminder for invoice `number` went out at `at`."""
        ...


class Mailer(Protocol):
    """Something that delivers an email."""

    def send(self, message: EmailMessage) -> None: ...


Clock = Callable[[], datetime]  # called for the current time, aware, in UTC


def utc_now() -> datetime:
    """The real clock."""
    return datetime.now(UTC)


# --8<-- [end:ports]


# --8<-- [start:function]
BILLING_SENDER = "billing@example.com"


def reminder_email(invoice: Invoice, today: date, sender: str) -> EmailMessage:
    """The reminder for one overdue invoice: a value, built from values."""
    days = (today - invoice.due).days
    late = f"{days} day overdue" if days == 1 else f"{days} days overdue"
    message = EmailMessage()
    message["From"] = sender
    message["To"] = invoice.customer
    message["Subject"] = f"Invoice {invoice.number} is {late}"
    message.set_content(f"Please pay {invoice.amount} EUR, due {invoice.due}.\n")
    return message


def send_reminders(
    invoices: InvoiceRepository,
    mailer: Mailer,
    *,
    clock: Clock = utc_now,
    sender: str = BILLING_SENDER,
) -> list[str]:
    """Email every overdue invoice's customer once; return the invoice numbers."""
    now = clock()
    sent = []
    for invoice in invoices.overdue(now.date()):
        mailer.send(reminder_email(invoice, now.date(), sender))
        invoices.mark_reminded(invoice.number, at=now)
        sent.append(invoice.number)
    return sent


# --8<-- [end:function]


# --8<-- [start:service]
class ReminderService:
    """Payment reminders; every collaborator is passed in, none is built here."""

    def __init__(
        self,
        invoices: InvoiceRepository,
        mailer: Mailer,
        *,
        clock: Clock = utc_now,
        sender: str = BILLING_SENDER,
    ) -> None:
        self.invoices = invoices
        self.mailer = mailer
        self.clock = clock
        self.sender = sender

    def preview(self) -> dict[str, int]:
        """The invoices a run would remind now, with how many days each is late."""
        today = self.clock().date()
        return {i.number: (today - i.due).days for i in self.invoices.overdue(today)}

    def send_reminders(self) -> list[str]:
        """Send the reminders that are due; return the invoice numbers."""
        return send_reminders(
            self.invoices, self.mailer, clock=self.clock, sender=self.sender
        )


# --8<-- [end:service]


# --8<-- [start:real]
class SqliteInvoices:
    """InvoiceRepository on SQLite: a file in production, `:memory:` in tests."""

    def __init__(self, db: sqlite3.Connection) -> None:
        self.db = db

    def create_schema(self) -> None:
        self.db.execute(
            "CREATE TABLE IF NOT EXISTS invoices (number TEXT PRIMARY KEY,"
            " customer TEXT NOT NULL, amount TEXT NOT NULL, due TEXT NOT NULL,"
            " reminded_at TEXT)"
        )

    def add(self, invoice: Invoice) -> None:
        with self.db:  # commits the INSERT, or rolls it back on an error
            self.db.execute(
                "INSERT INTO invoices (number, customer, amount, due)"
                " VALUES (?, ?, ?, ?)",
                (
                    invoice.number,
                    invoice.customer,
                    str(invoice.amount),
                    str(invoice.due),
                ),
            )

    def overdue(self, today: date) -> list[Invoice]:
        rows = self.db.execute(
            "SELECT number, customer, amount, due FROM invoices"
            " WHERE due < ? AND reminded_at IS NULL ORDER BY due, number",
            (today.isoformat(),),
        )
        return [
            Invoice(number, customer, Decimal(amount), date.fromisoformat(due))
            for number, customer, amount, due in rows
        ]

    def mark_reminded(self, number: str, at: datetime) -> None:
        with self.db:
            self.db.execute(
                "UPDATE invoices SET reminded_at = ? WHERE number = ?",
                (at.isoformat(), number),
            )


class SmtpMailer:
    """Mailer over SMTP. It connects per message, so building one costs nothing."""

    def __init__(self, host: str, port: int = 25, *, timeout: float = 10.0) -> None:
        self.host = host
        self.port = port
        self.timeout = timeout

    def send(self, message: EmailMessage) -> None:
        with smtplib.SMTP(self.host, self.port, timeout=self.timeout) as smtp:
            smtp.send_message(message)


# --8<-- [end:real]


# --8<-- [start:fakes]
@dataclass
class FakeClock:
    """A clock for tests: it says what `now` is, and moves only when told to."""

    now: datetime

    def __post_init__(self) -> None:
        if self.now.tzinfo is None:
            raise ValueError(f"FakeClock needs an aware datetime, got {self.now}")

    def __call__(self) -> datetime:
        return self.now

    def advance(self, *, days: int = 0, hours: int = 0) -> None:
        self.now += timedelta(days=days, hours=hours)


@dataclass
class RecordingMailer:
    """A fake Mailer: it keeps the messages instead of sending them."""

    sent: list[EmailMessage] = field(default_factory=list)

    def send(self, message: EmailMessage) -> None:
        self.sent.append(message)


def memory_invoices(*invoices: Invoice) -> SqliteInvoices:
    """A real SQLite database in memory, holding `invoices`: no mock needed."""
    # check_same_thread=False: FastAPI's worker threads use it (one request at a time
    # in these demos and tests).
    repository = SqliteInvoices(sqlite3.connect(":memory:", check_same_thread=False))
    repository.create_schema()
    for invoice in invoices:
        repository.add(invoice)
    return repository


# --8<-- [end:fakes]


# --8<-- [start:root]
@dataclass(frozen=True)
class Settings:
    """What the program reads from its environment: where the database and mail are."""

    billing_db: str
    smtp_host: str = "localhost"
    smtp_port: int = 25

    @classmethod
    def from_env(cls, environ: Mapping[str, str]) -> Self:
        if "BILLING_DB" not in environ:
            raise ValueError("set BILLING_DB to the path of the billing database")
        return cls(
            environ["BILLING_DB"],
            environ.get("SMTP_HOST", "localhost"),
            int(environ.get("SMTP_PORT", "25")),
        )


def open_billing_db(path: str, *, check_same_thread: bool = True) -> sqlite3.Connection:
    """Open the billing database, which must exist: a migration creates its tables."""
    # mode=rw: a mistyped path fails here, instead of creating an empty database.
    uri = Path(path).resolve().as_uri() + "?mode=rw"
    return sqlite3.connect(uri, uri=True, check_same_thread=check_same_thread)


@contextmanager
def reminder_app(settings: Settings) -> Iterator[ReminderService]:
    """The composition root: the one place that names the real implementations."""
    with closing(open_billing_db(settings.billing_db)) as db:
        invoices = SqliteInvoices(db)
        mailer = SmtpMailer(settings.smtp_host, settings.smtp_port)
        yield ReminderService(invoices, mailer)  # the real clock, by default


def main() -> list[str]:
    """The nightly job: wire the real parts from the environment, then run."""
    with reminder_app(Settings.from_env(os.environ)) as service:
        return service.send_reminders()


# --8<-- [end:root]


# --8<-- [start:web]
def get_settings() -> Settings:
    return Settings.from_env(os.environ)


def get_invoices(
    settings: Annotated[Settings, Depends(get_settings)],
) -> Iterator[InvoiceRepository]:
    """One connection per request, closed when the request is done."""
    # FastAPI may open it in one worker thread and use it in another.
    db = open_billing_db(settings.billing_db, check_same_thread=False)
    with closing(db):
        yield SqliteInvoices(db)


def get_mailer(settings: Annotated[Settings, Depends(get_settings)]) -> Mailer:
    return SmtpMailer(settings.smtp_host, settings.smtp_port)


def get_clock() -> Clock:
    return utc_now


def get_reminders(
    invoices: Annotated[InvoiceRepository, Depends(get_invoices)],
    mailer: Annotated[Mailer, Depends(get_mailer)],
    clock: Annotated[Clock, Depends(get_clock)],
) -> ReminderService:
    return ReminderService(invoices, mailer, clock=clock)


Reminders = Annotated[ReminderService, Depends(get_reminders)]
api = FastAPI(title="Billing")


@api.get("/reminders/preview")
def preview(service: Reminders) -> dict[str, int]:
    return service.preview()


@api.post("/reminders")
def remind(service: Reminders) -> list[str]:
    return service.send_reminders()


# --8<-- [end:web]


if __name__ == "__main__":
    # fmt: off
    # --8<-- [start:demo]
    clock = FakeClock(datetime(2026, 12, 6, 9, 0, tzinfo=UTC))
    invoices = memory_invoices(
        Invoice("INV-1001", "ap@harbour-tools.example", Decimal("1250.00"),
                due=date(2026, 11, 20)),
        Invoice("INV-1002", "finance@kelp-cafe.example", Decimal("89.90"),
                due=date(2026, 12, 5)),
        Invoice("INV-1003", "ap@northpass.example", Decimal("430.00"),
                due=date(2026, 12, 20)),
    )
    mailer = RecordingMailer()
    service = ReminderService(invoices, mailer, clock=clock)
    with closing(invoices.db):
        print(service.preview())
        #> {'INV-1001': 16, 'INV-1002': 1}
        print(service.send_reminders())
        #> ['INV-1001', 'INV-1002']
        print(mailer.sent[0]["To"], "|", mailer.sent[0]["Subject"])
        #> ap@harbour-tools.example | Invoice INV-1001 is 16 days overdue
        print(service.send_reminders())  # the same morning again: nothing twice
        #> []
        clock.advance(days=30)
        print(service.send_reminders(), len(mailer.sent))
        #> ['INV-1003'] 3
    # --8<-- [end:demo]

    # --8<-- [start:demo-errors]
    try:
        Settings.from_env({"SMTP_HOST": "mail.internal"})
    except ValueError as exc:
        print(exc)
        #> set BILLING_DB to the path of the billing database
    try:
        FakeClock(datetime(2026, 12, 6, 9, 0))
    except ValueError as exc:
        print(exc)
        #> FakeClock needs an aware datetime, got 2026-12-06 09:00:00
    # --8<-- [end:demo-errors]

    # --8<-- [start:demo-web]
    async def post(path: str) -> object:
        """Call the app in this process, over httpx's ASGI transport."""
        transport = httpx.ASGITransport(app=api)
        async with httpx.AsyncClient(
            transport=transport, base_url="http://billing.test"
        ) as client:
            response = await client.post(path)
            return response.json()


    web_invoices = memory_invoices(
        Invoice("INV-2001", "ap@harbour-tools.example", Decimal("75.00"),
                due=date(2026, 12, 1)),
    )
    web_mailer = RecordingMailer()
    api.dependency_overrides[get_invoices] = lambda: web_invoices
    api.dependency_overrides[get_mailer] = lambda: web_mailer
    api.dependency_overrides[get_clock] = lambda: clock
    try:
        print(asyncio.run(post("/reminders")), len(web_mailer.sent))
        #> ['INV-2001'] 1
    finally:
        api.dependency_overrides.clear()  # whatever runs next gets the real wiring
        web_invoices.db.close()
    # --8<-- [end:demo-web]
    # fmt: on
