"""Event sourcing: an order's history in an append-only SQLite event store.

Run it with `python -m snippets.architecture.event_sourcing`.
"""

# --8<-- [start:imports]
import functools
import itertools
import json
import sqlite3
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import asdict, dataclass, replace
from typing import Literal, NamedTuple, assert_never

# --8<-- [end:imports]


# --8<-- [start:events]
@dataclass(frozen=True)
class OrderPlaced:
    customer_id: str  # an id, never an email: the log is kept forever


@dataclass(frozen=True)
class ItemAdded:
    sku: str
    quantity: int
    unit_price_cents: int


@dataclass(frozen=True)
class PaymentCaptured:
    amount_cents: int


@dataclass(frozen=True)
class OrderShipped:
    carrier: str


@dataclass(frozen=True)
class OrderCancelled:
    reason: str


Event = OrderPlaced | ItemAdded | PaymentCaptured | OrderShipped | OrderCancelled
EVENT_TYPES: dict[str, type[Event]] = {
    cls.__name__: cls
    for cls in (OrderPlaced, ItemAdded, PaymentCaptured, OrderShipped, OrderCancelled)
}
# --8<-- [end:events]


# --8<-- [start:state]
Status = Literal["new", "placed", "paid", "shipped", "cancelled"]


@dataclass(frozen=True)
class Order:
    """The current state of an order: nothing but a fold of its events."""

    order_id: str
    status: Status = "new"
    customer_id: str = ""
    items: tuple[tuple[str, int], ...] = ()  # (sku, quantity)
    total_cents: int = 0
    paid_cents: int = 0


def apply(order: Order, event: Event) -> Order:
    """One step of the fold: the state after `event`. No checks, no side effects."""
    match event:
        case OrderPlaced(customer_id=customer_id):
            return replace(order, status="placed", customer_id=customer_id)
        case ItemAdded(sku=sku, quantity=quantity, unit_price_cents=price):
            return replace(
                order,
                items=(*order.items, (sku, quantity)),
                total_cents=order.total_cents + quantity * price,
            )
        case PaymentCaptured(amount_cents=amount):
            paid = order.paid_cents + amount
            status = "paid" if paid >= order.total_cents else order.status
            return replace(order, paid_cents=paid, status=status)
        case OrderShipped():
            return replace(order, status="shipped")
        case OrderCancelled():
            return replace(order, status="cancelled")
    assert_never(event)


def fold(events: Iterable[Event], initial: Order) -> Order:
    """Rebuild a state by applying every event, oldest first."""
    return functools.reduce(apply, events, initial)


# --8<-- [end:state]


# --8<-- [start:codec]
def encode(event: Event) -> str:
    return json.dumps(asdict(event))


def decode(type_name: str, data: str) -> Event:
    """Turn a stored row back into its event class."""
    return EVENT_TYPES[type_name](**json.loads(data))


# --8<-- [end:codec]


# --8<-- [start:store]
SCHEMA = """
CREATE TABLE IF NOT EXISTS events (
    position  INTEGER PRIMARY KEY,     -- global order, read by projections
    stream_id TEXT NOT NULL,
    version   INTEGER NOT NULL CHECK (version >= 1),
    type      TEXT NOT NULL,
    data      TEXT NOT NULL,           -- the event's fields as JSON
    UNIQUE (stream_id, version)        -- one event per version: the lock
);
CREATE TRIGGER IF NOT EXISTS events_no_gap BEFORE INSERT ON events
WHEN NEW.version > 1 + (SELECT coalesce(max(version), 0) FROM events
                        WHERE stream_id = NEW.stream_id)
BEGIN SELECT RAISE(ABORT, 'events: a version was skipped'); END;
CREATE TRIGGER IF NOT EXISTS events_no_update BEFORE UPDATE ON events
BEGIN SELECT RAISE(ABORT, 'events are append-only: UPDATE refused'); END;
CREATE TRIGGER IF NOT EXISTS events_no_delete BEFORE DELETE ON events
BEGIN SELECT RAISE(ABORT, 'events are append-only: DELETE refused'); END;
"""


class ConcurrencyError(Exception):
    """Another writer appended to the stream after the caller read it."""


def connect(path: str = ":memory:") -> sqlite3.Connection:
    """Open the database; `isolation_level=None` leaves transactions to us."""
    db = sqlite3.connect(path, isolation_level=None)
    db.executescript(SCHEMA)
    return db


@contextmanager
def transaction(db: sqlite3.Connection) -> Iterator[sqlite3.Connection]:
    """BEGIN IMMEDIATE takes the write lock at once: a second writer waits here."""
    db.execute("BEGIN IMMEDIATE")
    try:
        yield db
    except BaseException:
        db.execute("ROLLBACK")
        raise
    db.execute("COMMIT")


class EventStore:
    """Streams of events, one per order, that can only grow."""

    def __init__(self, db: sqlite3.Connection) -> None:
        self.db = db

    def version(self, stream_id: str) -> int:
        (version,) = self.db.execute(
            "SELECT coalesce(max(version), 0) FROM events WHERE stream_id = ?",
            (stream_id,),
        ).fetchone()
        return int(version)

    def append(
        self, stream_id: str, events: Sequence[Event], expected_version: int
    ) -> int:
        """Append after `expected_version`, all or nothing; return the new version."""
        rows = [
            (stream_id, version, type(event).__name__, encode(event))
            for version, event in enumerate(events, start=expected_version + 1)
        ]
        try:
            with transaction(self.db):
                self.db.executemany(
                    "INSERT INTO events (stream_id, version, type, data)"
                    " VALUES (?, ?, ?, ?)",
                    rows,
                )
        except sqlite3.IntegrityError as exc:
            actual = self.version(stream_id)
            if actual == expected_version:
                raise  # not a conflict: some other constraint failed
            raise ConcurrencyError(
                f"{stream_id}: expected version {expected_version},"
                f" but it is at version {actual}"
            ) from exc
        return expected_version + len(events)

    def read(self, stream_id: str, after_version: int = 0) -> list[Event]:
        rows = self.db.execute(
            "SELECT type, data FROM events"
            " WHERE stream_id = ? AND version > ? ORDER BY version",
            (stream_id, after_version),
        )
        return [decode(*row) for row in rows]

    def read_all(self, after_position: int) -> Iterator[tuple[int, str, Event]]:
        """Every stream's events in the order they were stored, for projections."""
        rows = self.db.execute(
            "SELECT position, stream_id, type, data FROM events"
            " WHERE position > ? ORDER BY position",
            (after_position,),
        )
        for position, stream_id, type_name, data in rows:
            yield position, stream_id, decode(type_name, data)


# --8<-- [end:store]


# --8<-- [start:snapshots]
class Loaded(NamedTuple):
    order: Order
    version: int
    events_read: int


class OrderRepository:
    """Loads an order from its latest snapshot plus the events after it."""

    def __init__(self, store: EventStore, snapshot_every: int = 100) -> None:
        if snapshot_every < 1:
            raise ValueError(f"snapshot_every must be at least 1, got {snapshot_every}")
        self.store = store
        self.snapshot_every = snapshot_every
        store.db.execute(
            "CREATE TABLE IF NOT EXISTS snapshots (stream_id TEXT PRIMARY KEY,"
            " version INTEGER NOT NULL, state TEXT NOT NULL)"
        )

    def load(self, order_id: str) -> Loaded:
        order, version = Order(order_id), 0
        row = self.store.db.execute(
            "SELECT version, state FROM snapshots WHERE stream_id = ?", (order_id,)
        ).fetchone()
        if row is not None:
            version, state = row
            order = order_from_json(state)
        events = self.store.read(order_id, after_version=version)
        return Loaded(fold(events, order), version + len(events), len(events))

    def save(self, loaded: Loaded, events: Sequence[Event]) -> Loaded:
        order_id = loaded.order.order_id
        version = self.store.append(order_id, events, loaded.version)
        order = fold(events, loaded.order)
        if version // self.snapshot_every > loaded.version // self.snapshot_every:
            self.store.db.execute(  # a cache of the fold: losing it loses nothing
                "INSERT INTO snapshots VALUES (?, ?, ?) ON CONFLICT (stream_id)"
                " DO UPDATE SET version = excluded.version, state = excluded.state"
                " WHERE excluded.version > snapshots.version",
                (order_id, version, json.dumps(asdict(order))),
            )
        return Loaded(order, version, 0)


def order_from_json(state: str) -> Order:
    data = json.loads(state)
    items = tuple((sku, quantity) for sku, quantity in data.pop("items"))
    return Order(**data, items=items)


# --8<-- [end:snapshots]


# --8<-- [start:decide]
def ship(order: Order, carrier: str) -> list[Event]:
    """Decide: a paid order may ship. Returns the events to append."""
    if order.status != "paid":
        raise ValueError(f"{order.order_id} is {order.status}; only a paid order ships")
    return [OrderShipped(carrier)]


def cancel(order: Order, reason: str) -> list[Event]:
    """Decide: an order may be cancelled until it ships."""
    if order.status in ("shipped", "cancelled"):
        raise ValueError(f"{order.order_id} is {order.status}; it cannot be cancelled")
    return [OrderCancelled(reason)]


def handle(
    orders: OrderRepository,
    order_id: str,
    decide: Callable[[Order], list[Event]],
    attempts: int = 3,
) -> Loaded:
    """Load, decide, append; after a conflict, load again and decide again."""
    if attempts < 1:
        raise ValueError(f"attempts must be at least 1, got {attempts}")
    for _ in range(attempts - 1):
        loaded = orders.load(order_id)
        try:
            return orders.save(loaded, decide(loaded.order))
        except ConcurrencyError:
            pass  # another writer came first: decide again on the new state
    loaded = orders.load(order_id)
    return orders.save(loaded, decide(loaded.order))  # the last conflict propagates


# --8<-- [end:decide]


# --8<-- [start:projection]
class OpenOrders:
    """A read model: one row per order that has been placed and not yet closed."""

    def __init__(self, store: EventStore) -> None:
        self.store = store
        store.db.executescript("""
            CREATE TABLE IF NOT EXISTS open_orders (
                order_id TEXT PRIMARY KEY, customer_id TEXT NOT NULL,
                status TEXT NOT NULL, total_cents INTEGER NOT NULL);
            CREATE TABLE IF NOT EXISTS checkpoints (
                name TEXT PRIMARY KEY, position INTEGER NOT NULL);
            INSERT OR IGNORE INTO checkpoints VALUES ('open_orders', 0);
        """)

    def catch_up(self) -> int:
        """Project the events stored since the checkpoint; return how many."""
        with transaction(self.store.db):  # the rows and the checkpoint move together
            return self._project_new_events()

    def rebuild(self) -> int:
        """Throw the read model away and project every event again."""
        with transaction(self.store.db) as db:  # readers never see it half built
            db.execute("DELETE FROM open_orders")
            db.execute("UPDATE checkpoints SET position = 0 WHERE name = 'open_orders'")
            return self._project_new_events()

    def _project_new_events(self) -> int:
        db = self.store.db
        (done,) = db.execute(
            "SELECT position FROM checkpoints WHERE name = 'open_orders'"
        ).fetchone()
        projected = 0
        for position, order_id, event in self.store.read_all(after_position=done):
            self.project(order_id, event)
            done, projected = position, projected + 1
        db.execute(
            "UPDATE checkpoints SET position = ? WHERE name = 'open_orders'", (done,)
        )
        return projected

    def project(self, order_id: str, event: Event) -> None:
        db = self.store.db
        match event:
            case OrderPlaced(customer_id=customer_id):
                db.execute(
                    "INSERT INTO open_orders VALUES (?, ?, 'placed', 0)",
                    (order_id, customer_id),
                )
            case ItemAdded(quantity=quantity, unit_price_cents=price):
                db.execute(
                    "UPDATE open_orders SET total_cents = total_cents + ?"
                    " WHERE order_id = ?",
                    (quantity * price, order_id),
                )
            case PaymentCaptured():
                db.execute(
                    "UPDATE open_orders SET status = 'paid' WHERE order_id = ?",
                    (order_id,),
                )
            case OrderShipped() | OrderCancelled():
                db.execute("DELETE FROM open_orders WHERE order_id = ?", (order_id,))
            case _:
                assert_never(event)

    def rows(self) -> list[tuple[str, str, str, int]]:
        return self.store.db.execute(
            "SELECT * FROM open_orders ORDER BY order_id"
        ).fetchall()


# --8<-- [end:projection]


if __name__ == "__main__":
    # fmt: off
    # --8<-- [start:demo-fold]
    history: list[Event] = [
        OrderPlaced("cust-0042"),
        ItemAdded("KB-101", 1, 8900),
        ItemAdded("USB-C", 2, 1250),
        PaymentCaptured(11400),
    ]
    order = fold(history, Order("order-1001"))
    print(order.status, order.total_cents, order.items)
    #> paid 11400 (('KB-101', 1), ('USB-C', 2))
    states = itertools.accumulate(history, apply, initial=Order("order-1001"))
    print([state.status for state in states])  # the order at every version
    #> ['new', 'placed', 'placed', 'placed', 'paid']
    # --8<-- [end:demo-fold]

    # --8<-- [start:demo-append]
    store = EventStore(connect())  # ":memory:"; a file path in production
    print(store.append("order-1001", history, expected_version=0))
    #> 4
    print(store.append("order-1001", [OrderShipped("DHL")], expected_version=4))
    #> 5
    try:  # a second clerk, who read the order at version 4, cancels it
        store.append("order-1001", [OrderCancelled("late")], expected_version=4)
    except ConcurrencyError as exc:
        print(exc)
        #> order-1001: expected version 4, but it is at version 5
        print(exc.__cause__)
        #> UNIQUE constraint failed: events.stream_id, events.version
    print(fold(store.read("order-1001"), Order("order-1001")).status)
    #> shipped
    # --8<-- [end:demo-append]

    # --8<-- [start:demo-append-only]
    try:
        store.db.execute("UPDATE events SET data = '{}' WHERE stream_id = 'order-1001'")
    except sqlite3.IntegrityError as exc:
        print(exc)
        #> events are append-only: UPDATE refused
    # --8<-- [end:demo-append-only]

    # --8<-- [start:demo-snapshots]
    orders = OrderRepository(store, snapshot_every=10)
    loaded = orders.save(orders.load("order-1002"), [OrderPlaced("cust-0107")])
    for n in range(1, 13):
        loaded = orders.save(loaded, [ItemAdded(f"CABLE-{n:02}", 1, 500)])
    print(loaded.version, loaded.order.total_cents)
    #> 13 6000
    print("events read:", orders.load("order-1002").events_read, "of", loaded.version)
    #> events read: 3 of 13
    full = fold(store.read("order-1002"), Order("order-1002"))
    print(orders.load("order-1002").order == full)
    #> True
    # --8<-- [end:demo-snapshots]

    # --8<-- [start:demo-handle]
    try:
        handle(orders, "order-1001", functools.partial(cancel, reason="late"))
    except ValueError as exc:
        print(exc)
        #> order-1001 is shipped; it cannot be cancelled
    # --8<-- [end:demo-handle]

    # --8<-- [start:demo-projection]
    orders.save(
        orders.load("order-1003"),
        [OrderPlaced("cust-0311"), ItemAdded("MS-202", 1, 3400),
         PaymentCaptured(3400)],
    )
    open_orders = OpenOrders(store)
    print(open_orders.catch_up())
    #> 21
    for row in open_orders.rows():
        print(row)
        #> ('order-1002', 'cust-0107', 'placed', 6000)
        #> ('order-1003', 'cust-0311', 'paid', 3400)
    handle(orders, "order-1003", functools.partial(ship, carrier="UPS"))
    print(open_orders.catch_up(), open_orders.rows())
    #> 1 [('order-1002', 'cust-0107', 'placed', 6000)]
    before = open_orders.rows()
    print(open_orders.rebuild(), open_orders.rows() == before)
    #> 22 True
    # --8<-- [end:demo-projection]

    # fmt: on
    store.db.close()
