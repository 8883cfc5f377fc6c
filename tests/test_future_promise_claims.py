"""Claims of docs/concurrency/future-promise.md that its blocks do not print.

Real threads, real event loops, the real SDK stand-in of the module. Nothing sleeps: an
interleaving is forced with events, and the only waits are timeouts of at most 0.05 s that
show something does *not* happen.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import gc
import logging
import re
import selectors
import sys
import threading
from collections.abc import Awaitable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from decimal import Decimal
from typing import Any

import pytest

from snippets.concurrency.future_promise import (
    CarrierSDK,
    NoServiceError,
    Parcel,
    Quote,
    background_loop,
    cheapest,
    quote_async,
    quote_future,
    quote_sync,
    then,
    with_vat,
)
from tests.pagecode import PYTHON_LANGUAGES, ROOT, fence_examples, find_fences
from tests.pythons import printed_on_every_python
from tests.threads import thread_guard

PAGE = ROOT / "docs" / "concurrency" / "future-promise.md"
MODULE_FILE = ROOT / "snippets" / "concurrency" / "future_promise.py"
PARCEL = Parcel("DE", Decimal("2.5"))
VERSIONS = (11, 12, 13)  # the Pythons whose output must be identical
SHORT = 0.05  # how long a test waits to see that something does not happen


no_thread_left_behind = thread_guard(grace=1.0)  # SDK answers end just after


@pytest.fixture
def dhl() -> Iterator[CarrierSDK]:
    sdk = CarrierSDK("dhl", {"DE": Decimal("4.20")})
    yield sdk
    sdk.online.set()  # let every held answer go, so its thread ends


@pytest.fixture
def thread_errors(monkeypatch: pytest.MonkeyPatch) -> list[BaseException | None]:
    """Exceptions that escaped a thread (and would be printed by threading.excepthook)."""
    escaped: list[BaseException | None] = []
    monkeypatch.setattr(threading, "excepthook", lambda args: escaped.append(args.exc_value))
    return escaped


def join_sdk_threads(sdk: CarrierSDK) -> None:
    for thread in threading.enumerate():
        if thread.name == f"{sdk.name}-sdk":
            thread.join(timeout=1)


# --- concurrent.futures.Future ------------------------------------------------------


def test_the_timeout_errors_are_the_builtin_one() -> None:
    assert concurrent.futures.TimeoutError is TimeoutError
    assert asyncio.TimeoutError is TimeoutError
    with pytest.raises(TimeoutError) as raised:
        Future[int]().result(timeout=0.01)
    assert type(raised.value) is TimeoutError


def test_callbacks_run_in_the_completing_thread_or_at_once_in_the_adding_one() -> None:
    ran_in: list[tuple[str, str]] = []

    def note(label: str) -> Any:
        return lambda done: ran_in.append((label, threading.current_thread().name))

    paid, refused, dropped = Future[int](), Future[int](), Future[int]()
    paid.add_done_callback(note("result"))
    refused.add_done_callback(note("exception"))
    dropped.add_done_callback(note("cancel"))
    completers = [
        threading.Thread(target=paid.set_result, args=(1,), name="payments"),
        threading.Thread(target=refused.set_exception, args=(ValueError(),), name="fraud"),
    ]
    for thread in completers:
        thread.start()
        thread.join()
    dropped.cancel()
    paid.add_done_callback(note("late"))
    assert ran_in == [
        ("result", "payments"),
        ("exception", "fraud"),
        ("cancel", "MainThread"),
        ("late", "MainThread"),
    ]


def test_an_exception_in_a_callback_is_logged_and_swallowed(
    caplog: pytest.LogCaptureFixture, thread_errors: list[BaseException | None]
) -> None:
    def buggy(done: Future[Quote]) -> None:
        raise KeyError("price")

    after: list[Quote] = []
    future: Future[Quote] = Future()
    future.add_done_callback(buggy)
    future.add_done_callback(lambda done: after.append(done.result()))
    quote = Quote("dhl", Decimal("10.50"))
    with caplog.at_level(logging.ERROR, logger="concurrent.futures"):
        completer = threading.Thread(target=future.set_result, args=(quote,))
        completer.start()
        completer.join()
        future.add_done_callback(buggy)  # already done: runs here, and does not raise here
    assert after == [quote]  # the next callback still ran
    assert future.result() == quote  # and the result is untouched
    assert thread_errors == []  # nothing escaped the completing thread
    records = [r for r in caplog.records if r.name == "concurrent.futures"]
    assert len(records) == 2
    for record in records:
        assert record.getMessage().startswith("exception calling callback for <Future")
        assert record.exc_info is not None and isinstance(record.exc_info[1], KeyError)


def test_then_passes_values_errors_and_cancellation_along_the_chain() -> None:
    source: Future[Quote] = Future()
    chain = then(then(source, with_vat), lambda price: f"{price} EUR")
    assert not chain.done()
    source.set_result(Quote("dhl", Decimal("10.50")))
    assert chain.result(timeout=0) == "12.50 EUR"

    failing: Future[Quote] = Future()
    broken = then(then(failing, with_vat), str)
    failing.set_exception(NoServiceError("dhl does not deliver to JP"))
    with pytest.raises(NoServiceError, match="JP"):
        broken.result(timeout=0)

    cancelled: Future[Quote] = Future()
    dropped = then(cancelled, with_vat)
    assert cancelled.cancel()
    with pytest.raises(concurrent.futures.CancelledError):
        dropped.result(timeout=0)
    assert not dropped.cancelled()  # the chained future *failed* with CancelledError

    priced: Future[Quote] = Future()
    step = then(priced, lambda quote: quote.price / 0)  # a step that raises
    assert not step.cancel()  # a chained future is marked running: it cannot be cancelled
    priced.set_result(Quote("dhl", Decimal("10.50")))
    with pytest.raises(ZeroDivisionError):
        step.result(timeout=0)


def test_quote_future_refuses_to_be_cancelled_and_completes_without_error(
    dhl: CarrierSDK, thread_errors: list[BaseException | None]
) -> None:
    dhl.online.clear()
    pending = quote_future(dhl, PARCEL)
    assert not pending.cancel()
    dhl.online.set()
    assert pending.result(timeout=1) == Quote("dhl", Decimal("10.50"))
    join_sdk_threads(dhl)
    assert thread_errors == []


def test_a_cancelled_hand_made_future_makes_its_producer_fail() -> None:
    orphan: Future[Quote] = Future()
    assert orphan.cancel()
    assert not orphan.set_running_or_notify_cancel()  # what quote_future would learn
    with pytest.raises(concurrent.futures.InvalidStateError):
        orphan.set_result(Quote("dhl", Decimal("10.50")))


def test_an_exception_nobody_asks_for_vanishes_from_a_concurrent_future(
    dhl: CarrierSDK,
    caplog: pytest.LogCaptureFixture,
    thread_errors: list[BaseException | None],
) -> None:
    with caplog.at_level(logging.DEBUG), ThreadPoolExecutor(max_workers=1) as pool:
        pool.submit(quote_sync, dhl, Parcel("JP", Decimal("1.0")))  # the future is dropped
    join_sdk_threads(dhl)
    gc.collect()
    assert caplog.records == []
    assert thread_errors == []


def test_an_asyncio_future_logs_an_exception_nobody_retrieved() -> None:
    reported: list[dict[str, Any]] = []
    loop = asyncio.new_event_loop()
    loop.set_exception_handler(lambda loop, context: reported.append(context))
    try:
        future = loop.create_future()
        future.set_exception(NoServiceError("dhl does not deliver to JP"))
        del future
        gc.collect()
    finally:
        loop.close()
    assert [context["message"] for context in reported] == ["Future exception was never retrieved"]
    assert isinstance(reported[0]["exception"], NoServiceError)


# --- asyncio.Future and the bridges -------------------------------------------------


def test_an_asyncio_future_schedules_its_callbacks_instead_of_calling_them() -> None:
    async def main() -> list[str]:
        calls: list[str] = []
        future = asyncio.get_running_loop().create_future()
        future.set_result("10.50")
        future.add_done_callback(lambda done: calls.append(done.result()))
        assert calls == []  # not called at once, unlike a concurrent future
        await asyncio.sleep(0)
        return calls

    assert asyncio.run(main()) == ["10.50"]


class WatchedSelector(selectors.DefaultSelector):
    """Sets `idle` when the event loop is about to wait with nothing else to do."""

    def __init__(self) -> None:
        super().__init__()
        self.idle = threading.Event()

    def select(self, timeout: float | None = None) -> list[tuple[selectors.SelectorKey, int]]:
        if timeout is None:
            self.idle.set()
        return super().select(timeout)


def test_set_result_from_another_thread_leaves_the_waiting_coroutine_asleep() -> None:
    selector = WatchedSelector()
    loop = asyncio.SelectorEventLoop(selector)
    created: Future[asyncio.Future[Quote]] = Future()
    resumed = threading.Event()

    async def checkout() -> Quote:
        answer: asyncio.Future[Quote] = loop.create_future()
        created.set_result(answer)
        quote = await answer
        resumed.set()
        return quote

    runner = threading.Thread(target=loop.run_until_complete, args=(checkout(),))
    runner.start()
    try:
        answer = created.result(timeout=1)
        assert selector.idle.wait(timeout=1)  # the loop sleeps; `checkout` awaits `answer`
        answer.set_result(Quote("dhl", Decimal("10.50")))  # wrong: not the loop's thread
        assert answer.done()
        assert not resumed.wait(timeout=SHORT)  # done, but nobody woke the loop
        loop.call_soon_threadsafe(lambda: None)  # anything that wakes the loop...
        assert resumed.wait(timeout=1)  # ...lets the coroutine go on
    finally:
        loop.call_soon_threadsafe(lambda: None)
        runner.join(timeout=1)
        loop.close()


def test_quote_async_drops_an_answer_that_comes_after_a_timeout(dhl: CarrierSDK) -> None:
    reported: list[dict[str, Any]] = []

    async def main() -> None:
        loop = asyncio.get_running_loop()
        loop.set_exception_handler(lambda loop, context: reported.append(context))
        dhl.online.clear()
        with pytest.raises(TimeoutError):
            await asyncio.wait_for(quote_async(dhl, PARCEL), timeout=0.01)
        dhl.online.set()  # the answer arrives after all
        await asyncio.to_thread(join_sdk_threads, dhl)
        await asyncio.sleep(0)  # run `settle`, which the SDK's thread scheduled

    asyncio.run(main())
    assert reported == []  # no InvalidStateError from setting a cancelled future


def test_a_late_answer_after_the_loop_closed(
    dhl: CarrierSDK,
    thread_errors: list[BaseException | None],
    caplog: pytest.LogCaptureFixture,
) -> None:
    dhl.online.clear()
    with pytest.raises(TimeoutError):
        asyncio.run(asyncio.wait_for(quote_async(dhl, PARCEL), timeout=0.01))
    dhl.online.set()
    join_sdk_threads(dhl)
    assert len(thread_errors) == 1  # the hand-made bridge fails in the SDK's thread
    assert isinstance(thread_errors[0], RuntimeError)
    assert str(thread_errors[0]) == "Event loop is closed"

    thread_errors.clear()
    dhl.online.clear()
    pending = quote_future(dhl, PARCEL)

    async def wait_briefly() -> Quote:
        return await asyncio.wait_for(asyncio.wrap_future(pending), timeout=0.01)

    with pytest.raises(TimeoutError):
        asyncio.run(wait_briefly())
    with caplog.at_level(logging.DEBUG, logger="concurrent.futures"):
        dhl.online.set()
        assert pending.result(timeout=1) == Quote("dhl", Decimal("10.50"))
        join_sdk_threads(dhl)
    # A future logs, rather than raises, what its callbacks raise: check both places.
    assert [r for r in caplog.records if r.name == "concurrent.futures"] == []
    assert thread_errors == []  # wrap_future drops the late answer quietly


def test_background_loop_cancels_what_is_left_when_it_closes() -> None:
    async def forgotten() -> None:
        await asyncio.Event().wait()  # nobody will ever set it

    with background_loop() as loop:
        handle = asyncio.run_coroutine_threadsafe(forgotten(), loop)
    assert loop.is_closed()
    assert handle.cancelled()  # not left pending, for a caller to wait on forever


def test_to_thread_holds_a_thread_per_call_and_wrap_future_none(dhl: CarrierSDK) -> None:
    def threads(prefix: str) -> int:
        return sum(thread.name.startswith(prefix) for thread in threading.enumerate())

    async def waiting_on_three(how: str, pool: ThreadPoolExecutor) -> tuple[int, int]:
        dhl.online.clear()
        loop = asyncio.get_running_loop()
        calls: list[Awaitable[Quote]]
        if how == "to_thread":
            calls = [asyncio.to_thread(quote_sync, dhl, PARCEL) for _ in range(3)]
        elif how == "run_in_executor":
            calls = [loop.run_in_executor(pool, quote_sync, dhl, PARCEL) for _ in range(3)]
        else:
            calls = [asyncio.wrap_future(quote_future(dhl, PARCEL)) for _ in range(3)]
        tasks = [asyncio.ensure_future(call) for call in calls]
        async with asyncio.timeout(1):
            while threads("dhl-sdk") < 3:  # until all three requests are out
                await asyncio.sleep(0)
        held = threads("asyncio_") + threads("quotes_"), threads("dhl-sdk")
        dhl.online.set()
        assert await asyncio.gather(*tasks) == [Quote("dhl", Decimal("10.50"))] * 3
        return held

    for how, held in [("to_thread", 3), ("run_in_executor", 3), ("wrap_future", 0)]:
        with ThreadPoolExecutor(max_workers=3, thread_name_prefix="quotes") as pool:
            assert asyncio.run(waiting_on_three(how, pool)) == (held, 3), how
        join_sdk_threads(dhl)


def test_run_in_executor_takes_positional_arguments_only(dhl: CarrierSDK) -> None:
    async def main(pool: ThreadPoolExecutor) -> None:
        loop = asyncio.get_running_loop()
        with pytest.raises(TypeError, match="unexpected keyword argument 'timeout'"):
            loop.run_in_executor(pool, quote_sync, dhl, PARCEL, timeout=1.0)  # type: ignore[call-arg]

    with ThreadPoolExecutor(max_workers=1) as pool:
        asyncio.run(main(pool))


def test_cheapest_skips_carriers_that_decline_but_not_bugs() -> None:
    class BrokenSDK(CarrierSDK):
        def request_quote(self, parcel: Parcel, on_quote: Any, on_error: Any) -> None:
            on_error(TypeError("rates table is corrupt"))

    class SilentSDK(CarrierSDK):
        def request_quote(self, parcel: Parcel, on_quote: Any, on_error: Any) -> None:
            on_error(ConnectionError(f"{self.name} did not answer"))

    dhl = CarrierSDK("dhl", {"DE": Decimal("4.20")})
    with pytest.raises(NoServiceError, match="no carrier delivers to JP"):
        asyncio.run(cheapest([dhl], Parcel("JP", Decimal("1.0"))))
    silent = SilentSDK("ups", {"DE": Decimal("1.00")})
    assert asyncio.run(cheapest([dhl, silent], PARCEL)) == Quote("dhl", Decimal("10.50"))
    with pytest.raises(ExceptionGroup) as raised:
        asyncio.run(cheapest([dhl, BrokenSDK("ups", {})], PARCEL))
    assert raised.group_contains(TypeError, match="rates table is corrupt")


# --- the same output on every supported Python --------------------------------------


@pytest.fixture(scope="module")
def printed_by(tmp_path_factory: pytest.TempPathFactory) -> dict[int, str | None]:
    """What the page's blocks, run as one program, print on Python 3.11 to 3.13.

    The page includes every demo section of the module, so this covers the module's output
    too. The interpreters run at the same time, to keep this file fast.
    """
    demos = re.findall(r"\[start:(demo[\w-]*)\]", MODULE_FILE.read_text(encoding="utf-8"))
    shown = PAGE.read_text(encoding="utf-8")
    assert demos and all(f'future_promise.py:{demo}"' in shown for demo in demos)
    sources = [
        example.source
        for fence in find_fences(PAGE)
        if fence.language in PYTHON_LANGUAGES
        for example, _ in fence_examples(PAGE, fence)
    ]
    page = tmp_path_factory.mktemp("page") / "future_promise_page.py"
    page.write_text("\n".join(sources), encoding="utf-8")
    return printed_on_every_python(page)


@pytest.mark.parametrize("minor", VERSIONS)
def test_the_page_prints_the_same_on_python_3_11_to_3_13(
    minor: int, printed_by: dict[int, str | None]
) -> None:
    here = printed_by[sys.version_info.minor]
    assert here is not None and "Non-thread-safe operation invoked on an event loop" in here
    if minor == sys.version_info.minor:
        pytest.skip("this interpreter: tests/test_examples.py compares it with the page")
    if printed_by[minor] is None:
        pytest.skip(f"Python 3.{minor} not found under pyenv: unchecked")
    assert printed_by[minor] == here
