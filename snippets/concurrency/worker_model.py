"""Worker model: an order import where worker threads take jobs from a bounded queue.

Run it with `python -m snippets.concurrency.worker_model`.
"""

# --8<-- [start:imports]
import asyncio
import csv
import io
import queue
import sys
import threading
from collections.abc import Awaitable, Callable, Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from decimal import Decimal
from types import TracebackType
from typing import Self

# --8<-- [end:imports]


# --8<-- [start:jobs]
@dataclass(frozen=True)
class OrderJob:
    """One row of an order export, numbered in the order the producer read it."""

    job_id: int
    order_id: str
    quantity: str
    unit_price: str


@dataclass(frozen=True)
class ImportResult:
    """What became of one job: the order's total, or why it was refused."""

    job_id: int
    order_id: str
    total: Decimal | None = None
    error: str | None = None

    @classmethod
    def failed(cls, job: OrderJob, exc: Exception) -> Self:
        return cls(job.job_id, job.order_id, error=f"{type(exc).__name__}: {exc}")

    def __str__(self) -> str:
        outcome = f"failed, {self.error}" if self.error else f"total {self.total}"
        return f"#{self.job_id} {self.order_id}: {outcome}"


def read_orders(csv_text: str) -> Iterator[OrderJob]:
    """The producer's source: one job per CSV row, numbered from 1."""
    for job_id, row in enumerate(csv.DictReader(io.StringIO(csv_text)), start=1):
        yield OrderJob(job_id, row["order_id"], row["quantity"], row["unit_price"])


def import_order(job: OrderJob) -> ImportResult:
    """The work: check one row and price it. A bad row raises ValueError."""
    quantity = int(job.quantity)
    if quantity < 1:
        raise ValueError(f"quantity must be at least 1, got {quantity}")
    total = quantity * Decimal(job.unit_price)
    return ImportResult(job.job_id, job.order_id, total=total)


# --8<-- [end:jobs]


# --8<-- [start:orders]
ORDERS_CSV = """\
order_id,quantity,unit_price
A-1001,2,8.50
A-1002,1,19.90
A-1003,two,12.00
A-1004,0,8.50
A-1005,3,19.90
A-1006,1,12.00
"""
# --8<-- [end:orders]


# --8<-- [start:worker]
JobQueue = queue.Queue[OrderJob | None]  # None is the sentinel: "no more jobs"

if sys.version_info >= (3, 13):
    from queue import ShutDown
else:  # queues cannot be shut down before Python 3.13: this is never raised

    class ShutDown(Exception):  # noqa: N818 (the standard library's name)
        pass


def work(
    jobs: JobQueue,
    results: queue.Queue[ImportResult],
    process: Callable[[OrderJob], ImportResult],
) -> None:
    """A worker thread: take a job, process it, report, until told to stop."""
    while True:
        try:
            job = jobs.get()
        except ShutDown:  # Python 3.13+: the queue was shut down and is empty
            return
        if job is None:  # this worker's sentinel
            jobs.task_done()
            return
        try:
            results.put(process(job))
        except Exception as exc:  # one bad job must not kill the worker
            results.put(ImportResult.failed(job, exc))
        finally:
            jobs.task_done()  # always, or jobs.join() waits for ever


def stop_workers(jobs: JobQueue, threads: list[threading.Thread]) -> None:
    """Let the workers finish the jobs already queued, then stop them; wait."""
    if sys.version_info >= (3, 13):
        jobs.shutdown()  # get() raises ShutDown once the queue is empty
    else:
        for _ in threads:
            jobs.put(None)  # one sentinel per worker, behind the last job
    for thread in threads:
        thread.join()


# --8<-- [end:worker]


# --8<-- [start:importer]
class OrderImporter:
    """A producer-consumer pipeline: `submit` puts jobs on a bounded queue, worker
    threads process them, `results` waits for all and returns them in job order."""

    def __init__(
        self,
        process: Callable[[OrderJob], ImportResult],
        *,
        workers: int = 4,
        maxsize: int = 8,
    ) -> None:
        if workers < 1:
            raise ValueError(f"workers must be at least 1, got {workers}")
        if maxsize < 1:  # 0 would make the queue unbounded: no back-pressure
            raise ValueError(f"maxsize must be at least 1, got {maxsize}")
        self.jobs: JobQueue = queue.Queue(maxsize=maxsize)
        self._results: queue.Queue[ImportResult] = queue.Queue()
        self.threads = [
            threading.Thread(
                target=work,
                args=(self.jobs, self._results, process),
                name=f"order-worker-{number}",
            )
            for number in range(1, workers + 1)
        ]

    def __enter__(self) -> Self:
        for thread in self.threads:
            thread.start()
        return self

    def submit(self, job: OrderJob, *, timeout: float | None = None) -> None:
        """Queue a job. While the queue is full this blocks (back-pressure); after
        `timeout` seconds it raises queue.Full."""
        self.jobs.put(job, timeout=timeout)

    def results(self) -> list[ImportResult]:
        """Wait until every submitted job is done; return the results by job id."""
        self.jobs.join()  # every job got its task_done(), so its result is queued
        done = [self._results.get_nowait() for _ in range(self._results.qsize())]
        return sorted(done, key=lambda result: result.job_id)

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        stop_workers(self.jobs, self.threads)


# --8<-- [end:importer]


# --8<-- [start:gate]
class Gate:
    """A slow dependency without sleeping: each call waits until `open()`.

    `entered` is set as soon as a call is waiting, so a demo or a test knows
    that a worker holds a job.
    """

    def __init__(self, process: Callable[[OrderJob], ImportResult]) -> None:
        self._process = process
        self._open = threading.Event()
        self.entered = threading.Event()

    def __call__(self, job: OrderJob) -> ImportResult:
        self.entered.set()
        if not self._open.wait(timeout=10):
            raise TimeoutError("the gate was never opened")
        return self._process(job)

    def open(self) -> None:
        self._open.set()


# --8<-- [end:gate]


# --8<-- [start:asyncio]
async def import_async(
    jobs: Iterable[OrderJob],
    process: Callable[[OrderJob], Awaitable[ImportResult]],
    *,
    workers: int = 4,
    maxsize: int = 8,
) -> list[ImportResult]:
    """The same pipeline on one event loop: worker tasks instead of threads."""
    pending: asyncio.Queue[OrderJob] = asyncio.Queue(maxsize=maxsize)
    results: list[ImportResult] = []  # one thread: a plain list is enough

    async def worker() -> None:
        while True:
            job = await pending.get()
            try:
                results.append(await process(job))
            except Exception as exc:
                results.append(ImportResult.failed(job, exc))
            finally:
                pending.task_done()

    tasks = [asyncio.create_task(worker()) for _ in range(workers)]
    try:
        for job in jobs:
            await pending.put(job)  # waits while the queue is full
        await pending.join()
    finally:
        for task in tasks:
            task.cancel()  # the workers wait in get() for ever: cancel them
        await asyncio.gather(*tasks, return_exceptions=True)
    return sorted(results, key=lambda result: result.job_id)


async def import_order_async(job: OrderJob) -> ImportResult:
    await asyncio.sleep(0)  # stands in for an awaited call: a database, an API
    return import_order(job)


# --8<-- [end:asyncio]


# --8<-- [start:pythonic]
def import_or_fail(job: OrderJob) -> ImportResult:
    try:
        return import_order(job)
    except Exception as exc:
        return ImportResult.failed(job, exc)


def import_with_pool(jobs: Iterable[OrderJob], workers: int = 4) -> list[ImportResult]:
    """Independent jobs, no back-pressure needed: the executor is the worker model."""
    with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="order") as pool:
        return list(pool.map(import_or_fail, jobs))  # results in submission order


# --8<-- [end:pythonic]


if __name__ == "__main__":
    # fmt: off
    # --8<-- [start:demo-import]
    with OrderImporter(import_order, workers=3, maxsize=2) as importer:
        for job in read_orders(ORDERS_CSV):
            importer.submit(job)  # blocks while 2 jobs wait: back-pressure
        results = importer.results()
    print("\n".join(str(result) for result in results))
    '''
    #1 A-1001: total 17.00
    #2 A-1002: total 19.90
    #3 A-1003: failed, ValueError: invalid literal for int() with base 10: 'two'
    #4 A-1004: failed, ValueError: quantity must be at least 1, got 0
    #5 A-1005: total 59.70
    #6 A-1006: total 12.00
    '''
    print("workers alive:", [thread.is_alive() for thread in importer.threads])
    #> workers alive: [False, False, False]
    # --8<-- [end:demo-import]

    # --8<-- [start:demo-backpressure]
    jobs = list(read_orders(ORDERS_CSV))
    slow_import = Gate(import_order)
    with OrderImporter(slow_import, workers=1, maxsize=2) as importer:
        importer.submit(jobs[0])
        if not slow_import.entered.wait(timeout=5):  # the one worker holds job 1
            raise RuntimeError("no worker took job 1")
        importer.submit(jobs[1])
        importer.submit(jobs[2])  # the queue holds 2 of 2
        try:
            importer.jobs.put(jobs[3], block=False)
        except queue.Full:
            print("put(block=False): queue.Full at once")
            #> put(block=False): queue.Full at once
        try:
            importer.submit(jobs[3], timeout=0.05)
        except queue.Full:
            print("submit(timeout=0.05): queue.Full after 0.05 s")
            #> submit(timeout=0.05): queue.Full after 0.05 s
        slow_import.open()  # the dependency recovers
        for job in jobs[3:]:
            importer.submit(job)
        print(len(importer.results()), "results")
        #> 6 results
    # --8<-- [end:demo-backpressure]

    # --8<-- [start:demo-asyncio]
    results = asyncio.run(
        import_async(read_orders(ORDERS_CSV), import_order_async, workers=3, maxsize=2)
    )
    print(["failed" if result.error else str(result.total) for result in results])
    #> ['17.00', '19.90', 'failed', 'failed', '59.70', '12.00']
    # --8<-- [end:demo-asyncio]

    # --8<-- [start:demo-pythonic]
    results = import_with_pool(read_orders(ORDERS_CSV), workers=3)
    print([result.job_id for result in results], sum(r.error is None for r in results))
    #> [1, 2, 3, 4, 5, 6] 4

    held = Gate(import_order)  # a slow dependency: no job finishes before open()
    many = [OrderJob(n, f"B-{n}", "1", "8.50") for n in range(1, 1001)]
    with ThreadPoolExecutor(max_workers=3) as pool:
        futures = [pool.submit(held, job) for job in many]  # never blocks
        print(len(futures), "submitted,", sum(f.done() for f in futures), "done")
        #> 1000 submitted, 0 done
        held.open()
    # --8<-- [end:demo-pythonic]
    # fmt: on
