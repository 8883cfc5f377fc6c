"""Future and promise: shipping quotes from a callback SDK, for threads and for asyncio.

Run it with `python -m snippets.concurrency.future_promise`.
"""

# --8<-- [start:imports]
import asyncio
import concurrent.futures
import queue
import threading
from collections.abc import Callable, Iterator, Mapping, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import TypeVar

T = TypeVar("T")
R = TypeVar("R")
# --8<-- [end:imports]


# --8<-- [start:carrier]
def money(amount: Decimal) -> Decimal:
    """Round to whole cents, half up, as invoices do."""
    return amount.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


@dataclass(frozen=True)
class Parcel:
    destination: str  # ISO 3166 country code, such as "DE"
    weight_kg: Decimal


@dataclass(frozen=True)
class Quote:
    carrier: str
    price: Decimal  # EUR, before VAT


class NoServiceError(Exception):
    """The carrier does not deliver to that country."""


class CarrierSDK:
    """Stand-in for a carrier's client library that answers through callbacks.

    `request_quote` returns at once; the answer comes later, on a thread of the
    SDK, as a call of `on_quote` or of `on_error`. Clear `online` to hold the
    answers back, as a slow network would.
    """

    def __init__(self, name: str, per_kg: Mapping[str, Decimal]) -> None:
        self.name = name
        self.per_kg = dict(per_kg)
        self.online = threading.Event()
        self.online.set()

    def request_quote(
        self,
        parcel: Parcel,
        on_quote: Callable[[Quote], object],
        on_error: Callable[[Exception], object],
    ) -> None:
        def answer() -> None:
            if not self.online.wait(timeout=10):
                on_error(ConnectionError(f"{self.name} did not answer"))
            elif parcel.destination not in self.per_kg:
                on_error(
                    NoServiceError(
                        f"{self.name} does not deliver to {parcel.destination}"
                    )
                )
            else:
                rate = self.per_kg[parcel.destination]
                on_quote(Quote(self.name, money(rate * parcel.weight_kg)))

        threading.Thread(target=answer, name=f"{self.name}-sdk").start()


# --8<-- [end:carrier]


# --8<-- [start:quote-future]
def quote_future(sdk: CarrierSDK, parcel: Parcel) -> Future[Quote]:
    """Ask the carrier and return at once: a future the SDK's callbacks complete."""
    future: Future[Quote] = Future()
    future.set_running_or_notify_cancel()  # the request goes out now: no cancelling
    sdk.request_quote(parcel, on_quote=future.set_result, on_error=future.set_exception)
    return future


def quote_sync(sdk: CarrierSDK, parcel: Parcel, timeout: float = 5.0) -> Quote:
    """The blocking call a synchronous program makes: wait for the answer."""
    return quote_future(sdk, parcel).result(timeout)


# --8<-- [end:quote-future]


# --8<-- [start:then]
def then(future: Future[T], step: Callable[[T], R]) -> Future[R]:
    """A future of `step(result)`: the chaining the standard library leaves out."""
    chained: Future[R] = Future()
    # Marked running, readers cannot cancel it: run_step must complete it.
    chained.set_running_or_notify_cancel()

    def run_step(done: Future[T]) -> None:
        try:
            chained.set_result(step(done.result()))
        except Exception as exc:  # a failed, cancelled or raising step: pass it on
            chained.set_exception(exc)

    future.add_done_callback(run_step)
    return chained


def with_vat(quote: Quote) -> Decimal:
    """The price the customer pays: 19 % VAT on top."""
    return money(quote.price * Decimal("1.19"))


# --8<-- [end:then]


# --8<-- [start:quote-async]
async def quote_async(sdk: CarrierSDK, parcel: Parcel) -> Quote:
    """Await the carrier's answer: an asyncio future completed from the SDK's thread."""
    loop = asyncio.get_running_loop()
    answer: asyncio.Future[Quote] = loop.create_future()

    def settle(quote: Quote) -> None:  # runs in the event loop's thread
        if not answer.done():  # the awaiting task may have been cancelled meanwhile
            answer.set_result(quote)

    def fail(error: Exception) -> None:  # runs in the event loop's thread
        if not answer.done():
            answer.set_exception(error)

    sdk.request_quote(
        parcel,
        on_quote=lambda quote: loop.call_soon_threadsafe(settle, quote),
        on_error=lambda error: loop.call_soon_threadsafe(fail, error),
    )
    return await answer


# --8<-- [end:quote-async]


# --8<-- [start:bridges]
async def three_bridges(
    sdk: CarrierSDK, parcel: Parcel, pool: ThreadPoolExecutor
) -> list[Quote]:
    """The same quote, awaited three ways from a coroutine."""
    loop = asyncio.get_running_loop()
    # 1. a blocking function, in a thread of asyncio's default pool
    in_a_thread = await asyncio.to_thread(quote_sync, sdk, parcel, timeout=1.0)
    # 2. a blocking function, in a pool of your own (positional arguments only)
    in_the_pool = await loop.run_in_executor(pool, quote_sync, sdk, parcel)
    # 3. a concurrent.futures.Future, awaited without blocking any thread
    wrapped = await asyncio.wrap_future(quote_future(sdk, parcel))
    return [in_a_thread, in_the_pool, wrapped]


# --8<-- [end:bridges]


# --8<-- [start:background-loop]
@contextmanager
def background_loop() -> Iterator[asyncio.AbstractEventLoop]:
    """An event loop running in a thread of its own, for synchronous code to use."""
    # On leaving, the Runner cancels leftover tasks, finalizes async generators, shuts
    # down the default executor and closes the loop. With a loop_factory, it does not
    # make the loop the current one of this thread.
    with asyncio.Runner(loop_factory=asyncio.new_event_loop) as runner:
        loop = runner.get_loop()
        thread = threading.Thread(target=loop.run_forever, name="event-loop")
        thread.start()
        try:
            yield loop
        finally:
            loop.call_soon_threadsafe(loop.stop)
            thread.join()


# --8<-- [end:background-loop]


# --8<-- [start:pythonic]
async def price_with_vat(sdk: CarrierSDK, parcel: Parcel) -> Decimal:
    """`then(quote_future(...), with_vat)`, written as a coroutine."""
    quote = await asyncio.wrap_future(quote_future(sdk, parcel))
    return with_vat(quote)


async def offer(sdk: CarrierSDK, parcel: Parcel) -> Quote | None:
    """One carrier's quote, or None if it declines; a bug still raises."""
    try:
        return await asyncio.wrap_future(quote_future(sdk, parcel))
    except (NoServiceError, ConnectionError):
        return None


async def cheapest(carriers: Sequence[CarrierSDK], parcel: Parcel) -> Quote:
    """Ask every carrier at once; the lowest price among those that deliver."""
    async with asyncio.TaskGroup() as group:
        asking = [group.create_task(offer(sdk, parcel)) for sdk in carriers]
    quotes = [quote for task in asking if (quote := task.result()) is not None]
    if not quotes:
        raise NoServiceError(f"no carrier delivers to {parcel.destination}")
    return min(quotes, key=lambda quote: quote.price)


# --8<-- [end:pythonic]


if __name__ == "__main__":
    # fmt: off
    # --8<-- [start:demo-by-hand]
    total: Future[Decimal] = Future()
    try:
        total.result(timeout=0.01)  # nobody has completed it yet
    except TimeoutError as exc:
        print(type(exc).__name__, concurrent.futures.TimeoutError is TimeoutError)
        #> TimeoutError True
    total.set_result(Decimal("12.50"))  # the promise is kept
    print(total.done(), total.result())
    #> True 12.50

    refused: Future[Decimal] = Future()
    refused.set_exception(NoServiceError("dhl does not deliver to JP"))
    try:
        refused.result()
    except NoServiceError as exc:
        print(f"raised again in the caller: {exc!r}")
        #> raised again in the caller: NoServiceError('dhl does not deliver to JP')
    # --8<-- [end:demo-by-hand]

    # --8<-- [start:demo-quote-future]
    dhl = CarrierSDK("dhl", {"DE": Decimal("4.20"), "AT": Decimal("6.10")})
    parcel = Parcel("DE", Decimal("2.5"))
    print(quote_future(dhl, parcel).result(timeout=1))
    #> Quote(carrier='dhl', price=Decimal('10.50'))
    try:
        quote_sync(dhl, Parcel("JP", Decimal("1.0")))
    except NoServiceError as exc:
        print(exc)
        #> dhl does not deliver to JP
    # --8<-- [end:demo-quote-future]

    # --8<-- [start:demo-callbacks]
    ran_in: queue.Queue[str] = queue.Queue()

    def note_thread(done: Future[Quote]) -> None:
        ran_in.put(threading.current_thread().name)

    dhl.online.clear()  # the network is slow: the answer waits
    pending = quote_future(dhl, parcel)
    pending.add_done_callback(note_thread)
    print(pending.done(), ran_in.empty())
    #> False True
    dhl.online.set()
    print(pending.result(timeout=1).price, ran_in.get(timeout=1))
    #> 10.50 dhl-sdk
    pending.add_done_callback(note_thread)  # already done: runs at once, right here
    print(ran_in.get_nowait())
    #> MainThread
    # --8<-- [end:demo-callbacks]

    # --8<-- [start:demo-then]
    print(then(quote_future(dhl, parcel), with_vat).result(timeout=1))
    #> 12.50
    to_tokyo = then(quote_future(dhl, Parcel("JP", Decimal("1.0"))), with_vat)
    try:
        to_tokyo.result(timeout=1)
    except NoServiceError as exc:
        print(f"passed along the chain: {exc}")
        #> passed along the chain: dhl does not deliver to JP
    # --8<-- [end:demo-then]

    # --8<-- [start:demo-quote-async]
    print(asyncio.run(quote_async(dhl, Parcel("AT", Decimal("2.0")))))
    #> Quote(carrier='dhl', price=Decimal('12.20'))
    # --8<-- [end:demo-quote-async]

    # --8<-- [start:demo-bridges]
    with ThreadPoolExecutor(max_workers=2, thread_name_prefix="quotes") as pool:
        quotes = asyncio.run(three_bridges(dhl, parcel, pool))
    print([quote.price for quote in quotes])
    #> [Decimal('10.50'), Decimal('10.50'), Decimal('10.50')]
    # --8<-- [end:demo-bridges]

    # --8<-- [start:demo-background-loop]
    with background_loop() as loop:
        # A synchronous caller hands a coroutine to the loop's thread...
        handle = asyncio.run_coroutine_threadsafe(quote_async(dhl, parcel), loop)
        # ...and gets a concurrent.futures.Future it can block on.
        print(isinstance(handle, concurrent.futures.Future), handle.result(timeout=1))
        #> True Quote(carrier='dhl', price=Decimal('10.50'))
    # --8<-- [end:demo-background-loop]

    # --8<-- [start:demo-cancel]
    started = threading.Event()

    def slow_quote() -> Quote:
        started.set()
        return quote_sync(dhl, parcel)

    dhl.online.clear()
    with ThreadPoolExecutor(max_workers=1) as pool:
        first = pool.submit(slow_quote)
        queued = pool.submit(slow_quote)
        started.wait(timeout=1)  # the only worker now runs `first`
        print(first.cancel(), queued.cancel())
        #> False True
        dhl.online.set()
    print(first.result().price, queued.cancelled())
    #> 10.50 True
    # --8<-- [end:demo-cancel]

    # --8<-- [start:demo-pythonic]
    ups = CarrierSDK("ups", {"DE": Decimal("3.90"), "JP": Decimal("18.00")})
    gls = CarrierSDK("gls", {"DE": Decimal("4.05"), "AT": Decimal("5.20")})
    print(asyncio.run(price_with_vat(dhl, parcel)))
    #> 12.50
    print(asyncio.run(cheapest([dhl, ups, gls], parcel)))
    #> Quote(carrier='ups', price=Decimal('9.75'))
    print(asyncio.run(cheapest([dhl, ups, gls], Parcel("JP", Decimal("1.0")))))
    #> Quote(carrier='ups', price=Decimal('18.00'))
    # --8<-- [end:demo-pythonic]
    # fmt: on
