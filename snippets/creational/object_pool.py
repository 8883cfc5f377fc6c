"""Object pool: a bounded pool of SQLite connections shared by worker threads.

Run it with `python -m snippets.creational.object_pool`.
"""

# --8<-- [start:imports]
import queue
import sqlite3
import tempfile
import threading
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path
from sqlite3 import Connection
from types import TracebackType
from typing import Self

# --8<-- [end:imports]


# --8<-- [start:errors]
class PoolExhaustedError(TimeoutError):
    """Every resource was on loan and none came back within the timeout."""


class PoolClosedError(RuntimeError):
    """The pool was closed and lends nothing any more."""


@dataclass(frozen=True)
class PoolStats:
    """A snapshot of a pool, for logs, metrics and tests."""

    size: int  # the most connections the pool will ever open
    created: int  # connections open right now, idle or on loan
    idle: int  # waiting in the pool
    in_use: int  # on loan right now
    peak_in_use: int  # the most ever on loan at the same time


# --8<-- [end:errors]


# --8<-- [start:pool]
class ConnectionPool:
    """A bounded pool of SQLite connections, lent out by `with pool.connection()`."""

    def __init__(
        self, connect: Callable[[], Connection], size: int, timeout: float = 5.0
    ) -> None:
        if size < 1:
            raise ValueError(f"a pool holds at least 1 connection, got size={size}")
        _check_timeout(timeout)
        self.size = size
        self.timeout = timeout
        self._connect = connect
        self._idle: list[Connection] = []  # the most recently returned one is last
        self._in_use: set[Connection] = set()
        self._created = 0
        self._peak = 0
        self._closed = False
        self._changed = threading.Condition()  # guards every attribute above

    def acquire(self, timeout: float | None = None) -> Connection:
        """Borrow a connection: an idle one, a new one while below `size`, or wait.

        Raises `PoolExhaustedError` when none is free within `timeout` seconds
        (the pool's default when `None`). Prefer `connection()`, which returns it.
        """
        wait = self.timeout if timeout is None else _check_timeout(timeout)
        with self._changed:
            if not self._changed.wait_for(self._can_lend, timeout=wait):
                raise PoolExhaustedError(
                    f"pool of {self.size} exhausted: "
                    f"no connection came back within {wait} s"
                )
            if self._closed:
                raise PoolClosedError("the pool is closed")
            if self._idle:
                return self._lend(self._idle.pop())
            self._created += 1  # reserve the slot, then connect outside the lock
        try:
            connection = self._connect()
        except BaseException:
            with self._changed:
                self._created -= 1
                self._changed.notify()
            raise
        with self._changed:
            return self._lend(connection)

    def release(self, connection: Connection) -> None:
        """Take a connection back, roll back what it has open, keep it if usable."""
        with self._changed:
            if connection not in self._in_use:
                raise ValueError(
                    "this connection is not on loan from this pool (returned twice?)"
                )
            self._in_use.remove(connection)
        reusable = _reset(connection)  # outside the lock: it may talk to the disk
        with self._changed:
            if reusable and not self._closed:
                self._idle.append(connection)
            else:
                self._created -= 1
                connection.close()
            self._changed.notify()

    @contextmanager
    def connection(self, timeout: float | None = None) -> Iterator[Connection]:
        """Lend a connection to a `with` block; take it back even if it raises."""
        borrowed = self.acquire(timeout)
        try:
            yield borrowed
        finally:
            self.release(borrowed)

    def stats(self) -> PoolStats:
        with self._changed:
            return PoolStats(
                self.size, self._created, len(self._idle), len(self._in_use), self._peak
            )

    def close(self) -> None:
        """Close the idle connections now, and the ones on loan when they return."""
        with self._changed:
            self._closed = True
            idle, self._idle = self._idle, []
            self._created -= len(idle)
            self._changed.notify_all()
        for connection in idle:
            connection.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()

    def _can_lend(self) -> bool:
        return self._closed or bool(self._idle) or self._created < self.size

    def _lend(self, connection: Connection) -> Connection:
        self._in_use.add(connection)
        self._peak = max(self._peak, len(self._in_use))
        return connection


def _check_timeout(timeout: float) -> float:
    if not timeout > 0:
        raise ValueError(f"a timeout is a positive number of seconds, got {timeout}")
    return timeout


def _reset(connection: Connection) -> bool:
    """Make a returned connection fit for the next borrower; False if it is broken."""
    try:
        if connection.in_transaction:
            connection.rollback()  # never hand someone else's half-done work on
        connection.row_factory = None  # undo a borrower's choice of row type
    except sqlite3.Error:  # for example closed by its borrower
        return False
    return True


# --8<-- [end:pool]


# --8<-- [start:database]
def connect_to(path: Path) -> Callable[[], Connection]:
    """A factory of connections to the SQLite file `path`, usable from any thread."""

    def connect() -> Connection:
        # check_same_thread=False: the pool lends a connection to one thread at a
        # time, but not always to the thread that opened it.
        return sqlite3.connect(path, timeout=10, check_same_thread=False)

    return connect


def create_schema(pool: ConnectionPool) -> None:
    with pool.connection() as connection:
        connection.execute("PRAGMA journal_mode=WAL")  # readers, writer do not block
        connection.execute(
            "CREATE TABLE IF NOT EXISTS orders ("
            " id TEXT PRIMARY KEY, total_cents INTEGER NOT NULL)"
        )


def store_order(pool: ConnectionPool, order_id: str, total_cents: int) -> None:
    """Insert one order and commit it (`with connection` commits, or rolls back)."""
    with pool.connection() as connection, connection:
        connection.execute("INSERT INTO orders VALUES (?, ?)", (order_id, total_cents))


def count_orders(pool: ConnectionPool) -> int:
    with pool.connection() as connection:
        (count,) = connection.execute("SELECT count(*) FROM orders").fetchone()
        return int(count)


# --8<-- [end:database]


# --8<-- [start:pythonic]
@contextmanager
def borrow(
    free: queue.Queue[Connection | None],
    connect: Callable[[], Connection],
    timeout: float,
) -> Iterator[Connection]:
    """Lend a connection from a queue of free slots (`None`: not opened yet).

    The slot goes back whatever the borrower did; a connection that cannot be
    reset goes back as `None`, so the next borrower opens a new one.
    """
    try:
        slot = free.get(timeout=timeout)
    except queue.Empty:
        message = f"no connection came back within {timeout} s"
        raise PoolExhaustedError(message) from None
    try:
        slot = connect() if slot is None else slot
        yield slot
    finally:
        if slot is not None and not _reset(slot):  # for example closed by its borrower
            slot.close()
            slot = None
        free.put(slot)


# --8<-- [end:pythonic]


if __name__ == "__main__":
    # fmt: off
    # --8<-- [start:demo-setup]
    workdir = tempfile.TemporaryDirectory(prefix="shop-")
    pool = ConnectionPool(connect_to(Path(workdir.name) / "shop.db"), size=3)
    create_schema(pool)
    store_order(pool, "A-001", total_cents=4999)
    print(count_orders(pool), pool.stats())
    #> 1 PoolStats(size=3, created=1, idle=1, in_use=0, peak_in_use=1)
    with pool.connection() as connection, connection:  # as in store_order
        began = connection.in_transaction  # False: `with connection` began nothing
        connection.execute("UPDATE orders SET total_cents = 5999 WHERE id = 'A-001'")
        print("in a transaction:", began, "then", connection.in_transaction)
        #> in a transaction: False then True
    # --8<-- [end:demo-setup]

    # --8<-- [start:demo-reset]
    with pool.connection() as connection:
        connection.execute("INSERT INTO orders VALUES ('B-001', 2500)")  # no commit
        print("open transaction:", connection.in_transaction)
        #> open transaction: True
        first = connection
    with pool.connection() as connection:
        print("same connection:", connection is first)
        #> same connection: True
        print("open transaction:", connection.in_transaction)
        #> open transaction: False
    try:
        with pool.connection() as connection:
            connection.execute("INSERT INTO orders VALUES ('B-002', 1500)")
            raise ValueError("payment declined for order B-002")
    except ValueError as exc:
        print(exc)
        #> payment declined for order B-002
    print(count_orders(pool), pool.stats())
    #> 1 PoolStats(size=3, created=1, idle=1, in_use=0, peak_in_use=1)
    # --8<-- [end:demo-reset]

    # --8<-- [start:demo-exhausted]
    with ExitStack() as stack:
        for _ in range(pool.size):  # three borrowers hold on to their connections
            stack.enter_context(pool.connection())
        print(pool.stats())
        #> PoolStats(size=3, created=3, idle=0, in_use=3, peak_in_use=3)
        try:
            with pool.connection(timeout=0.05):
                pass
        except PoolExhaustedError as exc:
            print(exc)
            #> pool of 3 exhausted: no connection came back within 0.05 s
    print(pool.stats())
    #> PoolStats(size=3, created=3, idle=3, in_use=0, peak_in_use=3)
    # --8<-- [end:demo-exhausted]

    # --8<-- [start:demo-threads]
    def place(number: int) -> int:
        """One task of a worker thread: store an order, report which connection did."""
        with pool.connection() as connection, connection:
            connection.execute(
                "INSERT INTO orders VALUES (?, ?)", (f"C-{number:03}", 1000 + number)
            )
            return id(connection)


    with ThreadPoolExecutor(max_workers=8) as workers:  # 8 threads, 3 connections
        used = set(workers.map(place, range(40)))  # results read by the main thread
    print("orders stored:", count_orders(pool))
    #> orders stored: 41
    print("connections used <= pool size:", len(used) <= pool.size)
    #> connections used <= pool size: True
    print(pool.stats())
    #> PoolStats(size=3, created=3, idle=3, in_use=0, peak_in_use=3)
    # --8<-- [end:demo-threads]

    # --8<-- [start:demo-errors]
    with pool.connection() as connection:
        pass
    try:
        pool.release(connection)
    except ValueError as exc:
        print(exc)
        #> this connection is not on loan from this pool (returned twice?)
    pool.close()
    try:
        pool.acquire()
    except PoolClosedError as exc:
        print(exc)
        #> the pool is closed
    workdir.cleanup()
    # --8<-- [end:demo-errors]

    # --8<-- [start:demo-pythonic]
    def in_memory() -> Connection:
        return sqlite3.connect(":memory:", check_same_thread=False)


    free: queue.LifoQueue[Connection | None] = queue.LifoQueue()
    for _ in range(2):
        free.put(None)  # two slots; a connection is opened on first use
    with borrow(free, in_memory, 0.05) as first, borrow(free, in_memory, 0.05):
        try:
            with borrow(free, in_memory, 0.05):
                pass
        except PoolExhaustedError as exc:
            print(exc)
            #> no connection came back within 0.05 s
    with borrow(free, in_memory, 0.05) as again:
        print("reused:", again is first, "free:", free.qsize())
        #> reused: True free: 1
    try:
        with borrow(free, in_memory, 0.05) as connection:
            connection.close()  # the borrower closes it, then fails
            raise ValueError("payment declined for order D-001")
    except ValueError as exc:
        print(exc, "| free:", free.qsize())
        #> payment declined for order D-001 | free: 2
    while not free.empty():
        if (slot := free.get()) is not None:
            slot.close()
    # --8<-- [end:demo-pythonic]
    # fmt: on
