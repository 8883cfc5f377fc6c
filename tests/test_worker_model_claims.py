"""Claims of docs/concurrency/worker-model.md that its blocks do not print.

Real threads, real queues, real interpreters: the module runs under every Python from 3.11 to
3.13 found on this machine, and `Queue.shutdown()` is checked under 3.13. Every wait is bounded
by a timeout that only a failure reaches, or by a shown 0.05 s.
"""

import asyncio
import contextlib
import functools
import io
import json
import logging
import os
import queue
import runpy
import subprocess
import sys
import threading
import warnings
from collections.abc import Callable, Iterator
from logging.handlers import QueueHandler, QueueListener
from pathlib import Path
from typing import Any

import pytest

from snippets.concurrency.worker_model import (
    ORDERS_CSV,
    Gate,
    ImportResult,
    JobQueue,
    OrderImporter,
    OrderJob,
    import_async,
    import_order,
    read_orders,
    work,
)
from tests.pythons import find_python
from tests.threads import thread_guard

ROOT = Path(__file__).resolve().parent.parent
TIMEOUT = 5.0  # seconds; generous for a loaded machine, reached only by a failure
SHOWN = 0.05  # the short timeout the page shows


no_thread_left_behind = thread_guard()


def jobs_for(count: int) -> list[OrderJob]:
    return [OrderJob(n, f"B-{n}", "1", "8.50") for n in range(1, count + 1)]


def wait_until(condition: Callable[[], bool]) -> None:
    """Poll a condition another thread will make true; fail after TIMEOUT."""
    event = threading.Event()
    for _ in range(int(TIMEOUT / 0.001)):
        if condition():
            return
        event.wait(0.001)
    pytest.fail("the condition never became true")


def bounded(function: Callable[[], Any]) -> Any:
    """Run `function` in a thread; fail (instead of hanging) if it does not return."""
    outcome: list[Any] = []
    helper = threading.Thread(target=lambda: outcome.append(function()))
    helper.start()
    helper.join(TIMEOUT)
    assert not helper.is_alive(), f"{function} did not return: it would hang"
    return outcome[0]


def waiting_in_put(jobs: JobQueue) -> int:
    """Threads blocked inside `jobs.put()`: CPython's Condition keeps them in `_waiters`."""
    return len(jobs.not_full._waiters)  # type: ignore[attr-defined]


# --- back-pressure -------------------------------------------------------------------------


def test_a_producer_thread_hands_over_exactly_workers_plus_maxsize_jobs() -> None:
    gate = Gate(import_order)
    handed_over: list[int] = []
    jobs = jobs_for(20)
    with OrderImporter(gate, workers=3, maxsize=2) as importer:

        def produce() -> None:
            for job in jobs:
                importer.submit(job, timeout=TIMEOUT)
                handed_over.append(job.job_id)

        producer = threading.Thread(target=produce)
        producer.start()
        try:
            wait_until(lambda: len(handed_over) == 5)  # 3 held by the workers, 2 queued
            wait_until(lambda: waiting_in_put(importer.jobs) == 1)  # the producer, in put()
            producer.join(SHOWN)
            assert producer.is_alive(), "the producer should wait in put() with job 6"
            assert len(handed_over) == 5
            assert importer.jobs.qsize() == 2 and importer.jobs.full()
        finally:
            gate.open()  # on failure too, so the workers and the producer can finish
            producer.join(TIMEOUT)
        results = bounded(importer.results)
    assert handed_over == list(range(1, 21))
    assert [result.job_id for result in results] == list(range(1, 21))


def test_the_asyncio_producer_waits_in_put_and_no_task_outlives_the_call() -> None:
    pulled: list[int] = []

    def source() -> Iterator[OrderJob]:
        for job in jobs_for(20):
            pulled.append(job.job_id)
            yield job

    async def main() -> list[ImportResult]:
        gate = asyncio.Event()

        async def held(job: OrderJob) -> ImportResult:
            await gate.wait()
            return import_order(job)

        run = asyncio.create_task(import_async(source(), held, workers=3, maxsize=2))
        for _ in range(50):
            await asyncio.sleep(0)  # let every task run until it waits
        assert len(pulled) == 6  # 3 held by workers, 2 queued, the 6th waits in put()
        gate.set()
        results = await run
        assert asyncio.all_tasks() == {asyncio.current_task()}  # the workers are gone
        return results

    results = asyncio.run(main())
    assert [result.job_id for result in results] == list(range(1, 21))


# --- errors in a worker --------------------------------------------------------------------


def test_work_turns_each_error_into_a_result_and_join_returns() -> None:
    def flaky(job: OrderJob) -> ImportResult:
        if job.job_id % 3 == 0:
            raise RuntimeError(f"pricing service refused {job.order_id}")
        return import_order(job)

    with OrderImporter(flaky, workers=3, maxsize=2) as importer:
        for job in jobs_for(30):
            importer.submit(job, timeout=TIMEOUT)
        results = bounded(importer.results)
        assert all(thread.is_alive() for thread in importer.threads)  # nobody died
    failed = [result for result in results if result.error]
    assert len(results) == 30 and len(failed) == 10
    assert failed[0].error == "RuntimeError: pricing service refused B-3"
    assert not any(thread.is_alive() for thread in importer.threads)


def fragile_work(jobs: JobQueue, results: queue.Queue[ImportResult]) -> None:
    """The page's worker without try/finally."""
    while (job := jobs.get()) is not None:
        results.put(import_order(job))
        jobs.task_done()
    jobs.task_done()


def test_a_dead_worker_leaves_join_waiting_for_ever() -> None:
    jobs: JobQueue = queue.Queue()
    for job in read_orders(ORDERS_CSV):
        jobs.put(job)
    jobs.put(None)
    uncaught: list[type[BaseException]] = []
    default_hook = threading.excepthook
    threading.excepthook = lambda hook: uncaught.append(hook.exc_type)
    try:
        worker = threading.Thread(target=fragile_work, args=(jobs, queue.Queue()))
        worker.start()
        worker.join(TIMEOUT)
    finally:
        threading.excepthook = default_hook
    assert uncaught == [ValueError] and not worker.is_alive()
    waiter = threading.Thread(target=jobs.join)
    waiter.start()
    waiter.join(SHOWN)
    assert waiter.is_alive(), "join() returned although 5 jobs were never done"
    assert jobs.unfinished_tasks == 5
    for _ in range(5):  # what the dead worker owed; now join() can return
        jobs.task_done()
    waiter.join(TIMEOUT)
    assert not waiter.is_alive()


THREAD_DIES = """
import queue, threading
from snippets.concurrency.worker_model import ORDERS_CSV, import_order, read_orders

jobs = queue.Queue()
for job in read_orders(ORDERS_CSV):
    jobs.put(job)

def fragile_work():
    while True:
        import_order(jobs.get())
        jobs.task_done()

worker = threading.Thread(target=fragile_work, name="order-worker-1")
worker.start()
worker.join()
print("the main thread carried on;", jobs.unfinished_tasks, "jobs not done")
"""


def test_the_default_excepthook_prints_and_the_program_exits_with_0() -> None:
    done = subprocess.run(
        [sys.executable, "-c", THREAD_DIES],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=20,
    )
    assert done.returncode == 0
    assert done.stdout == "the main thread carried on; 4 jobs not done\n"
    assert "Exception in thread order-worker-1" in done.stderr
    assert "ValueError: invalid literal for int() with base 10: 'two'" in done.stderr


# --- stopping ------------------------------------------------------------------------------


def test_too_few_sentinels_leave_workers_waiting() -> None:
    jobs: JobQueue = queue.Queue()
    results: queue.Queue[ImportResult] = queue.Queue()
    threads = [threading.Thread(target=work, args=(jobs, results, import_order)) for _ in range(3)]
    for thread in threads:
        thread.start()
    jobs.put(None)  # one sentinel for three workers
    bounded(jobs.join)
    wait_until(lambda: sum(thread.is_alive() for thread in threads) == 2)
    for thread in threads:
        thread.join(SHOWN / 3)
    assert sum(thread.is_alive() for thread in threads) == 2
    assert not any(thread.daemon for thread in threads)  # they would keep Python from exiting
    jobs.put(None)
    jobs.put(None)
    for thread in threads:
        thread.join(TIMEOUT)
    assert not any(thread.is_alive() for thread in threads)


def test_the_importer_refuses_an_unbounded_queue_and_no_workers() -> None:
    with pytest.raises(ValueError, match="maxsize must be at least 1, got 0"):
        OrderImporter(import_order, maxsize=0)
    with pytest.raises(ValueError, match="workers must be at least 1, got 0"):
        OrderImporter(import_order, workers=0)


def test_queue_listener_stops_its_thread_with_a_sentinel() -> None:
    class Recording(queue.Queue[logging.LogRecord | None]):
        def __init__(self) -> None:
            super().__init__()
            self.items: list[logging.LogRecord | None] = []

        def put_nowait(self, item: logging.LogRecord | None) -> None:
            self.items.append(item)
            super().put_nowait(item)

    records = Recording()
    received: list[str] = []

    class Collect(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            received.append(record.getMessage())

    listener = QueueListener(records, Collect())
    listener.start()
    logger = logging.getLogger("worker-model-claims")
    logger.propagate = False
    logger.addHandler(QueueHandler(records))  # the thread that logs is the producer
    try:
        logger.warning("order %s imported", "A-1001")
    finally:
        logger.handlers.clear()
    listener.stop()
    assert received == ["order A-1001 imported"]
    assert records.items[-1] is None  # the sentinel
    assert records.unfinished_tasks == 0  # the listener calls task_done() for each


# --- every Python from 3.11 to 3.13 --------------------------------------------------------


def python(minor: int) -> str:
    executable = find_python(minor)
    if executable is None:  # a skip shows in the report; a missing version is not a pass
        pytest.skip(f"Python 3.{minor} not found under pyenv or on the PATH: unchecked")
    return executable


def run(executable: str, *args: str) -> str:
    """Run with the project root as the current directory: `snippets` is stdlib-only here."""
    done = subprocess.run(
        [executable, "-s", *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=20,
        env={**os.environ, "PYTHONPATH": ""},
    )
    assert done.returncode == 0, done.stderr
    return done.stdout


# Runs the module as `python -m` would, then checks what the queues of this version can do.
PROBE = """
import asyncio, json, queue, runpy, sys, threading

runpy.run_module("snippets.concurrency.worker_model", run_name="__main__")
from snippets.concurrency.worker_model import (
    ORDERS_CSV, OrderImporter, import_order, read_orders,
)

report = {
    "queue": hasattr(queue.Queue, "shutdown") and hasattr(queue, "ShutDown"),
    "asyncio": hasattr(asyncio.Queue, "shutdown") and hasattr(asyncio, "QueueShutDown"),
}
if sys.version_info >= (3, 13):
    jobs = queue.Queue()
    jobs.put("A-1")
    jobs.put("A-2")
    jobs.shutdown()
    try:
        jobs.put("A-3")
    except queue.ShutDown:
        report["put"] = "ShutDown"
    report["drained"] = [jobs.get(), jobs.get()]
    try:
        jobs.get()
    except queue.ShutDown:
        report["get"] = "ShutDown"

    idle, woken = queue.Queue(), []
    def wait():
        try:
            idle.get()
        except queue.ShutDown:
            woken.append("ShutDown")
    waiter = threading.Thread(target=wait)
    waiter.start()
    for _ in range(5000):  # until the thread waits inside get()
        if idle.not_empty._waiters:
            break
        threading.Event().wait(0.001)
    report["was_waiting"] = len(idle.not_empty._waiters)
    idle.shutdown()
    waiter.join(5)
    report["woken"] = woken

    dropped = queue.Queue()
    dropped.put("A-1")
    dropped.put("A-2")
    dropped.shutdown(immediate=True)
    report["immediate"] = [dropped.qsize(), dropped.unfinished_tasks]
    dropped.join()  # returns: the dropped jobs count as done

    with OrderImporter(import_order, workers=3, maxsize=2) as importer:
        for job in read_orders(ORDERS_CSV):
            importer.submit(job)
        report["results"] = len(importer.results())
    report["importer_shut_down"] = importer.jobs.is_shutdown
    report["alive"] = [thread.is_alive() for thread in importer.threads]

    async def main():
        pending = asyncio.Queue()
        pending.put_nowait("A-1")
        pending.shutdown()
        seen = []
        try:
            await pending.put("A-2")
        except asyncio.QueueShutDown:
            seen.append("put: QueueShutDown")
        seen.append(await pending.get())
        try:
            await pending.get()
        except asyncio.QueueShutDown:
            seen.append("get: QueueShutDown")
        return seen
    report["asyncio_queue"] = asyncio.run(main())
print(json.dumps(report))
"""


@functools.cache
def module_output() -> str:
    """What `python -m snippets.concurrency.worker_model` prints under this interpreter."""
    printed = io.StringIO()
    with contextlib.redirect_stdout(printed), warnings.catch_warnings():
        # The tests imported the module already; running a fresh copy as __main__ is fine.
        warnings.filterwarnings("ignore", "'snippets.concurrency", RuntimeWarning)
        runpy.run_module("snippets.concurrency.worker_model", run_name="__main__")
    return printed.getvalue()


def probe(minor: int) -> dict[str, Any]:
    """Run PROBE under Python 3.<minor>: the module's output must be this interpreter's."""
    *printed, report = run(python(minor), "-c", PROBE).splitlines(keepends=True)
    assert "".join(printed) == module_output(), f"python3.{minor} prints something else"
    result: dict[str, Any] = json.loads(report)
    return result


def test_queues_cannot_be_shut_down_before_python_3_13() -> None:
    if sys.version_info < (3, 13):  # this interpreter, checked in place
        assert not hasattr(queue.Queue, "shutdown") and not hasattr(queue, "ShutDown")
        assert not hasattr(asyncio.Queue, "shutdown")
        assert not hasattr(asyncio, "QueueShutDown")
    if sys.version_info[:2] != (3, 12):
        assert probe(12) == {"queue": False, "asyncio": False}


def test_queue_shutdown_on_python_3_13() -> None:
    report = probe(13)
    assert report == {
        "queue": True,
        "asyncio": True,
        "put": "ShutDown",  # put() refuses at once
        "drained": ["A-1", "A-2"],  # get() still returns what was queued...
        "get": "ShutDown",  # ...then raises
        "was_waiting": 1,
        "woken": ["ShutDown"],  # a get() already waiting is woken with ShutDown
        "immediate": [0, 0],  # immediate=True drops the jobs and marks them done
        "results": 6,
        "importer_shut_down": True,  # stop_workers used shutdown(), not sentinels
        "alive": [False, False, False],
        "asyncio_queue": ["put: QueueShutDown", "A-1", "get: QueueShutDown"],
    }
