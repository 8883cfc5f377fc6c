"""Claims of docs/concurrency/structured-concurrency.md that its blocks do not print.

Everything runs on a real event loop. Latency is controlled with `asyncio.Event`s and
turns of the loop; the only real waits are the 0.01 s timeouts the claims are about, and
the page's own 0.05 s timeouts in the program run under the other Python versions.
"""

from __future__ import annotations

import asyncio
import subprocess
import sys
import threading
from decimal import Decimal
from pathlib import Path

import anyio
import pytest

from snippets.concurrency.structured_concurrency import (
    DeliveryError,
    Service,
    Subscribers,
    Webhook,
    deliver_all,
    load_order_page,
)
from tests.pagecode import PYTHON_LANGUAGES, ROOT, fence_examples, find_fences
from tests.pythons import printed_on_every_python

PAGE = ROOT / "docs" / "concurrency" / "structured-concurrency.md"
MODULE = "snippets.concurrency.structured_concurrency"
MODULE_FILE = ROOT / "snippets" / "concurrency" / "structured_concurrency.py"


def page_program() -> str:
    """The page's Python blocks, includes expanded, as one program (stdlib only)."""
    sources = [
        example.source
        for fence in find_fences(PAGE)
        if fence.language in PYTHON_LANGUAGES
        for example, _ in fence_examples(PAGE, fence)
    ]
    return "\n".join(sources)


SUPPORTED = (11, 12, 13)
OTHERS = [minor for minor in SUPPORTED if sys.version_info[:2] != (3, minor)]


@pytest.fixture(scope="module")
def outputs(tmp_path_factory: pytest.TempPathFactory) -> dict[int, str | None]:
    """What the module's demo, then the page's program, print under each Python 3.x (None
    where that version is missing)."""
    program = tmp_path_factory.mktemp("page") / "structured_concurrency_page.py"
    program.write_text(page_program(), encoding="utf-8")
    return printed_on_every_python(MODULE_FILE, program)


@pytest.mark.parametrize("minor", OTHERS)
def test_module_and_page_print_the_same_on_every_supported_python(
    minor: int, outputs: dict[int, str | None]
) -> None:
    printed = outputs[minor]
    if printed is None:
        pytest.skip(f"Python 3.{minor} not found under pyenv or on the PATH: unchecked")
    here = outputs[sys.version_info[1]]  # test_examples compares it with the page
    assert here is not None
    assert "Task was destroyed but it is pending!" in here
    assert "unhandled errors in a TaskGroup (1 sub-exception)" in here
    assert printed == here


def test_ruff_flags_fire_and_forget_tasks_on_the_page_and_none_in_the_module(
    tmp_path: Path,
) -> None:
    problem = tmp_path / "problem.py"
    problem.write_text(page_program().split("async def stock_fails", 1)[0], encoding="utf-8")
    ruff = [sys.executable, "-m", "ruff", "check", "--isolated", "--output-format=concise"]
    found = subprocess.run(
        [*ruff, "--select", "RUF006", str(problem), str(MODULE_FILE)],
        capture_output=True,
        text=True,
        check=False,
    ).stdout
    reports = [line for line in found.splitlines() if "RUF006" in line]
    assert len(reports) == 2, found
    assert all(line.startswith(str(problem)) for line in reports), found


def test_a_child_that_swallows_cancellation_holds_the_group_and_its_timeout_open() -> None:
    async def scenario() -> tuple[bool, str]:
        swallowed, release = asyncio.Event(), asyncio.Event()

        async def stubborn(sku: str) -> Decimal:
            try:
                await asyncio.Event().wait()  # never set
            except asyncio.CancelledError:  # the mistake
                swallowed.set()
                await release.wait()  # keeps waiting, as a retry loop would
            return Decimal("22.00")

        stock, shipping = Service("stock", 7), Service("shipping", Decimal("4.90"))
        page = asyncio.create_task(
            load_order_page("SKU-1", stubborn, stock, shipping, timeout=0.01)
        )
        await swallowed.wait()  # the deadline has passed and cancelled the group
        for _ in range(20):
            await asyncio.sleep(0)
        held_open = not page.done()
        release.set()
        try:
            await page
        except TimeoutError:
            outcome = "TimeoutError once the child returned"
        else:
            outcome = "no error"
        return held_open, outcome

    assert asyncio.run(scenario()) == (True, "TimeoutError once the child returned")


def test_a_timeout_withdraws_its_cancellation_so_the_task_carries_on() -> None:
    async def scenario() -> list[object]:
        task = asyncio.current_task()
        assert task is not None
        seen: list[object] = []
        slow = Service("shipping", Decimal("4.90"), release=asyncio.Event())
        price, stock = Service("price", Decimal("24.90")), Service("stock", 7)
        try:
            await load_order_page("SKU-1", price, stock, slow, timeout=0.01)
        except TimeoutError:
            seen.append(task.cancelling())  # Task.uncancel() brought it back to 0
        quick = Service("shipping", Decimal("4.90"))
        page = await load_order_page("SKU-1", price, stock, quick, timeout=1)
        seen.append(page.shipping)
        return seen

    assert asyncio.run(scenario()) == [0, Decimal("4.90")]


def test_timeout_error_of_asyncio_is_the_builtin_one() -> None:
    assert asyncio.TimeoutError is TimeoutError


def test_a_timeout_abandons_a_thread_but_the_thread_runs_to_its_end() -> None:
    go, finished = threading.Event(), []

    def blocking_hash() -> None:
        go.wait(5)  # the test releases it after the timeout
        finished.append("hash done")

    async def scenario() -> str:
        try:
            async with asyncio.timeout(0.01):
                await asyncio.to_thread(blocking_hash)
        except TimeoutError:
            return f"TimeoutError, thread done: {bool(finished)}"
        finally:
            go.set()
        return "no TimeoutError"

    # asyncio.run waits for the default executor's threads before it returns.
    assert asyncio.run(scenario()) == "TimeoutError, thread done: False"
    assert finished == ["hash done"]


@pytest.mark.parametrize(
    ("limit", "hooks", "peak"), [(1, 10, 1), (3, 10, 3), (4, 30, 4), (10, 10, 10), (5, 2, 2)]
)
def test_the_semaphore_bounds_the_deliveries_in_flight_exactly(
    limit: int, hooks: int, peak: int
) -> None:
    urls = [f"https://{'crm' if n % 3 == 1 else 'shop'}.example/{n}" for n in range(hooks)]
    subscribers = Subscribers(failing=frozenset(url for url in urls if "crm" in url))
    batch = [Webhook(url, f"evt-{n}") for n, url in enumerate(urls)]
    results = asyncio.run(deliver_all(batch, subscribers.post, limit=limit))
    shown = [str(result) if isinstance(result, DeliveryError) else result for result in results]
    assert shown == [  # one outcome per hook, in submission order
        f"{url} answered 503" if "crm" in url else 204 for url in urls
    ]
    assert subscribers.in_flight.peak == peak
    assert subscribers.in_flight.now == 0


def test_a_limit_below_one_is_refused() -> None:
    with pytest.raises(ValueError, match="limit must be at least 1, got 0"):
        asyncio.run(deliver_all([], Subscribers().post, limit=0))


def test_an_unexpected_error_in_one_delivery_cancels_the_batch() -> None:
    subscribers = Subscribers()
    started: list[str] = []

    async def post(hook: Webhook) -> int:
        started.append(hook.event_id)
        if hook.event_id == "evt-1":
            raise KeyError("bug in the payload builder")
        return await subscribers.post(hook)

    batch = [Webhook("https://shop.example/hooks", f"evt-{n}") for n in range(10)]
    with pytest.raises(ExceptionGroup) as caught:
        asyncio.run(deliver_all(batch, post, limit=3))
    assert [type(error) for error in caught.value.exceptions] == [KeyError]
    # evt-1's failure freed a slot that evt-3 took before the group cancelled the rest.
    assert started == ["evt-0", "evt-1", "evt-2", "evt-3"]  # six never posted
    assert subscribers.in_flight.now == 0


def test_the_group_does_not_wait_for_a_task_made_with_asyncio_create_task() -> None:
    async def scenario() -> tuple[bool, bool]:
        release = asyncio.Event()
        async with asyncio.TaskGroup() as group:
            owned = group.create_task(asyncio.sleep(0))
            stray = asyncio.create_task(release.wait())
        escaped = owned.done(), stray.done()
        release.set()
        await stray
        return escaped

    assert asyncio.run(scenario()) == (True, False)


def test_the_group_does_not_cancel_a_task_made_with_asyncio_create_task() -> None:
    async def scenario() -> bool:
        never = asyncio.Event()
        stock = Service("stock", 0, error=LookupError("SKU-9 not in catalogue"))
        with pytest.raises(ExceptionGroup):
            async with asyncio.TaskGroup() as group:
                stray = asyncio.create_task(never.wait())
                group.create_task(stock("SKU-9"))
        left_running = not stray.done()
        stray.cancel()
        await asyncio.gather(stray, return_exceptions=True)
        return left_running

    assert asyncio.run(scenario()) is True


def test_tasks_awaited_one_by_one_run_on_after_the_first_failure() -> None:
    async def scenario() -> list[bool]:
        never = asyncio.Event()
        price = Service("price", Decimal("24.90"), error=ConnectionError("price down"))
        stock = Service("stock", 7, release=never)
        shipping = Service("shipping", Decimal("4.90"), release=never)
        tasks = [
            asyncio.create_task(price("SKU-1042")),
            asyncio.create_task(stock("SKU-1042")),
            asyncio.create_task(shipping("SKU-1042")),
        ]
        with pytest.raises(ConnectionError):
            for task in tasks:
                await task
        await asyncio.sleep(0)
        running = [not task.done() for task in tasks]
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        return running

    assert asyncio.run(scenario()) == [False, True, True]


def test_asyncio_run_cancels_a_fire_and_forget_task_that_survived() -> None:
    audit_log: list[str] = []
    kept: list[asyncio.Task[None]] = []

    async def write_audit(order_id: str) -> None:
        await asyncio.Event().wait()  # the reply that never comes
        audit_log.append(order_id)

    async def checkout(order_id: str) -> str:
        kept.append(asyncio.create_task(write_audit(order_id)))  # survives the collector
        await asyncio.sleep(0)
        return "paid"

    assert asyncio.run(checkout("A-1001")) == "paid"
    assert kept[0].cancelled()
    assert audit_log == []


def test_a_timeout_raises_timeout_error_only_if_no_other_cancellation_is_pending() -> None:
    async def scenario(cancel_from_outside: bool) -> str:
        deadlines: list[asyncio.Timeout] = []

        async def lookup() -> None:
            async with asyncio.timeout(0) as deadline:  # expires at the next loop turn
                deadlines.append(deadline)
                await asyncio.Event().wait()

        task = asyncio.create_task(lookup())
        await asyncio.sleep(0)  # the lookup starts and waits
        if cancel_from_outside:
            task.cancel()  # pending when the deadline cancels it too
        try:
            await task
        except TimeoutError:
            ended = "TimeoutError"
        except asyncio.CancelledError:
            ended = "CancelledError"
        return f"{ended}, expired: {deadlines[0].expired()}"

    assert asyncio.run(scenario(cancel_from_outside=False)) == "TimeoutError, expired: True"
    assert asyncio.run(scenario(cancel_from_outside=True)) == "CancelledError, expired: True"


def test_anyio_task_group_cancels_siblings_and_raises_an_exception_group() -> None:
    outcomes: list[str] = []

    async def slow() -> None:
        try:
            await anyio.Event().wait()  # never set
        except anyio.get_cancelled_exc_class():
            outcomes.append("slow cancelled")
            raise

    async def failing() -> None:
        await anyio.sleep(0)
        raise LookupError("SKU-9 not in catalogue")

    async def main() -> None:
        async with anyio.create_task_group() as group:
            group.start_soon(slow)
            group.start_soon(failing)

    with pytest.raises(ExceptionGroup) as caught:
        anyio.run(main)
    assert [repr(error) for error in caught.value.exceptions] == [
        "LookupError('SKU-9 not in catalogue')"
    ]
    assert outcomes == ["slow cancelled"]
