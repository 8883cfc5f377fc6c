"""Retry: call a flaky HTTP service again, with backoff, jitter and a stop condition.

Run it with `python -m snippets.cloud.retry`. The demo starts a real HTTP service on a
free port of 127.0.0.1, makes it fail on purpose, and stops it again.
"""

# --8<-- [start:imports]
import functools
import http.client
import json
import math
import random
import sqlite3
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import closing, contextmanager, suppress
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, ParamSpec, TypeVar

import tenacity

from snippets.cloud.circuit_breaker import CircuitBreaker, CircuitOpenError

# --8<-- [end:imports]


# --8<-- [start:client]
class TransientError(Exception):
    """The service failed in a way that may pass by itself (429, 502, 503, 504).

    `retry_after` holds the seconds the service asked the client to wait, if it did.
    """

    def __init__(self, message: str, retry_after: float | None = None) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class PermanentError(Exception):
    """The service refused the request: sending it again gets the same answer."""


TRANSIENT_STATUSES = frozenset({429, 502, 503, 504})
# Timeouts and refused or dropped connections may pass by themselves too.
TRANSIENT_ERRORS = (TransientError, TimeoutError, ConnectionError)


def parse_retry_after(value: str | None, now: datetime) -> float | None:
    """Seconds to wait from a `Retry-After` value: delay-seconds or an HTTP-date.

    `None` when the value is missing or malformed: the client's own backoff applies.

    >>> now = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
    >>> parse_retry_after("120", now)
    120.0
    >>> parse_retry_after("Mon, 02 Mar 2026 09:00:30 GMT", now)
    30.0
    >>> parse_retry_after("soon", now), parse_retry_after("-5", now)
    (None, None)
    """
    if value is None:
        return None
    value = value.strip()
    if value.isascii() and value.isdigit():  # delay-seconds: digits only
        return float(value)
    try:
        when = parsedate_to_datetime(value)
    except ValueError:
        return None
    if when.tzinfo is None:  # "-0000" and the asctime form: HTTP-dates are in GMT
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - now).total_seconds())


def call_service(
    port: int,
    method: str,
    path: str,
    body: dict[str, Any] | None = None,
    *,
    headers: dict[str, str] | None = None,
    timeout: float = 1.0,
) -> dict[str, Any]:
    """Send one HTTP request to the local service and decode its JSON answer.

    The status is checked before the body: a proxy's 502, 503 or 504 is rarely JSON.
    """
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        data = None if body is None else json.dumps(body).encode()
        connection.request(method, path, body=data, headers=headers or {})
        response = connection.getresponse()
        content = response.read()
    finally:
        connection.close()
    outcome = f"{method} {path}: {response.status}"
    if response.status in TRANSIENT_STATUSES:  # before the body: proxies answer in HTML
        wait = parse_retry_after(response.getheader("Retry-After"), datetime.now(UTC))
        raise TransientError(f"{outcome} {response.reason}", retry_after=wait)
    try:
        answer: dict[str, Any] = json.loads(content or b"{}")
    except ValueError:
        raise PermanentError(f"{outcome}, not JSON: {content[:30]!r}") from None
    if response.status >= 400:
        raise PermanentError(f"{outcome} {answer.get('error', response.reason)}")
    return answer


# --8<-- [end:client]


# --8<-- [start:backoff]
@dataclass
class Backoff:
    """Exponential backoff with full jitter.

    Before retry number `n` (1 for the first retry) it waits a random time between
    0 and `min(cap, base * 2 ** (n - 1))` seconds. Seed `rng` for repeatable waits.
    """

    base: float = 0.1
    cap: float = 5.0
    rng: random.Random = field(default_factory=random.Random)

    def __post_init__(self) -> None:
        if not self.base > 0:  # also refuses nan
            raise ValueError(f"the base delay must be positive, got {self.base}")
        if self.cap < self.base:
            raise ValueError(f"the cap {self.cap} s is below the base {self.base} s")

    def ceiling(self, retry_number: int) -> float:
        """The longest wait before retry `retry_number`: the exponential part."""
        return min(self.cap, self.base * 2.0 ** min(retry_number - 1, 64))

    def delay(self, retry_number: int) -> float:
        """The jittered wait before retry `retry_number`, in whole milliseconds."""
        return round(self.rng.uniform(0, self.ceiling(retry_number)), 3)


# --8<-- [end:backoff]


# --8<-- [start:decorator]
P = ParamSpec("P")
R = TypeVar("R")


class RetryError(Exception):
    """Every attempt the policy allowed has failed; the last error is the cause."""

    def __init__(self, attempts: int, reason: str) -> None:
        plural = "" if attempts == 1 else "s"
        super().__init__(f"gave up after {attempts} attempt{plural}: {reason}")
        self.attempts = attempts


def retry(
    *,
    attempts: int,
    backoff: Backoff,
    deadline: float | None = None,
    attempt_timeout: float | None = None,
    retry_on: tuple[type[BaseException], ...] = TRANSIENT_ERRORS,
    sleep: Callable[[float], None] = time.sleep,
    clock: Callable[[], float] = time.monotonic,
) -> Callable[[Callable[P, R]], Callable[P, R]]:
    """Call the decorated function again when it raises one of `retry_on`.

    It stops after `attempts` calls, or when the next attempt would start at or after
    the `deadline` (seconds after the first call). With a deadline or an
    `attempt_timeout`, it passes the function a `timeout` keyword: the attempt timeout,
    cut to the time left. An error with a `retry_after` (seconds the service asked
    for) waits at least that long, and gives up if that is more than `backoff.cap`.
    Other errors pass at once.
    """
    if attempts < 1:
        raise ValueError(f"attempts must be at least 1, got {attempts}")
    for name, value in [("deadline", deadline), ("attempt_timeout", attempt_timeout)]:
        if value is not None and not value > 0:  # also refuses nan
            raise ValueError(f"the {name} must be positive, got {value}")

    def decorate(function: Callable[P, R]) -> Callable[P, R]:
        @functools.wraps(function)
        def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
            left = math.inf if deadline is None else deadline  # seconds
            end = clock() + left
            too_late = f"the next attempt would miss the {deadline} s deadline"
            sets_timeout = deadline is not None or attempt_timeout is not None
            if sets_timeout and "timeout" in kwargs:
                raise TypeError("this retry policy sets timeout=; use attempt_timeout")
            attempt = 1
            while True:
                if sets_timeout:
                    kwargs["timeout"] = min(attempt_timeout or math.inf, left)
                try:
                    return function(*args, **kwargs)
                except retry_on as error:
                    if attempt >= attempts:
                        raise RetryError(attempt, "no attempts left") from error
                    pause = backoff.delay(attempt)
                    asked = getattr(error, "retry_after", None)
                    if asked is not None and asked > backoff.cap:
                        reason = f"asked to wait {asked:g} s (cap {backoff.cap} s)"
                        raise RetryError(attempt, reason) from error
                    pause = max(pause, asked or 0.0)
                    if clock() + pause >= end:
                        raise RetryError(attempt, too_late) from error
                    sleep(pause)
                    left = end - clock()  # one reading: the timeout is never <= 0
                    if left <= 0:  # the sleep itself ran past the deadline
                        raise RetryError(attempt, too_late) from error
                    attempt += 1

        return wrapper

    return decorate


# --8<-- [end:decorator]


# --8<-- [start:clock]
class VirtualClock:
    """Time for demos and tests: it only passes when someone sleeps, and instantly."""

    def __init__(self) -> None:
        self.sleeps: list[float] = []
        self._now = 0.0

    def now(self) -> float:
        return self._now

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(float(seconds))
        self._now += seconds


# --8<-- [end:clock]


# --8<-- [start:service]
RATES = {"EUR-USD": "1.0842", "EUR-GBP": "0.8573", "EUR-JPY": "162.41"}


class RatesService:
    """A real HTTP service on 127.0.0.1: exchange rates, and orders kept in SQLite.

    `fail_next` is the switch of the demos: the next requests answer 503 (in JSON, or
    in HTML as a proxy does), stall until the service stops (past any client's
    timeout), or do their work and then drop the connection unanswered.
    """

    STALL_LIMIT = 5.0  # seconds; in the demos the service stops well before

    def __init__(self, database: Path) -> None:
        self.database = database
        self.requests = 0
        self._faults = {"errors": 0, "html_errors": 0, "stalls": 0, "drops": 0}
        self.retry_after: str | None = None
        self._lock = threading.Lock()
        self._released = threading.Event()
        with closing(sqlite3.connect(database)) as db, db:
            db.execute(
                "CREATE TABLE orders (id INTEGER PRIMARY KEY, idempotency_key TEXT"
                " UNIQUE, sku TEXT NOT NULL, quantity INTEGER NOT NULL)"
            )
        handler = type("Handler", (RatesHandler,), {"service": self})
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self.server.daemon_threads = False  # server_close() waits for every handler
        self.port = self.server.server_port

    def fail_next(
        self,
        *,
        errors: int = 0,
        html_errors: int = 0,
        stalls: int = 0,
        drops: int = 0,
        retry_after: str | None = None,
    ) -> None:
        """Make the next requests fail, in this order, and count requests from zero.

        `retry_after` is sent as the `Retry-After` header of the 503 answers.
        """
        with self._lock:
            self._faults = {
                "errors": errors,
                "html_errors": html_errors,
                "stalls": stalls,
                "drops": drops,
            }
            self.retry_after = retry_after
            self.requests = 0

    def next_fault(self) -> str | None:
        with self._lock:
            self.requests += 1
            for fault, remaining in self._faults.items():
                if remaining:
                    self._faults[fault] = remaining - 1
                    return fault
        return None

    def stall(self) -> None:
        self._released.wait(self.STALL_LIMIT)

    def release(self) -> None:
        """Wake every stalled request, so that the service can stop at once."""
        self._released.set()

    def store_order(self, order: dict[str, Any], key: str | None) -> tuple[int, int]:
        """Insert an order unless its idempotency key is known; return id and status."""
        with closing(sqlite3.connect(self.database)) as db, db:
            cursor = db.execute(
                "INSERT INTO orders (idempotency_key, sku, quantity) VALUES (?, ?, ?)"
                " ON CONFLICT (idempotency_key) DO NOTHING",
                (key, order["sku"], order["quantity"]),
            )
            if cursor.rowcount == 1 and cursor.lastrowid is not None:
                return cursor.lastrowid, 201
            (order_id,) = db.execute(
                "SELECT id FROM orders WHERE idempotency_key = ?", (key,)
            ).fetchone()
            return int(order_id), 200

    def order_count(self) -> int:
        with closing(sqlite3.connect(self.database)) as db:
            (count,) = db.execute("SELECT COUNT(*) FROM orders").fetchone()
            return int(count)


class RatesHandler(BaseHTTPRequestHandler):
    """Answers one request; `service` is set on a subclass made per service."""

    service: RatesService

    def do_GET(self) -> None:
        self.serve(self.get_rate)

    def do_POST(self) -> None:
        self.serve(self.post_order)

    def serve(self, work: Callable[[], tuple[int, dict[str, Any]]]) -> None:
        fault = self.service.next_fault()
        if fault == "errors":
            wait = self.service.retry_after
            self.reply(503, {"error": "service unavailable"}, retry_after=wait)
            return
        if fault == "html_errors":  # a proxy in front of the service answers
            self.send(503, b"<html><h1>503 Service Temporarily Unavailable</h1></html>")
            return
        if fault == "stalls":
            self.service.stall()
            self.reply(503, {"error": "too slow"})
            return
        status, payload = work()
        if fault != "drops":  # a drop did the work, but nobody hears about it
            self.reply(status, payload)

    def get_rate(self) -> tuple[int, dict[str, Any]]:
        pair = self.path.removeprefix("/rates/")
        if pair not in RATES:
            return 404, {"error": f"unknown currency pair {pair!r}"}
        return 200, {"pair": pair, "rate": RATES[pair]}

    def post_order(self) -> tuple[int, dict[str, Any]]:
        order = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        key = self.headers.get("Idempotency-Key")
        order_id, status = self.service.store_order(order, key)
        return status, {"order_id": order_id}

    def reply(
        self, status: int, payload: dict[str, Any], retry_after: str | None = None
    ) -> None:
        data = json.dumps(payload).encode()
        self.send(status, data, "application/json", retry_after)

    def send(
        self,
        status: int,
        data: bytes,
        content_type: str = "text/html",
        retry_after: str | None = None,
    ) -> None:
        with suppress(OSError):  # a client that timed out has closed the connection
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(data)))
            if retry_after is not None:
                self.send_header("Retry-After", retry_after)
            self.end_headers()
            self.wfile.write(data)

    def log_message(self, format: str, *args: Any) -> None:
        """No access log: the demo's output shows only what the client sees."""


@contextmanager
def rates_service() -> Iterator[RatesService]:
    """Run a `RatesService` on a free port of 127.0.0.1; stop it, threads and all."""
    with tempfile.TemporaryDirectory() as folder:
        service = RatesService(Path(folder) / "orders.db")
        thread = threading.Thread(
            target=service.server.serve_forever, kwargs={"poll_interval": 0.01}
        )
        thread.start()
        try:
            yield service
        finally:
            service.release()
            service.server.shutdown()
            service.server.server_close()  # joins the handler threads
            thread.join()


# --8<-- [end:service]


# --8<-- [start:tenacity]
@tenacity.retry(
    stop=tenacity.stop_after_attempt(5) | tenacity.stop_before_delay(10),
    wait=tenacity.wait_random_exponential(multiplier=0.1, max=5.0),
    retry=tenacity.retry_if_exception_type(TRANSIENT_ERRORS),
    reraise=True,
)
def tenacity_fetch_rate(port: int, pair: str) -> str:
    """Fetch an exchange rate, retrying transient failures with tenacity."""
    return str(call_service(port, "GET", f"/rates/{pair}")["rate"])


def jittered(backoff: Backoff) -> Callable[[tenacity.RetryCallState], float]:
    """A tenacity wait strategy that draws its waits from a (seeded) `Backoff`."""
    return lambda state: backoff.delay(state.attempt_number)


# --8<-- [end:tenacity]


if __name__ == "__main__":
    # fmt: off
    # --8<-- [start:demo]
    clock = VirtualClock()
    backoff = Backoff(base=0.1, cap=5.0, rng=random.Random(2024))

    @retry(attempts=5, backoff=backoff, sleep=clock.sleep, clock=clock.now)
    def fetch_rate(port: int, pair: str, timeout: float = 1.0) -> str:
        answer = call_service(port, "GET", f"/rates/{pair}", timeout=timeout)
        return str(answer["rate"])

    with rates_service() as service:
        service.fail_next(errors=3)
        print(fetch_rate(service.port, "EUR-USD"))
        #> 1.0842
        print(f"{service.requests} requests, waits {clock.sleeps}")
        #> 4 requests, waits [0.047, 0.146, 0.122]
        print("ceilings", [backoff.ceiling(n) for n in range(1, 5)])
        #> ceilings [0.1, 0.2, 0.4, 0.8]
    # --8<-- [end:demo]

    # --8<-- [start:demo-failures]
    with rates_service() as service:
        service.fail_next(html_errors=1)  # a proxy's HTML error page, not JSON
        print(fetch_rate(service.port, "EUR-JPY"), f"after {service.requests} requests")
        #> 162.41 after 2 requests

        service.fail_next()  # healthy, but the pair does not exist
        try:
            fetch_rate(service.port, "EUR-XYZ")
        except PermanentError as exc:
            print(f"{exc} ({service.requests} request)")
            #> GET /rates/EUR-XYZ: 404 unknown currency pair 'EUR-XYZ' (1 request)

        clock.sleeps.clear()
        service.fail_next(errors=100)  # down for longer than we are willing to wait
        try:
            fetch_rate(service.port, "EUR-USD")
        except RetryError as exc:
            print(exc)
            #> gave up after 5 attempts: no attempts left
            print(exc.__cause__)
            #> GET /rates/EUR-USD: 503 Service Unavailable
            print(f"{service.requests} requests, waits {clock.sleeps}")
            #> 5 requests, waits [0.041, 0.143, 0.106, 0.196]
    # --8<-- [end:demo-failures]

    # --8<-- [start:demo-retry-after]
    with rates_service() as service:
        for asked in ["2", "Wed, 21 Oct 2015 07:28:00 GMT", "in a minute", "3600"]:
            clock.sleeps.clear()
            service.fail_next(errors=1, retry_after=asked)
            try:
                outcome = f"{fetch_rate(service.port, 'EUR-USD')}, waits {clock.sleeps}"
            except RetryError as exc:
                outcome = str(exc)
            print(f"{asked} -> {outcome}")
            #> 2 -> 1.0842, waits [2.0]
            #> Wed, 21 Oct 2015 07:28:00 GMT -> 1.0842, waits [0.05]
            #> in a minute -> 1.0842, waits [0.042]
            #> 3600 -> gave up after 1 attempt: asked to wait 3600 s (cap 5.0 s)
    # --8<-- [end:demo-retry-after]

    # --8<-- [start:demo-deadline]
    patient = VirtualClock()
    slow_backoff = Backoff(base=0.5, cap=8.0, rng=random.Random(7))

    @retry(attempts=10, backoff=slow_backoff, deadline=3.0, attempt_timeout=1.0,
           sleep=patient.sleep, clock=patient.now)
    def fetch_rate_within_3s(port: int, pair: str, timeout: float = 1.0) -> str:
        return str(call_service(port, "GET", f"/rates/{pair}", timeout=timeout)["rate"])

    with rates_service() as service:
        service.fail_next(errors=100)
        try:
            fetch_rate_within_3s(service.port, "EUR-JPY")
        except RetryError as exc:
            print(exc)
            #> gave up after 5 attempts: the next attempt would miss the 3.0 s deadline
            print(f"waits {patient.sleeps}, {patient.now():.3f} s in")
            #> waits [0.162, 0.151, 1.302, 0.29], 1.905 s in

    @retry(attempts=3, backoff=Backoff(), deadline=0.05, attempt_timeout=1.0)
    def fetch_rate_within_50ms(port: int, pair: str, timeout: float = 1.0) -> str:
        return str(call_service(port, "GET", f"/rates/{pair}", timeout=timeout)["rate"])

    with rates_service() as service:
        service.fail_next(stalls=1)  # no answer for seconds: the deadline cuts the wait
        started = time.monotonic()
        try:
            fetch_rate_within_50ms(service.port, "EUR-JPY")
        except RetryError as exc:
            print(exc)
            #> gave up after 1 attempt: the next attempt would miss the 0.05 s deadline
            print("its cause:", type(exc.__cause__).__name__)
            #> its cause: TimeoutError
        print("back before the 1 s attempt timeout:", time.monotonic() - started < 1.0)
        #> back before the 1 s attempt timeout: True
    # --8<-- [end:demo-deadline]

    # --8<-- [start:demo-together]
    clock = VirtualClock()
    rates_breaker = CircuitBreaker("rates", failure_threshold=3, reset_timeout=30.0,
                                   ignore=(PermanentError,), clock=clock.now)
    timeouts: list[float] = []

    @retry(attempts=5, backoff=Backoff(base=0.3, rng=random.Random(8)), deadline=1.0,
           attempt_timeout=0.5, sleep=clock.sleep, clock=clock.now)  # outermost
    def guarded_rate(port: int, pair: str, timeout: float = 1.0) -> str:
        timeouts.append(round(timeout, 3))
        answer = rates_breaker.call(  # around each attempt; the timeout innermost
            call_service, port, "GET", f"/rates/{pair}", timeout=timeout)
        return str(answer["rate"])

    with rates_service() as service:
        service.fail_next(errors=100)
        try:
            guarded_rate(service.port, "EUR-USD")
        except CircuitOpenError as exc:
            print(exc)
            #> rates circuit is open; next trial in 29.8 s
        print(f"{service.requests} requests, timeouts {timeouts}, waits {clock.sleeps}")
        #> 3 requests, timeouts [0.5, 0.5, 0.355, 0.203], waits [0.068, 0.577, 0.152]
    # --8<-- [end:demo-together]

    # --8<-- [start:demo-tenacity]
    with rates_service() as service:
        clock = VirtualClock()
        service.fail_next(errors=3)
        random.seed(2024)  # tenacity draws its jitter from the global random module
        fetch = tenacity_fetch_rate.retry_with(sleep=clock.sleep)
        print(fetch(service.port, "EUR-USD"), [round(s, 3) for s in clock.sleeps])
        #> 1.0842 [0.047, 0.146, 0.122]
        stats = fetch.statistics
        print(stats["attempt_number"], round(stats["idle_for"], 3))
        #> 4 0.314

        clock = VirtualClock()
        service.fail_next(errors=2)
        for attempt in tenacity.Retrying(
            stop=tenacity.stop_after_attempt(5),
            wait=jittered(Backoff(base=0.1, rng=random.Random(2024))),
            retry=tenacity.retry_if_exception_type(TRANSIENT_ERRORS),
            sleep=clock.sleep,
            reraise=True,
        ):
            with attempt:
                rate = call_service(service.port, "GET", "/rates/EUR-JPY")["rate"]
        print(rate, attempt.retry_state.attempt_number, clock.sleeps)
        #> 162.41 3 [0.047, 0.146]
    # --8<-- [end:demo-tenacity]
    # fmt: on
