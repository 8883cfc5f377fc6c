"""Claims of the bulkhead page, checked with real threads, tasks and a real HTTP server.

Each burst is bounded and its counts are exact: the slow calls hang on the server until the
test releases them, so which calls can finish is decided by state, never by timing. The
timeouts below only bound a broken run.
"""

import asyncio
import threading
from concurrent.futures import Future, ThreadPoolExecutor, as_completed
from typing import TypeVar

import httpx
import pytest

from snippets.cloud.bulkhead import (
    STOCK,
    AsyncBulkhead,
    Bulkhead,
    BulkheadFullError,
    BulkheadStats,
    DependencyServer,
    dependency_client,
    dependency_server,
    get_recommendations,
    get_stock,
    product_page,
    submit_within,
)
from tests.threads import thread_guard

TIME_BUDGET = 1.0  # seconds for one test; each takes about a tenth of that
BOUND = 5.0  # seconds a broken run may wait for a result before the test fails
BURST, LIMIT = 20, 3
T = TypeVar("T")


no_thread_left_behind = thread_guard(time_budget=TIME_BUDGET)


def first(futures: list[Future[T]], count: int) -> list[Future[T]]:
    """The first `count` futures to finish; fails after BOUND seconds instead of hanging."""
    finished = as_completed(futures, timeout=BOUND)
    return [next(finished) for _ in range(count)]


class InFlight:
    """Counts calls in flight and the most seen at once, independently of the bulkhead."""

    def __init__(self) -> None:
        self.now = self.most = 0
        self._lock = threading.Lock()

    def __enter__(self) -> None:
        with self._lock:
            self.now += 1
            self.most = max(self.most, self.now)

    def __exit__(self, *exc_info: object) -> None:
        with self._lock:
            self.now -= 1


def test_a_burst_of_20_slow_calls_at_limit_3_admits_exactly_3() -> None:
    bulkhead = Bulkhead("recommendations", limit=LIMIT)
    together = threading.Barrier(BURST, timeout=BOUND)
    in_flight = InFlight()

    def recommend(customer: str) -> tuple[str, ...]:
        together.wait()  # all 20 ask at the same moment
        with bulkhead, in_flight:
            return get_recommendations(server.url, customer)

    with (
        ThreadPoolExecutor(BURST) as callers,
        ThreadPoolExecutor(5) as other_callers,
        dependency_server() as server,  # stopped first: a failing test cannot hang
    ):
        calls = [callers.submit(recommend, f"c-{n}") for n in range(BURST)]
        refused = first(calls, BURST - LIMIT)  # the admitted ones cannot finish yet
        assert all(isinstance(call.exception(), BulkheadFullError) for call in refused)
        server.wait_until_hanging(LIMIT)
        lookups = [other_callers.submit(get_stock, server.url, sku) for sku in list(STOCK) * 5]
        assert [lookup.result(timeout=BOUND) for lookup in lookups] == [12, 40, 0] * 5
        assert server.hanging == LIMIT  # the slow calls still hang meanwhile
        assert bulkhead.stats() == BulkheadStats(admitted=3, rejected=17, in_flight=3)
        server.release()
        admitted = [call.result(timeout=BOUND) for call in calls if call not in refused]
    assert admitted == [("DOCK-USB-C", "MONITOR-27")] * LIMIT
    assert server.requests == {"recommendations": LIMIT, "inventory": 15}
    assert in_flight.most == LIMIT
    assert bulkhead.stats() == BulkheadStats(admitted=3, rejected=17, in_flight=0)


def test_pages_beyond_the_limit_render_at_once_without_recommendations() -> None:
    inventory, recommendations = Bulkhead("inventory", 20), Bulkhead("recommendations", 3)
    with ThreadPoolExecutor(BURST) as pool, dependency_server() as server:
        pages = [
            pool.submit(product_page, server.url, "LAPTOP-14", f"c-{n}", inventory, recommendations)
            for n in range(BURST)
        ]
        done = first(pages, BURST - LIMIT)  # the admitted pages cannot finish yet
        fallbacks = [page.result() for page in done]
        assert {(page.stock, page.recommended) for page in fallbacks} == {(12, ())}
        server.release()
        full = [page.result(timeout=BOUND) for page in pages if page not in done]
    assert [page.recommended for page in full] == [("DOCK-USB-C", "MONITOR-27")] * LIMIT
    assert recommendations.stats() == BulkheadStats(admitted=3, rejected=17, in_flight=0)
    assert inventory.stats() == BulkheadStats(admitted=20, rejected=0, in_flight=0)


def test_without_a_bulkhead_the_slow_dependency_takes_the_whole_shared_pool() -> None:
    with ThreadPoolExecutor(max_workers=4) as pool, dependency_server() as server:
        slow = [pool.submit(get_recommendations, server.url, f"c-{n}") for n in range(4)]
        server.wait_until_hanging(4)
        fast = [pool.submit(get_stock, server.url, sku) for sku in STOCK]
        assert [call.running() or call.done() for call in fast] == [False] * 3
        assert server.requests["inventory"] == 0
        server.release()
        assert [call.result(timeout=BOUND) for call in fast] == [12, 40, 0]
        assert all(len(call.result(timeout=BOUND)) == 2 for call in slow)


def test_a_blocking_acquire_starves_the_shared_pool_again() -> None:
    slots = threading.BoundedSemaphore(2)  # the pitfall: acquire() waits for a slot
    entered = threading.Semaphore(0)

    def recommend(customer: str) -> tuple[str, ...]:
        entered.release()
        with slots:
            return get_recommendations(server.url, customer)

    with ThreadPoolExecutor(max_workers=4) as pool, dependency_server() as server:
        slow = [pool.submit(recommend, f"c-{n}") for n in range(4)]
        for _ in range(4):  # every worker has taken a call: 2 hang, 2 wait for a slot
            assert entered.acquire(timeout=BOUND)
        server.wait_until_hanging(2)
        fast = pool.submit(get_stock, server.url, "LAPTOP-14")
        assert not fast.running() and not fast.done()
        assert server.requests == {"recommendations": 2}
        server.release()
        assert fast.result(timeout=BOUND) == 12
        assert [len(call.result(timeout=BOUND)) for call in slow] == [2] * 4


def test_slots_come_back_after_timeouts_errors_and_refusals() -> None:
    bulkhead = Bulkhead("recommendations", limit=1)
    with dependency_server() as server:
        with pytest.raises(TimeoutError), bulkhead:
            get_recommendations(server.url, "c-1", timeout=0.01)
        with pytest.raises(KeyError), bulkhead:
            raise KeyError("a bug in the caller")
        with bulkhead, pytest.raises(BulkheadFullError), bulkhead:
            pass
        assert bulkhead.stats() == BulkheadStats(admitted=3, rejected=1, in_flight=0)
        server.release()
        with bulkhead:
            assert get_recommendations(server.url, "c-2") == ("DOCK-USB-C", "MONITOR-27")
    with pytest.raises(ValueError, match="Semaphore released too many times"):
        bulkhead.release()
    assert bulkhead.stats().in_flight == 0  # the refused release changed no count


def test_a_pool_queues_without_end_and_submit_within_refuses_in_the_caller() -> None:
    with ThreadPoolExecutor(max_workers=2) as plain, dependency_server() as server:
        queued = [plain.submit(get_recommendations, server.url, "c") for _ in range(BURST)]
        server.wait_until_hanging(2)
        assert sum(call.running() for call in queued) == 2
        assert sum(not call.running() and not call.done() for call in queued) == 18
        server.release()
    bulkhead = Bulkhead("recommendations", limit=LIMIT)
    with ThreadPoolExecutor(max_workers=2) as bounded, dependency_server() as server:
        accepted, refused = [], 0
        for n in range(BURST):
            try:
                accepted.append(
                    submit_within(bulkhead, bounded, get_recommendations, server.url, f"{n}")
                )
            except BulkheadFullError:
                refused += 1
        assert (len(accepted), refused) == (3, 17)
        server.wait_until_hanging(2)  # two run, one waits in the queue
        assert bulkhead.stats() == BulkheadStats(admitted=3, rejected=17, in_flight=3)
        server.release()
        assert [len(call.result(timeout=BOUND)) for call in accepted] == [2] * 3
    assert bulkhead.stats() == BulkheadStats(admitted=3, rejected=17, in_flight=0)


def test_submit_within_gives_the_slot_back_when_the_pool_refuses() -> None:
    bulkhead = Bulkhead("recommendations", limit=1)
    pool = ThreadPoolExecutor(max_workers=1)
    pool.shutdown()
    with pytest.raises(RuntimeError, match="after shutdown"):
        submit_within(bulkhead, pool, len, "abc")
    assert bulkhead.stats() == BulkheadStats(admitted=1, rejected=0, in_flight=0)


Outcome = tuple[str, ...] | BaseException


async def async_burst(server: DependencyServer) -> tuple[BulkheadStats, list[Outcome], int]:
    bulkhead = AsyncBulkhead("recommendations", limit=LIMIT)
    async with httpx.AsyncClient(base_url=server.url, trust_env=False, timeout=BOUND) as client:

        async def recommend(customer: str) -> tuple[str, ...]:
            async with bulkhead:
                answer = await client.get(f"/recommendations/{customer}")
                return tuple(answer.json()["skus"])

        async with asyncio.timeout(BOUND):
            calls = [asyncio.create_task(recommend(f"c-{n}")) for n in range(BURST)]
            await asyncio.to_thread(server.wait_until_hanging, LIMIT)
            stock = [(await client.get(f"/inventory/{sku}")).json()["stock"] for sku in STOCK]
            during = bulkhead.stats()
            server.release()
            results = await asyncio.gather(*calls, return_exceptions=True)
    assert stock == [12, 40, 0]
    return during, results, bulkhead.stats().in_flight


def test_the_asyncio_bulkhead_admits_exactly_its_limit() -> None:
    with dependency_server() as server:
        during, results, in_flight_after = asyncio.run(async_burst(server))
    assert during == BulkheadStats(admitted=3, rejected=17, in_flight=3)
    assert results[:LIMIT] == [("DOCK-USB-C", "MONITOR-27")] * LIMIT
    assert all(isinstance(result, BulkheadFullError) for result in results[LIMIT:])
    assert in_flight_after == 0
    assert server.requests == {"recommendations": LIMIT, "inventory": 3}


def test_an_asyncio_release_too_many_raises_and_changes_no_count() -> None:
    async def release_twice() -> BulkheadStats:
        bulkhead = AsyncBulkhead("recommendations", limit=1)
        async with bulkhead:
            pass
        with pytest.raises(ValueError, match="BoundedSemaphore released too many times"):
            await bulkhead.__aexit__(None, None, None)
        return bulkhead.stats()

    assert asyncio.run(release_twice()) == BulkheadStats(admitted=1, rejected=0, in_flight=0)


def test_waiting_a_bounded_moment_for_an_asyncio_slot_with_asyncio_timeout() -> None:
    async def wait_for_slot() -> str:
        slots = asyncio.BoundedSemaphore(1)
        await slots.acquire()  # the only slot is taken
        try:
            async with asyncio.timeout(0.01):
                await slots.acquire()
        except TimeoutError:
            return "refused after waiting"
        return "admitted"

    assert asyncio.run(wait_for_slot()) == "refused after waiting"


def test_an_httpx_client_with_pool_timeout_0_refuses_beyond_its_connections() -> None:
    together = threading.Barrier(BURST, timeout=BOUND)

    def recommend(customer: str) -> int:
        together.wait()
        return recommender.get(f"/recommendations/{customer}").status_code

    with (
        ThreadPoolExecutor(BURST) as callers,
        dependency_server() as server,
        dependency_client(server.url, max_connections=LIMIT) as recommender,
        dependency_client(server.url, max_connections=10) as stock_api,
    ):
        calls = [callers.submit(recommend, f"c-{n}") for n in range(BURST)]
        refused = first(calls, BURST - LIMIT)
        assert all(isinstance(call.exception(), httpx.PoolTimeout) for call in refused)
        server.wait_until_hanging(LIMIT)
        assert stock_api.get("/inventory/DOCK-USB-C").json() == {"sku": "DOCK-USB-C", "stock": 40}
        server.release()
        admitted = [call.result(timeout=BOUND) for call in calls if call not in refused]
    assert admitted == [200] * LIMIT
    assert server.requests == {"recommendations": LIMIT, "inventory": 1}


def test_bulkheads_refuse_a_limit_that_cannot_work() -> None:
    with pytest.raises(ValueError, match="limit must be at least 1, got 0"):
        Bulkhead("recommendations", limit=0)
    with pytest.raises(ValueError, match="limit must be at least 1, got -1"):
        AsyncBulkhead("recommendations", limit=-1)
