"""Claims of the cache-aside page that its blocks state but cannot show deterministically.

The page releases eight threads at once and prints one database read. Here the database
holds every read behind a gate until all eight callers have looked for a load in flight, so
seven of them really wait for the first: with `SingleFlight` the eight misses make one read;
a catalog that loads without it makes eight.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from snippets.cloud.cache_aside import (
    CachedCatalog,
    FakeClock,
    Product,
    ProductStore,
    SingleFlight,
    TTLCache,
    UnknownProductError,
)

KEYBOARD = Product("KB-101", "Mechanical keyboard", 8900)
READERS = 8


class GatedStore(ProductStore):
    """SQLite behind a gate: every read waits until the test opens it."""

    def __init__(self, path: Path) -> None:
        super().__init__(path)
        self.gate = threading.Event()
        self.waiting = 0  # reads held at the gate
        self._count = threading.Lock()

    def get(self, sku: str) -> Product | None:
        with self._count:
            self.waiting += 1
        assert self.gate.wait(timeout=10), "the test never opened the gate"
        return super().get(sku)


class EveryCallerLoads(SingleFlight[Product]):
    """No coalescing: what a catalog without `SingleFlight` does."""

    def run(self, key: str, load: Callable[[], Product]) -> Product:
        return load()


class CountedFlights(dict[str, object]):
    """`SingleFlight`'s table of loads in flight, counting the lookups made under its lock."""

    lookups = 0

    def get(self, key: str, default: object = None) -> object:
        self.lookups += 1
        return super().get(key, default)


def count_lookups(catalog: CachedCatalog) -> CountedFlights:
    flights = CountedFlights()
    catalog._loads._flights = flights  # type: ignore[assignment]
    return flights


def until(condition: Callable[[], bool]) -> None:
    deadline = time.monotonic() + 10  # reached only when the claim is false
    while not condition():
        assert time.monotonic() < deadline, "the threads never got there"
        time.sleep(0.001)


def read_together(catalog: CachedCatalog, sku: str) -> tuple[list[threading.Thread], list[object]]:
    """Start READERS threads at once on `catalog.get(sku)`: the threads and their results."""
    together = threading.Barrier(READERS)
    results: list[object] = []
    lock = threading.Lock()

    def read() -> None:
        together.wait(timeout=10)
        try:
            result: object = catalog.get(sku)
        except UnknownProductError as exc:
            result = exc
        with lock:
            results.append(result)

    threads = [threading.Thread(target=read) for _ in range(READERS)]
    for thread in threads:
        thread.start()
    return threads, results


def join(threads: list[threading.Thread]) -> None:
    for thread in threads:
        thread.join(timeout=10)
        assert not thread.is_alive()


@pytest.fixture
def store(tmp_path: Path) -> GatedStore:
    store = GatedStore(tmp_path / "catalog.db")
    store.gate.set()
    store.save(KEYBOARD)
    store.gate.clear()
    return store


def test_eight_overlapping_misses_make_one_database_read(store: GatedStore) -> None:
    catalog = CachedCatalog(store, TTLCache(clock=FakeClock()), ttl=300)
    flights = count_lookups(catalog)
    threads, results = read_together(catalog, "KB-101")
    until(lambda: flights.lookups == READERS)  # the first read is held, seven wait for it
    store.gate.set()
    join(threads)
    assert store.reads == 1
    assert results == [KEYBOARD] * READERS
    assert catalog.stats.hits == 0


def test_without_single_flight_every_miss_reads_the_database(store: GatedStore) -> None:
    catalog = CachedCatalog(store, TTLCache(clock=FakeClock()), ttl=300)
    catalog._loads = EveryCallerLoads()
    threads, _ = read_together(catalog, "KB-101")
    until(lambda: store.waiting == READERS)  # eight reads at the gate at once
    store.gate.set()
    join(threads)
    assert store.reads == READERS


def test_a_failed_load_reaches_every_caller_and_the_next_call_loads_again(
    store: GatedStore,
) -> None:
    catalog = CachedCatalog(store, TTLCache(clock=FakeClock()), ttl=300)
    flights = count_lookups(catalog)
    threads, results = read_together(catalog, "XX-000")
    until(lambda: flights.lookups == READERS)  # the failing read is held, seven wait
    store.gate.set()
    join(threads)
    assert store.reads == 1
    assert [str(result) for result in results] == ["no product with SKU 'XX-000'"] * READERS
    with pytest.raises(UnknownProductError):
        catalog.get("XX-000")  # nothing was cached, and no load is left in flight
    assert store.reads == 2


def test_a_version_keeps_old_entries_apart_and_bad_settings_are_refused(
    store: GatedStore,
) -> None:
    store.gate.set()
    cache = TTLCache(clock=FakeClock())
    assert CachedCatalog(store, cache, ttl=300).key("KB-101") == "product:v1:KB-101"
    CachedCatalog(store, cache, ttl=300, version=1).get("KB-101")
    CachedCatalog(store, cache, ttl=300, version=2).get("KB-101")
    assert store.reads == 2  # version 2 never read version 1's entry
    with pytest.raises(ValueError, match="ttl must be a positive, finite number of seconds"):
        CachedCatalog(store, cache, ttl=0)
