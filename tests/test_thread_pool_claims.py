"""Claims of the thread pool page that its blocks do not print.

Real threads, a real HTTP server on 127.0.0.1 and real interpreters: the peak of requests in
flight is exactly `max_workers`, `map` cancels what had not started, the `with` block waits
for every queued call unless `stock_report` cancels them, a forgotten error leaves no trace,
and the default pool sizes, start method and fork warning are the ones the page states for
Python 3.11, 3.12 and 3.13.
"""

from __future__ import annotations

import asyncio
import logging
import os
import pickle
import subprocess
import sys
import threading
from concurrent.futures import ProcessPoolExecutor, ThreadPoolExecutor
from pathlib import Path

import anyio
import anyio.to_thread
import pytest

from snippets.concurrency.thread_pool import (
    CATALOGUE,
    UnknownSkuError,
    fetch_stock,
    stock_report,
    stockout_days,
    supplier_api,
)
from tests.pythons import find_python
from tests.threads import thread_guard

TWELVE_SKUS = {f"PART-{number:02}": number * 10 for number in range(12)}


no_thread_left_behind = thread_guard()


# --- overlap: the peak of requests in flight -----------------------------------------------


def test_a_loop_sends_one_request_at_a_time() -> None:
    with supplier_api(TWELVE_SKUS) as supplier:
        for sku in TWELVE_SKUS:
            fetch_stock(supplier.url, sku)
    assert (supplier.in_flight.received, supplier.in_flight.peak) == (12, 1)


@pytest.mark.parametrize("workers", [1, 3, 8])
def test_a_pool_has_exactly_max_workers_calls_in_flight(workers: int) -> None:
    hold = threading.Event()
    with (
        supplier_api(TWELVE_SKUS, hold=hold) as supplier,
        ThreadPoolExecutor(max_workers=workers) as pool,
    ):
        futures = [pool.submit(fetch_stock, supplier.url, sku) for sku in TWELVE_SKUS]
        try:
            supplier.in_flight.wait_for(workers)  # at least this many overlap ...
            with pytest.raises(TimeoutError):  # ... and no more come while they are held
                supplier.in_flight.wait_for(workers + 1, timeout=0.05)
            assert sum(future.running() for future in futures) == workers
        finally:
            hold.set()  # also on failure, so that the pool's threads can finish
    assert [future.result() for future in futures] == list(TWELVE_SKUS.values())
    assert (supplier.in_flight.received, supplier.in_flight.peak) == (12, workers)


# --- map, shutdown and the with block ------------------------------------------------------


def test_map_raises_at_the_failing_item_and_cancels_the_calls_not_started() -> None:
    gate = threading.Event()
    ran: list[str] = []

    def lookup(sku: str) -> int:
        ran.append(sku)
        if sku == "WASHER-M7":
            raise UnknownSkuError(sku)
        if sku == "HINGE-35":
            gate.wait(timeout=5)  # keeps the only worker busy
        return CATALOGUE[sku]

    basket = ["BOLT-M6", "WASHER-M7", "HINGE-35", "NUT-M6", "DOWEL-8"]
    received: list[int] = []
    with ThreadPoolExecutor(max_workers=1) as pool:
        answers = pool.map(lookup, basket)
        with pytest.raises(UnknownSkuError):
            for units in answers:
                received.append(units)
        gate.set()
    assert received == [1200]
    assert "NUT-M6" not in ran and "DOWEL-8" not in ran  # cancelled before they started
    assert ran[:2] == ["BOLT-M6", "WASHER-M7"]


def test_leaving_the_with_block_runs_every_queued_call_even_after_an_error() -> None:
    started, release = threading.Event(), threading.Event()
    ran: list[int] = []

    def task(number: int) -> None:
        started.set()
        if number == 0:
            release.wait(timeout=5)  # the only worker is busy while the block raises
        ran.append(number)

    with pytest.raises(RuntimeError), ThreadPoolExecutor(max_workers=1) as pool:
        futures = [pool.submit(task, number) for number in range(5)]
        try:
            assert started.wait(timeout=5)
            assert not any(future.done() or future.running() for future in futures[1:])
            raise RuntimeError("the caller fails while four calls are queued")
        finally:
            release.set()
    assert ran == [0, 1, 2, 3, 4]
    assert not any(future.cancelled() for future in futures)


@pytest.mark.parametrize(("workers", "calls"), [(1, 3), (2, 8)])
def test_cancel_futures_cancels_exactly_the_calls_that_had_not_started(
    workers: int, calls: int
) -> None:
    hold = threading.Event()
    skus = list(TWELVE_SKUS)[:calls]
    with (
        supplier_api(TWELVE_SKUS, hold=hold) as supplier,
        ThreadPoolExecutor(max_workers=workers) as pool,
    ):
        futures = [pool.submit(fetch_stock, supplier.url, sku) for sku in skus]
        try:
            supplier.in_flight.wait_for(workers)
            pool.shutdown(wait=False, cancel_futures=True)
        finally:
            hold.set()
        with pytest.raises(RuntimeError, match="cannot schedule new futures after shutdown"):
            pool.submit(fetch_stock, supplier.url, skus[0])
    assert sum(future.cancelled() for future in futures) == calls - workers
    assert [future.result() for future in futures[:workers]] == [
        TWELVE_SKUS[sku] for sku in skus[:workers]
    ]
    assert supplier.in_flight.received == workers


def test_stock_report_cancels_the_queue_on_an_error_it_does_not_handle(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    second_running, gate = threading.Event(), threading.Event()
    ran: list[str] = []
    original_shutdown = ThreadPoolExecutor.shutdown

    def shutdown(
        pool: ThreadPoolExecutor, wait: bool = True, *, cancel_futures: bool = False
    ) -> None:
        if cancel_futures:  # cancel while the second call is held, then let it finish
            assert second_running.wait(timeout=5)
            original_shutdown(pool, wait=False, cancel_futures=True)
            gate.set()
        original_shutdown(pool, wait=wait)

    def fetch(sku: str) -> int:
        ran.append(sku)
        if len(ran) == 1:
            raise ConnectionError("the supplier hung up")
        second_running.set()
        gate.wait(timeout=0.05)  # only set by a shutdown that cancels
        return TWELVE_SKUS[sku]

    monkeypatch.setattr(ThreadPoolExecutor, "shutdown", shutdown)
    with pytest.raises(ConnectionError):
        stock_report(fetch, list(TWELVE_SKUS)[:6], max_workers=1)
    assert ran == ["PART-00", "PART-01"]  # four calls never ran


# --- errors: silent in a future, loud in a bare thread -------------------------------------


def test_an_error_nobody_reads_leaves_no_trace(
    capfd: pytest.CaptureFixture[str],
    caplog: pytest.LogCaptureFixture,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    hooked: list[threading.ExceptHookArgs] = []
    monkeypatch.setattr(threading, "excepthook", hooked.append)
    caplog.set_level(logging.DEBUG)
    with supplier_api(CATALOGUE) as supplier, ThreadPoolExecutor(max_workers=2) as pool:
        forgotten = pool.submit(fetch_stock, supplier.url, "WASHER-M7")
    assert isinstance(forgotten.exception(), UnknownSkuError)  # it did fail ...
    assert capfd.readouterr() == ("", "")  # ... silently
    assert not caplog.records
    assert not hooked


def test_an_error_in_a_bare_thread_goes_to_threading_excepthook(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    hooked: list[threading.ExceptHookArgs] = []
    monkeypatch.setattr(threading, "excepthook", hooked.append)
    with supplier_api(CATALOGUE) as supplier:
        thread = threading.Thread(target=fetch_stock, args=(supplier.url, "WASHER-M7"))
        thread.start()
        thread.join()
    assert [args.exc_type for args in hooked] == [UnknownSkuError]


# --- the pools other libraries keep ---------------------------------------------------------


def test_asyncio_to_thread_uses_the_loops_default_pool() -> None:
    both_running = threading.Barrier(2, timeout=5)

    def thread_name() -> str:
        both_running.wait()  # two calls at once need two threads
        return threading.current_thread().name

    async def main() -> list[str]:
        return list(
            await asyncio.gather(asyncio.to_thread(thread_name), asyncio.to_thread(thread_name))
        )

    assert sorted(asyncio.run(main())) == ["asyncio_0", "asyncio_1"]
    # asyncio.run shut the pool down: the fixture finds no thread left.


def test_anyio_runs_at_most_40_threads_at_once_by_default() -> None:
    async def tokens() -> float:
        return anyio.to_thread.current_default_thread_limiter().total_tokens

    assert anyio.run(tokens) == 40


# --- processes ------------------------------------------------------------------------------


def test_a_process_pool_sends_functions_by_name_and_refuses_the_others() -> None:
    def nested(sku: str) -> int:
        return len(sku)

    with ProcessPoolExecutor(max_workers=1) as processes:
        assert processes.submit(stockout_days, "BOLT-M6").result() == 853
        for refused in [processes.submit(lambda: 1), processes.submit(nested, "BOLT-M6")]:
            with pytest.raises((pickle.PicklingError, AttributeError), match="pickle"):
                refused.result()


PROBE = """
import multiprocessing, os, sys, threading, warnings
from concurrent.futures import ProcessPoolExecutor, ThreadPoolExecutor
os.sched_setaffinity(0, {min(os.sched_getaffinity(0))})  # this process may use 1 CPU
threads = ThreadPoolExecutor()._max_workers
processes = ProcessPoolExecutor()
gil = sys._is_gil_enabled() if hasattr(sys, "_is_gil_enabled") else "absent"
print(os.cpu_count(), threads, processes._max_workers, multiprocessing.get_start_method(), gil)
processes.shutdown()
def fork_warned(method):
    release = threading.Event()
    context = multiprocessing.get_context(method)
    with warnings.catch_warnings(record=True) as caught, \
            ProcessPoolExecutor(1, mp_context=context) as one:
        warnings.simplefilter("always")
        with ThreadPoolExecutor(1) as pool:
            pool.submit(release.wait, 5)  # a thread pool runs while the workers may fork
            one.submit(abs, -1).result()
            release.set()
    return any("multi-threaded, use of fork()" in str(w.message) for w in caught)
print(fork_warned("fork"), fork_warned("forkserver"))
"""


@pytest.mark.skipif(not hasattr(os, "sched_setaffinity"), reason="needs CPU affinity (Linux)")
@pytest.mark.parametrize("minor", [11, 12, 13], ids=lambda minor: f"python3.{minor}")
def test_default_sizes_start_method_and_gil_on_each_version(minor: int) -> None:
    executable = find_python(minor)
    if executable is None:  # a skip shows in the report; a missing version is not a pass
        pytest.skip(f"Python 3.{minor} not found under pyenv or on the PATH: unchecked")
    done = subprocess.run(
        [executable, "-I", "-c", PROBE], capture_output=True, text=True, check=True, timeout=60
    )
    cpus, threads, processes, start_method, gil, warned, warned_forkserver = done.stdout.split()
    # 3.11 and 3.12 count every CPU of the machine; 3.13 only those this process may use.
    counted = 1 if minor >= 13 else int(cpus)
    assert int(threads) == min(32, counted + 4)
    assert int(processes) == counted
    assert start_method == "fork"  # Linux, 3.11 to 3.13 (3.14 moves to forkserver)
    assert gil == ("True" if minor >= 13 else "absent")  # the default build has the GIL
    assert warned == ("True" if minor >= 12 else "False")  # a DeprecationWarning
    assert warned_forkserver == "False"  # workers forked by a server that runs no threads


NO_GUARD = """
import multiprocessing, concurrent.futures as futures
pool = futures.ProcessPoolExecutor(1, mp_context=multiprocessing.get_context("forkserver"))
print(pool.submit(abs, -1).result())
"""


def test_a_pool_outside_the_main_guard_fails_under_forkserver(tmp_path: Path) -> None:
    script = tmp_path / "nightly_simulation.py"  # workers re-import it: it needs a file
    script.write_text(NO_GUARD)
    done = subprocess.run(
        [sys.executable, "-I", str(script)], capture_output=True, text=True, timeout=30
    )
    assert done.returncode != 0
    assert "RuntimeError" in done.stderr
    assert "current process has finished its bootstrapping phase" in done.stderr
