"""Singleton: one metrics registry per process, and the Pythonic ways to get there.

Run it with `python -m snippets.creational.singleton`.
"""

# --8<-- [start:imports]
import os
import threading
from collections import Counter
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from functools import cache
from typing import Any, ClassVar, Self, TypeVar

# --8<-- [end:imports]


# --8<-- [start:metrics]
class Metrics:
    """Named counters that many threads increment: the state worth sharing."""

    def __init__(self) -> None:
        self._counts: Counter[str] = Counter()
        self._lock = threading.Lock()

    def increment(self, name: str, by: int = 1) -> None:
        """Add `by` to the counter `name`; counters only go up."""
        if not name:
            raise ValueError("a counter needs a name, like 'orders.placed'")
        if by < 1:
            raise ValueError(f"counters only go up: by must be 1 or more, got {by}")
        with self._lock:
            self._counts[name] += by

    def value(self, name: str) -> int:
        """The current value of the counter `name` (0 if never incremented)."""
        with self._lock:
            return self._counts[name]

    def snapshot(self) -> dict[str, int]:
        """Every counter, sorted by name."""
        with self._lock:
            return dict(sorted(self._counts.items()))


# --8<-- [end:metrics]


# --8<-- [start:module-instance]
metrics = Metrics()
"""The metrics of the process: every module that imports it shares this object."""
# --8<-- [end:module-instance]


# --8<-- [start:injection]
class CheckoutService:
    """Places orders; it is handed its metrics instead of reaching for a global."""

    def __init__(self, metrics: Metrics) -> None:
        self._metrics = metrics

    def place_order(self, order_id: str, total_cents: int) -> str:
        if total_cents <= 0:
            raise ValueError(
                f"order {order_id}: total must be positive, got {total_cents}"
            )
        self._metrics.increment("orders.placed")
        self._metrics.increment("revenue.cents", by=total_cents)
        return f"order {order_id} placed"


def build_checkout() -> CheckoutService:
    """The composition root: the one place that decides which metrics are shared."""
    return CheckoutService(metrics)


# --8<-- [end:injection]


# --8<-- [start:classic]
_CREATION_TOKEN = object()


class MetricsRegistry(Metrics):
    """The classic singleton: the one `Metrics` of the process, created on first use."""

    _instance: ClassVar["MetricsRegistry | None"] = None
    _creation_lock: ClassVar[threading.Lock] = threading.Lock()
    instances_created: ClassVar[int] = 0

    def __init__(self, token: object = None) -> None:
        if token is not _CREATION_TOKEN:
            raise TypeError(
                "MetricsRegistry is a singleton: call MetricsRegistry.instance()"
            )
        super().__init__()
        MetricsRegistry.instances_created += 1

    @classmethod
    def instance(cls) -> "MetricsRegistry":
        """Return the registry, creating it on the first call, safely across threads."""
        if cls._instance is None:  # fast path: no lock once the registry exists
            with cls._creation_lock:
                if cls._instance is None:  # check again: another thread may have won
                    cls._instance = cls(_CREATION_TOKEN)
        return cls._instance


# --8<-- [end:classic]


# --8<-- [start:race]
T = TypeVar("T")


def race(factory: Callable[[], T], threads: int = 16) -> list[T]:
    """Call `factory` from `threads` threads released at the same moment.

    The threads never print: each one stores its result in its own slot, and the
    calling thread returns all results after every thread has finished. An
    exception raised in a thread is raised again in the calling thread.
    """
    if threads < 2:
        raise ValueError(f"a race needs at least 2 threads, got {threads}")
    start = threading.Barrier(threads, timeout=10)
    results: dict[int, T] = {}
    errors: list[BaseException] = []

    def run(slot: int) -> None:
        try:
            start.wait()  # every thread calls the factory at the same moment
            results[slot] = factory()
        except BaseException as exc:  # handed over to the calling thread below
            errors.append(exc)

    workers = [threading.Thread(target=run, args=(slot,)) for slot in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    if errors:
        raise errors[0]
    return [results[slot] for slot in range(threads)]


# --8<-- [end:race]


# --8<-- [start:metaclass]
class SingletonMeta(type):
    """A metaclass: each class built with it gets one instance, made on first call."""

    _instances: ClassVar[dict[type, Any]] = {}
    _locks: ClassVar[dict[type, threading.RLock]] = {}

    def __init__(cls, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # One lock per class, made with the class: building one singleton waits for
        # another's __init__ only if it calls that class. Re-entrant: an __init__
        # that calls its own class gets a RecursionError instead of hanging.
        SingletonMeta._locks[cls] = threading.RLock()

    def __call__(cls, *args: Any, **kwargs: Any) -> Any:
        instance = SingletonMeta._instances.get(cls)
        if instance is None:
            with SingletonMeta._locks[cls]:
                instance = SingletonMeta._instances.get(cls)
                if instance is None:
                    instance = super().__call__(*args, **kwargs)
                    SingletonMeta._instances[cls] = instance
                    return instance
        if args or kwargs:
            raise TypeError(
                f"{cls.__name__} already exists; only its first call may pass arguments"
            )
        return instance


class ConnectionRegistry(metaclass=SingletonMeta):
    """Where the application looks up its database URLs by name."""

    def __init__(self, default_timeout: float = 5.0) -> None:
        if default_timeout <= 0:
            raise ValueError(f"a timeout is positive seconds, got {default_timeout}")
        self.default_timeout = default_timeout
        self._urls: dict[str, str] = {}

    def register(self, name: str, url: str) -> None:
        """Make `url` known as `name`; a name is registered once."""
        if name in self._urls:
            raise ValueError(f"a connection named {name!r} is already registered")
        self._urls[name] = url

    def url(self, name: str) -> str:
        """The URL registered as `name`."""
        try:
            return self._urls[name]
        except KeyError:
            known = ", ".join(sorted(self._urls)) or "none"
            raise LookupError(
                f"no connection named {name!r} (known: {known})"
            ) from None


# --8<-- [end:metaclass]


# --8<-- [start:borg]
class FeatureFlags:
    """Shared state ("Borg"): many instances, one dictionary of attributes."""

    _shared_state: ClassVar[dict[str, Any]] = {"enabled": set()}
    enabled: set[str]

    def __init__(self) -> None:
        self.__dict__ = self._shared_state  # every instance, the same attributes

    def enable(self, flag: str) -> None:
        """Switch `flag` on for every instance, past and future."""
        if not flag or flag != flag.strip().lower() or " " in flag:
            raise ValueError(f"a flag is lower-case without spaces, got {flag!r}")
        self.enabled.add(flag)

    def is_enabled(self, flag: str) -> bool:
        return flag in self.enabled


# --8<-- [end:borg]


# --8<-- [start:cached-factory]
@dataclass(frozen=True)
class Settings:
    """What the shop runs with, read from `SHOP_*` environment variables."""

    database_url: str
    workers: int
    debug: bool

    @classmethod
    def from_environ(cls, environ: Mapping[str, str]) -> Self:
        """Read and check the settings; every variable has a default."""
        workers = environ.get("SHOP_WORKERS", "4")
        # isdigit() alone accepts '²', which int() refuses
        if not (workers.isascii() and workers.isdigit()) or int(workers) < 1:
            raise ValueError(
                f"SHOP_WORKERS must be a whole number >= 1, got {workers!r}"
            )
        debug = environ.get("SHOP_DEBUG", "0")
        if debug not in {"0", "1"}:
            raise ValueError(f"SHOP_DEBUG must be 0 or 1, got {debug!r}")
        database_url = environ.get("SHOP_DATABASE_URL", "sqlite:///shop.db")
        if not database_url:
            raise ValueError("SHOP_DATABASE_URL is set but empty")
        return cls(
            database_url=database_url,
            workers=int(workers),
            debug=debug == "1",
        )


@cache
def get_settings() -> Settings:
    """The settings of the process, read from the environment on the first call."""
    return Settings.from_environ(os.environ)


# --8<-- [end:cached-factory]


# --8<-- [start:singleton-client]
class SingletonCheckout:
    """The same service written against the classic singleton."""

    def place_order(self, order_id: str, total_cents: int) -> str:
        MetricsRegistry.instance().increment("checkout.orders")
        return f"order {order_id} placed"


# --8<-- [end:singleton-client]


if __name__ == "__main__":
    # fmt: off
    # --8<-- [start:demo-pythonic]
    from importlib import import_module

    in_checkout = import_module("snippets.creational.singleton")  # checkout.py
    in_reports = import_module("snippets.creational.singleton")  # reports.py
    print(in_checkout is in_reports, in_checkout.metrics is in_reports.metrics)
    #> True True
    checkout = build_checkout()  # production shares the module-level metrics
    print(checkout.place_order("B-7", total_cents=1250), metrics.snapshot())
    #> order B-7 placed {'orders.placed': 1, 'revenue.cents': 1250}
    # --8<-- [end:demo-pythonic]

    # --8<-- [start:demo-race]
    registries = race(MetricsRegistry.instance, threads=16)
    print("instances created:", MetricsRegistry.instances_created)
    #> instances created: 1
    print("distinct objects:", len({id(registry) for registry in registries}))
    #> distinct objects: 1
    # --8<-- [end:demo-race]

    # --8<-- [start:demo-classic]
    MetricsRegistry.instance().increment("orders.placed")  # in checkout.py
    MetricsRegistry.instance().increment("orders.placed", by=2)  # in imports.py
    print(MetricsRegistry.instance().snapshot())
    #> {'orders.placed': 3}
    try:
        MetricsRegistry()
    except TypeError as exc:
        print(exc)
        #> MetricsRegistry is a singleton: call MetricsRegistry.instance()
    # --8<-- [end:demo-classic]

    # --8<-- [start:demo-metaclass]
    registry = ConnectionRegistry()
    registry.register("orders", "sqlite:///orders.db")
    print(ConnectionRegistry() is registry, ConnectionRegistry().url("orders"))
    #> True sqlite:///orders.db
    try:
        ConnectionRegistry(default_timeout=30)
    except TypeError as exc:
        print(exc)
        #> ConnectionRegistry already exists; only its first call may pass arguments
    # --8<-- [end:demo-metaclass]

    # --8<-- [start:demo-borg]
    FeatureFlags().enable("new-checkout")
    flags = FeatureFlags()
    print(flags.is_enabled("new-checkout"), flags is FeatureFlags())
    #> True False
    # --8<-- [end:demo-borg]

    # --8<-- [start:demo-cached-factory]
    print(get_settings() is get_settings(), get_settings.cache_info().misses)
    #> True 1
    # --8<-- [end:demo-cached-factory]

    # --8<-- [start:demo-tests-singleton]
    def test_one_order_is_counted() -> str:
        SingletonCheckout().place_order("A-1", total_cents=4999)
        count = MetricsRegistry.instance().value("checkout.orders")
        return "passed" if count == 1 else f"failed: counted {count}"


    print(test_one_order_is_counted())
    #> passed
    print(test_one_order_is_counted())  # the same test, run again
    #> failed: counted 2
    # --8<-- [end:demo-tests-singleton]

    # --8<-- [start:demo-tests-injection]
    def test_one_order_is_counted_injected() -> str:
        fresh = Metrics()  # each test builds its own
        CheckoutService(fresh).place_order("A-1", total_cents=4999)
        count = fresh.value("orders.placed")
        return "passed" if count == 1 else f"failed: counted {count}"


    print(test_one_order_is_counted_injected())
    #> passed
    print(test_one_order_is_counted_injected())
    #> passed
    # --8<-- [end:demo-tests-injection]
    # fmt: on
