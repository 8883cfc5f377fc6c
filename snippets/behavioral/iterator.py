"""Iterator: walk a ledger, and page lazily through an orders API and a SQLite table.

Run it with `python -m snippets.behavioral.iterator`.
"""

# --8<-- [start:imports]
import functools
import itertools
import sqlite3
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Generic, TypeVar

# --8<-- [end:imports]


# --8<-- [start:ledger]
@dataclass(frozen=True)
class Entry:
    """One booking: money in (positive) or out (negative) on an ISO date."""

    booked: str  # "2024-03-01"
    description: str
    amount: Decimal


class Ledger:
    """The aggregate: entries in booking order, iterable as often as you like."""

    def __init__(self, entries: Iterable[Entry] = ()) -> None:
        self._entries: list[Entry] = []
        self._version = 0  # bumped by every change; iterators compare it
        for entry in entries:
            self.book(entry)

    def book(self, entry: Entry) -> None:
        if entry.amount == 0:
            raise ValueError(f"entry {entry.description!r} moves no money")
        if self._entries and entry.booked < self._entries[-1].booked:
            raise ValueError(
                f"entries are booked in date order: {entry.booked} comes before "
                f"{self._entries[-1].booked}"
            )
        self._entries.append(entry)
        self._version += 1

    def __len__(self) -> int:
        return len(self._entries)

    def __iter__(self) -> Iterator[Entry]:
        return self._walk(self._version)  # not a generator: reads the version now

    def _walk(self, version: int) -> Iterator[Entry]:
        for entry in self._entries:  # booking appends, so a change is always seen
            if self._version != version:
                raise RuntimeError("the ledger changed during iteration")
            yield entry


# --8<-- [end:ledger]


# --8<-- [start:iterator-class]
class ClassicLedger(Ledger):
    """The same ledger, walked by a hand-written iterator class."""

    def __iter__(self) -> Iterator[Entry]:
        return LedgerIterator(self)


class LedgerIterator(Iterator[Entry]):
    """The iterator: a position in one ledger, used up after one pass."""

    def __init__(self, ledger: Ledger) -> None:
        self._ledger: Ledger | None = ledger  # None once used up
        self._index = 0
        self._expected_version = ledger._version

    def __next__(self) -> Entry:
        if self._ledger is None:  # used up stays used up, whatever the ledger does
            raise StopIteration
        if self._ledger._version != self._expected_version:
            raise RuntimeError("the ledger changed during iteration")
        if self._index >= len(self._ledger._entries):
            self._ledger = None
            raise StopIteration
        entry = self._ledger._entries[self._index]
        self._index += 1
        return entry


# --8<-- [end:iterator-class]


# --8<-- [start:entries]
ENTRIES = [
    Entry("2024-03-01", "invoice 1041 paid", Decimal("1200.00")),
    Entry("2024-03-04", "office rent", Decimal("-850.00")),
    Entry("2024-03-28", "invoice 1042 paid", Decimal("430.50")),
    Entry("2024-04-02", "hosting", Decimal("-49.90")),
    Entry("2024-04-15", "invoice 1043 paid", Decimal("980.00")),
]
# --8<-- [end:entries]


# --8<-- [start:itertools]
def running_balance(entries: Iterable[Entry]) -> Iterator[tuple[Entry, Decimal]]:
    """Each entry with the balance after it, computed as the entries stream by."""
    first, second = itertools.tee(entries)
    return zip(
        first, itertools.accumulate(entry.amount for entry in second), strict=True
    )


def monthly_totals(entries: Iterable[Entry]) -> Iterator[tuple[str, Decimal]]:
    """Net amount per month; `groupby` needs entries sorted by month, as a ledger is."""
    for month, group in itertools.groupby(entries, key=lambda entry: entry.booked[:7]):
        yield month, sum((entry.amount for entry in group), Decimal(0))


# --8<-- [end:itertools]


# --8<-- [start:api]
@dataclass(frozen=True)
class Order:
    id: int
    customer: str
    total: Decimal


T = TypeVar("T")


@dataclass(frozen=True)
class Page(Generic[T]):
    """One response of a paged API: some items and the cursor of the next page."""

    items: tuple[T, ...]
    next_cursor: str | None


class OrdersApi:
    """A stand-in for `GET /orders?cursor=...&limit=...`; it counts its requests."""

    def __init__(self, orders: Sequence[Order]) -> None:
        self._orders = list(orders)
        self.requests = 0

    def list_orders(self, cursor: str | None = None, limit: int = 50) -> Page[Order]:
        if not 1 <= limit <= 100:
            raise ValueError(f"limit must be between 1 and 100, got {limit}")
        if cursor is not None and not cursor.isdecimal():
            raise ValueError(f"invalid cursor {cursor!r}: pass one the API returned")
        self.requests += 1
        start = int(cursor or 0)
        end = start + limit
        more = end < len(self._orders)
        return Page(tuple(self._orders[start:end]), str(end) if more else None)


def paginate(fetch_page: Callable[[str | None], Page[T]]) -> Iterator[T]:
    """Yield every item of every page, asking for the next page only when needed."""
    cursor: str | None = None
    while True:
        page = fetch_page(cursor)
        yield from page.items
        if page.next_cursor is None:
            return
        cursor = page.next_cursor


# --8<-- [end:api]


# --8<-- [start:orders]
CUSTOMERS = ["Acme GmbH", "Bistro Lyon", "Nordic AB", "Casa Lisboa"]
ORDERS = [
    Order(n, CUSTOMERS[n % 4], Decimal(n * 37 % 500) + Decimal("0.90"))
    for n in range(1, 26)
]
# --8<-- [end:orders]


# --8<-- [start:sqlite]
def create_orders_db(orders: Iterable[Order]) -> sqlite3.Connection:
    """A real SQLite database (in memory) with an `orders` table."""
    connection = sqlite3.connect(":memory:")
    connection.execute(
        "CREATE TABLE orders (id INTEGER PRIMARY KEY,"
        " customer TEXT NOT NULL, total_cents INTEGER NOT NULL)"
    )
    connection.executemany(
        "INSERT INTO orders VALUES (?, ?, ?)",
        [(order.id, order.customer, int(order.total * 100)) for order in orders],
    )
    connection.commit()
    return connection


def iter_orders(
    connection: sqlite3.Connection, page_size: int = 100
) -> Iterator[Order]:
    """Every order by id, read one page at a time with keyset pagination.

    Each query continues after the last id seen (`WHERE id > ?`), so rows
    inserted or deleted between pages never shift the rest of the table.
    """
    if page_size < 1:
        raise ValueError(f"page_size must be at least 1, got {page_size}")
    last_id = 0
    while True:
        rows = connection.execute(
            "SELECT id, customer, total_cents FROM orders"
            " WHERE id > ? ORDER BY id LIMIT ?",
            (last_id, page_size),
        ).fetchall()
        for order_id, customer, cents in rows:
            yield Order(order_id, customer, Decimal(cents).scaleb(-2))
        if len(rows) < page_size:
            return
        last_id = rows[-1][0]


# --8<-- [end:sqlite]


if __name__ == "__main__":
    # fmt: off
    # --8<-- [start:demo-ledger]
    ledger = Ledger(ENTRIES)
    print([entry.booked for entry in ledger])  # iter() once, next() until StopIteration
    #> ['2024-03-01', '2024-03-04', '2024-03-28', '2024-04-02', '2024-04-15']
    entries = iter(ledger)  # a fresh iterator: its own position
    print(next(entries).description, "/", next(entries).description)
    #> invoice 1041 paid / office rent
    print(len(list(entries)), "left in this iterator;", len(ledger), "in the ledger")
    #> 3 left in this iterator; 5 in the ledger
    # --8<-- [end:demo-ledger]

    # --8<-- [start:demo-both]
    for kind in [Ledger, ClassicLedger]:
        journal = kind(ENTRIES)
        fresh, used_up = iter(journal), iter(journal)
        list(used_up)
        journal.book(Entry("2024-05-01", "refund", Decimal("-20.00")))
        try:
            next(fresh)
        except RuntimeError as exc:
            print(f"{kind.__name__}: {exc}; used up: {next(used_up, None)}")
            #> Ledger: the ledger changed during iteration; used up: None
            #> ClassicLedger: the ledger changed during iteration; used up: None
    # --8<-- [end:demo-both]

    # --8<-- [start:demo-itertools]
    print([str(balance) for _, balance in running_balance(ledger)])
    #> ['1200.00', '350.00', '780.50', '730.60', '1710.60']
    print(dict(monthly_totals(ledger)))
    #> {'2024-03': Decimal('780.50'), '2024-04': Decimal('930.10')}
    # --8<-- [end:demo-itertools]

    # --8<-- [start:demo-api]
    api = OrdersApi(ORDERS)
    orders = paginate(functools.partial(api.list_orders, limit=10))
    print([order.id for order in itertools.islice(orders, 3)], api.requests)
    #> [1, 2, 3] 1
    big = next(order for order in orders if order.total > 450)
    print(big, api.requests)
    #> Order(id=13, customer='Bistro Lyon', total=Decimal('481.90')) 2
    print(sum(1 for _ in orders), "orders after it,", api.requests, "requests in all")
    #> 12 orders after it, 3 requests in all
    # --8<-- [end:demo-api]

    # --8<-- [start:demo-sqlite]
    connection = create_orders_db(ORDERS)
    statements: list[str] = []
    connection.set_trace_callback(statements.append)
    revenue = sum(order.total for order in iter_orders(connection, page_size=10))
    print(revenue)
    #> 6047.50
    print(len(statements), "queries for", len(ORDERS), "orders")
    #> 3 queries for 25 orders
    # --8<-- [end:demo-sqlite]
    # fmt: on
