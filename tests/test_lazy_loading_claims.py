"""Claims of the lazy loading page that its blocks cannot print.

What happens under threads (the virtual proxy, `functools.cache`, and `cached_property` with
and without the lock it had up to Python 3.11), what a fresh interpreter has imported, and
that the module prints the same on every Python from 3.11 to 3.13 that this machine has.
"""

from __future__ import annotations

import contextlib
import io
import runpy
import sqlite3
import subprocess
import sys
import textwrap
import threading
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path

import pytest

from snippets.performance.lazy_loading import (
    INVOICE_TEMPLATES,
    Customer,
    InvoiceRenderer,
    LazyRenderer,
    Order,
    TemplateRenderer,
    open_shop,
    order_history,
    preload_orders,
)
from tests.pythons import python_or_skip

ROOT = Path(__file__).resolve().parent.parent
MODULE = ROOT / "snippets" / "performance" / "lazy_loading.py"
VERSIONS = [pytest.param(minor, id=f"python3.{minor}") for minor in (11, 12, 13)]
THREADS = 8


def run(minor: int, program: str) -> str:
    """Run `program` in a fresh, isolated interpreter that can import `snippets`."""
    code = f"import sys; sys.path.insert(0, {str(ROOT)!r})\n" + textwrap.dedent(program)
    done = subprocess.run(
        [python_or_skip(minor), "-I", "-c", code],
        capture_output=True,
        text=True,
        check=False,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    return done.stdout.strip()


# --- the virtual proxy and functools.cache under threads -----------------------------------


def race(call: Callable[[], object], threads: int = THREADS) -> list[object]:
    """Start threads together at a barrier; each calls `call()`; return the results."""
    start = threading.Barrier(threads)
    results: list[object] = []
    lock = threading.Lock()

    def worker() -> None:
        start.wait()
        result = call()
        with lock:
            results.append(result)

    workers = [threading.Thread(target=worker) for _ in range(threads)]
    for thread in workers:
        thread.start()
    for thread in workers:
        thread.join()
    return results


def test_the_virtual_proxy_builds_once_when_threads_arrive_together() -> None:
    # A second build would pass this barrier at once; with the lock it waits 0.05 s alone.
    gate = threading.Barrier(2, timeout=0.05)
    built: list[TemplateRenderer] = []
    lock = threading.Lock()

    def build() -> InvoiceRenderer:
        with lock:
            renderer = TemplateRenderer(INVOICE_TEMPLATES)
            built.append(renderer)
        with contextlib.suppress(threading.BrokenBarrierError):
            gate.wait()
        return renderer

    proxy = LazyRenderer(build)
    order = Order(1012, "2024-07-30", Decimal("19.90"))
    results = race(lambda: proxy.render("Café Anker", order))
    assert len(built) == 1
    assert results == ["Dear Café Anker, invoice INV-1012 of 2024-07-30: 19.90 EUR."] * THREADS


def test_a_failed_build_is_not_stored_and_the_next_call_retries() -> None:
    attempts: list[str] = []

    def build() -> InvoiceRenderer:
        attempts.append("build")
        if len(attempts) == 1:
            raise OSError("template directory not mounted yet")
        return TemplateRenderer(INVOICE_TEMPLATES)

    proxy = LazyRenderer(build)
    order = Order(1012, "2024-07-30", Decimal("19.90"))
    with pytest.raises(OSError, match="not mounted"):
        proxy.render("Café Anker", order)
    assert not proxy.is_loaded
    assert proxy.render("Café Anker", order).startswith("Dear Café Anker")
    assert attempts == ["build", "build"] and proxy.is_loaded


def test_building_the_renderer_checks_its_templates() -> None:
    with pytest.raises(ValueError, match="template 'reminder' has a malformed placeholder"):
        TemplateRenderer({**INVOICE_TEMPLATES, "reminder": "Dear $buyer, you owe $ EUR."})


# --- the error paths of the customer record and the pages -----------------------------------


@pytest.fixture
def shop() -> sqlite3.Connection:
    return open_shop()


def test_loading_an_unknown_customer_raises_lookup_error(shop: sqlite3.Connection) -> None:
    with pytest.raises(LookupError, match="no customer with id 99"):
        Customer.load(shop, 99)


def test_a_bad_page_size_raises_at_the_call_not_at_the_first_next(
    shop: sqlite3.Connection,
) -> None:
    with pytest.raises(ValueError, match="page_size must be at least 1, got 0"):
        order_history(shop, 1, page_size=0)  # never iterated


def test_paging_reaches_the_largest_row_id_sqlite_allows(shop: sqlite3.Connection) -> None:
    shop.execute("INSERT INTO orders VALUES (?, 3, '2024-08-01', 100)", (2**63 - 1,))
    newest = next(order_history(shop, 3, page_size=1))
    assert newest.id == 2**63 - 1
    assert [order.id for order in order_history(shop, 3, page_size=1)] == [2**63 - 1, 1010, 1004]


def test_preloading_reads_only_the_customers_asked_for(shop: sqlite3.Connection) -> None:
    queries: list[str] = []
    shop.set_trace_callback(queries.append)
    nordlicht, anker = Customer.load(shop, 1), Customer.load(shop, 2)
    stale = anker.lifetime_value  # computed before the new order
    shop.execute("INSERT INTO orders VALUES (1013, 2, '2024-08-02', 5600)")
    queries.clear()
    preload_orders(shop, [nordlicht, anker])
    assert len(queries) == 1 and "WHERE customer_id IN (1, 2)" in queries[0]
    assert [order.id for order in anker.orders] == [1002, 1007, 1012, 1013]
    assert anker.lifetime_value == stale + Decimal("56.00")
    assert {order.id for order in nordlicht.orders}.isdisjoint({1004, 1010})  # customer 3's


FUNCTOOLS_CACHE_PROBE = """
    import functools
    import threading

    gate = threading.Barrier(2, timeout=5)  # passes only if two builds run at once
    builds = []

    @functools.cache
    def shared():
        try:
            gate.wait()
            builds.append("together")
        except threading.BrokenBarrierError:
            builds.append("alone")
        return object()

    start = threading.Barrier(2)
    results = []
    threads = [
        threading.Thread(target=lambda: (start.wait(), results.append(shared())))
        for _ in range(2)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    print(*builds, results[0] is results[1], shared() in results, shared() is shared())
"""


@pytest.mark.parametrize("minor", VERSIONS)
def test_functools_cache_may_build_twice_when_two_threads_call_it_first(minor: int) -> None:
    # Both threads run the function at once and get different objects; one is then cached.
    assert run(minor, FUNCTOOLS_CACHE_PROBE) == "together together False True True"


# --- cached_property: a lock up to 3.11, none from 3.12 -------------------------------------

CACHED_PROPERTY_PROBE = """
    import threading
    from functools import cached_property

    calls = []
    inside = threading.Event()
    gate = threading.Barrier(2, timeout=10)

    class Account:
        @cached_property
        def balance(self):
            inside.set()
            try:
                gate.wait()  # passes only if the second thread runs the method too
                calls.append("ran alongside the other thread")
            except threading.BrokenBarrierError:
                calls.append("ran alone")
            return object()

    lock = getattr(Account.__dict__["balance"], "lock", None)  # one per property
    account = Account()
    results = []
    threads = [
        threading.Thread(target=lambda: results.append(account.balance)) for _ in range(2)
    ]
    for thread in threads:
        thread.start()
    inside.wait()
    held = None
    if lock is not None:  # Python 3.11: the other thread waits for the lock
        held = not lock.acquire(blocking=False)
        gate.abort()
    for thread in threads:
        thread.join()
    same = results[0] is results[1]  # did both threads get one object?
    print(lock is not None, held, calls.count("ran alone"), len(calls), same,
          account.balance in results)
"""


@pytest.mark.parametrize("minor", VERSIONS)
def test_cached_property_locks_up_to_3_11_and_runs_twice_from_3_12(minor: int) -> None:
    printed = run(minor, CACHED_PROPERTY_PROBE)
    if minor <= 11:
        # The lock lives on the descriptor, so it is shared by every instance of the class,
        # and it is held while the method runs: the second thread waits, then reads the value.
        assert printed == "True True 1 1 True True"
    else:
        # Both threads run the method at once, each returns its own result, one is stored.
        assert printed == "False None 0 2 False True"


# --- what a fresh interpreter has imported --------------------------------------------------


IMPORTS_PROBE = """
    from decimal import Decimal
    at_start = "xml.etree" in sys.modules
    from snippets.performance import lazy_loading
    after_import = "xml.etree" in sys.modules
    lazy_loading.invoice_xml("Café Anker", lazy_loading.Order(1, "2024-07-30", Decimal(1)))
    print("xml:", at_start, after_import, "xml.etree.ElementTree" in sys.modules)

    import concurrent.futures
    loaded = lambda: [name in sys.modules for name in ("concurrent.futures.thread",
                                                       "concurrent.futures.process")]
    at_import = loaded()
    concurrent.futures.ThreadPoolExecutor
    after_thread = loaded()
    concurrent.futures.ProcessPoolExecutor
    print("futures:", at_import, after_thread, loaded())
"""


@pytest.mark.parametrize("minor", VERSIONS)
def test_the_xml_library_and_the_executors_load_on_first_use(minor: int) -> None:
    # One interpreter per version for both: the module and invoice_xml, then concurrent.futures
    # (which imports neither xml nor the page's module, so the order does not matter).
    assert run(minor, IMPORTS_PROBE).splitlines() == [
        "xml: False False True",
        "futures: [False, False] [True, False] [True, True]",
    ]


@pytest.mark.parametrize("minor", VERSIONS)
def test_lazy_loader_runs_the_module_code_on_first_attribute_access(minor: int) -> None:
    printed = run(
        minor,
        """
        import importlib.util
        spec = importlib.util.find_spec("xml.etree.ElementTree")
        spec.loader = importlib.util.LazyLoader(spec.loader)
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        ran = "xml.etree.ElementPath" in sys.modules  # ElementTree imports it at the top
        module.Element
        print(ran, "xml.etree.ElementPath" in sys.modules)
        """,
    )
    assert printed == "False True"


# --- the same output on every version --------------------------------------------------------


@pytest.fixture(scope="module")
def output_here() -> str:
    printed = io.StringIO()
    with contextlib.redirect_stdout(printed):
        runpy.run_path(str(MODULE), run_name="__main__")
    return printed.getvalue().strip()


@pytest.mark.parametrize("minor", [v for v in VERSIONS if v.values[0] != sys.version_info[1]])
def test_the_module_prints_the_same_on_other_versions(minor: int, output_here: str) -> None:
    program = f"import runpy; runpy.run_path({str(MODULE)!r}, run_name='__main__')"
    assert run(minor, program) == output_here
