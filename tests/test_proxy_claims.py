"""Claims of the proxy page that need real threads and real HTTP servers: the virtual proxy
loads only once, and the remote proxy reads an answer only when it is the service's JSON."""

import threading
import time
from decimal import Decimal
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

from snippets.structural.proxy import (
    PRICE_EXPORT,
    CachingCatalogue,
    Catalogue,
    LazyCatalogue,
    PriceList,
    RemoteCatalogue,
    RemoteError,
    serving,
)


def test_lazy_catalogue_loads_once_when_threads_ask_at_the_same_time() -> None:
    loads: list[str] = []
    start = threading.Barrier(8)

    def slow_load() -> Catalogue:
        loads.append(threading.current_thread().name)
        time.sleep(0.05)  # a slow load: the other threads ask meanwhile
        return PriceList.from_csv(PRICE_EXPORT)

    lazy = LazyCatalogue(slow_load)
    prices: list[str] = []

    def ask() -> None:
        start.wait(timeout=5)
        prices.append(str(lazy.price("MUG-0007")))

    threads = [threading.Thread(target=ask) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=5)
    assert prices == ["12.50"] * 8
    assert len(loads) == 1


def canned(status: int, content_type: str, body: bytes) -> type[BaseHTTPRequestHandler]:
    """A handler that gives every GET the same answer, as a gateway or a broken service."""

    class Canned(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: Any) -> None:
            """No access log on stderr."""

    return Canned


def ask_price(handler: type[BaseHTTPRequestHandler]) -> Decimal:
    with serving(ThreadingHTTPServer(("127.0.0.1", 0), handler)) as server:
        return RemoteCatalogue(f"http://127.0.0.1:{server.server_port}").price("BOOK-0042")


@pytest.mark.parametrize(
    ("status", "content_type", "body"),
    [
        (404, "text/html", b"<h1>Not Found</h1>"),  # a gateway's page, not an unknown SKU
        (200, "text/html; charset=utf-8", b"<p>Back soon</p>"),  # a maintenance page
        (503, "application/json", b'{"error": "database is locked"}'),
    ],
)
def test_what_is_not_the_services_json_raises_remote_error(
    status: int, content_type: str, body: bytes
) -> None:
    with pytest.raises(RemoteError, match=f"the catalogue answered {status} .*, not JSON"):
        ask_price(canned(status, content_type, body))


def test_a_charset_parameter_does_not_make_json_foreign() -> None:
    answer = b'{"sku": "BOOK-0042", "price": "34.90"}'
    handler = canned(200, "application/json; charset=utf-8", answer)
    assert ask_price(handler) == Decimal("34.90")


@pytest.mark.parametrize("ttl", [0, -60, float("nan")])  # NaN would never cache anything
def test_a_caching_proxy_refuses_a_ttl_that_is_not_positive(ttl: float) -> None:
    with pytest.raises(ValueError, match="ttl must be a positive number of seconds"):
        CachingCatalogue(PriceList.from_csv(PRICE_EXPORT), ttl=ttl)


@pytest.mark.parametrize(
    ("export", "message"),
    [
        ("sku,price\nPEN-0001,1.999\n", "a price has at most two decimals, got 1.999"),
        ("sku,price\nPEN-0001,free\n", "not a price: 'free'"),
        ("sku,cost\nPEN-0001,1.99\n", r"expected the columns sku,price, got \['sku', 'cost'\]"),
    ],
)
def test_a_price_list_refuses_an_export_it_cannot_read(export: str, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        PriceList.from_csv(export)


@pytest.mark.parametrize("url", ["catalogue.internal/prices", "https://catalogue.internal:443"])
def test_a_remote_proxy_refuses_a_url_it_cannot_call(url: str) -> None:
    with pytest.raises(ValueError, match=f"expected a URL like http://host:port, got '{url}'"):
        RemoteCatalogue(url)
