"""Claims of the event sourcing page that its blocks cannot print.

Concurrency is checked with real threads and two real connections to one SQLite file; the
snapshot property with hypothesis over random histories; the projection's all-or-nothing
catch-up with a projection that fails half-way. Every connection is closed, so the file also
passes under `python -X dev -W error::ResourceWarning`.
"""

from __future__ import annotations

import functools
import os
import sqlite3
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from snippets.architecture.event_sourcing import (
    ConcurrencyError,
    Event,
    EventStore,
    ItemAdded,
    OpenOrders,
    Order,
    OrderCancelled,
    OrderPlaced,
    OrderRepository,
    OrderShipped,
    PaymentCaptured,
    cancel,
    connect,
    decode,
    fold,
    handle,
)

ROOT = Path(__file__).resolve().parent.parent
ROUNDS = 20


@pytest.fixture
def store() -> Iterator[EventStore]:
    """An in-memory event store, closed after the test."""
    store = EventStore(connect())
    yield store
    store.db.close()


def test_exactly_one_of_two_concurrent_appends_at_the_same_version_wins(
    tmp_path: Path,
) -> None:
    """Two threads, two connections, one file, released together by a barrier.

    The loser's `BEGIN IMMEDIATE` waits for the winner's write lock through SQLite's busy
    handler, bounded by the connection's 5 s `timeout` (it is held for milliseconds), then
    its insert breaks the unique key.
    """
    path = str(tmp_path / "events.db")
    connect(path).close()  # create the schema once
    outcomes: list[str] = []
    lock = threading.Lock()

    def writer(barrier: threading.Barrier, stream_id: str, clerk: str) -> None:
        store = EventStore(connect(path))  # a connection of its own
        store.db.execute("PRAGMA synchronous = OFF")  # no fsync: locking is unchanged
        try:
            barrier.wait(timeout=5)
            store.append(stream_id, [OrderPlaced(clerk)], expected_version=0)
            outcome = "appended"
        except ConcurrencyError:
            outcome = "conflict"
        finally:
            store.db.close()
        with lock:
            outcomes.append(outcome)

    for round_ in range(ROUNDS):
        barrier = threading.Barrier(2)
        stream_id = f"order-{round_}"
        threads = [
            threading.Thread(target=writer, args=(barrier, stream_id, clerk))
            for clerk in ("cust-0001", "cust-0002")
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=10)
        assert not any(thread.is_alive() for thread in threads)

    assert outcomes.count("appended") == ROUNDS, outcomes
    assert outcomes.count("conflict") == ROUNDS, outcomes
    store = EventStore(connect(path))
    try:
        for round_ in range(ROUNDS):
            assert len(store.read(f"order-{round_}")) == 1
    finally:
        store.db.close()


def test_an_expected_version_ahead_of_the_stream_is_refused(store: EventStore) -> None:
    store.append("order-1", [OrderPlaced("cust-0001")], expected_version=0)
    with pytest.raises(ConcurrencyError, match="expected version 3, but it is at version 1"):
        store.append("order-1", [OrderCancelled("late")], expected_version=3)
    assert store.version("order-1") == 1


def test_a_batch_is_appended_all_or_nothing_and_other_errors_pass_through(
    store: EventStore,
) -> None:
    store.db.execute(  # a constraint that has nothing to do with versions
        "CREATE TRIGGER no_fraud BEFORE INSERT ON events WHEN NEW.data LIKE '%fraud%'"
        " BEGIN SELECT RAISE(ABORT, 'fraud check failed'); END"
    )
    batch: list[Event] = [OrderPlaced("cust-0001"), OrderCancelled("fraud")]
    with pytest.raises(sqlite3.IntegrityError, match="fraud check failed"):
        store.append("order-1", batch, expected_version=0)
    assert store.version("order-1") == 0  # the first event was rolled back too


def test_delete_is_refused_but_a_dropped_trigger_protects_nothing(
    store: EventStore,
) -> None:
    store.append("order-1", [OrderPlaced("cust-0001")], expected_version=0)
    with pytest.raises(sqlite3.IntegrityError, match="append-only: DELETE refused"):
        store.db.execute("DELETE FROM events")
    store.db.execute("DROP TRIGGER events_no_update")
    store.db.execute('UPDATE events SET data = \'{"customer_id": "cust-6666"}\'')
    assert store.read("order-1") == [OrderPlaced("cust-6666")]


def test_a_renamed_field_breaks_decoding_old_rows() -> None:
    with pytest.raises(TypeError, match="unexpected keyword argument 'price_cents'"):
        decode("ItemAdded", '{"sku": "KB-101", "quantity": 1, "price_cents": 8900}')


events_strategy = st.lists(
    st.one_of(
        st.builds(OrderPlaced, st.sampled_from(["cust-0001", "cust-0002"])),
        st.builds(
            ItemAdded,
            st.sampled_from(["KB-101", "USB-C"]),
            st.integers(1, 3),
            st.integers(0, 9_999),
        ),
        st.builds(PaymentCaptured, st.integers(0, 20_000)),
        st.builds(OrderShipped, st.just("DHL")),
        st.builds(OrderCancelled, st.just("late")),
    ),
    max_size=25,
)


@settings(max_examples=25, deadline=None)
@given(
    history=events_strategy,
    snapshot_every=st.integers(1, 6),
    batch=st.integers(1, 4),
)
def test_loading_from_a_snapshot_equals_folding_every_event(
    history: list[Event], snapshot_every: int, batch: int
) -> None:
    store = EventStore(connect())
    orders = OrderRepository(store, snapshot_every=snapshot_every)
    loaded = orders.load("order-1")
    for start in range(0, len(history), batch):
        loaded = orders.save(loaded, history[start : start + batch])
    reloaded = orders.load("order-1")
    assert reloaded.order == fold(history, Order("order-1")) == loaded.order
    assert reloaded.version == len(history)
    assert reloaded.events_read < snapshot_every + batch  # the snapshot was used
    store.db.close()


def test_handle_decides_again_on_fresh_state_after_a_conflict(store: EventStore) -> None:
    orders = OrderRepository(store)
    store.append(
        "order-1",
        [OrderPlaced("cust-0001"), ItemAdded("KB-101", 1, 8900), PaymentCaptured(8900)],
        expected_version=0,
    )
    seen: list[str] = []

    def cancel_while_the_warehouse_ships(order: Order) -> list[Event]:
        seen.append(order.status)
        if len(seen) == 1:  # another writer appends between our load and our save
            store.append("order-1", [OrderShipped("DHL")], expected_version=3)
        return cancel(order, "late")

    with pytest.raises(ValueError, match="order-1 is shipped; it cannot be cancelled"):
        handle(orders, "order-1", cancel_while_the_warehouse_ships)
    assert seen == ["paid", "shipped"]
    assert fold(store.read("order-1"), Order("order-1")).status == "shipped"


def test_a_projection_that_fails_half_way_changes_nothing(store: EventStore) -> None:
    orders = OrderRepository(store)
    for n in (1, 2):
        handle(orders, f"order-{n}", lambda order: [OrderPlaced("cust-0001")])
    handle(orders, "order-2", functools.partial(cancel, reason="late"))

    class Failing(OpenOrders):
        def project(self, order_id: str, event: Event) -> None:
            if isinstance(event, OrderCancelled):
                raise RuntimeError("projection bug")
            super().project(order_id, event)

    with pytest.raises(RuntimeError, match="projection bug"):
        Failing(store).catch_up()
    projection = OpenOrders(store)
    assert projection.rows() == []  # no row of the failed run was kept
    assert projection.catch_up() == 3  # and the checkpoint did not move
    assert [row[0] for row in projection.rows()] == ["order-1"]


def test_bad_arguments_are_refused_up_front(store: EventStore) -> None:
    with pytest.raises(ValueError, match="snapshot_every must be at least 1, got 0"):
        OrderRepository(store, snapshot_every=0)
    orders = OrderRepository(store)
    with pytest.raises(ValueError, match="attempts must be at least 1, got 0"):
        handle(orders, "order-1", lambda order: [OrderPlaced("cust-0001")], attempts=0)
    assert store.version("order-1") == 0  # nothing was decided or appended


def test_two_projectors_catching_up_at_once_wait_for_each_other(tmp_path: Path) -> None:
    """The first projector stops inside its transaction, after reading its checkpoint.

    With `BEGIN IMMEDIATE` the second waits for the write lock and then finds nothing new.
    With a plain `BEGIN` it would read too, and one of the two upgrades to a write lock
    while the other holds a read lock: SQLite answers `database is locked` at once.
    """
    path = str(tmp_path / "events.db")
    setup = EventStore(connect(path))
    orders = OrderRepository(setup)
    for n in range(1, 4):
        handle(orders, f"order-{n}", lambda order: [OrderPlaced("cust-0001")])
    OpenOrders(setup)  # create the read model's tables before the threads start
    setup.db.close()
    first_inside, release, second_inside = (threading.Event() for _ in range(3))
    projected: dict[str, int] = {}
    errors: list[BaseException] = []

    class Pausing(OpenOrders):
        def project(self, order_id: str, event: Event) -> None:
            first_inside.set()
            assert release.wait(timeout=5)
            super().project(order_id, event)

    class Signalling(OpenOrders):
        def project(self, order_id: str, event: Event) -> None:
            second_inside.set()
            super().project(order_id, event)

    def run(name: str, projector: type[OpenOrders]) -> None:
        db = connect(path)
        try:
            projected[name] = projector(EventStore(db)).catch_up()
        except BaseException as exc:  # collected, asserted by the main thread
            errors.append(exc)
        finally:
            db.close()

    first = threading.Thread(target=run, args=("first", Pausing))
    second = threading.Thread(target=run, args=("second", Signalling))
    first.start()
    assert first_inside.wait(timeout=5)
    second.start()
    second_inside.wait(timeout=0.05)  # set only if the second got in: plain BEGIN
    release.set()
    for thread in (first, second):
        thread.join(timeout=10)
    assert not first.is_alive() and not second.is_alive()

    assert errors == []
    assert projected == {"first": 3, "second": 0}
    check = EventStore(connect(path))
    try:
        assert [row[0] for row in OpenOrders(check).rows()] == [
            "order-1",
            "order-2",
            "order-3",
        ]
    finally:
        check.db.close()


@functools.cache
def demo_output(python: str) -> str:
    return subprocess.run(
        [python, "-m", "snippets.architecture.event_sourcing"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    ).stdout


@pytest.mark.parametrize("minor", [12, 13])
def test_the_demo_prints_the_same_on_other_python_versions(minor: int) -> None:
    pyenv = Path(os.environ.get("PYENV_ROOT", Path.home() / ".pyenv")) / "versions"
    found = sorted(pyenv.glob(f"3.{minor}.*/bin/python3.{minor}"))
    if not found:
        pytest.skip(f"Python 3.{minor} not found under pyenv: unchecked")
    assert demo_output(str(found[-1])) == demo_output(sys.executable)
