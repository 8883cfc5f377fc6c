"""Claims of the memoization page that its blocks do not print."""

from __future__ import annotations

import fnmatch
import functools
import gc
import importlib
import re
import subprocess
import sys
import weakref
import zoneinfo
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path

import pytest

from snippets.performance import memoization
from snippets.performance.memoization import (
    CALLS,
    CurrencyConverter,
    FakeClock,
    Parcel,
    TTLMemo,
    parse_rule,
    ttl_cache,
    ways_to_pay,
    ways_to_pay_bottom_up,
)
from tests.pagecode import DOCS, ROOT, expand_include, find_fences
from tests.pythons import find_python

PAGE = DOCS / "performance" / "memoization.md"
MODULE = "snippets.performance.memoization"
MODULE_PATH = "performance/memoization.py"


VERSIONS = [pytest.param(minor, id=f"python3.{minor}") for minor in (11, 12, 13)]


def run_it_output() -> str:
    """The output the page's "Run it" block shows, without the command line."""
    (block,) = [
        fence
        for fence in find_fences(PAGE)
        if fence.language == "console" and fence.lines[0] == f"$ python -m {MODULE}"
    ]
    return "\n".join(line for line in block.lines[1:] if line).strip()


@pytest.mark.parametrize("minor", VERSIONS)
def test_the_module_prints_the_same_on_every_supported_python(minor: int) -> None:
    executable = find_python(minor)
    if executable is None:  # a skip shows in the report; a missing version is not a pass
        pytest.skip(f"Python 3.{minor} not found under pyenv or on the PATH: unchecked")
    done = subprocess.run(
        [executable, "-m", MODULE], cwd=ROOT, capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == run_it_output()


# Facts about functools and re, checked in a fresh interpreter of each version.
PROBE = """
import functools, re
from decimal import Decimal

def key_count(function, *calls):
    cached = functools.lru_cache(maxsize=16)(function)
    for args in calls:
        cached(*args)
    return cached.cache_info().currsize

one = lambda amount: str(amount)
two = lambda amount, currency: f"{amount} {currency}"
pattern = "[A-Z]{2}-[0-9]{3}"
print(
    key_count(one, (3,), (3.0,)),                  # a lone int is its own key
    key_count(one, (3.0,), (Decimal(3),)),          # float and Decimal share
    key_count(one, ("EUR",), ("EUR",)),
    key_count(two, (3, "EUR"), (3.0, "EUR")),       # two arguments: shared again
    re._MAXCACHE,
    re.compile(pattern) is re.compile(pattern),
)
"""


@pytest.mark.parametrize("minor", VERSIONS)
def test_keys_of_lru_cache_and_the_re_cache_on_every_supported_python(minor: int) -> None:
    executable = find_python(minor)
    if executable is None:
        pytest.skip(f"Python 3.{minor} not found under pyenv or on the PATH: unchecked")
    done = subprocess.run(
        [executable, "-I", "-c", PROBE], capture_output=True, text=True, check=True, timeout=60
    )
    assert done.stdout.split() == ["2", "1", "1", "1", "512", "True"]


def test_lru_cache_defaults_keyword_order_and_a_working_set_larger_than_maxsize() -> None:
    assert functools.lru_cache(len).cache_info().maxsize == 128  # used without arguments
    both = functools.lru_cache(maxsize=8)(lambda a, b: a + b)
    both(a=1, b=2)
    both(b=2, a=1)
    assert both.cache_info().currsize == 2  # keywords count in the order written
    tariff = functools.lru_cache(maxsize=2)(str.lower)
    for country in ["DE", "AT", "FR"] * 3:  # three keys in turn, room for two
        tariff(country)
    assert tariff.cache_info().hits == 0


def test_an_exception_is_not_cached() -> None:
    parse_rule.cache_clear()
    before = CALLS["parse_rule"]
    for _ in range(2):
        with pytest.raises(ValueError, match="not a price rule: 'free shipping'"):
            parse_rule("free shipping")
    assert CALLS["parse_rule"] - before == 2  # the body ran both times
    assert parse_rule.cache_info().currsize == 0


def test_a_frozen_dataclass_is_hashable_only_when_its_fields_are() -> None:
    assert hash(Parcel("DE", (Decimal(1),))) == hash(Parcel("DE", (Decimal(1),)))
    listed = Parcel("DE", [Decimal(1)])  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="unhashable type: 'list'"):
        memoization.shipping_fee(listed)


def test_expired_entries_stay_until_asked_for_or_pushed_out() -> None:
    clock = FakeClock()
    fetched: list[str] = []

    @ttl_cache(ttl=60, maxsize=2, clock=clock)
    def rate(currency: str) -> str:
        fetched.append(currency)
        return currency.lower()

    rate("USD")
    clock.advance(3600)
    assert len(rate) == 1  # expired an hour ago, still stored
    assert rate("USD") == "usd" and fetched == ["USD", "USD"]  # asked for: loaded again
    rate("GBP")
    rate("CHF")
    assert len(rate) == 2  # maxsize bounds expired and fresh entries alike
    assert rate.misses == 4 and rate.hits == 0
    rate.cache_clear()  # like lru_cache: empties the cache and resets the counts
    assert len(rate) == 0 and rate.misses == 0 and rate.hits == 0


def test_ttl_memo_refuses_a_useless_configuration_and_unhashable_arguments() -> None:
    with pytest.raises(ValueError, match="need ttl > 0 and maxsize >= 1, got 0 and 8"):
        TTLMemo(len, ttl=0, maxsize=8, clock=FakeClock())
    memo = TTLMemo(len, ttl=1, maxsize=8, clock=FakeClock())
    with pytest.raises(TypeError, match="unhashable type: 'list'"):
        memo([1, 2])


@pytest.fixture
def gc_disabled() -> Iterator[None]:
    gc.disable()
    try:
        yield
    finally:
        gc.enable()


@pytest.mark.usefixtures("gc_disabled")
def test_a_per_instance_cache_is_freed_by_the_cycle_collector_not_at_del() -> None:
    converter = CurrencyConverter({"USD": Decimal("1.0850")})
    converter.convert(Decimal(10), "USD")
    gone = weakref.ref(converter)
    del converter
    assert gone() is not None  # instance -> cache -> bound method -> instance
    gc.collect()
    assert gone() is None


def test_cached_property_stores_the_value_in_the_instance_dict() -> None:
    converter = CurrencyConverter({"USD": Decimal("1.0850"), "CHF": Decimal("0.9420")})
    assert "currencies" not in vars(converter)
    assert converter.currencies == "CHF, USD"
    assert vars(converter)["currencies"] == "CHF, USD"
    with pytest.raises(TypeError, match="does not support item assignment"):
        converter.rates["GBP"] = Decimal("0.8560")  # type: ignore[index]


def test_lru_cache_on_a_method_holds_self_strongly() -> None:
    class Table:
        @functools.lru_cache(maxsize=8)  # noqa: B019 -- the trap under test
        def rate(self, currency: str) -> str:
            return currency

    table = Table()
    table.rate("USD")
    gone = weakref.ref(table)
    del table
    gc.collect()
    assert gone() is not None
    Table.rate.cache_clear()
    gc.collect()
    assert gone() is None


def ruff_codes(code: str, tmp_path: Path) -> list[str]:
    source = tmp_path / "shown.py"
    source.write_text(code, encoding="utf-8")
    done = subprocess.run(
        [sys.executable, "-m", "ruff", "check", "--isolated", "--select", "B019",
         "--output-format", "concise", str(source)],
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert done.returncode in (0, 1), done.stderr
    return re.findall(r": ([A-Z]+[0-9]+) ", done.stdout)


def test_ruff_b019_flags_the_trap_and_passes_the_fixes(tmp_path: Path) -> None:
    imports = "\n".join(expand_include(f'--8<-- "snippets/{MODULE_PATH}:imports"'))
    blocks = ["\n".join(f.lines) for f in find_fences(PAGE) if f.language == "py"]
    (trap,) = [block for block in blocks if "class CachedConverter" in block]
    fixes = "\n".join(expand_include(f'--8<-- "snippets/{MODULE_PATH}:converter"'))
    assert ruff_codes(f"{imports}\n{trap}", tmp_path) == ["B019"]
    assert ruff_codes(f"{imports}\n{fixes}", tmp_path) == []


def test_the_real_world_caches_return_the_stored_object() -> None:
    berlin = zoneinfo.ZoneInfo("Europe/Berlin")
    assert zoneinfo.ZoneInfo("Europe/Berlin") is berlin
    assert zoneinfo.ZoneInfo.no_cache("Europe/Berlin") is not berlin
    zoneinfo.ZoneInfo.clear_cache()
    assert zoneinfo.ZoneInfo("Europe/Berlin") is not berlin
    compiled = re.compile("[A-Z]{2}-[0-9]{4}")
    re.purge()
    assert re.compile("[A-Z]{2}-[0-9]{4}") is not compiled
    compile_pattern = fnmatch._compile_pattern  # type: ignore[attr-defined]
    assert compile_pattern.cache_parameters() == {"maxsize": 32768, "typed": True}
    assert importlib.import_module("snippets.performance.memoization") is memoization
    assert sys.modules["snippets.performance.memoization"] is memoization
    assert functools.cache(len).cache_info().maxsize is None


def test_bottom_up_refuses_what_it_cannot_count_and_agrees_with_the_recursion() -> None:
    assert ways_to_pay_bottom_up(0, (5,)) == ways_to_pay(0, (5,)) == 1
    with pytest.raises(ValueError, match=r"got -5 and \(5,\)"):
        ways_to_pay_bottom_up(-5, (5,))
    with pytest.raises(ValueError, match=r"got 10 and \(0, 5\)"):
        ways_to_pay_bottom_up(10, (0, 5))


# The depth a memoized recursion reaches: a plain recursion, then `ways_to_pay` itself.
DEPTH = """
import sys
from snippets.performance.memoization import ways_to_pay

def plain(n):
    return 0 if n == 0 else plain(n - 1) + 1

def reaches(function, *args):
    ways_to_pay.cache_clear()  # no call may start from what an earlier one stored
    try:
        function(*args)
    except RecursionError:
        return "RecursionError"
    return "ok"

limit = int(sys.argv[1])
if limit:
    sys.setrecursionlimit(limit)
print(*(reaches(*call) for call in [
    (plain, 900),
    (ways_to_pay, 450, (1,)),
    (ways_to_pay, 600, (1,)),
    (ways_to_pay, 5000, (1, 2, 5, 10, 20, 50, 100, 200)),
]))
"""


@pytest.mark.parametrize(
    ("minor", "limit", "expected"),
    [  # 3.11 with a raised limit is not run: deep enough, it crashes the interpreter
        (11, 0, "ok ok RecursionError RecursionError"),
        (12, 100_000, "ok ok RecursionError RecursionError"),  # the C limit
        (13, 100_000, "ok ok ok RecursionError"),
    ],
    ids=["python3.11-default-limit", "python3.12-limit-100000", "python3.13-limit-100000"],
)
def test_a_memoized_recursion_runs_out_of_depth_before_5000_levels(
    minor: int, limit: int, expected: str
) -> None:
    executable = find_python(minor)
    if executable is None:
        pytest.skip(f"Python 3.{minor} not found under pyenv or on the PATH: unchecked")
    done = subprocess.run(
        [executable, "-c", DEPTH, str(limit)],
        cwd=ROOT, capture_output=True, text=True, check=True, timeout=60,
    )  # fmt: skip
    assert done.stdout.split() == expected.split()
