"""Throttling: a real HTTP API on 127.0.0.1 that answers 429, and clients that pace.

Run it with `python -m snippets.cloud.throttling`.
"""

# --8<-- [start:imports]
import asyncio
import functools
import math
import socket
import threading
import time
from collections import Counter, OrderedDict, deque
from collections.abc import Callable, Collection, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from typing import ParamSpec, Protocol, TypeVar

import httpx
import uvicorn
from starlette.applications import Starlette
from starlette.datastructures import Headers
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route
from starlette.types import ASGIApp, Receive, Scope, Send

# --8<-- [end:imports]


# --8<-- [start:clock]
Clock = Callable[[], float]


class FakeClock:
    """Time that moves only when told to; `sleep` moves it and records the delay."""

    def __init__(self) -> None:
        self.now = 0.0
        self.sleeps: list[float] = []

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        if seconds < 0:
            raise ValueError(f"a clock cannot go back, got {seconds} seconds")
        self.now += seconds

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.advance(seconds)


# --8<-- [end:clock]


# --8<-- [start:limiters]
@dataclass(frozen=True)
class Decision:
    """Whether one request may go ahead, and if not, how long to wait."""

    allowed: bool
    retry_after: float = 0.0  # seconds


class Limiter(Protocol):
    def acquire(self) -> Decision: ...


class TokenBucket:
    """Holds up to `capacity` tokens, refilled at a steady rate; a call spends one.

    A full bucket allows a burst of `capacity` calls; after that, calls pass at
    `refill_per_second`. A call with a `reserve` passes only if it leaves that many
    tokens for others.
    """

    def __init__(
        self, capacity: int, refill_per_second: float, *, clock: Clock = time.monotonic
    ) -> None:
        if capacity < 1:
            raise ValueError(f"capacity must be at least 1 token, got {capacity}")
        if not refill_per_second > 0:
            raise ValueError(
                f"refill_per_second must be positive, got {refill_per_second}"
            )
        self.capacity = capacity
        self.rate = refill_per_second
        self._clock = clock
        self._tokens = float(capacity)
        self._updated = clock()
        self._lock = threading.Lock()

    def acquire(self, *, reserve: float = 0) -> Decision:
        if reserve < 0:
            raise ValueError(f"reserve cannot be negative, got {reserve}")
        with self._lock:
            now = self._clock()
            elapsed = max(0.0, now - self._updated)
            self._tokens = min(self.capacity, self._tokens + elapsed * self.rate)
            self._updated = now
            needed = 1 + reserve
            if self._tokens >= needed - 1e-9:  # tolerate float rounding of the refill
                self._tokens = max(0.0, self._tokens - 1)
                return Decision(allowed=True)
            return Decision(
                allowed=False, retry_after=(needed - self._tokens) / self.rate
            )


class SlidingWindowLog:
    """At most `limit` calls in any `window_seconds`: no double burst at the edges."""

    def __init__(
        self, limit: int, window_seconds: float, *, clock: Clock = time.monotonic
    ) -> None:
        if limit < 1:
            raise ValueError(f"limit must be at least 1, got {limit}")
        if not window_seconds > 0:
            raise ValueError(f"window_seconds must be positive, got {window_seconds}")
        self.limit = limit
        self.window = window_seconds
        self._clock = clock
        self._times: deque[float] = deque()
        self._lock = threading.Lock()

    def acquire(self) -> Decision:
        with self._lock:
            now = self._clock()
            while self._times and self._times[0] <= now - self.window:
                self._times.popleft()  # older than the window: forget it
            if len(self._times) < self.limit:
                self._times.append(now)
                return Decision(allowed=True)
            return Decision(
                allowed=False, retry_after=self._times[0] + self.window - now
            )


# --8<-- [end:limiters]


# --8<-- [start:server]
class ClientLimiter(Protocol):
    """Decides for one client key; may block (a lock, or a round trip to Redis)."""

    def acquire(self, key: str) -> Decision: ...


class PerClientLimiter:
    """One limiter per client key, created on first use.

    Beyond `max_clients` keys the least recently used is forgotten (it starts again with
    a new limiter), so clients that invent keys cannot fill the memory.
    """

    def __init__(
        self, new_limiter: Callable[[], Limiter], *, max_clients: int = 100_000
    ) -> None:
        if max_clients < 1:
            raise ValueError(f"max_clients must be at least 1, got {max_clients}")
        self._new_limiter = new_limiter
        self._max_clients = max_clients
        self._limiters: OrderedDict[str, Limiter] = OrderedDict()
        self._lock = threading.Lock()

    def acquire(self, key: str) -> Decision:
        with self._lock:
            limiter = self._limiters.get(key)
            if limiter is None:
                limiter = self._limiters[key] = self._new_limiter()
                if len(self._limiters) > self._max_clients:
                    self._limiters.popitem(last=False)
            self._limiters.move_to_end(key)
        return limiter.acquire()

    def __len__(self) -> int:
        with self._lock:
            return len(self._limiters)


class SheddingLimiter:
    """One bucket for the whole service, whose last `reserve` tokens only the
    `priority` keys may spend: when capacity runs low, the others are refused first."""

    def __init__(
        self, bucket: TokenBucket, *, reserve: int, priority: Collection[str]
    ) -> None:
        if not 0 <= reserve < bucket.capacity:
            raise ValueError(
                f"reserve must be 0 to {bucket.capacity - 1}, got {reserve}"
            )
        self.bucket, self.reserve, self.priority = bucket, reserve, set(priority)

    def acquire(self, key: str) -> Decision:
        return self.bucket.acquire(reserve=0 if key in self.priority else self.reserve)


def client_key(scope: Scope) -> str:
    """Limit by API key when there is one, else by the caller's address."""
    api_key = Headers(scope=scope).get("x-api-key")
    if api_key:
        return f"key:{api_key}"
    client = scope.get("client")
    return f"ip:{client[0]}" if client else "ip:unknown"


class RateLimitMiddleware:
    """ASGI middleware: 429 Too Many Requests, with Retry-After, over the limit."""

    def __init__(self, app: ASGIApp, limiter: ClientLimiter) -> None:
        self.app = app
        self.limiter = limiter

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        # In a worker thread: a limiter that blocks must not stop the event loop.
        decision = await asyncio.to_thread(self.limiter.acquire, client_key(scope))
        if decision.allowed:
            await self.app(scope, receive, send)
            return
        seconds = max(1, math.ceil(decision.retry_after))  # HTTP wants whole seconds
        response = JSONResponse(
            {"error": "too many requests", "retry_after": seconds},
            status_code=429,
            headers={"Retry-After": str(seconds)},
        )
        await response(scope, receive, send)


RATES = {"EUR": "1.0000", "USD": "1.0842", "GBP": "0.8571", "JPY": "162.35"}


async def exchange_rate(request: Request) -> JSONResponse:
    currency = request.path_params["currency"].upper()
    if currency not in RATES:
        return JSONResponse({"error": f"unknown currency {currency!r}"}, 404)
    return JSONResponse({"base": "EUR", "currency": currency, "rate": RATES[currency]})


def create_app(limiter: ClientLimiter) -> Starlette:
    """The exchange-rate API, with every request passing the rate limiter first."""
    return Starlette(
        routes=[Route("/rates/{currency}", exchange_rate)],
        middleware=[Middleware(RateLimitMiddleware, limiter=limiter)],
    )


# --8<-- [end:server]


# --8<-- [start:concurrency]
class ConcurrencyLimit:
    """ASGI middleware: at most `limit` requests in flight; others get 503 at once."""

    def __init__(self, app: ASGIApp, limit: int) -> None:
        if limit < 1:
            raise ValueError(f"limit must be at least 1, got {limit}")
        self.app = app
        self.slots = asyncio.Semaphore(limit)  # all requests run on one event loop
        self.rejected = 0

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
        elif self.slots.locked():  # every slot taken: refuse, do not queue
            self.rejected += 1
            busy = JSONResponse({"error": "busy"}, 503, headers={"Retry-After": "1"})
            await busy(scope, receive, send)
        else:
            async with self.slots:
                await self.app(scope, receive, send)


# --8<-- [end:concurrency]


# --8<-- [start:running]
@contextmanager
def running(app: ASGIApp) -> Iterator[str]:
    """Serve `app` with uvicorn on a free 127.0.0.1 port; yield its base URL."""
    # IPPROTO_TCP spelled out: asyncio then turns Nagle's algorithm off (TCP_NODELAY)
    # on each connection, so responses are not held back waiting for an ACK.
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.bind(("127.0.0.1", 0))  # port 0: the system picks a free port
    port = sock.getsockname()[1]
    config = uvicorn.Config(
        app, log_config=None, log_level="warning", access_log=False, lifespan="off"
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]})
    thread.start()
    try:
        deadline = time.monotonic() + 10
        while not server.started:
            if not thread.is_alive() or time.monotonic() > deadline:
                raise RuntimeError("the server did not start")
            time.sleep(0.01)
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True  # uvicorn checks it a few times a second
        thread.join()
        sock.close()


# --8<-- [end:running]


# --8<-- [start:burst]
def http_client(base_url: str, api_key: str) -> httpx.Client:
    """A client of the local API that sends `api_key` and never goes through a proxy."""
    return httpx.Client(
        base_url=base_url, headers={"X-API-Key": api_key}, trust_env=False, timeout=10
    )


def burst(
    base_url: str, *, clients: int, per_client: int, api_key: str
) -> list[httpx.Response]:
    """Send `clients * per_client` requests from concurrent clients; wait for all."""
    if clients < 1 or per_client < 1:
        raise ValueError("a burst needs at least one client and one request each")

    def one_client(_: int) -> list[httpx.Response]:
        with http_client(base_url, api_key) as client:  # one connection per client
            return [client.get("/rates/USD") for _ in range(per_client)]

    with ThreadPoolExecutor(max_workers=clients) as pool:
        return [
            response
            for batch in pool.map(one_client, range(clients))
            for response in batch
        ]


def tally(responses: list[httpx.Response]) -> dict[int, int]:
    """How many responses had each status code, by code."""
    return dict(sorted(Counter(response.status_code for response in responses).items()))


# --8<-- [end:burst]


# --8<-- [start:pacer]
class Pacer:
    """Client-side throttling: each outgoing call first waits for a token."""

    def __init__(
        self, bucket: TokenBucket, *, sleep: Callable[[float], None] = time.sleep
    ) -> None:
        self._bucket = bucket
        self._sleep = sleep

    def wait(self) -> float:
        """Block until a call may go out; return how long that took."""
        waited = 0.0
        while not (decision := self._bucket.acquire()).allowed:
            self._sleep(decision.retry_after)
            waited += decision.retry_after
        return waited


# --8<-- [end:pacer]


# --8<-- [start:pythonic]
P = ParamSpec("P")
R = TypeVar("R")


def throttled(
    calls_per_second: float,
    *,
    burst: int = 1,
    clock: Clock = time.monotonic,
    sleep: Callable[[float], None] = time.sleep,
) -> Callable[[Callable[P, R]], Callable[P, R]]:
    """Decorate a function so that calls to it go out at most `calls_per_second`."""
    pacer = Pacer(TokenBucket(burst, calls_per_second, clock=clock), sleep=sleep)

    def decorate(function: Callable[P, R]) -> Callable[P, R]:
        @functools.wraps(function)
        def paced(*args: P.args, **kwargs: P.kwargs) -> R:
            pacer.wait()
            return function(*args, **kwargs)

        return paced

    return decorate


# --8<-- [end:pythonic]


if __name__ == "__main__":
    # fmt: off
    # --8<-- [start:demo-bucket]
    clock = FakeClock()
    bucket = TokenBucket(capacity=3, refill_per_second=1, clock=clock)
    print([bucket.acquire().allowed for _ in range(4)])
    #> [True, True, True, False]
    clock.advance(0.5)
    print(bucket.acquire())  # half a token so far
    #> Decision(allowed=False, retry_after=0.5)
    clock.advance(0.5)
    print(bucket.acquire())
    #> Decision(allowed=True, retry_after=0.0)
    # --8<-- [end:demo-bucket]

    # --8<-- [start:demo-window]
    clock = FakeClock()
    window = SlidingWindowLog(limit=3, window_seconds=60, clock=clock)
    for at in [0, 10, 20, 30, 60, 61]:
        clock.advance(at - clock.now)  # move to `at` seconds
        decision = window.acquire()
        verdict = "allowed" if decision.allowed else f"wait {decision.retry_after:g}s"
        print(f"t={at}s: {verdict}")
        #> t=0s: allowed
        #> t=10s: allowed
        #> t=20s: allowed
        #> t=30s: wait 30s
        #> t=60s: allowed
        #> t=61s: wait 9s
    # --8<-- [end:demo-window]

    # --8<-- [start:demo-server]
    clock = FakeClock()  # frozen during the burst: no token comes back
    limiter = PerClientLimiter(
        lambda: TokenBucket(capacity=50, refill_per_second=5, clock=clock)
    )
    with running(create_app(limiter)) as url:
        responses = burst(url, clients=4, per_client=50, api_key="pricing-batch")
        print(tally(responses))
        #> {200: 50, 429: 150}
        refused = [r for r in responses if r.status_code == 429]
        print({r.headers["Retry-After"] for r in refused}, refused[0].json())
        #> {'1'} {'error': 'too many requests', 'retry_after': 1}

        clock.advance(2)  # 2 s at 5 tokens a second: 10 more requests
        print(tally(burst(url, clients=2, per_client=6, api_key="pricing-batch")))
        #> {200: 10, 429: 2}
        print(tally(burst(url, clients=1, per_client=1, api_key="checkout")))
        #> {200: 1}
    # --8<-- [end:demo-server]

    # --8<-- [start:demo-client]
    clock = FakeClock()  # shared: the client's sleeps move the server's time too
    partner_limit = PerClientLimiter(
        lambda: TokenBucket(capacity=2, refill_per_second=2, clock=clock)
    )
    with running(create_app(partner_limit)) as url:
        with http_client(url, "eager") as client:
            print([client.get("/rates/GBP").status_code for _ in range(6)])
            #> [200, 200, 429, 429, 429, 429]

        pacer = Pacer(TokenBucket(2, 2, clock=clock), sleep=clock.sleep)
        with http_client(url, "paced") as client:
            statuses = []
            for _ in range(6):
                pacer.wait()
                statuses.append(client.get("/rates/GBP").status_code)
        print(statuses, "slept:", clock.sleeps)
        #> [200, 200, 200, 200, 200, 200] slept: [0.5, 0.5, 0.5, 0.5]
    # --8<-- [end:demo-client]

    # --8<-- [start:demo-pythonic]
    clock = FakeClock()
    with running(create_app(PerClientLimiter(
        lambda: TokenBucket(capacity=2, refill_per_second=2, clock=clock)
    ))) as url, http_client(url, "decorated") as client:

        @throttled(calls_per_second=2, burst=2, clock=clock, sleep=clock.sleep)
        def fetch_rate(currency: str) -> str:
            response = client.get(f"/rates/{currency}")
            response.raise_for_status()  # a 429 would raise httpx.HTTPStatusError
            rate: str = response.json()["rate"]
            return rate

        print([fetch_rate(currency) for currency in ["USD", "GBP", "JPY", "USD"]])
        #> ['1.0842', '0.8571', '162.35', '1.0842']
        print("slept:", clock.sleeps)
        #> slept: [0.5, 0.5]
    # --8<-- [end:demo-pythonic]
    # fmt: on
