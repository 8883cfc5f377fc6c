"""Bulkhead: give each dependency its own bounded number of calls in flight.

Run it with `python -m snippets.cloud.bulkhead`. The demo starts a real HTTP server on a
free port of 127.0.0.1 whose recommendations endpoint hangs until the demo releases it.
"""

# --8<-- [start:imports]
import asyncio
import json
import threading
import urllib.request
from collections import Counter
from collections.abc import Callable, Iterator
from concurrent.futures import Executor, Future, ThreadPoolExecutor, as_completed
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, ParamSpec, Self, TypeVar

import httpx

# --8<-- [end:imports]


# --8<-- [start:server]
STOCK = {"LAPTOP-14": 12, "DOCK-USB-C": 40, "MONITOR-27": 0}
RECOMMENDED = ["DOCK-USB-C", "MONITOR-27"]


class DependencyServer(ThreadingHTTPServer):
    """Two dependencies of a shop, served for real on a free port of 127.0.0.1.

    `GET /inventory/<sku>` answers at once. `GET /recommendations/<customer>` hangs
    until `release()` is called, or `HANG_LIMIT` seconds pass: nothing hangs forever.
    """

    HANG_LIMIT = 5.0
    daemon_threads = False  # server_close() joins every handler thread
    # the listen backlog; with the default 5, a burst waits 1 s or more for SYN retries
    request_queue_size = 64

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), DependencyHandler)
        self.url = f"http://127.0.0.1:{self.server_port}"
        self.requests: Counter[str] = Counter()  # requests received, by route
        self.hanging = 0  # recommendations requests held right now
        self._changed = threading.Condition()
        self._released = threading.Event()

    def release(self) -> None:
        """Let the held recommendations answer, and every later one at once."""
        self._released.set()

    def wait_until_hanging(self, count: int) -> None:
        """Return once `count` recommendations requests are held by the server."""
        with self._changed:
            arrived = self._changed.wait_for(
                lambda: self.hanging >= count, timeout=self.HANG_LIMIT
            )
            if not arrived:
                raise TimeoutError(f"{self.hanging} requests held, expected {count}")

    def arrived(self, route: str) -> None:
        with self._changed:
            self.requests[route] += 1

    def hold(self) -> None:
        with self._changed:
            self.hanging += 1
            self._changed.notify_all()
        self._released.wait(self.HANG_LIMIT)
        with self._changed:
            self.hanging -= 1


class DependencyHandler(BaseHTTPRequestHandler):
    server: DependencyServer

    def do_GET(self) -> None:
        route, _, key = self.path.strip("/").partition("/")
        self.server.arrived(route)
        if route == "inventory" and key in STOCK:
            self.reply(200, {"sku": key, "stock": STOCK[key]})
        elif route == "recommendations":
            self.server.hold()
            self.reply(200, {"customer": key, "skus": RECOMMENDED})
        else:
            self.reply(404, {"error": f"nothing at {self.path}"})

    def reply(self, status: int, payload: dict[str, Any]) -> None:
        body = json.dumps(payload).encode()
        with suppress(OSError):  # a client that timed out has hung up
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

    def log_message(self, format: str, *args: Any) -> None:
        """No access log: the demo shows only what the clients see."""


@contextmanager
def dependency_server() -> Iterator[DependencyServer]:
    """Run a `DependencyServer` in a thread; release, stop and join it on exit."""
    server = DependencyServer()
    thread = threading.Thread(target=server.serve_forever, args=(0.01,))
    thread.start()
    try:
        yield server
    finally:
        server.release()  # no request may hang past the block
        server.shutdown()
        thread.join()
        server.server_close()


# --8<-- [end:server]


# --8<-- [start:client]
# no proxy: 127.0.0.1 directly, whatever the environment says
DIRECT = urllib.request.build_opener(urllib.request.ProxyHandler({}))


def get_json(url: str, *, timeout: float) -> Any:
    with DIRECT.open(url, timeout=timeout) as response:
        return json.load(response)


def get_stock(base_url: str, sku: str, *, timeout: float = 5.0) -> int:
    """Units of `sku` in stock, from the inventory API."""
    return int(get_json(f"{base_url}/inventory/{sku}", timeout=timeout)["stock"])


def get_recommendations(
    base_url: str, customer: str, *, timeout: float = 5.0
) -> tuple[str, ...]:
    """Products to suggest to `customer`, from the recommendations API."""
    answer = get_json(f"{base_url}/recommendations/{customer}", timeout=timeout)
    return tuple(answer["skus"])


# --8<-- [end:client]


# --8<-- [start:bulkhead]
class BulkheadFullError(Exception):
    """Every slot of a bulkhead is taken: the call was refused without being made."""


@dataclass(frozen=True)
class BulkheadStats:
    admitted: int
    rejected: int
    in_flight: int


class Bulkhead:
    """At most `limit` calls to one dependency at a time; the next is refused at once.

    Use it as `with bulkhead: call_the_dependency()`, one bulkhead per dependency.
    """

    def __init__(self, name: str, limit: int) -> None:
        if limit < 1:
            raise ValueError(f"limit must be at least 1, got {limit}")
        self.name, self.limit = name, limit
        self._slots = threading.BoundedSemaphore(limit)
        self._lock = threading.Lock()  # guards the counters only
        self._admitted = self._rejected = self._in_flight = 0

    def acquire(self) -> None:
        """Take a slot, or raise `BulkheadFullError` without waiting."""
        if not self._slots.acquire(blocking=False):
            with self._lock:
                self._rejected += 1
            raise BulkheadFullError(
                f"{self.name}: {self.limit} of {self.limit} calls in flight; "
                "refused without waiting"
            )
        with self._lock:
            self._admitted += 1
            self._in_flight += 1

    def release(self) -> None:
        with self._lock:
            self._slots.release()  # ValueError if released more than acquired...
            self._in_flight -= 1  # ...and then no count changes

    def __enter__(self) -> Self:
        self.acquire()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.release()

    def stats(self) -> BulkheadStats:
        with self._lock:
            return BulkheadStats(self._admitted, self._rejected, self._in_flight)


# --8<-- [end:bulkhead]


# --8<-- [start:page]
@dataclass(frozen=True)
class ProductPage:
    sku: str
    stock: int
    recommended: tuple[str, ...]  # empty when recommendations were refused or failed


def product_page(
    base_url: str,
    sku: str,
    customer: str,
    inventory: Bulkhead,
    recommendations: Bulkhead,
    *,
    suggestions_timeout: float = 5.0,
) -> ProductPage:
    """Build a product page; stock is required, recommendations are optional."""
    with inventory:  # BulkheadFullError here fails the page: no stock, no page
        stock = get_stock(base_url, sku)
    try:
        with recommendations:
            recommended = get_recommendations(
                base_url, customer, timeout=suggestions_timeout
            )
    except (BulkheadFullError, OSError):  # refused, timed out or unreachable
        recommended = ()  # the fallback: a page without suggestions
    return ProductPage(sku, stock, recommended)


# --8<-- [end:page]


# --8<-- [start:submit]
P = ParamSpec("P")
R = TypeVar("R")


def submit_within(
    bulkhead: Bulkhead,
    pool: Executor,
    fn: Callable[P, R],
    *args: P.args,
    **kwargs: P.kwargs,
) -> Future[R]:
    """Submit `fn` to `pool` if `bulkhead` has a slot, and hold it until `fn` ends."""
    bulkhead.acquire()  # refused here, in the caller: nothing joins the queue
    try:
        future = pool.submit(fn, *args, **kwargs)
    except BaseException:
        bulkhead.release()
        raise
    future.add_done_callback(lambda _: bulkhead.release())
    return future


# --8<-- [end:submit]


# --8<-- [start:async]
class AsyncBulkhead:
    """The asyncio form: `async with bulkhead:` refuses at once when it is full."""

    def __init__(self, name: str, limit: int) -> None:
        if limit < 1:
            raise ValueError(f"limit must be at least 1, got {limit}")
        self.name, self.limit = name, limit
        self._slots = asyncio.BoundedSemaphore(limit)
        self._admitted = self._rejected = self._in_flight = 0

    async def __aenter__(self) -> Self:
        if self._slots.locked():  # acquire() would wait: refuse instead
            self._rejected += 1
            raise BulkheadFullError(
                f"{self.name}: {self.limit} of {self.limit} calls in flight; "
                "refused without waiting"
            )
        await self._slots.acquire()  # a free slot is taken without suspending
        self._admitted += 1
        self._in_flight += 1
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        self._slots.release()  # ValueError if released more than acquired
        self._in_flight -= 1

    def stats(self) -> BulkheadStats:
        return BulkheadStats(self._admitted, self._rejected, self._in_flight)


# --8<-- [end:async]


# --8<-- [start:pythonic]
def dependency_client(base_url: str, max_connections: int) -> httpx.Client:
    """An HTTP client for one dependency, with its own pool of connections.

    `pool=0` means: when all `max_connections` are busy, raise `httpx.PoolTimeout` at
    once instead of waiting for a connection to come free.
    """
    return httpx.Client(
        base_url=base_url,
        limits=httpx.Limits(max_connections=max_connections),
        timeout=httpx.Timeout(5.0, pool=0),
        trust_env=False,  # 127.0.0.1 directly, whatever the proxy settings say
    )


# --8<-- [end:pythonic]


if __name__ == "__main__":
    # fmt: off
    # --8<-- [start:demo-refused]
    fraud_check = Bulkhead("fraud-scoring", limit=1)
    with fraud_check:  # the one slot is taken
        try:
            with fraud_check:
                pass
        except BulkheadFullError as exc:
            print(exc)
            #> fraud-scoring: 1 of 1 calls in flight; refused without waiting
    print(fraud_check.stats())
    #> BulkheadStats(admitted=1, rejected=1, in_flight=0)
    # --8<-- [end:demo-refused]

    # --8<-- [start:demo-bulkhead]
    inventory = Bulkhead("inventory", limit=4)
    recommendations = Bulkhead("recommendations", limit=2)  # 2 of 4 workers at most
    with dependency_server() as server, ThreadPoolExecutor(max_workers=4) as pool:
        pages = [
            pool.submit(product_page, server.url, "LAPTOP-14", f"c-{n}",
                        inventory, recommendations)
            for n in range(6)
        ]
        server.wait_until_hanging(2)  # two pages wait on recommendations
        finished = as_completed(pages)
        without = [next(finished).result() for _ in range(4)]  # only these can end now
        lookups = [pool.submit(get_stock, server.url, sku) for sku in STOCK]
        in_stock = [lookup.result() for lookup in lookups]  # while the two still hang
        during = recommendations.stats()
        server.release()
        with_suggestions = [next(finished).result() for _ in range(2)]
    print(during)
    #> BulkheadStats(admitted=2, rejected=4, in_flight=2)
    print(without[0])
    #> ProductPage(sku='LAPTOP-14', stock=12, recommended=())
    print(in_stock, server.requests)
    #> [12, 40, 0] Counter({'inventory': 9, 'recommendations': 2})
    print(with_suggestions[0].recommended, recommendations.stats())
    #> ('DOCK-USB-C', 'MONITOR-27') BulkheadStats(admitted=2, rejected=4, in_flight=0)
    # --8<-- [end:demo-bulkhead]

    # --8<-- [start:demo-timeout]
    recommendations = Bulkhead("recommendations", limit=2)
    with dependency_server() as server:
        page = product_page(server.url, "MONITOR-27", "c-7",
                            inventory, recommendations, suggestions_timeout=0.05)
    print(page)
    #> ProductPage(sku='MONITOR-27', stock=0, recommended=())
    print(recommendations.stats())  # the slot came back when the call timed out
    #> BulkheadStats(admitted=1, rejected=0, in_flight=0)
    # --8<-- [end:demo-timeout]

    # --8<-- [start:demo-async]
    async def shop(server: DependencyServer) -> tuple[BulkheadStats, int, list[str]]:
        recommendations = AsyncBulkhead("recommendations", limit=2)
        async with httpx.AsyncClient(base_url=server.url, trust_env=False) as client:

            async def suggest(customer: str) -> tuple[str, ...]:
                async with recommendations:
                    answer = await client.get(f"/recommendations/{customer}")
                    return tuple(answer.json()["skus"])

            calls = [asyncio.create_task(suggest(f"c-{n}")) for n in range(6)]
            await asyncio.to_thread(server.wait_until_hanging, 2)
            stock = (await client.get("/inventory/DOCK-USB-C")).json()["stock"]
            during = recommendations.stats()
            server.release()
            results = await asyncio.gather(*calls, return_exceptions=True)
        return during, stock, [type(result).__name__ for result in results]

    with dependency_server() as server:
        during, stock, results = asyncio.run(shop(server))
    print(during, stock)
    #> BulkheadStats(admitted=2, rejected=4, in_flight=2) 40
    print(results[:2], set(results[2:]))
    #> ['tuple', 'tuple'] {'BulkheadFullError'}
    # --8<-- [end:demo-async]

    # --8<-- [start:demo-pythonic]
    with (
        dependency_server() as server,
        dependency_client(server.url, max_connections=2) as recommender,
        dependency_client(server.url, max_connections=10) as stock_api,
        ThreadPoolExecutor(max_workers=2) as pool,
    ):
        held = [pool.submit(recommender.get, f"/recommendations/c-{n}")
                for n in range(2)]
        server.wait_until_hanging(2)  # both connections of `recommender` are busy
        try:
            recommender.get("/recommendations/c-9")
        except httpx.PoolTimeout as exc:
            print("refused at once:", type(exc).__name__)
            #> refused at once: PoolTimeout
        print(stock_api.get("/inventory/LAPTOP-14").json())
        #> {'sku': 'LAPTOP-14', 'stock': 12}
        server.release()
        print([call.result().status_code for call in held])
        #> [200, 200]
    # --8<-- [end:demo-pythonic]
    # fmt: on
