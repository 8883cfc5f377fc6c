"""The contract between the two services of the microservices page, checked for real.

The orders service reads the catalogue's answers through a model of its own,
`CatalogueProduct`, and the `detail` text of its errors. These tests start both services
as real uvicorn processes on free ports of 127.0.0.1, ask the catalogue exactly what the
orders service asks it, and check every answer against what the orders service relies on.
A catalogue change that would break the orders service (renaming `price_cents`, say)
fails here, although the catalogue on its own still looks fine.

They also check what the page promises about repeats and probes: a reservation or an order
sent again with the same key changes the stock once, even when the repeats race, and
`/livez` stays up while `/readyz` reports a database that cannot be opened; that one
`X-Request-ID` reaches the logs of both services; and that the outbox of the orders
database holds one event per new order, which its relay publishes at least once.
"""

from __future__ import annotations

import os
import re
import socket
import sqlite3
import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import closing, contextmanager, suppress
from pathlib import Path

import httpx
import pytest

from snippets.architecture.microservices import (
    CatalogueClient,
    CatalogueProduct,
    Deployment,
    KeyMismatchError,
    NewProduct,
    NotEnoughStockError,
    OrderStore,
    ProductStore,
    UnknownProductError,
    relay,
    running_services,
)


@pytest.fixture(scope="module")
def services(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Deployment]:
    """Both services as real processes, stopped by process id after the module's tests."""
    with running_services(tmp_path_factory.mktemp("microservices")) as deployment:
        yield deployment
    for service in (deployment.catalogue, deployment.orders):
        assert service.process.returncode is not None, f"{service.name} still runs"
        with pytest.raises(ProcessLookupError):
            os.kill(service.process.pid, 0)


@pytest.fixture
def http() -> Iterator[httpx.Client]:
    with httpx.Client(timeout=5.0) as client:
        yield client


def add_product(http: httpx.Client, catalogue_url: str, sku: str, stock: int = 5) -> None:
    product = {"sku": sku, "name": "Keyboard", "price_cents": 8900, "stock": stock}
    response = http.post(f"{catalogue_url}/products", json=product)
    assert response.status_code == 201, response.text


def stock(http: httpx.Client, catalogue_url: str, sku: str) -> int:
    response = http.get(f"{catalogue_url}/products/{sku}")
    assert response.status_code == 200, response.text
    count: int = response.json()["stock"]
    return count


def test_both_services_answer_their_probes(services: Deployment, http: httpx.Client) -> None:
    for service in (services.catalogue, services.orders):
        for probe, status in [("livez", "live"), ("readyz", "ready")]:
            response = http.get(f"{service.url}/{probe}")
            assert response.status_code == 200
            assert response.json() == {"status": status, "service": service.name}


def test_readiness_checks_the_database_and_liveness_does_not(
    services: Deployment, http: httpx.Client
) -> None:
    data_dir = services.catalogue.log.parent  # logs and databases share a folder
    database = data_dir / "catalogue.db"
    aside = data_dir / "catalogue.db.aside"
    database.rename(aside)
    database.mkdir()  # a folder where the file was: SQLite cannot open it
    try:
        assert http.get(f"{services.catalogue.url}/livez").status_code == 200
        not_ready = http.get(f"{services.catalogue.url}/readyz")
        assert not_ready.status_code == 503
        assert not_ready.json() == {"detail": "database down"}
    finally:
        database.rmdir()
        aside.rename(database)
    assert http.get(f"{services.catalogue.url}/readyz").status_code == 200


def test_reservation_has_every_field_the_orders_service_reads(
    services: Deployment, http: httpx.Client
) -> None:
    add_product(http, services.catalogue.url, "KB-901")
    reservation = {"quantity": 2, "key": "contract-901"}
    response = http.post(f"{services.catalogue.url}/products/KB-901/reserve", json=reservation)
    assert response.status_code == 200, response.text
    body = response.json()
    needed = set(CatalogueProduct.model_fields)
    missing = sorted(needed - set(body))
    assert not missing, f"the catalogue no longer sends what orders reads: {missing}"
    product = CatalogueProduct.model_validate(body)  # the types match too
    assert (product.sku, product.price_cents) == ("KB-901", 8900)


def test_the_orders_client_reads_the_real_catalogue(
    services: Deployment, http: httpx.Client
) -> None:
    add_product(http, services.catalogue.url, "KB-902")
    with CatalogueClient(services.catalogue.url, timeout=5.0) as catalogue:
        product = catalogue.reserve("KB-902", 1, "contract-902a")
        assert product == CatalogueProduct(sku="KB-902", name="Keyboard", price_cents=8900)
        # Errors must carry the catalogue's own `detail`, which orders passes on.
        with pytest.raises(UnknownProductError, match="no product 'XX-902'"):
            catalogue.reserve("XX-902", 1, "contract-902b")
        with pytest.raises(NotEnoughStockError, match="only 4 of 'KB-902' left"):
            catalogue.reserve("KB-902", 50, "contract-902c")
        with pytest.raises(KeyMismatchError, match="'contract-902a' was used for 1 of 'KB-902'"):
            catalogue.reserve("KB-902", 2, "contract-902a")
        # A bad argument is refused before the call: a 422 means a reused key, nothing else.
        with pytest.raises(ValueError, match="a key is 8 to 64 of A-Z a-z 0-9 _ -, got 'k 1'"):
            catalogue.reserve("KB-902", 1, "k 1")
        with pytest.raises(ValueError, match="a quantity is 1 to 100, got 0"):
            catalogue.reserve("KB-902", 0, "contract-902d")
    assert stock(http, services.catalogue.url, "KB-902") == 4


def test_an_order_goes_through_both_services(services: Deployment, http: httpx.Client) -> None:
    add_product(http, services.catalogue.url, "KB-903", stock=3)
    click = {"sku": "KB-903", "quantity": 3, "key": "contract-903"}
    response = http.post(f"{services.orders.url}/orders", json=click)
    assert response.status_code == 201, response.text
    order = response.json()
    assert (order["unit_price_cents"], order["total_cents"]) == (8900, 26700)
    assert stock(http, services.catalogue.url, "KB-903") == 0


def test_a_repeated_reservation_reserves_once_even_when_the_repeats_race(
    services: Deployment, http: httpx.Client
) -> None:
    add_product(http, services.catalogue.url, "KB-904", stock=10)
    url = f"{services.catalogue.url}/products/KB-904/reserve"
    reservation = {"quantity": 2, "key": "contract-904"}

    def send(_: int) -> httpx.Response:
        with httpx.Client(timeout=5.0) as own:
            return own.post(url, json=reservation)

    with ThreadPoolExecutor(max_workers=8) as pool:
        answers = list(pool.map(send, range(8)))
    assert [answer.status_code for answer in answers] == [200] * 8
    assert {answer.json()["stock"] for answer in answers} == {8}  # the first answer, 8 times
    assert stock(http, services.catalogue.url, "KB-904") == 8

    reused = http.post(url, json={"quantity": 3, "key": "contract-904"})
    assert reused.status_code == 422
    assert reused.json()["detail"] == "reservation key 'contract-904' was used for 2 of 'KB-904'"


def test_an_order_retried_after_a_lost_answer_reserves_once(
    services: Deployment, http: httpx.Client
) -> None:
    """The first attempt reserved in the catalogue, then its answer was lost (a timeout).

    The customer's retry sends the same key: the catalogue answers with the reservation
    it already made, and the orders service records the order once.
    """
    add_product(http, services.catalogue.url, "KB-905", stock=5)
    lost = http.post(
        f"{services.catalogue.url}/products/KB-905/reserve",
        json={"quantity": 2, "key": "contract-905"},
    )
    assert lost.status_code == 200
    click = {"sku": "KB-905", "quantity": 2, "key": "contract-905"}
    first = http.post(f"{services.orders.url}/orders", json=click)
    again = http.post(f"{services.orders.url}/orders", json=click)
    assert first.status_code == again.status_code == 201, first.text
    assert first.json() == again.json()
    assert stock(http, services.catalogue.url, "KB-905") == 3

    other = http.post(f"{services.orders.url}/orders", json={**click, "quantity": 1})
    assert other.status_code == 422
    assert other.json()["detail"] == "order key 'contract-905' was used for another order"


def test_begin_immediate_makes_the_check_and_the_reservation_one_step(tmp_path: Path) -> None:
    """Two repeats of one key, each waiting after its check for the other (0.1 s at most).

    Without `BEGIN IMMEDIATE` both find no earlier reservation, both take the stock, and
    the second fails on the key. With it, the second repeat waits for the lock before its
    check, and then gets the first one's answer.
    """
    both_checked = threading.Barrier(2, timeout=0.1)

    def wait_after_the_check(statement: str) -> None:
        if statement.startswith("UPDATE products"):  # the check has been read
            # Broken after 0.1 s when the other repeat is held before its check, by the lock.
            with suppress(threading.BrokenBarrierError):
                both_checked.wait()

    class TracedStore(ProductStore):
        @contextmanager
        def _transaction(self) -> Iterator[sqlite3.Connection]:
            with super()._transaction() as db:
                db.set_trace_callback(wait_after_the_check)
                yield db

    store = TracedStore(tmp_path / "catalogue.db")
    store.create_schema()
    store.add(NewProduct(sku="KB-906", name="Keyboard", price_cents=8900, stock=5))
    with ThreadPoolExecutor(max_workers=2) as pool:
        repeats = [pool.submit(store.reserve, "KB-906", 2, "contract-906") for _ in range(2)]
        answers = [repeat.result(timeout=10) for repeat in repeats]
    assert answers[0] == answers[1]
    assert store.get("KB-906").stock == 3


def test_one_request_id_reaches_the_logs_of_both_services(
    services: Deployment, http: httpx.Client
) -> None:
    add_product(http, services.catalogue.url, "KB-907")
    click = {"sku": "KB-907", "quantity": 1, "key": "contract-907"}
    trace = {"X-Request-ID": "trace-907"}
    response = http.post(f"{services.orders.url}/orders", json=click, headers=trace)
    assert response.status_code == 201, response.text
    assert response.headers["X-Request-ID"] == "trace-907"
    orders_log = services.orders.log.read_text().splitlines()
    catalogue_log = services.catalogue.log.read_text().splitlines()
    assert "orders trace-907 POST /orders 201" in orders_log
    assert "catalogue trace-907 POST /products/KB-907/reserve 200" in catalogue_log


@pytest.mark.parametrize("sent", [None, "x" * 65, "two words", "a\tb"])
def test_a_missing_or_malformed_request_id_is_replaced(
    services: Deployment, http: httpx.Client, sent: str | None
) -> None:
    headers = {} if sent is None else {"X-Request-ID": sent}
    answer = http.get(f"{services.catalogue.url}/livez", headers=headers)
    made = answer.headers["X-Request-ID"]
    assert re.fullmatch(r"[0-9a-f]{32}", made), made
    assert f"catalogue {made} GET /livez 200" in services.catalogue.log.read_text()


def test_a_line_break_in_the_path_cannot_forge_a_log_line(services: Deployment) -> None:
    forged = "catalogue admin-1 POST /products 201"
    target = "/livez%0A" + forged.replace(" ", "%20")
    host, port = services.catalogue.url.removeprefix("http://").split(":")
    with socket.create_connection((host, int(port)), timeout=5) as raw:  # httpx would quote
        raw.sendall(f"GET {target} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n".encode())
        assert raw.recv(64).startswith(b"HTTP/1.1 404")
    logged = services.catalogue.log.read_text().splitlines()
    assert not [line for line in logged if line.startswith("catalogue admin-1")]
    assert any(line.endswith(f"GET {target} 404") for line in logged)


KEYBOARD = CatalogueProduct(sku="KB-101", name="Keyboard", price_cents=8900)


def test_the_outbox_has_one_event_per_new_order_and_the_two_commit_together(
    tmp_path: Path,
) -> None:
    book = OrderStore(tmp_path / "orders.db")
    book.create_schema()
    book.add(KEYBOARD, 2, "order-00000001")
    book.add(KEYBOARD, 2, "order-00000001")  # a repeat of the same key: no new event
    with closing(sqlite3.connect(book.path)) as db:
        db.execute(
            "CREATE TRIGGER full BEFORE INSERT ON orders BEGIN SELECT RAISE(ABORT, 'full'); END"
        )
    with pytest.raises(sqlite3.Error, match="full"):
        book.add(KEYBOARD, 1, "order-00000002")
    with closing(sqlite3.connect(book.path)) as db:
        db.execute("DROP TRIGGER full")
        db.execute(
            "CREATE TRIGGER full BEFORE INSERT ON outbox BEGIN SELECT RAISE(ABORT, 'full'); END"
        )
    with pytest.raises(sqlite3.Error, match="full"):
        book.add(KEYBOARD, 1, "order-00000002")
    assert book.find("order-00000002") is None  # its event failed: the order rolled back
    published: list[str] = []
    assert relay(book.path, published.append) == 1
    assert published == ['{"type": "order_placed", "order": 1, "sku": "KB-101", "quantity": 2}']


def test_a_relay_that_stops_between_publishing_and_marking_publishes_again(
    tmp_path: Path,
) -> None:
    book = OrderStore(tmp_path / "orders.db")
    book.create_schema()
    book.add(KEYBOARD, 2, "order-00000003")
    published: list[str] = []

    class RelayStoppedError(Exception):
        pass

    def publish_then_stop(event: str) -> None:
        published.append(event)
        raise RelayStoppedError  # the broker has it; the relay dies before marking it

    with pytest.raises(RelayStoppedError):
        relay(book.path, publish_then_stop)
    assert relay(book.path, published.append) == 1  # at least once: published again
    assert len(published) == 2 and published[0] == published[1]
    assert relay(book.path, published.append) == 0  # marked now: never again


def test_the_client_refuses_an_address_or_a_timeout_that_cannot_work() -> None:
    with pytest.raises(
        ValueError, match=re.escape("needs http:// or https://, got '127.0.0.1:8001'")
    ):
        CatalogueClient("127.0.0.1:8001")
    with pytest.raises(ValueError, match="the timeout must be positive, got 0"):
        CatalogueClient("http://127.0.0.1:8001", timeout=0)
