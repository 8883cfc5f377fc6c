"""Claims of docs/creational/object-pool.md that no page block shows, on real SQLite files."""

import queue
import sqlite3
from collections.abc import Callable
from pathlib import Path
from sqlite3 import Connection

import pytest

from snippets.creational.object_pool import ConnectionPool, borrow, connect_to


def counting(connect: Callable[[], Connection]) -> tuple[Callable[[], Connection], list[int]]:
    """Wrap a factory so the test can see how many connections it opened."""
    opened = [0]

    def wrapped() -> Connection:
        opened[0] += 1
        return connect()

    return wrapped, opened


def test_pool_replaces_a_connection_its_borrower_closed(tmp_path: Path) -> None:
    connect, opened = counting(connect_to(tmp_path / "shop.db"))
    with ConnectionPool(connect, size=1, timeout=0.05) as pool:
        with (
            pytest.raises(ValueError, match="payment declined"),  # the borrower's error
            pool.connection() as connection,
        ):
            connection.close()
            raise ValueError("payment declined")
        assert pool.stats().created == 0  # the closed connection was dropped
        with pool.connection() as connection:
            assert connection.execute("SELECT 1").fetchone() == (1,)
        assert opened[0] == 2
        assert pool.stats().created == 1


def test_borrow_keeps_its_slots_when_a_borrower_closes_a_connection(tmp_path: Path) -> None:
    connect, opened = counting(connect_to(tmp_path / "shop.db"))
    free: queue.LifoQueue[Connection | None] = queue.LifoQueue()
    free.put(None)
    with borrow(free, connect, timeout=0.05) as first:
        pass
    with (
        pytest.raises(ValueError, match="payment declined"),  # not ProgrammingError
        borrow(free, connect, timeout=0.05) as connection,
    ):
        assert connection is first
        connection.close()
        raise ValueError("payment declined")
    assert free.qsize() == 1  # the pool kept its size
    with borrow(free, connect, timeout=0.05) as connection:
        assert connection is not first
        assert connection.execute("SELECT 1").fetchone() == (1,)
    assert opened[0] == 2
    last = free.get_nowait()
    assert last is not None
    last.close()


def test_borrow_keeps_the_slot_when_connecting_fails(tmp_path: Path) -> None:
    missing = tmp_path / "no-such-directory" / "shop.db"
    free: queue.LifoQueue[Connection | None] = queue.LifoQueue()
    free.put(None)
    with (
        pytest.raises(sqlite3.OperationalError),
        borrow(free, connect_to(missing), timeout=0.05),
    ):
        pass
    assert free.qsize() == 1


def test_with_connection_commits_but_begins_nothing(tmp_path: Path) -> None:
    """`with connection` commits on exit; the INSERT, not the `with`, began the transaction."""
    with ConnectionPool(connect_to(tmp_path / "shop.db"), size=1) as pool:
        with pool.connection() as connection:
            connection.execute("CREATE TABLE orders (id TEXT)")
        with pool.connection() as connection, connection:
            assert not connection.in_transaction
            connection.execute("INSERT INTO orders VALUES ('A-001')")
            assert connection.in_transaction
        with pool.connection() as connection:  # release rolled back nothing: committed
            assert connection.execute("SELECT id FROM orders").fetchall() == [("A-001",)]


@pytest.mark.parametrize("timeout", [0.0, -1.0, float("nan")])
def test_bad_sizes_and_timeouts_are_refused(tmp_path: Path, timeout: float) -> None:
    connect = connect_to(tmp_path / "shop.db")
    with pytest.raises(ValueError, match="a pool holds at least 1 connection, got size=0"):
        ConnectionPool(connect, size=0)
    with pytest.raises(ValueError, match="a timeout is a positive number of seconds"):
        ConnectionPool(connect, size=1, timeout=timeout)
    with ConnectionPool(connect, size=1) as pool:
        with pytest.raises(ValueError, match="a timeout is a positive number of seconds"):
            pool.acquire(timeout=timeout)
        assert pool.stats().created == 0
