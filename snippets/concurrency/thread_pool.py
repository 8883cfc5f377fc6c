"""Thread pool: stock levels fetched from a supplier's HTTP API by a pool of threads.

Run it with `python -m snippets.concurrency.thread_pool`.
"""

# --8<-- [start:imports]
import asyncio
import json
import random
import sqlite3
import threading
import urllib.error
import urllib.request
from collections.abc import Callable, Iterable, Iterator, Mapping
from concurrent.futures import ProcessPoolExecutor, ThreadPoolExecutor, as_completed
from contextlib import closing, contextmanager
from dataclasses import dataclass
from functools import partial
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

# --8<-- [end:imports]

# --8<-- [start:catalogue]
CATALOGUE = {  # SKU -> units the supplier has in its warehouse
    "BOLT-M6": 1200,
    "NUT-M6": 800,
    "WASHER-M6": 2500,
    "SCREW-4X40": 640,
    "DOWEL-8": 0,
    "HINGE-35": 75,
    "BRACKET-L": 310,
    "ANCHOR-6": 95,
}
# --8<-- [end:catalogue]


# --8<-- [start:server]
class InFlight:
    """Counts the requests a server is working on, and the most it saw at once."""

    def __init__(self) -> None:
        self._changed = threading.Condition()
        self.now = 0  # requests being worked on right now
        self.peak = 0  # the most ever worked on at the same time
        self.received = 0  # requests received in all

    def __enter__(self) -> None:
        with self._changed:
            self.now += 1
            self.received += 1
            self.peak = max(self.peak, self.now)
            self._changed.notify_all()

    def __exit__(self, *exc_info: object) -> None:
        with self._changed:
            self.now -= 1
            self._changed.notify_all()

    def wait_for(self, count: int, timeout: float = 5.0) -> None:
        """Block until `count` requests are in flight at once (for demos and tests)."""
        with self._changed:
            if not self._changed.wait_for(lambda: self.now >= count, timeout):
                raise TimeoutError(f"{self.now} requests in flight, expected {count}")


@dataclass(frozen=True)
class SupplierAPI:
    """A running supplier API: where it listens and what it has seen."""

    url: str
    in_flight: InFlight


class StockServer(ThreadingHTTPServer):
    request_queue_size = 64  # listen backlog: the default of 5 drops connections
    daemon_threads = False  # server_close() joins the handler threads; none is a daemon


@contextmanager
def supplier_api(
    stock: Mapping[str, int], hold: threading.Event | None = None
) -> Iterator[SupplierAPI]:
    """Serve `GET /stock/<sku>` on a free 127.0.0.1 port until the block ends.

    With `hold`, every request waits at the supplier until the event is set,
    like a slow API; the server sets it on the way out, so nothing hangs.
    """
    in_flight = InFlight()

    class StockHandler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            sku = self.path.removeprefix("/stock/")
            with in_flight:  # counted until the answer is ready, not once sent
                if hold is not None:
                    hold.wait(timeout=10)
                units = stock.get(sku)
            if units is None:
                self.reply(HTTPStatus.NOT_FOUND, {"error": f"unknown SKU {sku}"})
            else:
                self.reply(HTTPStatus.OK, {"sku": sku, "available": units})

        def reply(self, status: HTTPStatus, body: dict[str, object]) -> None:
            data = json.dumps(body).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, format: str, *args: object) -> None:
            pass  # no access log on stderr

    server = StockServer(("127.0.0.1", 0), StockHandler)
    thread = threading.Thread(target=server.serve_forever, args=(0.01,))
    thread.start()
    try:
        yield SupplierAPI(f"http://127.0.0.1:{server.server_address[1]}", in_flight)
    finally:
        if hold is not None:
            hold.set()  # release any request still held
        server.shutdown()
        server.server_close()
        thread.join()


# --8<-- [end:server]


# --8<-- [start:client]
class UnknownSkuError(LookupError):
    """The supplier does not sell this SKU."""


_DIRECT = urllib.request.build_opener(urllib.request.ProxyHandler({}))  # no proxy


def fetch_stock(base_url: str, sku: str, timeout: float = 5.0) -> int:
    """Ask the supplier how many units of `sku` it has: one blocking HTTP call."""
    try:
        with _DIRECT.open(f"{base_url}/stock/{sku}", timeout=timeout) as answer:
            return int(json.load(answer)["available"])
    except urllib.error.HTTPError as error:
        error.close()
        if error.code == HTTPStatus.NOT_FOUND:
            raise UnknownSkuError(f"the supplier has no SKU {sku!r}") from None
        raise


# --8<-- [end:client]


# --8<-- [start:report]
@dataclass(frozen=True)
class StockReport:
    """Stock levels by SKU, and the SKUs whose lookup failed, with the reason."""

    levels: dict[str, int]
    failed: dict[str, str]


def stock_report(
    fetch: Callable[[str], int], skus: Iterable[str], max_workers: int = 8
) -> StockReport:
    """Fetch every SKU in a pool; handle each answer as it arrives."""
    levels: dict[str, int] = {}
    failed: dict[str, str] = {}
    with ThreadPoolExecutor(max_workers, thread_name_prefix="stock") as pool:
        futures = {pool.submit(fetch, sku): sku for sku in skus}
        try:
            for future in as_completed(futures):  # in the order they finish
                sku = futures[future]
                try:
                    levels[sku] = future.result()
                except UnknownSkuError as error:
                    failed[sku] = str(error)
        except BaseException:  # another error or Ctrl-C: drop the calls not started
            pool.shutdown(cancel_futures=True)
            raise
    return StockReport(dict(sorted(levels.items())), dict(sorted(failed.items())))


# --8<-- [end:report]


# --8<-- [start:cpu]
def stockout_days(sku: str, days: int = 30_000, reorder_at: int = 30) -> int:
    """Simulate daily demand for `sku`; count the days it runs out of stock.

    Pure-Python arithmetic in a loop: CPU-bound work that holds the GIL.
    """
    rng = random.Random(sku)  # seeded: the same SKU gives the same answer
    stock, short_days, delivery_day = 100, 0, -1
    for day in range(days):
        if day == delivery_day:
            stock += 100
        demand = int(rng.random() * 10)  # 0 to 9 units a day
        if demand > stock:
            short_days += 1
        stock = max(stock - demand, 0)
        if stock <= reorder_at and delivery_day < day:
            delivery_day = day + 7  # the supplier delivers a week later
    return short_days


# --8<-- [end:cpu]


# --8<-- [start:pythonic]
def stock_levels(
    fetch: Callable[[str], int], skus: Iterable[str], max_workers: int = 8
) -> dict[str, int]:
    """Fetch every SKU in a pool of threads; the first failure is raised."""
    skus = list(skus)
    with ThreadPoolExecutor(max_workers) as pool:
        return dict(zip(skus, pool.map(fetch, skus), strict=True))


async def stock_levels_async(
    fetch: Callable[[str], int], skus: Iterable[str]
) -> dict[str, int]:
    """The same from async code: each blocking call in the loop's default pool."""
    skus = list(skus)
    levels = await asyncio.gather(*(asyncio.to_thread(fetch, sku) for sku in skus))
    return dict(zip(skus, levels, strict=True))


# --8<-- [end:pythonic]


# --8<-- [start:sqlite]
def create_sales_database(path: str) -> None:
    """A real SQLite file with a few sales, for the report queries."""
    rows = [("north", 120), ("north", 80), ("south", 45), ("east", 300), ("east", 5)]
    with closing(sqlite3.connect(path)) as db, db:
        db.execute("CREATE TABLE sales (region TEXT NOT NULL, units INTEGER NOT NULL)")
        db.executemany("INSERT INTO sales VALUES (?, ?)", rows)


def units_sold(path: str, region: str) -> int:
    """One report query, on a connection opened and closed in the calling thread."""
    with closing(sqlite3.connect(path)) as db:
        query = "SELECT COALESCE(SUM(units), 0) FROM sales WHERE region = ?"
        (total,) = db.execute(query, (region,)).fetchone()
    return int(total)


# --8<-- [end:sqlite]


if __name__ == "__main__":
    # fmt: off
    # --8<-- [start:demo-map]
    order = list(CATALOGUE)  # eight SKUs
    hold = threading.Event()  # the supplier answers only once this is set
    with (
        supplier_api(CATALOGUE, hold=hold) as supplier,
        ThreadPoolExecutor(max_workers=4) as pool,
    ):
        fetch = partial(fetch_stock, supplier.url)
        answers = pool.map(fetch, order)  # all eight calls are submitted now
        supplier.in_flight.wait_for(4)  # four of them are at the supplier
        hold.set()  # the supplier answers
        levels = dict(zip(order, answers, strict=True))  # in input order
    print(*levels.values())  # units, SKU by SKU as in `order`
    #> 1200 800 2500 640 0 75 310 95
    print("requests:", supplier.in_flight.received, "at once:", supplier.in_flight.peak)
    #> requests: 8 at once: 4
    # --8<-- [end:demo-map]

    # --8<-- [start:demo-map-error]
    basket = ["BOLT-M6", "NUT-M6", "WASHER-M7", "HINGE-35"]  # M7: a typo
    received = []
    with supplier_api(CATALOGUE) as supplier, ThreadPoolExecutor(max_workers=4) as pool:
        answers = pool.map(partial(fetch_stock, supplier.url), basket)
        try:
            for sku, units in zip(basket, answers, strict=True):
                received.append(f"{sku}={units}")
        except UnknownSkuError as error:
            print(received, "then:", error)
            #> ['BOLT-M6=1200', 'NUT-M6=800'] then: the supplier has no SKU 'WASHER-M7'
    # --8<-- [end:demo-map-error]

    # --8<-- [start:demo-report]
    with supplier_api(CATALOGUE) as supplier:
        report = stock_report(partial(fetch_stock, supplier.url), [*basket, "DOWEL-8"])
    print(report.levels)
    #> {'BOLT-M6': 1200, 'DOWEL-8': 0, 'HINGE-35': 75, 'NUT-M6': 800}
    print(report.failed)
    #> {'WASHER-M7': "the supplier has no SKU 'WASHER-M7'"}
    # --8<-- [end:demo-report]

    # --8<-- [start:demo-shutdown]
    hold = threading.Event()
    with (
        supplier_api(CATALOGUE, hold=hold) as supplier,
        ThreadPoolExecutor(max_workers=1) as pool,
    ):
        futures = [pool.submit(fetch_stock, supplier.url, sku) for sku in order]
        supplier.in_flight.wait_for(1)  # the first call is running, seven wait
        pool.shutdown(wait=False, cancel_futures=True)  # drop what has not started
        hold.set()  # the running call finishes; leaving the block waits for it
    print("cancelled:", sum(future.cancelled() for future in futures))
    #> cancelled: 7
    print("finished:", {order[0]: futures[0].result()})
    #> finished: {'BOLT-M6': 1200}
    print("the supplier saw", supplier.in_flight.received, "request")
    #> the supplier saw 1 request
    # --8<-- [end:demo-shutdown]

    # --8<-- [start:demo-processes]
    from snippets.concurrency import thread_pool  # found by module path in workers

    skus = ["BOLT-M6", "HINGE-35", "DOWEL-8", "ANCHOR-6"]
    with ProcessPoolExecutor(max_workers=2) as processes:
        days_short = processes.map(thread_pool.stockout_days, skus)
        shortages = dict(zip(skus, days_short, strict=True))
    print(shortages)
    #> {'BOLT-M6': 853, 'HINGE-35': 885, 'DOWEL-8': 934, 'ANCHOR-6': 919}
    # --8<-- [end:demo-processes]

    # --8<-- [start:demo-pythonic]
    with supplier_api(CATALOGUE) as supplier:
        fetch = partial(fetch_stock, supplier.url)
        print(stock_levels(fetch, ["HINGE-35", "BOLT-M6", "ANCHOR-6"]))
        #> {'HINGE-35': 75, 'BOLT-M6': 1200, 'ANCHOR-6': 95}
        print(asyncio.run(stock_levels_async(fetch, ["NUT-M6", "DOWEL-8"])))
        #> {'NUT-M6': 800, 'DOWEL-8': 0}
    # --8<-- [end:demo-pythonic]
    # fmt: on
