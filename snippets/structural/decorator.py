"""Decorator: wrap a data store to add compression, scrambling and logging in layers.

The second half: function decorators, a class that binds to methods, stacking order,
memoisation measured in calls, and a wrapper that forwards with `__getattr__`.

Run it with `python -m snippets.structural.decorator`.
"""

# --8<-- [start:imports]
import functools
import hashlib
import types
import zlib
from abc import ABC, abstractmethod
from collections.abc import Callable
from decimal import Decimal
from typing import Any, Generic, ParamSpec, Self, TypeVar, overload

P = ParamSpec("P")
R = TypeVar("R")
# --8<-- [end:imports]


# --8<-- [start:component]
class BlobNotFoundError(LookupError):
    """No blob is stored under the requested key."""


class CorruptDataError(ValueError):
    """Stored bytes cannot be decoded by a layer, usually because the layers differ."""


class DataStore(ABC):
    """The component: keeps blobs of bytes under string keys."""

    @abstractmethod
    def write(self, key: str, data: bytes) -> None:
        """Store `data` under `key`, replacing what was there."""

    @abstractmethod
    def read(self, key: str) -> bytes:
        """Return the bytes stored under `key`."""


class MemoryStore(DataStore):
    """The concrete component: a dictionary standing in for a disk or a bucket."""

    def __init__(self) -> None:
        self.blobs: dict[str, bytes] = {}

    def write(self, key: str, data: bytes) -> None:
        self.blobs[key] = data

    def read(self, key: str) -> bytes:
        try:
            return self.blobs[key]
        except KeyError:
            raise BlobNotFoundError(f"no blob is stored under {key!r}") from None

    def size(self, key: str) -> int:
        """How many bytes the blob takes in storage (not part of `DataStore`)."""
        return len(self.read(key))


# --8<-- [end:component]


# --8<-- [start:base-decorator]
class StoreDecorator(DataStore):
    """The base decorator: is a `DataStore`, has a `DataStore`, and forwards to it."""

    def __init__(self, inner: DataStore) -> None:
        if not isinstance(inner, DataStore):
            raise TypeError(
                f"{type(self).__name__} wraps a DataStore, not {type(inner).__name__}"
            )
        self.inner = inner

    def write(self, key: str, data: bytes) -> None:
        self.inner.write(key, data)

    def read(self, key: str) -> bytes:
        return self.inner.read(key)


# --8<-- [end:base-decorator]


# --8<-- [start:concrete-decorators]
class Compressed(StoreDecorator):
    """Compresses with zlib on the way in and decompresses on the way out."""

    def __init__(self, inner: DataStore, level: int = 6) -> None:
        super().__init__(inner)
        if not isinstance(level, int) or not 0 <= level <= 9:
            raise ValueError(f"zlib compression levels are 0 to 9, got {level!r}")
        self.level = level

    def write(self, key: str, data: bytes) -> None:
        self.inner.write(key, zlib.compress(data, self.level))

    def read(self, key: str) -> bytes:
        try:
            return zlib.decompress(self.inner.read(key))
        except zlib.error:
            raise CorruptDataError(
                f"{key!r} is not zlib data (written through other layers?)"
            ) from None


class Scrambled(StoreDecorator):
    """XORs the bytes with a keystream made from a secret key with SHA-256.

    This shows where an encryption layer goes and how it stacks. It is *not* real
    encryption: each rewrite of a key reuses the same keystream, and nothing detects
    tampering. For secrets, put an authenticated cipher such as Fernet from the
    `cryptography` package in the same place.
    """

    def __init__(self, inner: DataStore, key: bytes) -> None:
        super().__init__(inner)
        if not isinstance(key, bytes):  # a key read from the environment is a str
            raise TypeError(f"a scrambling key is bytes, not {type(key).__name__}")
        if len(key) < 16:
            raise ValueError(
                f"a scrambling key needs at least 16 bytes, got {len(key)}"
            )
        self._key = key

    def _keystream(self, name: str, length: int) -> bytes:
        blocks = (
            hashlib.sha256(self._key + name.encode() + n.to_bytes(8, "big")).digest()
            for n in range(length // 32 + 1)
        )
        return b"".join(blocks)[:length]

    def _xor(self, name: str, data: bytes) -> bytes:
        stream = self._keystream(name, len(data))
        mixed = int.from_bytes(data, "big") ^ int.from_bytes(stream, "big")
        return mixed.to_bytes(len(data), "big")

    def write(self, key: str, data: bytes) -> None:
        self.inner.write(key, self._xor(key, data))

    def read(self, key: str) -> bytes:
        return self._xor(key, self.inner.read(key))


class Logged(StoreDecorator):
    """Records every read and write, with the size this layer sees, in `log`."""

    def __init__(self, inner: DataStore, log: list[str]) -> None:
        super().__init__(inner)
        self.log = log

    def write(self, key: str, data: bytes) -> None:
        self.inner.write(key, data)
        self.log.append(f"wrote {key} ({len(data):,} bytes)")

    def read(self, key: str) -> bytes:
        data = self.inner.read(key)
        self.log.append(f"read {key} ({len(data):,} bytes)")
        return data


# --8<-- [end:concrete-decorators]


# --8<-- [start:configure]
def open_export_store(
    base: DataStore,
    *,
    compress: bool = False,
    scramble_key: bytes | None = None,
    log: list[str] | None = None,
) -> DataStore:
    """Wrap `base` in the layers that the settings ask for, in the order that works."""
    store = base
    if scramble_key is not None:
        store = Scrambled(store, scramble_key)
    if compress:
        store = Compressed(store)
    if log is not None:
        store = Logged(store, log)
    return store


def layer_names(store: DataStore) -> str:
    """Name the layers of a decorated store, from the outside in."""
    names = []
    while isinstance(store, StoreDecorator):
        names.append(type(store).__name__)
        store = store.inner
    return " > ".join([*names, type(store).__name__])


# --8<-- [end:configure]


# --8<-- [start:sample]
def invoice_export(count: int) -> bytes:
    """A CSV export of `count` invoices: the kind of data that compresses well."""
    lines = ["invoice,customer,country,total_eur"]
    customers = ["Acme GmbH", "Globex SA", "Initech BV"]
    for n in range(1, count + 1):
        customer = customers[n % 3]
        lines.append(f"INV-{n:05d},{customer},{customer[-2:]},{n * 37 % 900}.00")
    return ("\n".join(lines) + "\n").encode()


EXPORT = invoice_export(200)
KEY = b"demo-key-not-a-real-secret"
# --8<-- [end:sample]


# --8<-- [start:logged]
def logged(log: list[str]) -> Callable[[Callable[P, R]], Callable[P, R]]:
    """A decorator with an argument: record each call and its result in `log`."""
    if not isinstance(log, list):
        raise TypeError("logged() takes the list to write to: use @logged(audit)")

    def decorate(func: Callable[P, R]) -> Callable[P, R]:
        @functools.wraps(func)
        def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
            result = func(*args, **kwargs)
            shown = [*map(repr, args), *(f"{k}={v!r}" for k, v in kwargs.items())]
            log.append(f"{func.__name__}({', '.join(shown)}) -> {result!r}")
            return result

        return wrapper

    return decorate


class CallCounter(Generic[P, R]):
    """A decorator written as a class: counts how often the wrapped body really runs."""

    def __init__(self, func: Callable[P, R]) -> None:
        functools.update_wrapper(self, func)
        self.func = func
        self.calls = 0

    def __call__(self, *args: P.args, **kwargs: P.kwargs) -> R:
        self.calls += 1
        return self.func(*args, **kwargs)


# --8<-- [end:logged]


# --8<-- [start:vat]
audit: list[str] = []


@logged(audit)
def net_price(gross: Decimal, vat_rate: Decimal = Decimal("0.19")) -> Decimal:
    """Remove VAT from a gross price."""
    return round(gross / (1 + vat_rate), 2)


# --8<-- [end:vat]


# --8<-- [start:memo]
RATES = {"EUR": Decimal("1"), "USD": Decimal("1.0842"), "GBP": Decimal("0.8531")}


@CallCounter
def fetch_rate(currency: str) -> Decimal:
    """Ask the rates service what one euro is worth (here: a table)."""
    try:
        return RATES[currency]
    except KeyError:
        raise ValueError(f"no exchange rate for {currency!r}") from None


cached_rate = functools.cache(fetch_rate)


def invoice_totals_in_eur(
    invoices: list[tuple[Decimal, str]], rate: Callable[[str], Decimal]
) -> Decimal:
    """Convert every invoice total to euros with the `rate` function given."""
    return sum((amount / rate(currency) for amount, currency in invoices), Decimal(0))


INVOICES = [
    (Decimal("120.00"), "USD"),
    (Decimal("80.00"), "GBP"),
    (Decimal("99.90"), "USD"),
    (Decimal("15.00"), "EUR"),
    (Decimal("42.00"), "GBP"),
    (Decimal("10.00"), "USD"),
    (Decimal("64.50"), "USD"),
    (Decimal("7.25"), "GBP"),
]
# --8<-- [end:memo]


# --8<-- [start:method]
class MethodCallCounter(CallCounter[P, R]):
    """`CallCounter` for methods too: `__get__` binds it to the instance."""

    @overload
    def __get__(self, instance: None, owner: type) -> Self: ...
    @overload
    def __get__(self, instance: object, owner: type) -> Callable[..., R]: ...
    def __get__(self, instance: object, owner: type) -> Self | Callable[..., R]:
        return self if instance is None else types.MethodType(self, instance)


class RatesClient:
    """Asks the rates service; two class-based decorators, one that binds to `self`."""

    @CallCounter  # no __get__: `client.unbound` is the counter, without `self`
    def unbound(self, currency: str) -> Decimal:
        return RATES[currency]

    @MethodCallCounter
    def rate(self, currency: str) -> Decimal:
        return RATES[currency]


# --8<-- [end:method]


# --8<-- [start:stacking]
outer_audit: list[str] = []
inner_audit: list[str] = []
ZONES = {"1": "north", "8": "south"}


@logged(outer_audit)  # applied last: it wraps the cache and sees every call
@functools.cache
def shipping_zone(postcode: str) -> str:
    return ZONES.get(postcode[0], "central")


@functools.cache  # applied last: it wraps the logger, so it sees only cache misses
@logged(inner_audit)
def shipping_zone_audited_misses(postcode: str) -> str:
    return ZONES.get(postcode[0], "central")


# --8<-- [end:stacking]


# --8<-- [start:forwarding]
class Forwarding:
    """Wraps any object: a name the wrapper lacks is looked up on the wrapped one."""

    def __init__(self, inner: Any, log: list[str]) -> None:
        self._inner = inner
        self._log = log

    def __getattr__(self, name: str) -> Any:  # runs only when normal lookup fails
        if name in {"_inner", "_log"}:  # not set yet, as in copy.copy: no recursion
            raise AttributeError(name)
        self._log.append(name)
        return getattr(self._inner, name)


class ForwardingWrites(Forwarding):
    """Also forwards attribute writes, except to the wrapper's own attributes."""

    def __setattr__(self, name: str, value: Any) -> None:
        if name in {"_inner", "_log"}:
            super().__setattr__(name, value)
        else:
            setattr(self._inner, name, value)


# --8<-- [end:forwarding]


if __name__ == "__main__":
    # fmt: off
    # --8<-- [start:demo]
    events: list[str] = []
    disk = MemoryStore()
    store = Logged(Compressed(Scrambled(disk, key=KEY)), events)
    store.write("exports/2024-05.csv", EXPORT)
    print(store.read("exports/2024-05.csv") == EXPORT)
    #> True
    for event in events:
        print(event)
        #> wrote exports/2024-05.csv (6,076 bytes)
        #> read exports/2024-05.csv (6,076 bytes)
    print(b"Acme GmbH" in disk.blobs["exports/2024-05.csv"])
    #> False
    print(disk.size("exports/2024-05.csv") < len(EXPORT) / 3)
    #> True
    # --8<-- [end:demo]

    # --8<-- [start:demo-configure]
    print(layer_names(store))
    #> Logged > Compressed > Scrambled > MemoryStore
    print(layer_names(open_export_store(MemoryStore(), compress=True)))
    #> Compressed > MemoryStore
    print(layer_names(open_export_store(MemoryStore(), scramble_key=KEY, log=events)))
    #> Logged > Scrambled > MemoryStore
    # --8<-- [end:demo-configure]

    # --8<-- [start:demo-logged]
    print(net_price(Decimal("119.00")))
    #> 100.00
    print(net_price(Decimal("107.00"), vat_rate=Decimal("0.07")))
    #> 100.00
    for line in audit:
        print(line)
        #> net_price(Decimal('119.00')) -> Decimal('100.00')
        #> net_price(Decimal('107.00'), vat_rate=Decimal('0.07')) -> Decimal('100.00')
    print(net_price.__name__, "-", net_price.__doc__)
    #> net_price - Remove VAT from a gross price.
    try:
        logged(net_price)  # type: ignore[arg-type]
    except TypeError as exc:
        print(exc)
        #> logged() takes the list to write to: use @logged(audit)
    # --8<-- [end:demo-logged]

    # --8<-- [start:demo-memo]
    print(round(invoice_totals_in_eur(INVOICES, fetch_rate), 2), fetch_rate.calls)
    #> 438.04 8
    fetch_rate.calls = 0
    print(round(invoice_totals_in_eur(INVOICES, cached_rate), 2), fetch_rate.calls)
    #> 438.04 3
    print(cached_rate.cache_info())
    #> CacheInfo(hits=5, misses=3, maxsize=None, currsize=3)
    for _ in range(2):  # a failed lookup is not cached: both reach the service
        try:
            cached_rate("CHF")
        except ValueError as exc:
            print(exc, "- calls so far:", fetch_rate.calls)
            #> no exchange rate for 'CHF' - calls so far: 4
            #> no exchange rate for 'CHF' - calls so far: 5
    # --8<-- [end:demo-memo]

    # --8<-- [start:demo-method]
    client = RatesClient()
    try:
        client.unbound("USD")  # type: ignore[call-arg, arg-type]
    except TypeError as exc:
        print(exc)
        #> RatesClient.unbound() missing 1 required positional argument: 'currency'
    print(client.rate("USD"), client.rate("GBP"), RatesClient.rate.calls)
    #> 1.0842 0.8531 2
    # --8<-- [end:demo-method]

    # --8<-- [start:demo-stacking]
    postcodes = ["10115", "80331", "10115", "50667", "10115", "80331"]
    print([shipping_zone(code) for code in postcodes])
    #> ['north', 'south', 'north', 'central', 'north', 'south']
    print([shipping_zone_audited_misses(code) for code in postcodes])
    #> ['north', 'south', 'north', 'central', 'north', 'south']
    print(f"outer logger: {len(outer_audit)} calls, inner logger: {len(inner_audit)}")
    #> outer logger: 6 calls, inner logger: 3
    # --8<-- [end:demo-stacking]

    # --8<-- [start:demo-forwarding]
    looked_up: list[str] = []
    rates = Forwarding(dict(RATES), looked_up)
    print(rates.get("USD"), rates.__len__(), looked_up)
    #> 1.0842 3 ['get', '__len__']
    for implicit in (len, iter):  # Python asks type(rates), which has neither
        try:
            implicit(rates)
        except TypeError as exc:
            print(exc)
            #> object of type 'Forwarding' has no len()
            #> 'Forwarding' object is not iterable

    layer = Compressed(MemoryStore())
    Forwarding(layer, looked_up).level = 9  # type: ignore[attr-defined]
    print(layer.level)  # the 9 landed on the wrapper, not on the layer
    #> 6
    ForwardingWrites(layer, looked_up).level = 9
    print(layer.level)
    #> 9
    # --8<-- [end:demo-forwarding]
    # fmt: on
