"""The cheat sheet's promise: each block runs on its own, with its own imports.

The page test runs the blocks top to bottom in one namespace, where a block that leaned on a
name from an earlier one would still pass. Here each block runs alone, in a fresh module,
and must print the `#>` lines it shows, in order.
"""

from __future__ import annotations

import contextlib
import io
import sqlite3
import sys
import types
from decimal import Decimal
from typing import Any

import pytest

from tests.pagecode import DOCS, PYTHON_LANGUAGES, Fence, find_fences
from tests.patterns import pattern_pages

CHEAT_SHEET = DOCS / "cheat-sheet.md"
BLOCKS = [f for f in find_fences(CHEAT_SHEET) if f.language in PYTHON_LANGUAGES]


def shown_output(fence: Fence) -> list[str]:
    """The output lines a block shows: `#>` comments and the lines of `\"\"\"` blocks."""
    shown: list[str] = []
    inside = False
    for line in fence.lines:
        stripped = line.strip()
        if stripped == '"""':
            inside = not inside
        elif inside:
            shown.append(line)
        elif stripped.startswith("#> "):
            shown.append(stripped[3:])
    return shown


def test_every_pattern_has_one_block() -> None:
    entries = [line for line in CHEAT_SHEET.read_text().splitlines() if line.startswith("### ")]
    assert len(BLOCKS) == len(entries) == len(pattern_pages())


@pytest.mark.parametrize("fence", BLOCKS, ids=lambda fence: f"line-{fence.start_line}")
def test_each_block_runs_alone(fence: Fence, monkeypatch: pytest.MonkeyPatch) -> None:
    name = f"cheat_sheet_line_{fence.start_line}"
    module = types.ModuleType(name)
    monkeypatch.setitem(sys.modules, name, module)  # dataclasses look their module up
    code = compile("\n".join(fence.lines), f"{CHEAT_SHEET}:{fence.start_line}", "exec")
    with contextlib.redirect_stdout(io.StringIO()) as printed:
        exec(code, module.__dict__)
    lines = printed.getvalue().splitlines()
    position = 0
    for expected in shown_output(fence):
        assert expected in lines[position:], f"line {fence.start_line}: no {expected!r}"
        position = lines.index(expected, position) + 1


def run_entry(title: str, monkeypatch: pytest.MonkeyPatch) -> dict[str, Any]:
    """Run the block under `### {title}` alone; return its namespace."""
    heading = f"### {title} {{ data-search-exclude }}"
    start = CHEAT_SHEET.read_text().splitlines().index(heading) + 1
    fence = next(f for f in BLOCKS if f.start_line > start)
    name = f"cheat_sheet_{title.lower().replace(' ', '_')}"
    module = types.ModuleType(name)
    monkeypatch.setitem(sys.modules, name, module)
    with contextlib.redirect_stdout(io.StringIO()):
        exec(compile("\n".join(fence.lines), str(CHEAT_SHEET), "exec"), module.__dict__)
    return module.__dict__


def test_the_breaker_counts_failures_of_the_dependency_not_the_callers_mistakes(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    entry = run_entry("Circuit breaker", monkeypatch)
    breaker = entry["CircuitBreaker"](max_failures=2, open_for=30.0, clock=lambda: 0.0)

    def unknown_sku() -> int:
        raise LookupError("no product 'PHNOE-99'")  # the service answered: a 404

    for _ in range(3):
        with pytest.raises(LookupError):
            breaker.call(unknown_sku)
    assert breaker.call(lambda: 14) == 14  # still closed
    with pytest.raises(ValueError, match="max_failures must be at least 1"):
        entry["CircuitBreaker"](max_failures=0, open_for=30.0, clock=lambda: 0.0)


def test_the_interpreter_names_an_unknown_field_and_refuses_a_long_rule(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    entry = run_entry("Interpreter", monkeypatch)
    with pytest.raises(NameError, match="unknown field in a rule: seat"):
        entry["rule_matches"]("seat >= 10", {"seats": 12})
    with pytest.raises(SyntaxError, match="at most 500 characters"):
        entry["rule_matches"]("(" * 300 + "seats" + ")" * 300, {"seats": 12})
    entry["parse_rule"].cache_clear()
    entry["rule_matches"]("seats >= 10", {"seats": 12})
    entry["rule_matches"]("seats >= 10", {"seats": 3})
    info = entry["parse_rule"].cache_info()
    assert (info.misses, info.hits) == (1, 1)  # parsed once, evaluated twice


def test_cache_aside_refuses_an_unknown_product_and_the_throttle_bad_settings(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    cache_aside = run_entry("Cache-aside", monkeypatch)
    cache_aside["shop_db"] = sqlite3.connect(":memory:")
    cache_aside["shop_db"].execute("CREATE TABLE product (sku TEXT, price_cents INTEGER)")
    with pytest.raises(LookupError, match="no product 'XX-000'"):
        cache_aside["price_cents"]("XX-000")
    cache_aside["shop_db"].close()
    throttling = run_entry("Throttling", monkeypatch)
    for capacity, per_second in [(0, 1.0), (2, 0.0), (2, float("nan"))]:
        with pytest.raises(ValueError, match="need capacity >= 1, per_second > 0"):
            throttling["TokenBucket"](capacity, per_second, clock=lambda: 0.0)


def test_a_long_sms_is_cut_visibly_to_one_message(monkeypatch: pytest.MonkeyPatch) -> None:
    sms = run_entry("Bridge", monkeypatch)["sms"]
    text = sms("+4915112345678", "x" * 200).removeprefix("sms to +4915112345678: ")
    assert len(text) == 160
    assert text.endswith("...")


def test_the_checkout_checks_the_fee_a_shipping_strategy_returns(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    entry = run_entry("Strategy", monkeypatch)
    with pytest.raises(ValueError, match="shipping returned a negative fee: -5"):
        entry["checkout_total"](Decimal("20.00"), lambda total: Decimal("-5"))


def test_the_event_store_turns_a_lost_race_into_a_concurrency_error(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Two connections can both pass the count check; the UNIQUE key refuses the second.
    Rows at versions 1 and 3 make the count (2) match while version 3 is taken, as it would
    be after another connection's insert between this one's check and its own insert."""
    entry = run_entry("Event sourcing", monkeypatch)
    db, append, error = entry["db"], entry["append"], entry["ConcurrencyError"]
    with db:
        db.execute("INSERT INTO events VALUES ('cart-9', 1, 'Deposited', '{\"cents\": 1}')")
        db.execute("INSERT INTO events VALUES ('cart-9', 3, 'Deposited', '{\"cents\": 3}')")
    with pytest.raises(error, match=r"^cart-9 moved past version 2$"):
        append("cart-9", 2, entry["Deposited"](2))
    assert db.execute("SELECT count(*) FROM events WHERE stream = 'cart-9'").fetchone() == (2,)
