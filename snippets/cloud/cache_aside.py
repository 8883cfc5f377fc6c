"""Cache-aside: a product catalog in SQLite, with a TTL cache beside it.

Run it with `python -m snippets.cloud.cache_aside`.
"""

# --8<-- [start:imports]
import json
import logging
import math
import sqlite3
import tempfile
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Generic, Protocol, Self, TypeVar

import redis
from redis.backoff import NoBackoff
from redis.retry import Retry

logger = logging.getLogger(__name__)

# --8<-- [end:imports]


# --8<-- [start:product]
class UnknownProductError(LookupError):
    """No product has the SKU that was asked for."""


@dataclass(frozen=True)
class Product:
    """A row of the catalog; prices are whole cents, never floats."""

    sku: str
    name: str
    price_cents: int

    def to_json(self) -> str:
        """The text a cache stores: caches hold strings, not live objects."""
        return json.dumps([self.sku, self.name, self.price_cents])

    @classmethod
    def from_json(cls, text: str) -> Self:
        sku, name, price_cents = json.loads(text)
        return cls(sku, name, price_cents)


# --8<-- [end:product]


# --8<-- [start:store]
class ProductStore:
    """The system of record: a real SQLite file, queried with parameterised SQL only."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.reads = 0  # how many SELECTs reached the database
        # One connection for every thread, used by one thread at a time.
        self._db = sqlite3.connect(path, check_same_thread=False)
        self._lock = threading.Lock()
        self._db.execute(
            "CREATE TABLE IF NOT EXISTS products ("
            " sku TEXT PRIMARY KEY, name TEXT NOT NULL,"
            " price_cents INTEGER NOT NULL CHECK (price_cents >= 0))"
        )
        self._db.commit()

    def get(self, sku: str) -> Product | None:
        with self._lock:
            self.reads += 1
            row = self._db.execute(
                "SELECT sku, name, price_cents FROM products WHERE sku = ?", (sku,)
            ).fetchone()
        return None if row is None else Product(*row)

    def save(self, product: Product) -> None:
        """Insert the product, or update it if its SKU exists, and commit."""
        with self._lock, self._db:  # one transaction: commit, or roll back on error
            self._db.execute(
                "INSERT INTO products (sku, name, price_cents) VALUES (?, ?, ?)"
                " ON CONFLICT (sku) DO UPDATE"
                " SET name = excluded.name, price_cents = excluded.price_cents",
                (product.sku, product.name, product.price_cents),
            )

    def close(self) -> None:
        self._db.close()


# --8<-- [end:store]


# --8<-- [start:clock]
Clock = Callable[[], float]


class FakeClock:
    """A clock that moves only when told to, so expiry is exact and repeatable."""

    def __init__(self, start: float = 0.0) -> None:
        self.now = start

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        if seconds < 0:
            raise ValueError(f"a clock cannot go back, got {seconds} seconds")
        self.now += seconds


# --8<-- [end:clock]


# --8<-- [start:cache]
class CacheUnavailableError(Exception):
    """The cache did not answer; the database still can."""


class Cache(Protocol):
    """What the catalog needs from a cache: text values that expire.

    A cache that cannot be reached raises `CacheUnavailableError`.
    """

    def get(self, key: str) -> str | None: ...

    def set(self, key: str, value: str, ttl: float) -> None: ...

    def delete(self, key: str) -> None: ...


def check_ttl(ttl: float) -> None:
    if not 0 < ttl < math.inf:
        raise ValueError(f"ttl must be a positive, finite number of seconds, got {ttl}")


class TTLCache:
    """An in-process, thread-safe cache: entries expire after their TTL, and the least
    recently used go first when it is full."""

    def __init__(
        self, *, clock: Clock = time.monotonic, max_entries: int = 1024
    ) -> None:
        if max_entries < 1:
            raise ValueError(f"max_entries must be at least 1, got {max_entries}")
        self._clock = clock
        self._max_entries = max_entries
        self._entries: OrderedDict[str, tuple[str, float]] = OrderedDict()
        self._lock = threading.Lock()  # each method reads and changes several steps

    def get(self, key: str) -> str | None:
        with self._lock:
            entry = self._entries.get(key)
            if entry is None:
                return None
            value, expires_at = entry
            if self._clock() >= expires_at:
                del self._entries[key]
                return None
            self._entries.move_to_end(key)  # recently used: evicted last
            return value

    def set(self, key: str, value: str, ttl: float) -> None:
        check_ttl(ttl)
        with self._lock:
            self._entries[key] = (value, self._clock() + ttl)
            self._entries.move_to_end(key)
            while len(self._entries) > self._max_entries:
                self._entries.popitem(last=False)

    def delete(self, key: str) -> None:
        with self._lock:
            self._entries.pop(key, None)

    def __len__(self) -> int:
        with self._lock:
            return len(self._entries)


# --8<-- [end:cache]


# --8<-- [start:catalog]
T = TypeVar("T")


@dataclass
class CacheStats:
    hits: int = 0
    misses: int = 0
    errors: int = 0  # cache calls that failed, so the database answered alone
    _lock: threading.Lock = field(
        default_factory=threading.Lock, init=False, repr=False, compare=False
    )

    def count(self, name: str) -> None:
        with self._lock:  # `+=` takes several steps: two threads could lose a count
            setattr(self, name, getattr(self, name) + 1)


def best_effort(call: Callable[[], T], stats: CacheStats) -> T | None:
    """Make one cache call; if the cache is down, log it, count it and return None."""
    try:
        return call()
    except CacheUnavailableError as exc:
        stats.count("errors")
        logger.warning("cache unavailable, using the database: %s", exc)
        return None


class CachedCatalog:
    """Cache-aside: the application, not the cache, reads and invalidates."""

    def __init__(
        self, store: ProductStore, cache: Cache, *, ttl: float, version: int = 1
    ) -> None:
        check_ttl(ttl)
        self.store = store
        self.cache = cache
        self.ttl = ttl
        self.version = version  # raise it when the cached shape changes
        self.stats = CacheStats()
        self._loads: SingleFlight[Product] = SingleFlight()

    def key(self, sku: str) -> str:
        return f"product:v{self.version}:{sku}"

    def get(self, sku: str) -> Product:
        key = self.key(sku)
        cached = best_effort(lambda: self.cache.get(key), self.stats)
        if cached is not None:
            self.stats.count("hits")
            return Product.from_json(cached)
        self.stats.count("misses")
        # One loader per key: a stampede of misses makes one database read.
        return self._loads.run(key, lambda: self._load(sku, key))

    def _load(self, sku: str, key: str) -> Product:
        # A load that ended after this caller missed has filled the cache: look again.
        cached = best_effort(lambda: self.cache.get(key), self.stats)
        if cached is not None:
            return Product.from_json(cached)
        product = self.store.get(sku)  # 1. miss: read the system of record
        if product is None:
            raise UnknownProductError(f"no product with SKU {sku!r}")
        text = product.to_json()  # 2. fill the cache
        best_effort(lambda: self.cache.set(key, text, self.ttl), self.stats)
        return product

    def update(self, product: Product) -> None:
        self.store.save(product)  # 1. write the system of record first
        key = self.key(product.sku)
        # 2. then drop the stale copy (if the cache is down, the copy's TTL ends it)
        best_effort(lambda: self.cache.delete(key), self.stats)


# --8<-- [end:catalog]


# --8<-- [start:single-flight]
class _Flight(Generic[T]):
    value: T
    error: BaseException | None = None

    def __init__(self) -> None:
        self.done = threading.Event()


class SingleFlight(Generic[T]):
    """One load per key at a time: callers that ask while it runs share its result."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._flights: dict[str, _Flight[T]] = {}

    def run(self, key: str, load: Callable[[], T]) -> T:
        with self._lock:
            flight = self._flights.get(key)
            leader = flight is None
            if flight is None:
                flight = self._flights[key] = _Flight()
        if leader:
            try:
                flight.value = load()
            except BaseException as exc:
                flight.error = exc
                raise
            finally:
                with self._lock:
                    del self._flights[key]
                flight.done.set()
            return flight.value
        flight.done.wait()
        if flight.error is not None:
            raise flight.error
        return flight.value


# --8<-- [end:single-flight]


# --8<-- [start:redis]
@contextmanager
def redis_errors() -> Iterator[None]:
    """Turn any Redis failure (refused, timed out, ...) into `CacheUnavailableError`."""
    try:
        yield
    except redis.RedisError as exc:
        raise CacheUnavailableError(f"Redis: {exc}") from exc


class RedisCache:
    """The same `Cache` interface on a Redis server, shared by every process."""

    def __init__(self, client: redis.Redis, *, prefix: str = "catalog:") -> None:
        self._client = client
        self._prefix = prefix

    @classmethod
    def connect(cls, host: str, port: int = 6379, *, timeout: float = 0.1) -> Self:
        """A client that gives up after `timeout` seconds, without retrying."""
        if not 0 < timeout < math.inf:
            raise ValueError(f"timeout must be positive and finite, got {timeout}")
        client = redis.Redis(
            host=host,
            port=port,
            socket_connect_timeout=timeout,  # redis-py's default: 5 s
            socket_timeout=timeout,
            retry=Retry(NoBackoff(), retries=0),  # redis-py 8's default: 10 retries
        )
        return cls(client)

    def get(self, key: str) -> str | None:
        with redis_errors():
            value = self._client.get(self._prefix + key)
        if isinstance(value, bytes):
            return value.decode()
        return value

    def set(self, key: str, value: str, ttl: float) -> None:
        check_ttl(ttl)
        with redis_errors():  # PX: Redis itself expires the key, in milliseconds
            self._client.set(self._prefix + key, value, px=max(1, round(ttl * 1000)))

    def delete(self, key: str) -> None:
        with redis_errors():
            self._client.delete(self._prefix + key)


# --8<-- [end:redis]


# --8<-- [start:pythonic]
class ReadThrough(Generic[T]):
    """A loader function with cache-aside reads and per-key invalidation."""

    def __init__(
        self,
        load: Callable[[str], T],
        cache: Cache,
        *,
        ttl: float,
        dumps: Callable[[T], str],
        loads: Callable[[str], T],
    ) -> None:
        check_ttl(ttl)
        self._load, self._cache, self._ttl = load, cache, ttl
        self._dumps, self._loads = dumps, loads
        self._prefix = f"{load.__module__}.{load.__qualname__}:"
        self.__wrapped__ = load
        self.stats = CacheStats()

    def __call__(self, key: str) -> T:
        cache_key = self._prefix + key
        cached = best_effort(lambda: self._cache.get(cache_key), self.stats)
        if cached is not None:
            self.stats.count("hits")
            return self._loads(cached)
        self.stats.count("misses")
        value = self._load(key)
        text = self._dumps(value)
        best_effort(lambda: self._cache.set(cache_key, text, self._ttl), self.stats)
        return value

    def invalidate(self, key: str) -> None:
        best_effort(lambda: self._cache.delete(self._prefix + key), self.stats)


def read_through(
    cache: Cache, *, ttl: float, dumps: Callable[[T], str], loads: Callable[[str], T]
) -> Callable[[Callable[[str], T]], ReadThrough[T]]:
    """Decorate a `key -> value` loader so that it reads through `cache`."""

    def decorate(load: Callable[[str], T]) -> ReadThrough[T]:
        return ReadThrough(load, cache, ttl=ttl, dumps=dumps, loads=loads)

    return decorate


# --8<-- [end:pythonic]


if __name__ == "__main__":
    # fmt: off
    # --8<-- [start:demo-setup]
    workdir = tempfile.TemporaryDirectory()
    store = ProductStore(Path(workdir.name) / "catalog.db")
    store.save(Product("KB-101", "Mechanical keyboard", 8900))
    store.save(Product("MS-202", "Wireless mouse", 3400))

    clock = FakeClock()
    catalog = CachedCatalog(store, TTLCache(clock=clock), ttl=300)
    # --8<-- [end:demo-setup]

    # --8<-- [start:demo-reads]
    print(catalog.get("KB-101"))  # a miss: read from SQLite, then cached
    #> Product(sku='KB-101', name='Mechanical keyboard', price_cents=8900)
    for _ in range(3):
        catalog.get("KB-101")  # hits: SQLite is not asked again
    print(catalog.stats, "database reads:", store.reads)
    #> CacheStats(hits=3, misses=1, errors=0) database reads: 1
    # --8<-- [end:demo-reads]

    # --8<-- [start:demo-write]
    catalog.update(Product("KB-101", "Mechanical keyboard", 7900))
    print(catalog.get("KB-101").price_cents)  # a miss again: the new price
    #> 7900
    print(catalog.stats, "database reads:", store.reads)
    #> CacheStats(hits=3, misses=2, errors=0) database reads: 2
    # --8<-- [end:demo-write]

    # --8<-- [start:demo-expiry]
    catalog.get("MS-202")  # miss
    clock.advance(299)
    catalog.get("MS-202")  # hit: 299 s old, the TTL is 300 s
    clock.advance(1)
    catalog.get("MS-202")  # miss: expired, read again
    print(catalog.stats, "database reads:", store.reads)
    #> CacheStats(hits=4, misses=4, errors=0) database reads: 4
    # --8<-- [end:demo-expiry]

    # --8<-- [start:demo-pythonic]
    @read_through(
        TTLCache(clock=clock), ttl=60, dumps=Product.to_json, loads=Product.from_json
    )
    def product_by_sku(sku: str) -> Product:
        product = store.get(sku)
        if product is None:
            raise UnknownProductError(f"no product with SKU {sku!r}")
        return product

    reads_before = store.reads
    print(product_by_sku("MS-202").price_cents, product_by_sku("MS-202").price_cents)
    #> 3400 3400
    store.save(Product("MS-202", "Wireless mouse", 2900))
    product_by_sku.invalidate("MS-202")  # after the write, as in CachedCatalog
    print(product_by_sku("MS-202").price_cents)
    #> 2900
    print("database reads:", store.reads - reads_before)
    #> database reads: 2
    # --8<-- [end:demo-pythonic]

    store.close()
    workdir.cleanup()
    # fmt: on
