"""Claims of the dependency injection page that its blocks cannot print.

The first test is also shown on the page: it wires the reminders with pytest fixtures.
The others check the real wiring (a SQLite file and an SMTP server on 127.0.0.1), what
FastAPI does with `dependency_overrides`, and what mypy accepts for the Protocols.
"""

import sqlite3
import subprocess
import sys
import warnings
from collections.abc import Iterator
from contextlib import closing
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Any

from starlette.exceptions import StarletteDeprecationWarning

# isort: split
# --8<-- [start:fixture-imports]
import pytest

from snippets.testing.dependency_injection import (
    FakeClock,
    Invoice,
    RecordingMailer,
    ReminderService,
    SqliteInvoices,
    memory_invoices,
)

# --8<-- [end:fixture-imports]
# isort: split
from snippets.testing.dependency_injection import (
    Settings,
    SmtpMailer,
    api,
    get_clock,
    get_invoices,
    get_settings,
    main,
    reminder_email,
)
from tests.smtp import smtp_server
from tests.typecheck import Mypy

if TYPE_CHECKING:
    from fastapi.testclient import TestClient

ROOT = Path(__file__).resolve().parent.parent


# --8<-- [start:fixtures]
@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(datetime(2026, 12, 6, 9, 0, tzinfo=UTC))


@pytest.fixture
def mailer() -> RecordingMailer:
    return RecordingMailer()


@pytest.fixture
def invoices() -> Iterator[SqliteInvoices]:
    repository = memory_invoices(
        Invoice("INV-1001", "ap@harbour-tools.example", Decimal("1250.00"), date(2026, 11, 20))
    )
    with closing(repository.db):  # teardown: runs after the test, pass or fail
        yield repository


@pytest.fixture
def service(invoices: SqliteInvoices, mailer: RecordingMailer, clock: FakeClock) -> ReminderService:
    return ReminderService(invoices, mailer, clock=clock)


def test_an_overdue_invoice_is_reminded_once(
    service: ReminderService, mailer: RecordingMailer, clock: FakeClock
) -> None:
    assert service.send_reminders() == ["INV-1001"]
    clock.advance(days=1)
    assert service.send_reminders() == []
    assert [message["To"] for message in mailer.sent] == ["ap@harbour-tools.example"]


# --8<-- [end:fixtures]


def billing_file(path: Path, *invoices: Invoice) -> Path:
    """A real SQLite billing database in a file, as production has one."""
    with closing(sqlite3.connect(path)) as db:
        repository = SqliteInvoices(db)
        repository.create_schema()
        for invoice in invoices:
            repository.add(invoice)
    return path


LONG_OVERDUE = Invoice("INV-3001", "ap@northpass.example", Decimal("20.00"), date(2000, 1, 3))


def test_main_wires_a_sqlite_file_and_a_real_smtp_server(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    db_path = billing_file(tmp_path / "billing.db", LONG_OVERDUE)
    with smtp_server() as sink:
        monkeypatch.setenv("BILLING_DB", str(db_path))
        monkeypatch.setenv("SMTP_HOST", "127.0.0.1")
        monkeypatch.setenv("SMTP_PORT", str(sink.port))
        assert main() == ["INV-3001"]
        assert main() == []  # the reminder was stored in the file: not sent twice
    assert len(sink.messages) == 1
    assert b"To: ap@northpass.example" in sink.messages[0]
    assert b"Subject: Invoice INV-3001 is " in sink.messages[0]
    with closing(sqlite3.connect(db_path)) as db:
        (reminded_at,) = db.execute("SELECT reminded_at FROM invoices").fetchone()
    assert datetime.fromisoformat(reminded_at).tzinfo is not None


def test_a_mistyped_database_path_fails_instead_of_creating_a_database(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    billing_file(tmp_path / "billing.db", LONG_OVERDUE)
    mistyped = tmp_path / "biling.db"
    monkeypatch.setenv("BILLING_DB", str(mistyped))
    with pytest.raises(sqlite3.OperationalError, match="unable to open database file"):
        main()
    assert not mistyped.exists()


def test_building_an_smtp_mailer_opens_no_connection() -> None:
    with smtp_server() as sink:
        mailer = SmtpMailer("127.0.0.1", sink.port)
        assert sink.connections == 0
        mailer.send(reminder_email(LONG_OVERDUE, date(2026, 12, 6), "billing@example.com"))
    assert sink.connections == 1
    assert len(sink.messages) == 1


def billing_api() -> "TestClient":
    """FastAPI's TestClient on the billing app, without its warning about `httpx2`."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", StarletteDeprecationWarning)
        from fastapi.testclient import TestClient
    return TestClient(api)


def test_fastapi_reads_the_overrides_on_every_request(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("BILLING_DB", str(billing_file(tmp_path / "billing.db", LONG_OVERDUE)))
    # Dates that no real clock shows yet, so only the fake clock finds the invoice overdue.
    fake = memory_invoices(
        Invoice("INV-2001", "ap@harbour-tools.example", Decimal("75.00"), date(2031, 2, 24))
    )
    with billing_api() as client, closing(fake.db):
        real = client.get("/reminders/preview").json()  # the file, the real clock
        assert list(real) == ["INV-3001"] and real["INV-3001"] > 9000
        api.dependency_overrides[get_invoices] = lambda: fake  # on the app already built
        api.dependency_overrides[get_clock] = lambda: FakeClock(
            datetime(2031, 3, 1, 9, 0, tzinfo=UTC)
        )
        try:
            assert client.get("/reminders/preview").json() == {"INV-2001": 5}
        finally:
            api.dependency_overrides.clear()
        assert list(client.get("/reminders/preview").json()) == ["INV-3001"]


def test_a_dependency_that_two_others_need_runs_once_per_request(tmp_path: Path) -> None:
    db_path = billing_file(tmp_path / "billing.db", LONG_OVERDUE)
    calls: list[str] = []

    def counting_settings() -> Settings:
        calls.append("settings")
        return Settings(str(db_path))

    api.dependency_overrides[get_settings] = counting_settings  # get_invoices and get_mailer
    try:
        with billing_api() as client:
            for _ in range(2):
                assert list(client.get("/reminders/preview").json()) == ["INV-3001"]
    finally:
        api.dependency_overrides.clear()
    assert calls == ["settings", "settings"]


def test_the_connection_of_a_request_is_closed_after_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("BILLING_DB", str(billing_file(tmp_path / "billing.db", LONG_OVERDUE)))
    # A spy, not a fake: it wraps the real `sqlite3.connect` to keep the connection that
    # `get_invoices`, the code under test, opens, so the test can see that it was closed.
    opened: list[sqlite3.Connection] = []
    connect = sqlite3.connect

    def recording_connect(*args: Any, **kwargs: Any) -> sqlite3.Connection:
        opened.append(connect(*args, **kwargs))
        return opened[-1]

    monkeypatch.setattr(sqlite3, "connect", recording_connect)
    with billing_api() as client:
        assert list(client.get("/reminders/preview").json()) == ["INV-3001"]
    assert len(opened) == 1
    with pytest.raises(sqlite3.ProgrammingError, match="closed database"):
        opened[0].execute("SELECT 1")


def test_importing_the_test_client_warns_about_httpx2() -> None:
    done = subprocess.run(
        [sys.executable, "-c", "import fastapi.testclient"],
        capture_output=True,
        text=True,
        check=True,
        cwd=ROOT,
    )
    assert "StarletteDeprecationWarning: Using `httpx` with `starlette.testclient` is " in (
        done.stderr
    )
    assert "install `httpx2` instead" in done.stderr


def test_mypy_matches_the_protocols_by_shape(mypy: Mypy) -> None:
    report = mypy.check(
        """
        from datetime import UTC, datetime
        from email.message import EmailMessage

        from snippets.testing.dependency_injection import (
            FakeClock, RecordingMailer, ReminderService, memory_invoices, utc_now,
        )


        class PrintMailer:  # no base class: it fits `Mailer` by its shape
            def send(self, message: EmailMessage) -> None:
                print(message["Subject"])


        class TextMailer:
            def send(self, text: str) -> None:
                print(text)


        invoices = memory_invoices()
        ReminderService(invoices, RecordingMailer())
        ReminderService(invoices, PrintMailer(), clock=FakeClock(datetime.now(UTC)))
        ReminderService(invoices, PrintMailer(), clock=utc_now)
        ReminderService(invoices, TextMailer())
        ReminderService(invoices, PrintMailer(), clock=utc_now())
        """,
        name="wiring",
    )
    errors = report.errors
    assert report.status == 1
    assert len(errors) == 2, report.text
    assert 'Argument 2 to "ReminderService" has incompatible type "TextMailer"' in errors[0]
    assert 'Argument "clock" to "ReminderService" has incompatible type "datetime"' in errors[1]
