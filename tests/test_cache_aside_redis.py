"""The cache-aside page's `RedisCache` against a real `redis-server`, same contract as `TTLCache`.

The page cannot count on a Redis server (a reader's machine may have none), so this file
starts one: `redis-server` on a free 127.0.0.1 port, without persistence, stopped by its pid
at the end. Every test runs twice, once on the in-process `TTLCache` with a fake clock and
once on `RedisCache`, where the test waits, event-driven, until Redis drops a key whose
TTL is 10 ms.

Without `redis-server` on the PATH the Redis half is skipped with the reason, except under
CI (the `CI` environment variable is set), where a missing server is a failure.

The page says the cache may be down without losing data: the last tests stop a real
`redis-server` by its process id in the middle of a run, point the cache at a port where
nothing listens and at a socket that never answers, and check that every read still comes
from SQLite, quickly, with each failure counted and logged.
"""

from __future__ import annotations

import logging
import os
import shutil
import socket
import subprocess
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest
import redis

from snippets.cloud.cache_aside import (
    Cache,
    CachedCatalog,
    CacheStats,
    FakeClock,
    Product,
    ProductStore,
    RedisCache,
    TTLCache,
)

KEYBOARD = Product("KB-101", "Clavier mécanique", 8900)


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def stop(process: subprocess.Popen[bytes]) -> None:
    process.terminate()  # SIGTERM to this pid only
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


@contextmanager
def redis_server(workdir: Path) -> Iterator[tuple[int, subprocess.Popen[bytes]]]:
    """A `redis-server` on a free 127.0.0.1 port: its port and its process."""
    server = shutil.which("redis-server")
    if server is None:
        reason = "redis-server is not installed (Debian: apt-get install redis-server)"
        if os.environ.get("CI"):
            pytest.fail(f"{reason}; CI must install it in .ci/run", pytrace=False)
        pytest.skip(reason)
    port = free_port()
    process = subprocess.Popen(
        [server, "--port", str(port), "--bind", "127.0.0.1", "--save", "",
         "--appendonly", "no", "--dir", str(workdir)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )  # fmt: skip
    try:
        with redis.Redis(host="127.0.0.1", port=port, socket_timeout=5) as client:
            deadline = time.monotonic() + 10
            while True:
                try:
                    client.ping()
                    break
                except redis.ConnectionError:
                    if process.poll() is not None:
                        pytest.fail(f"redis-server exited with {process.returncode}", pytrace=False)
                    if time.monotonic() > deadline:
                        pytest.fail("redis-server did not answer PING within 10 s", pytrace=False)
                    time.sleep(0.02)
        yield port, process
    finally:
        stop(process)


@pytest.fixture(scope="module")
def redis_client(tmp_path_factory: pytest.TempPathFactory) -> Iterator[redis.Redis]:
    """A client of a `redis-server` started for this module and stopped after it."""
    with (
        redis_server(tmp_path_factory.mktemp("redis")) as (port, _),
        redis.Redis(host="127.0.0.1", port=port, socket_timeout=5) as client,
    ):
        yield client


@dataclass
class Kit:
    """A cache under test, and how to outlive an entry's TTL: `outlive(key, ttl)`."""

    cache: Cache
    outlive: Callable[[str, float], None]


def until_redis_expires(client: redis.Redis) -> Callable[[str, float], None]:
    """Wait, event-driven, until Redis itself has dropped the key (a few ms)."""

    def outlive(key: str, ttl: float) -> None:
        deadline = time.monotonic() + 5  # only reached if Redis never expires it
        while client.exists(f"catalog:{key}"):  # RedisCache's default prefix
            assert time.monotonic() < deadline, f"{key} outlived its TTL of {ttl} s"
            time.sleep(0.005)

    return outlive


@pytest.fixture(params=["in-process", "redis"])
def kit(request: pytest.FixtureRequest) -> Kit:
    if request.param == "in-process":
        clock = FakeClock()
        return Kit(TTLCache(clock=clock), lambda _, ttl: clock.advance(ttl))
    client: redis.Redis = request.getfixturevalue("redis_client")
    client.flushdb()
    return Kit(RedisCache(client), until_redis_expires(client))


@pytest.fixture
def store(tmp_path: Path) -> Iterator[ProductStore]:
    store = ProductStore(tmp_path / "catalog.db")
    store.save(KEYBOARD)
    yield store
    store.close()


def test_a_miss_then_a_hit_then_an_invalidation(kit: Kit) -> None:
    assert kit.cache.get("product:KB-101") is None
    kit.cache.set("product:KB-101", KEYBOARD.to_json(), 300)
    assert kit.cache.get("product:KB-101") == KEYBOARD.to_json()
    kit.cache.delete("product:KB-101")
    assert kit.cache.get("product:KB-101") is None
    kit.cache.delete("product:KB-101")  # deleting what is not there is not an error


def test_entries_expire_after_their_ttl(kit: Kit) -> None:
    kit.cache.set("rate:USD", "1.0842", 300)
    assert kit.cache.get("rate:USD") == "1.0842"
    kit.cache.set("rate:USD", "1.0842", 0.01)  # the new TTL replaces the old one
    kit.outlive("rate:USD", 0.01)
    assert kit.cache.get("rate:USD") is None


def test_a_new_value_replaces_the_old_one_and_text_round_trips(kit: Kit) -> None:
    kit.cache.set("product:KB-101", "old", 300)
    kit.cache.set("product:KB-101", KEYBOARD.to_json(), 300)
    assert Product.from_json(kit.cache.get("product:KB-101") or "") == KEYBOARD


def test_a_ttl_must_be_positive_and_finite(kit: Kit) -> None:
    for ttl in (0, -1, float("nan"), float("inf")):
        with pytest.raises(ValueError, match="ttl must be a positive, finite number of seconds"):
            kit.cache.set("product:KB-101", "x", ttl)


def test_the_catalog_reads_through_and_invalidates_after_a_write(
    kit: Kit, store: ProductStore
) -> None:
    catalog = CachedCatalog(store, kit.cache, ttl=300)
    assert catalog.get("KB-101") == KEYBOARD
    assert catalog.get("KB-101") == KEYBOARD
    assert (catalog.stats.hits, catalog.stats.misses, store.reads) == (1, 1, 1)

    cheaper = Product("KB-101", "Clavier mécanique", 7900)
    catalog.update(cheaper)
    assert store.get("KB-101") == cheaper
    assert catalog.get("KB-101") == cheaper
    assert (catalog.stats.hits, catalog.stats.misses) == (1, 2)


def test_workers_sharing_one_cache_see_each_others_invalidations(
    kit: Kit, store: ProductStore
) -> None:
    worker_a = CachedCatalog(store, kit.cache, ttl=300)
    worker_b = CachedCatalog(store, kit.cache, ttl=300)
    worker_a.get("KB-101")
    assert worker_b.get("KB-101") == KEYBOARD
    assert worker_b.stats.hits == 1  # filled by worker A

    worker_a.update(Product("KB-101", "Clavier mécanique", 6900))
    assert worker_b.get("KB-101").price_cents == 6900


def test_redis_expires_the_key_itself_under_the_prefix(redis_client: redis.Redis) -> None:
    redis_client.flushdb()
    RedisCache(redis_client, prefix="shop:").set("product:KB-101", "x", 300)
    assert redis_client.keys("*") == [b"shop:product:KB-101"]
    assert 299_000 < redis_client.pttl("shop:product:KB-101") <= 300_000


def test_a_redis_stopped_mid_run_leaves_every_read_to_the_database(
    tmp_path: Path, store: ProductStore, caplog: pytest.LogCaptureFixture
) -> None:
    with redis_server(tmp_path) as (port, process):
        catalog = CachedCatalog(store, RedisCache.connect("127.0.0.1", port), ttl=300)
        catalog.get("KB-101")
        assert catalog.get("KB-101") == KEYBOARD
        assert catalog.stats == CacheStats(hits=1, misses=1, errors=0)

        stop(process)  # the cache goes down by its pid, the catalog keeps serving
        with caplog.at_level(logging.WARNING, logger="snippets.cloud.cache_aside"):
            started = time.monotonic()
            assert catalog.get("KB-101") == KEYBOARD  # get, get again and set fail
            cheaper = Product("KB-101", "Clavier mécanique", 7900)
            catalog.update(cheaper)  # the write lands; the delete fails
            assert catalog.get("KB-101") == cheaper
            elapsed = time.monotonic() - started
    assert catalog.stats == CacheStats(hits=1, misses=3, errors=7)
    assert store.reads == 3
    # A default client would back off through 10 retries per call: seconds, not this.
    assert elapsed < 5.0, f"7 failed cache calls took {elapsed:.2f} s"
    warnings = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert len(warnings) == 7
    assert all(w.startswith("cache unavailable, using the database: Redis:") for w in warnings)


def test_a_port_where_nothing_listens_costs_no_retries(store: ProductStore) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))  # bound, never listening: every connect is refused
        cache = RedisCache.connect("127.0.0.1", taken.getsockname()[1])
        catalog = CachedCatalog(store, cache, ttl=300)
        started = time.monotonic()
        for _ in range(10):
            assert catalog.get("KB-101") == KEYBOARD
        elapsed = time.monotonic() - started
    assert catalog.stats == CacheStats(hits=0, misses=10, errors=30)
    assert elapsed < 5.0, f"10 reads without Redis took {elapsed:.2f} s"  # no retries


def test_a_redis_that_never_answers_costs_one_timeout_per_call(
    store: ProductStore, caplog: pytest.LogCaptureFixture
) -> None:
    with socket.create_server(("127.0.0.1", 0)) as silent:  # accepts, never answers
        cache = RedisCache.connect("127.0.0.1", silent.getsockname()[1], timeout=0.05)
        catalog = CachedCatalog(store, cache, ttl=300)
        started = time.monotonic()
        with caplog.at_level(logging.WARNING, logger="snippets.cloud.cache_aside"):
            assert catalog.get("KB-101") == KEYBOARD
        elapsed = time.monotonic() - started
    assert catalog.stats == CacheStats(hits=0, misses=1, errors=3)
    assert [r.getMessage() for r in caplog.records] == [
        "cache unavailable, using the database: Redis: Timeout reading from socket"
    ] * 3
    # redis-py's default socket timeout is 5 s: a client without `timeout` would wait it.
    assert elapsed < 4.0, f"three timed-out cache calls took {elapsed:.2f} s"


def test_a_redis_timeout_must_be_positive_and_finite() -> None:
    for timeout in (0, -1, float("nan"), float("inf")):
        with pytest.raises(ValueError, match="timeout must be positive and finite, got"):
            RedisCache.connect("127.0.0.1", timeout=timeout)


def test_the_in_process_cache_is_thread_safe() -> None:
    """A delete arrives while a read is between finding an expired entry and dropping it."""
    clock = FakeClock()
    reader_is_checking, deleted = threading.Event(), threading.Event()

    def pausing_clock() -> float:
        if threading.current_thread().name == "reader":
            reader_is_checking.set()
            deleted.wait(timeout=0.05)  # without a lock, the delete runs in this gap
        return clock()

    cache = TTLCache(clock=pausing_clock)
    cache.set("product:KB-101", KEYBOARD.to_json(), 300)
    clock.advance(301)  # the entry has expired: the reader will drop it
    errors: list[BaseException] = []

    def read() -> None:
        try:
            cache.get("product:KB-101")
        except BaseException as exc:
            errors.append(exc)

    reader = threading.Thread(target=read, name="reader")
    reader.start()
    assert reader_is_checking.wait(timeout=5)
    cache.delete("product:KB-101")
    deleted.set()
    reader.join(timeout=5)
    assert errors == []
    assert len(cache) == 0
