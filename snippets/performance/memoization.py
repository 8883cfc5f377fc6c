"""Memoization: price rules, tariffs, exchange rates and vouchers, each computed once.

Run it with `python -m snippets.performance.memoization`.
"""

# --8<-- [start:imports]
import functools
import gc
import math
import re
import time
import types
import weakref
from collections import Counter, OrderedDict
from collections.abc import Callable, Hashable, Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Generic, ParamSpec, TypeVar

P = ParamSpec("P")
R = TypeVar("R")

CALLS: Counter[str] = Counter()  # how often each function's body really ran
CENT = Decimal("0.01")
# --8<-- [end:imports]


# --8<-- [start:rules]
RULE = re.compile(r"(?P<percent>\d+)% off from (?P<minimum>\d+) EUR")


@dataclass(frozen=True)
class PriceRule:
    """A campaign's discount: `percent` off once the subtotal reaches `minimum`."""

    percent: Decimal
    minimum: Decimal

    def discount(self, subtotal: Decimal) -> Decimal:
        if subtotal < self.minimum:
            return Decimal("0.00")
        return (subtotal * self.percent / 100).quantize(CENT)


@functools.cache
def parse_rule(text: str) -> PriceRule:
    """Parse a rule such as "10% off from 50 EUR"; each distinct text is parsed once."""
    CALLS["parse_rule"] += 1
    match = RULE.fullmatch(text)
    if match is None:
        raise ValueError(f"not a price rule: {text!r}")
    return PriceRule(Decimal(match["percent"]), Decimal(match["minimum"]))


# --8<-- [end:rules]


# --8<-- [start:tariffs]
TARIFF_SHEET = {"DE": "4.90 + 1.00", "AT": "7.90 + 1.20", "FR": "8.90 + 1.50"}


@functools.lru_cache(maxsize=2)
def carrier_tariff(country: str) -> tuple[Decimal, Decimal]:
    """The carrier's base fee and fee per started kg for a country, from its sheet."""
    CALLS["carrier_tariff"] += 1
    base, per_kg = TARIFF_SHEET[country].split("+")
    return Decimal(base), Decimal(per_kg)


# --8<-- [end:tariffs]


# --8<-- [start:labels]
def price_label(amount: Decimal | float) -> str:
    """The amount as the shop prints it; the result depends on the argument's type."""
    return f"{amount} EUR"


label = functools.lru_cache(maxsize=256)(price_label)
typed_label = functools.lru_cache(maxsize=256, typed=True)(price_label)
# --8<-- [end:labels]


# --8<-- [start:parcels]
@dataclass(frozen=True)  # frozen: hashable, so it can be a cache key
class Parcel:
    """What the shipping fee depends on, and nothing else."""

    country: str
    weights_kg: tuple[Decimal, ...]  # a tuple, not a list: lists are unhashable


@functools.lru_cache(maxsize=1024)
def shipping_fee(parcel: Parcel) -> Decimal:
    """Base fee plus a fee per started kilogram of the parcel's total weight."""
    CALLS["shipping_fee"] += 1
    base, per_kg = carrier_tariff(parcel.country)
    return base + per_kg * math.ceil(sum(parcel.weights_kg))


# --8<-- [end:parcels]


# --8<-- [start:ttl]
class FakeClock:
    """A clock that a demo or a test moves by hand: `clock()` reads it."""

    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


class TTLMemo(Generic[P, R]):
    """A memoized function whose results expire `ttl` seconds after they were made.

    At most `maxsize` results are kept; a new one pushes out the least recently used.
    """

    def __init__(
        self,
        function: Callable[P, R],
        *,
        ttl: float,
        maxsize: int,
        clock: Callable[[], float],
    ) -> None:
        if ttl <= 0 or maxsize < 1:
            raise ValueError(f"need ttl > 0 and maxsize >= 1, got {ttl} and {maxsize}")
        self.function = function
        self.ttl, self.maxsize, self.clock = ttl, maxsize, clock
        self.entries: OrderedDict[Hashable, tuple[float, R]] = OrderedDict()
        self.hits = self.misses = 0

    def __call__(self, *args: P.args, **kwargs: P.kwargs) -> R:
        key = (args, tuple(kwargs.items()))  # TypeError if an argument is unhashable
        now = self.clock()
        found = self.entries.get(key)
        if found is not None and now < found[0]:
            self.entries.move_to_end(key)  # most recently used goes last
            self.hits += 1
            return found[1]
        self.misses += 1
        value = self.function(*args, **kwargs)
        self.entries[key] = (now + self.ttl, value)
        self.entries.move_to_end(key)
        if len(self.entries) > self.maxsize:
            self.entries.popitem(last=False)  # drop the least recently used
        return value

    def __len__(self) -> int:
        return len(self.entries)

    def cache_clear(self) -> None:
        self.entries.clear()
        self.hits = self.misses = 0


def ttl_cache(
    *, ttl: float, maxsize: int = 128, clock: Callable[[], float] = time.monotonic
) -> Callable[[Callable[P, R]], TTLMemo[P, R]]:
    """Like `functools.lru_cache(maxsize)`, but each result expires after `ttl` s."""

    def decorate(function: Callable[P, R]) -> TTLMemo[P, R]:
        return TTLMemo(function, ttl=ttl, maxsize=maxsize, clock=clock)

    return decorate


# --8<-- [end:ttl]


# --8<-- [start:vouchers]
def ways_uncached(amount: int, values: tuple[int, ...]) -> int:
    """In how many ways can `amount` be paid with any number of each of `values`?"""
    CALLS["ways_uncached"] += 1
    if amount == 0:
        return 1
    if amount < 0 or not values:
        return 0
    # Either use the first value once more, or never use it again.
    return ways_uncached(amount - values[0], values) + ways_uncached(amount, values[1:])


@functools.cache
def ways_to_pay(amount: int, values: tuple[int, ...]) -> int:
    """The same recursion; each (amount, values) pair is now solved once."""
    CALLS["ways_to_pay"] += 1
    if amount == 0:
        return 1
    if amount < 0 or not values:
        return 0
    return ways_to_pay(amount - values[0], values) + ways_to_pay(amount, values[1:])


# --8<-- [end:vouchers]


# --8<-- [start:bottom-up]
def ways_to_pay_bottom_up(amount: int, values: tuple[int, ...]) -> int:
    """The same count with a loop, for amounts >= 0: no recursion, so no depth limit."""
    if amount < 0 or any(value <= 0 for value in values):
        raise ValueError(
            f"need amount >= 0 and every value > 0, got {amount} and {values}"
        )
    ways = [1] + [0] * amount  # ways[n]: ways to pay n with the values seen so far
    for value in values:
        for total in range(value, amount + 1):
            ways[total] += ways[total - value]
    return ways[amount]


# --8<-- [end:bottom-up]


# --8<-- [start:converter]
class CurrencyConverter:
    """Converts EUR with one day's fixed rates; each instance caches its own results."""

    def __init__(self, rates: Mapping[str, Decimal]) -> None:
        # A read-only copy: the cached results stay true for the instance's lifetime.
        self.rates: Mapping[str, Decimal] = types.MappingProxyType(dict(rates))
        # A cache made per instance: it dies with the instance.
        self.convert = functools.lru_cache(maxsize=256)(self._convert)

    def _convert(self, amount: Decimal, currency: str) -> Decimal:
        CALLS["convert"] += 1
        return (amount * self.rates[currency]).quantize(CENT)

    @functools.cached_property
    def currencies(self) -> str:
        """Computed on first use, then stored in the instance's `__dict__`."""
        CALLS["currencies"] += 1
        return ", ".join(sorted(self.rates))


# --8<-- [end:converter]


if __name__ == "__main__":
    # fmt: off
    # --8<-- [start:demo-rules]
    order_rules = ["10% off from 50 EUR", "5% off from 20 EUR", "15% off from 200 EUR"]
    lines = [parse_rule(text).discount(Decimal("64.00")) for text in order_rules * 400]
    print(len(lines), "order lines,", CALLS["parse_rule"], "parses")
    #> 1200 order lines, 3 parses
    print(parse_rule.cache_info())
    #> CacheInfo(hits=1197, misses=3, maxsize=None, currsize=3)
    parse_rule.cache_clear()  # say, after the campaign table was reloaded
    print(parse_rule.cache_info())
    #> CacheInfo(hits=0, misses=0, maxsize=None, currsize=0)
    # --8<-- [end:demo-rules]

    # --8<-- [start:demo-tariffs]
    for country in ["DE", "AT", "DE", "FR", "DE", "AT"]:
        carrier_tariff(country)
    print(carrier_tariff.cache_info())
    #> CacheInfo(hits=2, misses=4, maxsize=2, currsize=2)
    # --8<-- [end:demo-tariffs]

    # --8<-- [start:demo-labels]
    print(label(2.5), "|", label(Decimal("2.50")))
    #> 2.5 EUR | 2.5 EUR
    print(typed_label(2.5), "|", typed_label(Decimal("2.50")))
    #> 2.5 EUR | 2.50 EUR
    print(label(3), "|", label(3.0), "|", label(Decimal(3)))
    #> 3 EUR | 3.0 EUR | 3.0 EUR
    # --8<-- [end:demo-labels]

    # --8<-- [start:demo-parcels]
    parcel = Parcel("DE", (Decimal("1.2"), Decimal("0.4")))
    same_parcel = Parcel("DE", (Decimal("1.2"), Decimal("0.4")))
    print(shipping_fee(parcel), shipping_fee(same_parcel), CALLS["shipping_fee"])
    #> 6.90 6.90 1
    # --8<-- [end:demo-parcels]

    # --8<-- [start:demo-ttl]
    clock = FakeClock()
    central_bank = {
        "USD": Decimal("1.0850"), "GBP": Decimal("0.8560"), "CHF": Decimal("0.9420")
    }


    @ttl_cache(ttl=600, maxsize=2, clock=clock)
    def exchange_rate(currency: str) -> Decimal:
        CALLS["exchange_rate"] += 1  # stands in for a request to the bank's feed
        return central_bank[currency]


    print(exchange_rate("USD"))
    #> 1.0850
    central_bank["USD"] = Decimal("1.0910")  # the bank publishes a new rate
    clock.advance(300)
    print(exchange_rate("USD"), "after 5 minutes (stale, within the TTL)")
    #> 1.0850 after 5 minutes (stale, within the TTL)
    clock.advance(301)
    print(exchange_rate("USD"), "just after 10 minutes")
    #> 1.0910 just after 10 minutes
    print(CALLS["exchange_rate"], "requests,", exchange_rate.hits, "hit")
    #> 2 requests, 1 hit
    for currency in ["GBP", "CHF", "USD"]:  # three currencies, room for two
        exchange_rate(currency)
    print(len(exchange_rate), "entries,", CALLS["exchange_rate"], "requests")
    #> 2 entries, 5 requests
    # --8<-- [end:demo-ttl]

    # --8<-- [start:demo-vouchers]
    VOUCHERS = (5, 10, 20, 50)  # gift vouchers, EUR
    print(ways_uncached(200, VOUCHERS), "ways,", CALLS["ways_uncached"], "calls")
    #> 242 ways, 9597 calls
    print(ways_to_pay(200, VOUCHERS), "ways,", CALLS["ways_to_pay"], "calls")
    #> 242 ways, 217 calls
    # --8<-- [end:demo-vouchers]

    # --8<-- [start:demo-deep]
    COINS = (1, 2, 5, 10, 20, 50, 100, 200)  # euro coins, in cents
    try:
        ways_to_pay(5000, COINS)  # 50.00 EUR in coins: 5,000 nested calls deep
    except RecursionError as exc:
        print(type(exc).__name__)
        #> RecursionError
    print(ways_to_pay_bottom_up(5000, COINS))
    #> 10082315214426
    print(ways_to_pay_bottom_up(200, VOUCHERS))
    #> 242
    # --8<-- [end:demo-deep]

    # --8<-- [start:demo-converter]
    monday = CurrencyConverter({"USD": Decimal("1.0850"), "CHF": Decimal("0.9420")})
    tuesday = CurrencyConverter({"USD": Decimal("1.0910"), "CHF": Decimal("0.9390")})
    for _ in range(3):
        converted = monday.convert(Decimal("80.00"), "USD")
    print(converted, tuesday.convert(Decimal("80.00"), "USD"), CALLS["convert"])
    #> 86.80 87.28 2
    print(monday.convert.cache_info())
    #> CacheInfo(hits=2, misses=1, maxsize=256, currsize=1)
    print(monday.currencies, "|", monday.currencies, "|", CALLS["currencies"])
    #> CHF, USD | CHF, USD | 1
    gone = weakref.ref(monday)
    del monday
    gc.collect()  # the instance and its cache form a cycle: the collector frees them
    print("freed:", gone() is None)
    #> freed: True
    # --8<-- [end:demo-converter]
    # fmt: on
