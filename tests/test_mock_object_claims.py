"""Claims of the mock object page that its blocks do not print.

Real components where a claim needs them: a real HTTP server on 127.0.0.1, SQLite, mypy, and
every Python from 3.11 to 3.13 that this machine has for the claims that depend on the version.
"""

from __future__ import annotations

import asyncio
import json
import os
import smtplib
import socket
import sqlite3
import subprocess
import sys
import threading
import urllib.error
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, closing, contextmanager, suppress
from decimal import Decimal
from pathlib import Path
from unittest.mock import AsyncMock, MagicMock, Mock, NonCallableMock, create_autospec, patch

import httpx
import pytest

import snippets.testing.mock_object as shop
from snippets.testing.mock_object import (
    CheckoutService,
    FakeGateway,
    HttpPaymentGateway,
    Order,
    OutboxMailer,
    PaymentDeclinedError,
    PaymentGateway,
    SqliteOrders,
    local_provider,
)
from tests.pythons import find_python
from tests.typecheck import Mypy

# --- What a mock refuses, on this Python and on the others this machine has ------------------

GUARDED_PREFIXES = ["assert", "assret", "asert", "aseert", "assrt"]


@pytest.mark.parametrize("prefix", GUARDED_PREFIXES)
def test_mock_refuses_assertion_typos_unless_unsafe(prefix: str) -> None:
    name = f"{prefix}_caled_once"  # a typo of assert_called_once
    with pytest.raises(AttributeError, match="is not a valid assertion"):
        getattr(Mock(), name)
    getattr(Mock(unsafe=True), name)("anything")  # unsafe: a child mock, which checks nothing


def test_other_typos_of_an_assertion_check_nothing() -> None:
    loose = Mock()
    loose.charge("A-1001")
    loose.charge.asset_called_once_with("B-2002")  # no error: a call of a new child mock
    assert loose.charge.asset_called_once_with.called


# Run in a fresh interpreter of each version: whether `called_once_with` is refused.
PROBE = """
from unittest.mock import Mock
try:
    Mock().called_once_with(1)
except AttributeError:
    print("refused")
else:
    print("accepted")
"""


@pytest.mark.parametrize(
    "version", [pytest.param((3, minor), id=f"python3.{minor}") for minor in (11, 12, 13)]
)
def test_called_once_with_is_refused_from_python_3_12(version: tuple[int, int]) -> None:
    executable = find_python(version[1])
    if executable is None:  # a skip shows in the report; a missing version is not a pass
        pytest.skip(f"Python 3.{version[1]} not found under pyenv or on the PATH: unchecked")
    done = subprocess.run(
        [executable, "-I", "-c", PROBE], capture_output=True, text=True, check=True, timeout=60
    )
    reported = done.stdout.strip()
    assert reported == ("refused" if version >= (3, 12) else "accepted"), (executable, reported)


# --- spec, autospec, MagicMock, AsyncMock --------------------------------------------------


def test_spec_checks_names_but_not_signatures() -> None:
    shallow = Mock(spec=HttpPaymentGateway)
    with pytest.raises(AttributeError, match="chrage"):
        shallow.chrage("A-1001", Decimal("42.50"))
    shallow.charge("A-1001")  # no amount, no complaint
    shallow.charge("A-1001", Decimal("42.50"), "EUR", "more")  # nor with too many arguments
    strict = create_autospec(HttpPaymentGateway, instance=True)
    with pytest.raises(TypeError, match="too many positional arguments"):
        strict.charge("A-1001", Decimal("42.50"), "EUR")


async def fetch_rates() -> dict[str, Decimal]:
    """An `async def` function for `patch` to replace."""
    raise NotImplementedError


def test_patch_puts_a_magicmock_in_place_which_supports_with() -> None:
    with (
        patch("snippets.testing.mock_object.SMTP") as plain,
        patch("smtplib.SMTP", autospec=True) as autospecced,
        patch(f"{__name__}.fetch_rates") as for_async,
    ):
        assert isinstance(plain, MagicMock)
        assert isinstance(autospecced, MagicMock)
        assert isinstance(for_async, AsyncMock)  # an async def target gets an AsyncMock
    with MagicMock() as connection:
        assert len(connection) == 0
        assert list(connection) == []
    with pytest.raises(TypeError, match="does not support the context manager protocol"), Mock():
        pass


class AsyncProvider:
    """A provider client with an `async def` method, as an asyncio SDK has."""

    async def charge(self, order_id: str, amount: Decimal) -> str:
        raise NotImplementedError

    def currency(self) -> str:
        return "EUR"


def test_autospec_gives_async_methods_an_async_mock() -> None:
    client = create_autospec(AsyncProvider, instance=True)
    assert isinstance(client.charge, AsyncMock)
    assert not isinstance(client.currency, AsyncMock)
    client.charge.return_value = "ch_0001"
    assert asyncio.run(client.charge("A-1001", Decimal("42.50"))) == "ch_0001"

    plain = Mock()

    async def pay() -> object:
        return await plain.charge("A-1001", Decimal("42.50"))

    with pytest.raises(TypeError, match="can't be used in 'await' expression"):
        asyncio.run(pay())


def test_wraps_forwards_every_call_to_the_real_object_and_records_it() -> None:
    fake = FakeGateway(limit=Decimal("500.00"))
    spy = Mock(wraps=fake)
    assert spy.charge("A-1001", Decimal("42.50")) == "ch_0001"  # the real answer
    spy.charge.assert_called_once_with("A-1001", Decimal("42.50"))
    assert fake.charges == {"ch_0001": ("A-1001", Decimal("42.50"))}
    assert isinstance(spy.limit, Mock)  # a plain attribute is read as a mock, not the value
    assert spy.limit != Decimal("500.00")
    with pytest.raises(AttributeError, match="chrage"):
        _ = spy.chrage  # what the real object lacks


def shop_smtp() -> object:
    """The module's own name `SMTP`, the one its code looks up."""
    return vars(shop)["SMTP"]


# --- patch --------------------------------------------------------------------------------


def test_patch_is_undone_when_the_test_inside_it_fails() -> None:
    with pytest.raises(AssertionError), patch("snippets.testing.mock_object.SMTP") as fake_smtp:
        assert shop_smtp() is fake_smtp
        raise AssertionError("a failing assertion inside the patch")
    assert shop_smtp() is smtplib.SMTP


def test_stacked_patch_decorators_hand_over_their_mocks_bottom_up() -> None:
    @patch("snippets.testing.mock_object.SMTP")  # outermost: the last argument
    @patch("snippets.testing.mock_object.SqliteOrders")  # closest: the first argument
    def check(first: MagicMock, second: MagicMock) -> None:
        assert first is shop.SqliteOrders
        assert second is shop_smtp()

    check()


# --- real components --------------------------------------------------------------------------


def test_local_provider_stops_even_when_the_test_inside_fails() -> None:
    threads_before = threading.active_count()
    with pytest.raises(RuntimeError), local_provider(Decimal("500.00")) as provider:
        url = provider.url
        assert HttpPaymentGateway(url).charge("A-1001", Decimal("1.00")) == "ch_0001"
        raise RuntimeError("the test failed")
    assert threading.active_count() == threads_before
    with pytest.raises(urllib.error.URLError) as refused:
        HttpPaymentGateway(url, timeout=2.0).charge("A-1002", Decimal("1.00"))
    assert isinstance(refused.value.reason, ConnectionRefusedError)


def test_local_provider_answers_only_post_charges() -> None:
    with local_provider(Decimal("500.00")) as provider:
        wrong = HttpPaymentGateway(f"{provider.url}/v0/no-such-api")
        with pytest.raises(urllib.error.HTTPError) as answer:
            wrong.charge("A-1001", Decimal("42.50"))
        with answer.value as error:
            assert error.code == 404
            assert json.load(error) == {"error": "no such endpoint: /v0/no-such-api/charges"}
        assert provider.received == []


def test_json_refuses_a_decimal() -> None:
    with pytest.raises(TypeError, match="Decimal is not JSON serializable"):
        json.dumps({"amount": Decimal("42.50")})


def test_memory_databases_are_private_to_their_connection() -> None:
    first, second = sqlite3.connect(":memory:"), sqlite3.connect(":memory:")
    try:
        shop.SqliteOrders(first)
        tables = "SELECT name FROM sqlite_master WHERE type = 'table'"
        assert first.execute(tables).fetchall() == [("orders",)]
        assert second.execute(tables).fetchall() == []
    finally:
        first.close()
        second.close()
    with pytest.raises(sqlite3.ProgrammingError, match="closed database"):
        first.execute("SELECT 1")


def test_mock_transport_answers_without_a_socket() -> None:
    def provider(request: httpx.Request) -> httpx.Response:
        return httpx.Response(201, json={"id": "ch_0001", "seen": json.loads(request.content)})

    def no_network(*args: object) -> None:
        raise AssertionError("a socket was opened")

    with (
        patch.object(socket.socket, "connect", no_network),
        httpx.Client(
            transport=httpx.MockTransport(provider), base_url="https://pay.test"
        ) as client,
    ):
        answer = client.post("/charges", json={"order_id": "A-1001", "amount": "42.50"})
    assert answer.status_code == 201
    assert answer.json() == {"id": "ch_0001", "seen": {"order_id": "A-1001", "amount": "42.50"}}


def test_monkeypatch_undoes_its_changes() -> None:
    with pytest.MonkeyPatch.context() as monkeypatch:
        monkeypatch.setattr(shop, "SMTP", Mock())
        monkeypatch.setenv("SHOP_SMTP_HOST", "127.0.0.1")
        assert shop_smtp() is not smtplib.SMTP
    assert shop_smtp() is smtplib.SMTP
    assert "SHOP_SMTP_HOST" not in os.environ


# --- the fake and the real adapter agree (a contract test) ----------------------------------


@contextmanager
def fake_gateway(limit: Decimal) -> Iterator[PaymentGateway]:
    yield FakeGateway(limit)


@contextmanager
def http_gateway(limit: Decimal) -> Iterator[PaymentGateway]:
    with local_provider(limit) as provider:
        yield HttpPaymentGateway(provider.url)


@pytest.mark.parametrize("gateway_for", [fake_gateway, http_gateway])
def test_the_fake_and_the_real_adapter_agree(
    gateway_for: Callable[[Decimal], AbstractContextManager[PaymentGateway]],
) -> None:
    with gateway_for(Decimal("500.00")) as gateway:
        with pytest.raises(
            PaymentDeclinedError, match=r"^card declined: 500.01 EUR is over the limit$"
        ):
            gateway.charge("A-1000", Decimal("500.01"))
        assert gateway.charge("A-1001", Decimal("42.50")) == "ch_0001"  # a decline is no charge
        assert gateway.charge("A-1002", Decimal("500.00")) == "ch_0002"  # the limit is allowed
        with pytest.raises(
            PaymentDeclinedError, match=r"^card declined: 500.01 EUR is over the limit$"
        ):
            gateway.charge("A-1003", Decimal("500.01"))
        assert gateway.charge("A-1004", Decimal("0.01")) == "ch_0003"


# --- mypy checks doubles against the protocols ---------------------------------------------


def test_mypy_checks_every_hand_written_double_against_the_protocols(mypy: Mypy) -> None:
    report = mypy.check(
        """
        import sqlite3
        from decimal import Decimal
        from unittest.mock import create_autospec

        from snippets.testing.mock_object import (
            CheckoutService, FakeGateway, OutboxMailer, SmtpMailer, SqliteOrders, StubGateway,
        )

        orders = SqliteOrders(sqlite3.connect(":memory:"))
        CheckoutService(FakeGateway(Decimal(500)), OutboxMailer(), orders)
        CheckoutService(StubGateway("ch_0001"), OutboxMailer(), orders)


        class ForgetfulFake:  # lost the amount
            def charge(self, order_id: str) -> str:
                return "ch_0001"


        CheckoutService(ForgetfulFake(), OutboxMailer(), orders)


        class ProviderClient:  # the problem of the page: version 2 renamed `charge`
            def create_charge(self, order_id: str, amount: Decimal) -> str:
                return "ch_0001"


        def settle(client: ProviderClient) -> None:
            client.charge("A-1001", Decimal("42.50"))


        # A mailer's mock passed as the gateway: create_autospec returns Any, mypy is silent.
        wrong_mock = create_autospec(SmtpMailer, instance=True)
        reveal_type(wrong_mock)
        CheckoutService(wrong_mock, OutboxMailer(), orders)
        """,
        name="doubles",
    )
    assert report.status == 1
    assert len(report.errors) == 2, report.text
    forgetful, renamed = report.errors
    assert 'Argument 1 to "CheckoutService" has incompatible type "ForgetfulFake"' in forgetful
    assert '"ProviderClient" has no attribute "charge"' in renamed
    assert 'Revealed type is "Any"' in report.text


def test_spec_and_autospec_of_a_class_lack_what_init_sets() -> None:
    with pytest.raises(AttributeError, match="base_url"):
        _ = Mock(spec=HttpPaymentGateway).base_url
    from_class = create_autospec(HttpPaymentGateway, instance=True)
    with pytest.raises(AttributeError, match="base_url"):
        _ = from_class.base_url
    from_class.base_url = "http://pay.test"  # set by the test: allowed
    assert from_class.base_url == "http://pay.test"
    from_instance = create_autospec(HttpPaymentGateway("http://pay.test"))
    assert isinstance(from_instance.base_url, NonCallableMock)  # known: a mock of a str


def test_patching_where_defined_works_for_code_that_looks_it_up_there(tmp_path: Path) -> None:
    (tmp_path / "mailer_via_module.py").write_text(
        "import smtplib\n\n\ndef connection_class() -> object:\n    return smtplib.SMTP\n",
        encoding="utf-8",
    )
    sys.path.insert(0, str(tmp_path))
    try:
        import mailer_via_module  # type: ignore[import-not-found]

        original = smtplib.SMTP
        with patch("smtplib.SMTP") as fake_smtp:
            assert mailer_via_module.connection_class() is fake_smtp
            assert shop_smtp() is original  # `from smtplib import SMTP`: unchanged
    finally:
        sys.path.remove(str(tmp_path))
        sys.modules.pop("mailer_via_module", None)


# --- the domain, and what `place` does not promise -------------------------------------------


def test_an_order_must_cost_more_than_zero() -> None:
    with pytest.raises(ValueError, match=r"^an order must cost more than 0 EUR, got 0$"):
        Order("A-1001", "ana@example.com", Decimal("0"))
    Order("A-1001", "ana@example.com", Decimal("0.01"))


def test_two_requests_at_the_same_moment_can_both_charge(tmp_path: Path) -> None:
    """Both check that the order is unpaid before either records it: two charges."""
    both_checked = threading.Barrier(2)

    class SlowGateway(FakeGateway):  # answers once both requests are waiting for it
        def __init__(self) -> None:
            super().__init__(limit=Decimal("500.00"))
            self.lock = threading.Lock()

        def charge(self, order_id: str, amount: Decimal) -> str:
            with suppress(threading.BrokenBarrierError):  # only one request got here
                both_checked.wait(timeout=5)
            with self.lock:
                return super().charge(order_id, amount)

    gateway = SlowGateway()
    database = tmp_path / "shop.db"
    with closing(sqlite3.connect(database)) as connection:
        SqliteOrders(connection)  # creates the table
    results: list[str] = []

    def place() -> None:  # one request of the checkout, with its own connection
        connection = sqlite3.connect(database, timeout=5)
        try:
            service = CheckoutService(gateway, OutboxMailer(), SqliteOrders(connection))
            results.append(service.place(Order("A-1001", "ana@example.com", Decimal("42.50"))))
        except sqlite3.IntegrityError as exc:  # the second one cannot record its charge
            results.append(str(exc))
        finally:
            connection.close()

    threads = [threading.Thread(target=place) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(gateway.charges) == ["ch_0001", "ch_0002"]  # the card was charged twice
    assert len(results) == 2
    assert "UNIQUE constraint failed: orders.order_id" in results, results
