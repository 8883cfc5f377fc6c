"""Proxy: virtual, protection, caching and remote proxies in front of a price catalogue.

Run it with `python -m snippets.structural.proxy`.
"""

# --8<-- [start:imports]
import csv
import http.client
import json
import threading
import time
import weakref
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from functools import cached_property
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, HTTPServer, ThreadingHTTPServer
from types import MappingProxyType
from typing import Any, Protocol, Self, TypeVar
from urllib.parse import quote, unquote, urlsplit

# --8<-- [end:imports]


# --8<-- [start:subject]
class UnknownProductError(LookupError):
    """No product with this SKU is in the catalogue."""


class Catalogue(Protocol):
    """The subject: what the shop asks about prices, whoever answers."""

    def price(self, sku: str) -> Decimal: ...

    def set_price(self, sku: str, price: Decimal) -> None: ...


def parse_price(text: str) -> Decimal:
    """A positive amount with at most two decimals, such as `'34.90'`."""
    try:
        price = Decimal(text)
    except InvalidOperation:
        raise ValueError(f"not a price: {text!r}") from None
    if not price.is_finite() or price <= 0:
        raise ValueError(f"a price must be a positive amount, got {text}")
    if price != price.quantize(Decimal("0.01")):
        raise ValueError(f"a price has at most two decimals, got {text}")
    return price


class PriceList:
    """The real subject: every product's price, in memory."""

    def __init__(self, prices: Mapping[str, Decimal]) -> None:
        self._prices = {sku: parse_price(str(price)) for sku, price in prices.items()}

    @classmethod
    def from_csv(cls, text: str) -> Self:
        """Read an export with the columns `sku` and `price`."""
        rows = csv.DictReader(text.splitlines())
        if rows.fieldnames != ["sku", "price"]:
            raise ValueError(f"expected the columns sku,price, got {rows.fieldnames}")
        return cls({row["sku"]: parse_price(row["price"]) for row in rows})

    @property
    def prices(self) -> Mapping[str, Decimal]:
        """A live, read-only view of every price."""
        return MappingProxyType(self._prices)

    def __len__(self) -> int:
        return len(self._prices)

    def price(self, sku: str) -> Decimal:
        try:
            return self._prices[sku]
        except KeyError:
            raise UnknownProductError(f"no product {sku!r} in the catalogue") from None

    def set_price(self, sku: str, price: Decimal) -> None:
        if sku not in self._prices:
            raise UnknownProductError(f"no product {sku!r} in the catalogue")
        self._prices[sku] = parse_price(str(price))


# --8<-- [end:subject]


# --8<-- [start:virtual]
class LazyCatalogue:
    """Virtual proxy: creates the real catalogue on first use, and only once."""

    def __init__(self, load: Callable[[], Catalogue]) -> None:
        self._load = load
        self._subject: Catalogue | None = None
        self._lock = threading.Lock()

    @property
    def is_loaded(self) -> bool:
        return self._subject is not None

    def _real(self) -> Catalogue:
        with self._lock:  # two threads must not both load
            if self._subject is None:
                self._subject = self._load()
            return self._subject

    def price(self, sku: str) -> Decimal:
        return self._real().price(sku)

    def set_price(self, sku: str, price: Decimal) -> None:
        self._real().set_price(sku, price)


# --8<-- [end:virtual]


# --8<-- [start:protection]
@dataclass(frozen=True)
class User:
    name: str
    role: str


class GuardedCatalogue:
    """Protection proxy: everyone may read prices, only some roles may change them."""

    EDITORS = frozenset({"pricing-manager"})

    def __init__(self, subject: Catalogue, user: User) -> None:
        self._subject = subject
        self._user = user

    def price(self, sku: str) -> Decimal:
        return self._subject.price(sku)

    def set_price(self, sku: str, price: Decimal) -> None:
        if self._user.role not in self.EDITORS:
            raise PermissionError(
                f"{self._user.name} ({self._user.role}) may not change prices;"
                f" ask a {' or '.join(sorted(self.EDITORS))}"
            )
        self._subject.set_price(sku, price)


# --8<-- [end:protection]


# --8<-- [start:caching]
class CachingCatalogue:
    """Caching proxy: remembers each price for `ttl` seconds of its clock."""

    def __init__(
        self,
        subject: Catalogue,
        ttl: float,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        if not ttl > 0:  # also refuses NaN
            raise ValueError(f"ttl must be a positive number of seconds, got {ttl}")
        self._subject = subject
        self._ttl = ttl
        self._clock = clock
        self._entries: dict[str, tuple[Decimal, float]] = {}

    def price(self, sku: str) -> Decimal:
        now = self._clock()
        entry = self._entries.get(sku)
        if entry is not None and now < entry[1]:
            return entry[0]
        price = self._subject.price(sku)
        self._entries[sku] = (price, now + self._ttl)
        return price

    def set_price(self, sku: str, price: Decimal) -> None:
        self._subject.set_price(sku, price)
        self._entries.pop(sku, None)  # the next read fetches the new price


@dataclass
class ManualClock:
    """A clock the demo moves by hand, so expiry is deterministic."""

    now: float = 0.0

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


# --8<-- [end:caching]


# --8<-- [start:server]
class CatalogueHandler(BaseHTTPRequestHandler):
    """`GET` and `PUT /prices/<sku>`, answered in JSON from the server's price list."""

    server: "CatalogueServer"

    def do_GET(self) -> None:  # the name http.server calls for GET
        self._answer(lambda prices, sku: prices.price(sku))

    def do_PUT(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length)

        def change(prices: PriceList, sku: str) -> Decimal:
            prices.set_price(sku, parse_price(str(json.loads(body)["price"])))
            return prices.price(sku)

        self._answer(change)

    def _answer(self, action: Callable[[PriceList, str], Decimal]) -> None:
        self.server.count_request()
        if not self.path.startswith("/prices/"):
            self._send(HTTPStatus.NOT_FOUND, {"error": f"no resource {self.path}"})
            return
        sku = unquote(self.path.removeprefix("/prices/"))
        try:
            price = action(self.server.price_list, sku)
        except UnknownProductError as exc:
            self._send(HTTPStatus.NOT_FOUND, {"error": str(exc)})
        except (ValueError, KeyError, TypeError) as exc:
            self._send(HTTPStatus.BAD_REQUEST, {"error": str(exc)})
        else:
            self._send(HTTPStatus.OK, {"sku": sku, "price": str(price)})

    def _send(self, status: HTTPStatus, data: dict[str, str]) -> None:
        body = json.dumps(data).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: Any) -> None:
        """No access log on stderr: the demo's output stays readable."""


class CatalogueServer(ThreadingHTTPServer):
    """The remote side: an HTTP service on a free port of 127.0.0.1."""

    def __init__(self, price_list: PriceList) -> None:
        super().__init__(("127.0.0.1", 0), CatalogueHandler)
        self.price_list = price_list
        self.requests_served = 0
        self._counter_lock = threading.Lock()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_port}"

    def count_request(self) -> None:
        with self._counter_lock:  # handlers run in threads of their own
            self.requests_served += 1


Server = TypeVar("Server", bound=HTTPServer)


@contextmanager
def serving(server: Server) -> Iterator[Server]:
    """Run `server` in a background thread until the `with` block ends."""
    thread = threading.Thread(
        target=server.serve_forever,
        kwargs={"poll_interval": 0.05},  # so that shutdown() returns quickly
        name="http-service",
    )
    thread.start()
    try:
        yield server
    finally:
        server.shutdown()  # stops serve_forever and waits until it has
        thread.join()
        server.server_close()  # closes the socket and joins the handler threads


# --8<-- [end:server]


# --8<-- [start:remote]
class RemoteError(RuntimeError):
    """The catalogue service answered in a way the proxy does not understand."""


class RemoteCatalogue:
    """Remote proxy: the `Catalogue` interface, answered by the service over HTTP."""

    ANSWERS = frozenset({HTTPStatus.OK, HTTPStatus.NOT_FOUND, HTTPStatus.BAD_REQUEST})

    def __init__(self, base_url: str, timeout: float = 5.0) -> None:
        parts = urlsplit(base_url)
        if parts.scheme != "http" or not parts.hostname or not parts.port:
            raise ValueError(f"expected a URL like http://host:port, got {base_url!r}")
        self._host, self._port, self._timeout = parts.hostname, parts.port, timeout

    def price(self, sku: str) -> Decimal:
        return Decimal(self._call("GET", sku)["price"])

    def set_price(self, sku: str, price: Decimal) -> None:
        self._call("PUT", sku, {"price": str(price)})

    def _call(
        self, method: str, sku: str, payload: dict[str, str] | None = None
    ) -> dict[str, str]:
        body = None if payload is None else json.dumps(payload).encode()
        headers = {} if body is None else {"Content-Type": "application/json"}
        connection = http.client.HTTPConnection(
            self._host, self._port, timeout=self._timeout
        )
        try:
            connection.request(method, f"/prices/{quote(sku, safe='')}", body, headers)
            response = connection.getresponse()
            answer = response.read()
        finally:
            connection.close()
        # Check the status first: a gateway in between answers errors in HTML.
        media_type = response.headers.get_content_type()  # without "; charset=..."
        if response.status not in self.ANSWERS or media_type != "application/json":
            raise RemoteError(
                f"the catalogue answered {response.status} {response.reason}"
                f" ({media_type}), not JSON"
            )
        data: dict[str, str] = json.loads(answer)
        # The same exceptions as the real PriceList, so callers need no HTTP code.
        if response.status == HTTPStatus.NOT_FOUND:
            raise UnknownProductError(data["error"])
        if response.status == HTTPStatus.BAD_REQUEST:
            raise ValueError(data["error"])
        return data


# --8<-- [end:remote]


# --8<-- [start:pythonic]
class PriceReport:
    """`cached_property` as a virtual proxy for one expensive attribute."""

    def __init__(self, read_export: Callable[[], str]) -> None:
        self._read_export = read_export
        self.loads = 0

    @cached_property
    def price_list(self) -> PriceList:
        self.loads += 1
        return PriceList.from_csv(self._read_export())

    def most_expensive(self) -> str:
        prices = self.price_list.prices
        sku = max(prices, key=prices.__getitem__)
        return f"{sku} at {prices[sku]}"


@dataclass(eq=False)
class Order:
    number: str
    lines: list["OrderLine"] = field(default_factory=list)

    def add(self, sku: str, amount: Decimal) -> "OrderLine":
        line = OrderLine(weakref.proxy(self), sku, amount)
        self.lines.append(line)
        return line

    @property
    def total(self) -> Decimal:
        return sum((line.amount for line in self.lines), Decimal(0))


@dataclass(eq=False)
class OrderLine:
    """Points back to its order through `weakref.proxy`: no reference cycle."""

    order: Order
    sku: str
    amount: Decimal

    def share(self) -> str:
        share = self.amount / self.order.total
        return f"{self.sku} is {share:.0%} of {self.order.number}"


# --8<-- [end:pythonic]


# --8<-- [start:sample]
PRICE_EXPORT = """\
sku,price
BOOK-0042,34.90
MUG-0007,12.50
POSTER-0113,8.00
"""
# --8<-- [end:sample]

if __name__ == "__main__":
    # fmt: off
    # --8<-- [start:demo-virtual]
    lazy = LazyCatalogue(lambda: PriceList.from_csv(PRICE_EXPORT))
    print(lazy.is_loaded)
    #> False
    print(lazy.price("MUG-0007"))
    #> 12.50
    print(lazy.is_loaded)
    #> True
    # --8<-- [end:demo-virtual]

    # --8<-- [start:demo-remote]
    with serving(CatalogueServer(PriceList.from_csv(PRICE_EXPORT))) as service:
        remote = RemoteCatalogue(service.url)
        print(remote.price("BOOK-0042"))
        #> 34.90
        remote.set_price("BOOK-0042", Decimal("29.90"))
        print(remote.price("BOOK-0042"), service.price_list.price("BOOK-0042"))
        #> 29.90 29.90
        for sku, price in [("LAMP-0001", "19.00"), ("MUG-0007", "-5")]:
            try:
                remote.set_price(sku, Decimal(price))
            except (UnknownProductError, ValueError) as exc:
                print(exc)
                #> no product 'LAMP-0001' in the catalogue
                #> a price must be a positive amount, got -5
        print(service.requests_served)
        #> 5
    print("socket closed:", service.socket.fileno() == -1)
    #> socket closed: True
    # --8<-- [end:demo-remote]

    # --8<-- [start:demo-stack]
    clock = ManualClock()
    basket = ["BOOK-0042", "MUG-0007", "BOOK-0042", "BOOK-0042"]
    with serving(CatalogueServer(PriceList.from_csv(PRICE_EXPORT))) as service:
        cached = CachingCatalogue(RemoteCatalogue(service.url), ttl=60, clock=clock)
        clerk = GuardedCatalogue(cached, User("sam", "clerk"))
        manager = GuardedCatalogue(cached, User("ana", "pricing-manager"))

        print(sum(clerk.price(sku) for sku in basket), service.requests_served)
        #> 117.20 2
        try:
            clerk.set_price("MUG-0007", Decimal("9.99"))
        except PermissionError as exc:
            print(exc)
            #> sam (clerk) may not change prices; ask a pricing-manager
        manager.set_price("MUG-0007", Decimal("9.99"))
        print(clerk.price("MUG-0007"), service.requests_served)
        #> 9.99 4
        clock.advance(61)
        print(clerk.price("BOOK-0042"), service.requests_served)
        #> 34.90 5
    # --8<-- [end:demo-stack]

    # --8<-- [start:demo-pythonic]
    report = PriceReport(lambda: PRICE_EXPORT)
    print("price_list" in vars(report))
    #> False
    print(report.most_expensive())
    #> BOOK-0042 at 34.90
    print(report.most_expensive())
    #> BOOK-0042 at 34.90
    print("price_list" in vars(report), report.loads)
    #> True 1

    try:
        report.price_list.prices["MUG-0007"] = Decimal("0.01")  # type: ignore[index]  # mypy refuses it too
    except TypeError:
        print("prices is a read-only view; use set_price")
        #> prices is a read-only view; use set_price

    order = Order("SO-1001")
    mug = order.add("MUG-0007", Decimal("12.50"))
    order.add("BOOK-0042", Decimal("37.50"))
    print(mug.share())
    #> MUG-0007 is 25% of SO-1001
    del order  # the lines do not keep the order alive
    try:
        mug.share()
    except ReferenceError:
        print("the order is gone; its lines no longer reach it")
        #> the order is gone; its lines no longer reach it
    # --8<-- [end:demo-pythonic]
    # fmt: on
