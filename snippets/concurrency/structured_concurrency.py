"""Structured concurrency: an order page asking three services at once, with a deadline.

Run it with `python -m snippets.concurrency.structured_concurrency`. The services are
stand-ins whose latency the demo controls with `asyncio.Event`s and turns of the event
loop, so every run prints the same lines; nothing sleeps for real except one 0.05 s
timeout.
"""

# --8<-- [start:imports]
import asyncio
from collections.abc import Awaitable, Callable, Coroutine
from dataclasses import dataclass
from decimal import Decimal
from types import TracebackType
from typing import Any, Generic, TypeVar

T = TypeVar("T")
# --8<-- [end:imports]


# --8<-- [start:gauge]
class InFlight:
    """Counts the calls in progress and the most there ever were at once.

    One event loop runs one coroutine at a time, and nothing here awaits, so the
    count needs no lock.
    """

    def __init__(self) -> None:
        self.now = 0
        self.peak = 0

    def __enter__(self) -> "InFlight":
        self.now += 1
        self.peak = max(self.peak, self.now)
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.now -= 1


# --8<-- [end:gauge]


# --8<-- [start:service]
class Service(Generic[T]):
    """A stand-in for a remote call (price, stock, shipping quote).

    It answers after `turns` turns of the event loop, or once `release` is set, or
    fails with `error`. `outcome` records how the last call ended, and `connections`
    counts the connections it holds open.
    """

    def __init__(
        self,
        name: str,
        answer: T,
        *,
        turns: int = 1,
        release: asyncio.Event | None = None,
        error: Exception | None = None,
        connections: InFlight | None = None,
    ) -> None:
        self.name, self.answer, self.turns = name, answer, turns
        self.release, self.error = release, error
        self.connections = connections or InFlight()
        self.outcome = "not called"

    async def __call__(self, sku: str) -> T:
        self.outcome = "waiting"
        with self.connections:  # given back however the call ends
            try:
                for _ in range(self.turns):
                    await asyncio.sleep(0)  # one turn of the event loop
                if self.release is not None:
                    await self.release.wait()
                if self.error is not None:
                    raise self.error
            except asyncio.CancelledError:
                self.outcome = "cancelled"
                raise  # always re-raise: the canceller is waiting for it
            except Exception:
                self.outcome = "failed"
                raise
            self.outcome = "answered"
            return self.answer


def outcomes(*services: "Service[Any]") -> dict[str, str]:
    """How each service's last call ended, in the order given."""
    return {service.name: service.outcome for service in services}


# --8<-- [end:service]


# --8<-- [start:task-group]
Fetch = Callable[[str], Coroutine[Any, Any, T]]  # an async function of a SKU


@dataclass(frozen=True)
class OrderPage:
    """What the product page shows next to the "Buy" button."""

    sku: str
    price: Decimal
    in_stock: int
    shipping: Decimal


async def load_order_page(
    sku: str,
    price: Fetch[Decimal],
    stock: Fetch[int],
    shipping: Fetch[Decimal],
    *,
    timeout: float | None = None,
) -> OrderPage:
    """Ask the three services at once; all answer, or none of them is left running.

    Raises `TimeoutError` after `timeout` seconds (None: no deadline), and an
    `ExceptionGroup` of what failed if a service fails.
    """
    async with asyncio.timeout(timeout), asyncio.TaskGroup() as group:
        price_task = group.create_task(price(sku))
        stock_task = group.create_task(stock(sku))
        shipping_task = group.create_task(shipping(sku))
    # Past the `async with`, every task has finished: no result is missing.
    return OrderPage(
        sku, price_task.result(), stock_task.result(), shipping_task.result()
    )


# --8<-- [end:task-group]


# --8<-- [start:bounded]
@dataclass(frozen=True)
class Webhook:
    """One delivery: an event to POST to a subscriber's URL."""

    url: str
    event_id: str


class DeliveryError(Exception):
    """A subscriber answered with an error status or could not be reached."""


class Subscribers:
    """Stand-in for the subscribers' HTTP endpoints: each POST takes a few turns."""

    def __init__(self, failing: frozenset[str] = frozenset()) -> None:
        self.failing = failing
        self.in_flight = InFlight()

    async def post(self, hook: Webhook) -> int:
        with self.in_flight:
            for _ in range(3):
                await asyncio.sleep(0)
            if hook.url in self.failing:
                raise DeliveryError(f"{hook.url} answered 503")
            return 204


async def deliver_all(
    hooks: list[Webhook],
    post: Callable[[Webhook], Awaitable[int]],
    *,
    limit: int = 3,
) -> list[int | DeliveryError]:
    """Deliver every webhook, at most `limit` at a time; one outcome per hook, in order.

    An outcome is the subscriber's status code, or the `DeliveryError` of a subscriber
    that failed: an expected outcome that does not cancel the other deliveries. Any
    other exception is a bug and cancels the batch.
    """
    if limit < 1:
        raise ValueError(f"limit must be at least 1, got {limit}")
    gate = asyncio.Semaphore(limit)

    async def deliver(hook: Webhook) -> int | DeliveryError:
        async with gate:  # waits while `limit` deliveries are in flight
            try:
                return await post(hook)
            except DeliveryError as error:
                return error  # an outcome, returned as a value

    async with asyncio.TaskGroup() as group:
        tasks = [group.create_task(deliver(hook)) for hook in hooks]
    return [task.result() for task in tasks]


# --8<-- [end:bounded]


if __name__ == "__main__":
    # fmt: off
    # --8<-- [start:demo-happy]
    connections = InFlight()  # shared by the three services
    price = Service("price", Decimal("24.90"), connections=connections)
    stock = Service("stock", 7, turns=3, connections=connections)
    shipping = Service("shipping", Decimal("4.90"), turns=2, connections=connections)
    page = asyncio.run(load_order_page("SKU-1042", price, stock, shipping))
    print(page.price, page.in_stock, page.shipping)
    #> 24.90 7 4.90
    print("calls in flight at once:", connections.peak)
    #> calls in flight at once: 3
    # --8<-- [end:demo-happy]

    # --8<-- [start:demo-failure]
    async def stock_fails() -> dict[str, str]:
        connections = InFlight()
        price = Service("price", Decimal("24.90"), turns=3, connections=connections)
        stock = Service("stock", 0, error=LookupError("SKU-1042 not in catalogue"),
                        connections=connections)
        slow = asyncio.Event()  # never set: the quote would wait for ever
        shipping = Service("shipping", Decimal("4.90"), release=slow,
                           connections=connections)
        try:
            await load_order_page("SKU-1042", price, stock, shipping)
        except* LookupError as group:
            print(group.exceptions)
            #> (LookupError('SKU-1042 not in catalogue'),)
            print(group)
            #> unhandled errors in a TaskGroup (1 sub-exception)
        print("connections open:", connections.now)
        #> connections open: 0
        return outcomes(price, stock, shipping)

    print(asyncio.run(stock_fails()))
    #> {'price': 'cancelled', 'stock': 'failed', 'shipping': 'cancelled'}
    # --8<-- [end:demo-failure]

    # --8<-- [start:demo-timeout]
    async def quote_too_slow() -> dict[str, str]:
        price = Service("price", Decimal("24.90"))
        stock = Service("stock", 7)
        never = asyncio.Event()
        shipping = Service("shipping", Decimal("4.90"), release=never)
        try:
            await load_order_page("SKU-1042", price, stock, shipping, timeout=0.05)
        except TimeoutError as error:
            print("TimeoutError", type(error.__cause__).__name__)
            #> TimeoutError CancelledError
        return outcomes(price, stock, shipping)

    print(asyncio.run(quote_too_slow()))
    #> {'price': 'answered', 'stock': 'answered', 'shipping': 'cancelled'}
    # --8<-- [end:demo-timeout]

    # --8<-- [start:demo-bounded]
    shop, crm = "https://shop.example/hooks", "https://crm.example/hooks"
    subscribers = Subscribers(failing=frozenset({crm}))
    hooks = [Webhook(crm if n == 4 else shop, f"evt-{n}") for n in range(1, 11)]
    results = asyncio.run(deliver_all(hooks, subscribers.post, limit=3))
    print(hooks[3].event_id, repr(results[3]))
    #> evt-4 DeliveryError('https://crm.example/hooks answered 503')
    print(results.count(204), "delivered")
    #> 9 delivered
    print("most in flight at once:", subscribers.in_flight.peak)
    #> most in flight at once: 3
    # --8<-- [end:demo-bounded]
    # fmt: on
