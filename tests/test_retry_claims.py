"""Claims of the retry page that its blocks do not show (HTTP services are real, on 127.0.0.1)."""

import random
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
import tenacity

from snippets.cloud.retry import (
    Backoff,
    PermanentError,
    RetryError,
    TransientError,
    VirtualClock,
    call_service,
    parse_retry_after,
    rates_service,
    retry,
    tenacity_fetch_rate,
)

NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("value", "seconds"),
    [
        (" 3 ", 3.0),
        ("9" * 400, float("inf")),  # too big for an int-to-float conversion
        ("Mon, 02 Mar 2026 09:01:00 GMT", 60.0),
        ("Mon, 02 Mar 2026 09:01:00 -0000", 60.0),  # parsed as a naive datetime
        ("Mon Mar  2 09:01:00 2026", 60.0),  # asctime, the third form of RFC 9110
        ("Wed, 21 Oct 2015 07:28:00 GMT", 0.0),  # in the past: no wait
        ("1.5", None),  # delay-seconds are whole digits
        ("-5", None),
        ("\u00b2", None),  # a digit to str.isdigit, but not to int()
        ("Mon, 32 Mar 2026 09:01:00 GMT", None),
        ("", None),
    ],
)
def test_retry_after_values_never_crash(value: str, seconds: float | None) -> None:
    assert parse_retry_after(value, NOW) == seconds


def fetch_with(clock: VirtualClock, **policy: Any) -> Any:
    @retry(backoff=Backoff(rng=random.Random(1)), sleep=clock.sleep, clock=clock.now, **policy)
    def fetch(port: int, timeout: float = 1.0) -> Any:
        return call_service(port, "GET", "/rates/EUR-USD", timeout=timeout)["rate"]

    return fetch


@pytest.mark.parametrize(
    ("retry_after", "policy", "reason"),
    [
        ("2", {"deadline": 1.0}, "the next attempt would miss the 1.0 s deadline"),
        ("9" * 400, {}, "asked to wait inf s (cap 5.0 s)"),
    ],
)
def test_retry_after_is_bounded(retry_after: str, policy: dict[str, Any], reason: str) -> None:
    clock = VirtualClock()
    fetch = fetch_with(clock, attempts=5, **policy)
    with rates_service() as service:
        service.fail_next(errors=1, retry_after=retry_after)
        with pytest.raises(RetryError, match="after 1 attempt: ") as raised:
            fetch(service.port)
        assert str(raised.value).endswith(reason)
        assert (service.requests, clock.sleeps) == (1, [])


def test_the_policy_owns_the_timeout_of_each_attempt() -> None:
    fetch = fetch_with(VirtualClock(), attempts=2, deadline=1.0)
    with pytest.raises(TypeError, match="sets timeout="):
        fetch(1, timeout=5.0)
    with pytest.raises(ValueError, match="the attempt_timeout must be positive, got 0"):
        retry(attempts=2, backoff=Backoff(), attempt_timeout=0)
    with pytest.raises(ValueError, match="the deadline must be positive, got nan"):
        retry(attempts=2, backoff=Backoff(), deadline=float("nan"))
    with pytest.raises(ValueError, match="the base delay must be positive, got nan"):
        Backoff(base=float("nan"))
    with pytest.raises(ValueError, match=r"the cap 1\.0 s is below the base 2\.0 s"):
        Backoff(base=2.0, cap=1.0)
    with pytest.raises(ValueError, match="attempts must be at least 1, got 0"):
        retry(attempts=0, backoff=Backoff())


class Ticking:
    """A clock that moves 0.3 s each time it is read: time passes between readings."""

    def __init__(self) -> None:
        self.readings = 0

    def now(self) -> float:
        self.readings += 1
        return 0.3 * self.readings


def test_an_attempt_never_gets_a_timeout_of_zero_or_less() -> None:
    ticking, timeouts = Ticking(), []

    @retry(
        attempts=5,
        backoff=Backoff(base=0.001),
        deadline=1.0,
        sleep=lambda _: None,
        clock=ticking.now,
    )
    def fetch(timeout: float = 1.0) -> None:
        timeouts.append(timeout)
        raise TimeoutError("no answer")

    with pytest.raises(RetryError, match="after 2 attempts: the next attempt would miss"):
        fetch()
    assert all(timeout > 0 for timeout in timeouts), timeouts


class ProxyPage(BaseHTTPRequestHandler):
    """A proxy that answers 404 with an HTML page."""

    def do_GET(self) -> None:
        page = b"<html><h1>404 Not Found</h1></html>"
        self.send_response(404)
        self.send_header("Content-Type", "text/html")
        self.send_header("Content-Length", str(len(page)))
        self.end_headers()
        self.wfile.write(page)

    def log_message(self, format: str, *args: Any) -> None:
        """Quiet."""


@contextmanager
def proxy() -> Iterator[int]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), ProxyPage)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.01})
    thread.start()
    try:
        yield server.server_port
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


def test_an_html_error_page_is_a_clear_permanent_error() -> None:
    with proxy() as port, pytest.raises(PermanentError, match="404, not JSON: b'<html>"):
        call_service(port, "GET", "/rates/EUR-USD")


def test_the_tenacity_example_jitters_its_waits() -> None:
    waits = []
    with rates_service() as service:
        for seed in [1, 2]:
            clock = VirtualClock()
            service.fail_next(errors=3)
            random.seed(seed)
            tenacity_fetch_rate.retry_with(sleep=clock.sleep)(service.port, "EUR-USD")
            assert all(0 <= wait <= 0.1 * 2**n for n, wait in enumerate(clock.sleeps))
            waits.append(clock.sleeps)
    assert waits[0] != waits[1]


def test_the_tenacity_example_stops_before_an_attempt_10_s_after_the_first() -> None:
    clock = VirtualClock()
    fetch = tenacity_fetch_rate.retry_with(sleep=clock.sleep, wait=tenacity.wait_fixed(11))
    with rates_service() as service:
        service.fail_next(errors=1)
        with pytest.raises(TransientError):  # the next attempt would start 11 s in
            fetch(service.port, "EUR-USD")
        assert (service.requests, clock.sleeps) == (1, [])
