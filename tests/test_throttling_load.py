"""Load check of the throttling page's server: bounded bursts, exact counts of 200 and 429.

Each test starts the real Starlette app under uvicorn on a free 127.0.0.1 port, fires a
bounded burst from concurrent httpx clients, and stops the server. The limiters read a fake
clock that does not move during a burst, so the counts are exact, not ranges, whatever the
order in which the requests arrive.

One test puts a limiter that asks a real rate limit service over HTTP (a blocking call, as
a Redis-backed limiter makes) behind the middleware, and checks that two requests are
decided at the same time: the event loop keeps serving while one decision waits.
"""

from __future__ import annotations

import asyncio
import json
import threading
import urllib.request
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor, as_completed
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import httpx
import pytest
from starlette.responses import JSONResponse
from starlette.types import Receive, Scope, Send

from snippets.cloud.throttling import (
    ConcurrencyLimit,
    Decision,
    FakeClock,
    Pacer,
    PerClientLimiter,
    SheddingLimiter,
    SlidingWindowLog,
    TokenBucket,
    burst,
    create_app,
    http_client,
    running,
    tally,
)
from tests.threads import thread_guard

TIME_BUDGET = 30.0  # seconds for one test, servers included; a burst takes well under 2


no_thread_left_behind = thread_guard(time_budget=TIME_BUDGET)


def refused(responses: list[httpx.Response]) -> list[httpx.Response]:
    return [response for response in responses if response.status_code == 429]


def test_200_requests_from_4_clients_let_exactly_the_bucket_through() -> None:
    clock = FakeClock()
    limiter = PerClientLimiter(lambda: TokenBucket(50, refill_per_second=5, clock=clock))
    with running(create_app(limiter)) as url:
        responses = burst(url, clients=4, per_client=50, api_key="load-check")

    assert len(responses) == 200
    assert tally(responses) == {200: 50, 429: 150}
    for response in refused(responses):
        assert response.headers["Retry-After"] == "1"
        assert response.json() == {"error": "too many requests", "retry_after": 1}
    for response in responses:
        if response.status_code == 200:
            assert "Retry-After" not in response.headers
            assert response.json() == {"base": "EUR", "currency": "USD", "rate": "1.0842"}


def test_the_bucket_refills_with_time_and_never_beyond_its_capacity() -> None:
    clock = FakeClock()
    limiter = PerClientLimiter(lambda: TokenBucket(50, refill_per_second=5, clock=clock))
    with running(create_app(limiter)) as url:
        assert tally(burst(url, clients=4, per_client=20, api_key="k")) == {200: 50, 429: 30}
        clock.advance(3)  # 15 tokens
        assert tally(burst(url, clients=4, per_client=5, api_key="k")) == {200: 15, 429: 5}
        clock.advance(3600)  # an hour: back to a full bucket, not 18,000 tokens
        assert tally(burst(url, clients=4, per_client=25, api_key="k")) == {200: 50, 429: 50}


def test_each_api_key_has_its_own_bucket_under_concurrent_load() -> None:
    clock = FakeClock()
    limiter = PerClientLimiter(lambda: TokenBucket(30, refill_per_second=1, clock=clock))
    keys = ["checkout", "mobile-app", "pricing-batch"]
    with running(create_app(limiter)) as url, ThreadPoolExecutor(len(keys)) as pool:
        tallies = pool.map(
            lambda key: tally(burst(url, clients=2, per_client=20, api_key=key)), keys
        )
        results = dict(zip(keys, tallies, strict=True))
    assert results == {key: {200: 30, 429: 10} for key in keys}


def test_a_sliding_window_server_allows_the_limit_per_window() -> None:
    clock = FakeClock()
    limiter = PerClientLimiter(lambda: SlidingWindowLog(40, window_seconds=60, clock=clock))
    with running(create_app(limiter)) as url:
        responses = burst(url, clients=4, per_client=25, api_key="k")
        assert tally(responses) == {200: 40, 429: 60}
        assert {response.headers["Retry-After"] for response in refused(responses)} == {"60"}
        clock.advance(59)
        assert tally(burst(url, clients=2, per_client=5, api_key="k")) == {429: 10}
        clock.advance(1)
        assert tally(burst(url, clients=4, per_client=25, api_key="k")) == {200: 40, 429: 60}


def test_a_paced_client_never_gets_a_429() -> None:
    clock = FakeClock()
    limiter = PerClientLimiter(lambda: TokenBucket(5, refill_per_second=5, clock=clock))
    pacer = Pacer(TokenBucket(5, refill_per_second=5, clock=clock), sleep=clock.sleep)
    with running(create_app(limiter)) as url, http_client(url, "paced") as client:
        statuses = []
        for _ in range(40):
            pacer.wait()
            statuses.append(client.get("/rates/EUR").status_code)
    assert statuses == [200] * 40
    assert len(clock.sleeps) == 35
    assert sum(clock.sleeps) == pytest.approx(7.0)


def test_unknown_routes_and_currencies_are_still_counted() -> None:
    clock = FakeClock()
    limiter = PerClientLimiter(lambda: TokenBucket(2, refill_per_second=1, clock=clock))
    with running(create_app(limiter)) as url, http_client(url, "k") as client:
        assert client.get("/rates/XXX").status_code == 404
        assert client.get("/nowhere").status_code == 404
        assert client.get("/rates/USD").status_code == 429


def test_a_burst_needs_clients_and_requests() -> None:
    with pytest.raises(ValueError, match="at least one client"):
        burst("http://127.0.0.1:9", clients=0, per_client=10, api_key="k")


@contextmanager
def rate_limit_service(together: threading.Barrier) -> Iterator[str]:
    """A real HTTP rate limit service whose every decision waits for `together` to fill."""

    class Decide(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            try:
                together.wait()  # returns only when two decisions are in flight at once
                allowed = True
            except threading.BrokenBarrierError:
                allowed = False
            body = json.dumps({"allowed": allowed, "retry_after": 1}).encode()
            self.send_response(200)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Decide)
    server.daemon_threads = False  # so that server_close joins every handler thread
    thread = threading.Thread(target=server.serve_forever, args=(0.01,))  # poll interval
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        together.abort()
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)


NO_PROXY = urllib.request.build_opener(urllib.request.ProxyHandler({}))  # 127.0.0.1 direct


class RemoteLimiter:
    """Asks the rate limit service for each decision: a blocking network call."""

    def __init__(self, url: str) -> None:
        self.url = url

    def acquire(self, key: str) -> Decision:
        with NO_PROXY.open(f"{self.url}/acquire?key={key}", timeout=10) as answer:
            body = json.load(answer)
        return Decision(allowed=body["allowed"], retry_after=body["retry_after"])


def test_a_limiter_that_blocks_on_the_network_does_not_block_the_event_loop() -> None:
    # Broken, after its timeout, if the event loop serialises the two decisions; met at
    # once if not. The timeout only bounds a failing run, so it can be generous.
    together = threading.Barrier(2, timeout=5.0)
    with (
        rate_limit_service(together) as service,
        running(create_app(RemoteLimiter(service))) as url,
    ):
        responses = burst(url, clients=2, per_client=1, api_key="k")
    assert tally(responses) == {200: 2}, "the second decision waited for the first one"


def test_the_number_of_client_limiters_is_bounded() -> None:
    clock = FakeClock()
    limiter = PerClientLimiter(
        lambda: TokenBucket(1, refill_per_second=1, clock=clock), max_clients=2
    )
    assert [limiter.acquire(key).allowed for key in ["a", "b", "a"]] == [True, True, False]
    for invented in range(1000):
        limiter.acquire(f"invented-{invented}")
    assert len(limiter) == 2
    with pytest.raises(ValueError, match="max_clients must be at least 1, got 0"):
        PerClientLimiter(lambda: TokenBucket(1, refill_per_second=1), max_clients=0)


def test_shedding_refuses_the_batch_first_and_keeps_the_reserve_for_checkout() -> None:
    clock = FakeClock()
    shop = SheddingLimiter(
        TokenBucket(50, refill_per_second=5, clock=clock), reserve=10, priority={"key:checkout"}
    )
    with running(create_app(shop)) as url:
        batch = burst(url, clients=4, per_client=15, api_key="pricing-batch")
        assert tally(batch) == {200: 40, 429: 20}
        # 10 tokens left, 11 needed: the batch may retry once one more token is back (0.2 s).
        assert {response.headers["Retry-After"] for response in refused(batch)} == {"1"}
        assert tally(burst(url, clients=2, per_client=5, api_key="checkout")) == {200: 10}
        assert tally(burst(url, clients=1, per_client=1, api_key="checkout")) == {429: 1}
        clock.advance(4)  # 20 tokens: 10 above the reserve
        assert tally(burst(url, clients=2, per_client=10, api_key="mobile-app")) == {
            200: 10,
            429: 10,
        }
    with pytest.raises(ValueError, match="reserve must be 0 to 49, got 50"):
        SheddingLimiter(TokenBucket(50, refill_per_second=5), reserve=50, priority=set())


def test_a_concurrency_limit_refuses_what_is_beyond_it_and_frees_its_slots() -> None:
    release = threading.Event()

    async def slow(scope: Scope, receive: Receive, send: Send) -> None:
        await asyncio.to_thread(release.wait, 10)
        await JSONResponse({"done": True})(scope, receive, send)

    limited = ConcurrencyLimit(slow, limit=3)
    with running(limited) as url, ThreadPoolExecutor(8) as pool:
        calls = [pool.submit(httpx.get, url, trust_env=False, timeout=10) for _ in range(8)]
        finished = as_completed(calls)
        first = [next(finished).result() for _ in range(5)]  # the 3 admitted are held
        assert [response.status_code for response in first] == [503] * 5
        assert {response.headers["Retry-After"] for response in first} == {"1"}
        release.set()
        assert [next(finished).result().status_code for _ in range(3)] == [200] * 3
        # The slots were given back: three more pass, one after the other.
        assert [httpx.get(url, trust_env=False).status_code for _ in range(3)] == [200] * 3
    assert limited.rejected == 5
    with pytest.raises(ValueError, match="limit must be at least 1, got 0"):
        ConcurrencyLimit(slow, limit=0)


def test_limiters_refuse_settings_that_cannot_work() -> None:
    with pytest.raises(ValueError, match="capacity must be at least 1 token, got 0"):
        TokenBucket(capacity=0, refill_per_second=5)
    with pytest.raises(ValueError, match="refill_per_second must be positive, got 0"):
        TokenBucket(capacity=5, refill_per_second=0)
    with pytest.raises(ValueError, match="limit must be at least 1, got 0"):
        SlidingWindowLog(limit=0, window_seconds=60)
    with pytest.raises(ValueError, match="reserve cannot be negative, got -1"):
        TokenBucket(capacity=5, refill_per_second=1).acquire(reserve=-1)
    with pytest.raises(ValueError, match="window_seconds must be positive, got -60"):
        SlidingWindowLog(limit=100, window_seconds=-60)
