"""Circuit breaker: stop calling a failing service, fail fast, and probe for recovery.

Run it with `python -m snippets.cloud.circuit_breaker`. The demo starts a real HTTP
service on a free port of 127.0.0.1, switches it to fail or to hang, and stops it again.
"""

# --8<-- [start:imports]
import enum
import http.client
import json
import select
import threading
import time
from collections import deque
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, ParamSpec, TypeVar

import pybreaker

# --8<-- [end:imports]


# --8<-- [start:service]
STOCK = {"LAPTOP-14": 12, "DOCK-USB-C": 40, "MONITOR-27": 0}
MODES = ("healthy", "failing", "hanging")


class InventoryService:
    """A real HTTP service on 127.0.0.1 that reports stock levels.

    `switch` is the demo's lever: "healthy" answers, "failing" answers 503 at once,
    "hanging" answers 503 only when the service stops, past any client's timeout.
    """

    HANG_LIMIT = 5.0  # seconds; in the demos the service stops well before

    def __init__(self) -> None:
        self.mode = "healthy"
        self.requests = 0
        self._lock = threading.Lock()
        self._released = threading.Event()
        handler = type("Handler", (InventoryHandler,), {"service": self})
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self.server.daemon_threads = False  # server_close() waits for every handler
        self.port = self.server.server_port

    def switch(self, mode: str) -> None:
        """Make the service healthy, failing or hanging from the next request on."""
        if mode not in MODES:
            raise ValueError(f"unknown mode {mode!r}; choose one of {', '.join(MODES)}")
        with self._lock:
            self.mode = mode

    def count_request(self) -> str:
        with self._lock:
            self.requests += 1
            return self.mode

    def hang(self) -> None:
        self._released.wait(self.HANG_LIMIT)

    def close(self) -> None:
        """After `serve_forever` has stopped: finish every request, then close.

        A request whose client timed out may still wait in the listening socket's
        queue; it is accepted and counted too, so `requests` is exact afterwards.
        """
        self.server.timeout = 0
        while select.select([self.server.socket], [], [], 0)[0]:
            self.server.handle_request()
        self._released.set()  # wake the hanging requests
        self.server.server_close()  # joins the handler threads


class InventoryHandler(BaseHTTPRequestHandler):
    """Answers `GET /stock/<sku>`; `service` is set on a subclass made per service."""

    service: InventoryService

    def do_GET(self) -> None:
        mode = self.service.count_request()
        if mode == "hanging":
            self.service.hang()
        if mode != "healthy":
            self.reply(503, {"error": "inventory database unavailable"})
            return
        sku = self.path.removeprefix("/stock/")
        if sku not in STOCK:
            self.reply(404, {"error": f"no product {sku!r}"})
        else:
            self.reply(200, {"sku": sku, "stock": STOCK[sku]})

    def reply(self, status: int, payload: dict[str, Any]) -> None:
        data = json.dumps(payload).encode()
        with suppress(OSError):  # a client that timed out has closed the connection
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

    def log_message(self, format: str, *args: Any) -> None:
        """No access log: the demo's output shows only what the client sees."""


@contextmanager
def inventory_service() -> Iterator[InventoryService]:
    """Run an `InventoryService` on a free port; stop it, threads and all."""
    service = InventoryService()
    thread = threading.Thread(
        target=service.server.serve_forever, kwargs={"poll_interval": 0.01}
    )
    thread.start()
    try:
        yield service
    finally:
        service.server.shutdown()
        thread.join()
        service.close()


# --8<-- [end:service]


# --8<-- [start:client]
class ServiceError(Exception):
    """The inventory service failed: an error status, a timeout, a lost connection."""


class UnknownSkuError(LookupError):
    """The service works, but has no such product: the caller's mistake."""


def get_stock(port: int, sku: str, *, timeout: float = 1.0) -> int:
    """Ask the inventory service how many units of `sku` are in stock."""
    path = f"/stock/{sku}"
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        connection.request("GET", path)
        response = connection.getresponse()
        answer = json.loads(response.read())
    except TimeoutError:
        raise ServiceError(f"GET {path}: no answer within {timeout} s") from None
    except ConnectionError:
        raise ServiceError(f"GET {path}: connection failed") from None
    finally:
        connection.close()
    if response.status == 404:
        raise UnknownSkuError(answer["error"])
    if response.status != 200:
        raise ServiceError(f"GET {path}: {response.status} {response.reason}")
    return int(answer["stock"])


# --8<-- [end:client]


# --8<-- [start:window]
@dataclass
class FailureRate:
    """Trips once at least `threshold` of the last `size` calls failed, and at least
    `minimum` calls were seen. Used under the lock of the breaker that owns it."""

    threshold: float = 0.5
    size: int = 20
    minimum: int = 10

    def __post_init__(self) -> None:
        if not (0 < self.threshold <= 1 and 1 <= self.minimum <= self.size):
            raise ValueError(f"need 0 < threshold <= 1, 1 <= minimum <= size: {self}")
        self.failed: deque[bool] = deque(maxlen=self.size)  # oldest outcome drops out

    def add(self, failed: bool) -> bool:
        """Note one call's outcome; True when the circuit should open."""
        self.failed.append(failed)
        seen = len(self.failed)
        return seen >= self.minimum and sum(self.failed) / seen >= self.threshold


# --8<-- [end:window]


# --8<-- [start:breaker]
P = ParamSpec("P")
R = TypeVar("R")


class CircuitState(enum.StrEnum):
    CLOSED = "closed"  # calls pass; failures are counted
    OPEN = "open"  # calls are refused at once, until reset_timeout has passed
    HALF_OPEN = "half-open"  # one trial call passes; its outcome decides


class CircuitOpenError(Exception):
    """The breaker refused the call without touching the dependency."""

    def __init__(self, name: str, retry_in: float | None) -> None:
        if retry_in is None:  # half-open, and its one trial call is running
            super().__init__(f"{name} circuit is half-open; its trial call is running")
        else:
            super().__init__(f"{name} circuit is open; next trial in {retry_in:.1f} s")
        self.retry_in = retry_in


StateListener = Callable[[str, CircuitState, CircuitState], None]
Change = tuple[CircuitState, CircuitState] | None


class CircuitBreaker:
    """Guards calls to one dependency and stops making them while it keeps failing.

    It opens after `failure_threshold` failures in a row, or when its `window` trips;
    a call that takes longer than `slow_call` seconds on the clock counts as failed.
    The lock guards the state, never a call. Each change of state starts a new
    generation, and a call's outcome counts only in the generation it started in.
    `on_change` runs after the lock is released, in the thread that made the change;
    an error it raises reaches that caller, and counts for nothing.
    """

    def __init__(
        self,
        name: str,
        *,
        failure_threshold: int = 5,
        reset_timeout: float = 30.0,
        window: FailureRate | None = None,
        slow_call: float | None = None,
        ignore: tuple[type[Exception], ...] = (),
        clock: Callable[[], float] = time.monotonic,
        on_change: StateListener | None = None,
    ) -> None:
        if failure_threshold < 1:
            raise ValueError(
                f"failure_threshold must be at least 1, got {failure_threshold}"
            )
        if not reset_timeout > 0:  # also refuses nan
            raise ValueError(f"reset_timeout must be positive, got {reset_timeout}")
        if slow_call is not None and not slow_call > 0:
            raise ValueError(f"slow_call must be positive, got {slow_call}")
        self.name = name
        self.failure_threshold = failure_threshold
        self.reset_timeout = reset_timeout
        self.window = window
        self.slow_call = slow_call
        self.ignore = ignore  # errors that prove the dependency answered
        self.clock = clock
        self.on_change = on_change
        self.state = CircuitState.CLOSED
        self.failures = 0  # in a row
        self._opened_at = 0.0
        self._generation = 0
        self._trial_running = False
        self._lock = threading.Lock()

    def call(self, function: Callable[P, R], *args: P.args, **kwargs: P.kwargs) -> R:
        """Call `function` if the circuit allows it, and learn from the outcome."""
        generation, change = self._admit()
        try:
            self._notify(change)
        except BaseException:  # a listener's error says nothing about the dependency
            self._record(generation, succeeded=None)
            raise
        started = self.clock()
        try:
            result = function(*args, **kwargs)
        except self.ignore:
            self._record(generation, succeeded=self._in_time(started))
            raise
        except Exception:
            self._record(generation, succeeded=False)
            raise
        except BaseException:  # KeyboardInterrupt, CancelledError: no verdict
            self._record(generation, succeeded=None)
            raise
        self._record(generation, succeeded=self._in_time(started))
        return result

    def _in_time(self, started: float) -> bool:
        return self.slow_call is None or self.clock() - started <= self.slow_call

    def _admit(self) -> tuple[int, Change]:
        with self._lock:
            change = None
            if self.state is CircuitState.OPEN:
                waited = self.clock() - self._opened_at
                if waited < self.reset_timeout:
                    raise CircuitOpenError(self.name, self.reset_timeout - waited)
                change = self._move_to(CircuitState.HALF_OPEN)
            elif self.state is CircuitState.HALF_OPEN and self._trial_running:
                raise CircuitOpenError(self.name, None)  # one trial at a time
            self._trial_running = self.state is CircuitState.HALF_OPEN
            return self._generation, change

    def _record(self, generation: int, *, succeeded: bool | None) -> None:
        with self._lock:
            if generation != self._generation:
                return  # it started before the last change: it says nothing now
            change = None
            self._trial_running = False
            if succeeded is not None:  # None: interrupted, no verdict
                self.failures = 0 if succeeded else self.failures + 1
                if self.state is CircuitState.HALF_OPEN:  # the trial decides
                    new = CircuitState.CLOSED if succeeded else CircuitState.OPEN
                    change = self._move_to(new)
                else:  # closed
                    streak = self.failures >= self.failure_threshold
                    rate = self.window is not None and self.window.add(not succeeded)
                    if streak or rate:
                        change = self._move_to(CircuitState.OPEN)
        self._notify(change)

    def _move_to(self, state: CircuitState) -> Change:
        old, self.state = self.state, state
        self._generation += 1
        if state is CircuitState.OPEN:
            self._opened_at = self.clock()
        elif state is CircuitState.CLOSED:
            self.failures = 0
            if self.window is not None:
                self.window.failed.clear()
        return old, state

    def _notify(self, change: Change) -> None:
        if change is not None and self.on_change is not None:
            self.on_change(self.name, *change)


# --8<-- [end:breaker]


# --8<-- [start:clock]
class ManualClock:
    """A clock for demos and tests: it only moves when told to."""

    def __init__(self) -> None:
        self._now = 0.0

    def now(self) -> float:
        return self._now

    def advance(self, seconds: float) -> None:
        self._now += seconds


# --8<-- [end:clock]


# --8<-- [start:bulkhead]
class BulkheadFullError(Exception):
    """Every slot for the dependency is busy: refused at once, without a request."""


@contextmanager
def slot(slots: threading.BoundedSemaphore) -> Iterator[None]:
    """Hold one of `slots` for the `with` block; refuse at once when all are taken."""
    if not slots.acquire(blocking=False):
        raise BulkheadFullError("every slot is busy; refused without waiting")
    try:
        yield
    finally:
        slots.release()


# --8<-- [end:bulkhead]


# --8<-- [start:pybreaker]
class ClockedStorage(pybreaker.CircuitMemoryStorage):
    """pybreaker's in-memory state, timed by an injected clock: `opened_at` reads as
    `datetime.now(UTC)` minus the time that has passed on that clock since it opened."""

    def __init__(self, clock: Callable[[], float]) -> None:
        super().__init__(pybreaker.STATE_CLOSED)
        self._clock = clock
        self._opened_on_clock: float | None = None

    @property
    def opened_at(self) -> datetime | None:
        if self._opened_on_clock is None:
            return None
        elapsed = self._clock() - self._opened_on_clock
        return datetime.now(UTC) - timedelta(seconds=elapsed)

    @opened_at.setter
    def opened_at(self, now: datetime) -> None:
        self._opened_on_clock = self._clock()


class StateLog(pybreaker.CircuitBreakerListener):
    """A pybreaker listener that writes down every change of state."""

    def __init__(self) -> None:
        self.changes: list[str] = []

    def state_change(
        self,
        cb: pybreaker.CircuitBreaker,
        old_state: pybreaker.CircuitBreakerState | None,
        new_state: pybreaker.CircuitBreakerState,
    ) -> None:
        old = old_state.name if old_state is not None else "-"
        self.changes.append(f"{cb.name}: {old} -> {new_state.name}")


# --8<-- [end:pybreaker]


if __name__ == "__main__":
    # fmt: off
    # --8<-- [start:demo]
    clock = ManualClock()
    changes: list[str] = []
    breaker = CircuitBreaker(
        "inventory", failure_threshold=2, reset_timeout=30.0,
        ignore=(UnknownSkuError,), clock=clock.now,
        on_change=lambda name, old, new: changes.append(f"{name}: {old} -> {new}"),
    )

    with inventory_service() as service:
        print(breaker.call(get_stock, service.port, "LAPTOP-14"), breaker.state)
        #> 12 closed
        service.switch("hanging")
        before = service.requests
        for _ in range(5):
            try:
                breaker.call(get_stock, service.port, "LAPTOP-14", timeout=0.05)
            except (ServiceError, CircuitOpenError) as exc:
                print(f"{type(exc).__name__}: {exc}")
                #> ServiceError: GET /stock/LAPTOP-14: no answer within 0.05 s
                #> ServiceError: GET /stock/LAPTOP-14: no answer within 0.05 s
                #> CircuitOpenError: inventory circuit is open; next trial in 30.0 s
                #> CircuitOpenError: inventory circuit is open; next trial in 30.0 s
                #> CircuitOpenError: inventory circuit is open; next trial in 30.0 s
    print(f"{service.requests - before} of 5 calls reached the service")
    #> 2 of 5 calls reached the service
    print("\n".join(changes))
    #> inventory: closed -> open
    # --8<-- [end:demo]

    # --8<-- [start:demo-recovery]
    with inventory_service() as service:  # the breaker is still open
        changes.clear()
        service.switch("failing")
        clock.advance(10.0)
        try:
            breaker.call(get_stock, service.port, "LAPTOP-14")
        except CircuitOpenError as exc:
            print(exc)
            #> inventory circuit is open; next trial in 20.0 s
        clock.advance(20.0)  # reset_timeout has passed: one trial call
        try:
            breaker.call(get_stock, service.port, "LAPTOP-14")
        except ServiceError as exc:
            print(exc, "->", breaker.state)
            #> GET /stock/LAPTOP-14: 503 Service Unavailable -> open
        service.switch("healthy")
        clock.advance(30.0)
        print(breaker.call(get_stock, service.port, "DOCK-USB-C"), breaker.state)
        #> 40 closed
        print("\n".join(changes))
        '''
        inventory: open -> half-open
        inventory: half-open -> open
        inventory: open -> half-open
        inventory: half-open -> closed
        '''
    # --8<-- [end:demo-recovery]

    # --8<-- [start:demo-ignored]
    with inventory_service() as service:
        for _ in range(3):
            try:
                breaker.call(get_stock, service.port, "PHONE-99")
            except UnknownSkuError as exc:
                print(exc, "|", breaker.state, breaker.failures)
                #> no product 'PHONE-99' | closed 0
                #> no product 'PHONE-99' | closed 0
                #> no product 'PHONE-99' | closed 0
    # --8<-- [end:demo-ignored]

    # --8<-- [start:demo-rate]
    streaky = CircuitBreaker("inventory", failure_threshold=5, clock=clock.now,
                             window=FailureRate(threshold=0.5, size=10, minimum=6))
    outcomes = []
    with inventory_service() as service:
        for n in range(8):  # every other call fails: never two failures in a row
            service.switch("failing" if n % 2 else "healthy")
            try:
                outcomes.append(str(streaky.call(get_stock, service.port, "LAPTOP-14")))
            except ServiceError:
                outcomes.append("503")
            except CircuitOpenError:
                outcomes.append("refused")
    print(*outcomes, "|", streaky.state, "after", streaky.failures, "failure in a row")
    #> 12 503 12 503 12 503 refused refused | open after 1 failure in a row
    # --8<-- [end:demo-rate]

    # --8<-- [start:demo-slow]
    sluggish = CircuitBreaker("inventory", failure_threshold=2, slow_call=2.0,
                              clock=clock.now)

    def slow_stock(port: int, sku: str) -> int:
        clock.advance(2.5)  # the answer takes 2.5 s on the page's clock
        return get_stock(port, sku)

    with inventory_service() as service:
        for _ in range(2):  # both answers arrive, both are too slow
            print(sluggish.call(slow_stock, service.port, "DOCK-USB-C"), sluggish.state)
            #> 40 closed
            #> 40 open
    # --8<-- [end:demo-slow]

    # --8<-- [start:demo-bulkhead]
    inventory_slots = threading.BoundedSemaphore(2)  # at most 2 workers wait on it

    def product_page(port: int) -> None:
        with suppress(ServiceError), slot(inventory_slots):  # 503 when it stops
            get_stock(port, "LAPTOP-14", timeout=3.0)

    with inventory_service() as service:
        service.switch("hanging")
        workers = [threading.Thread(target=product_page, args=(service.port,))
                   for _ in range(2)]
        for worker in workers:
            worker.start()
        while service.requests < 2:  # until both workers hang on the service
            time.sleep(0.001)
        refused = 0
        for _ in range(3):  # three more product pages ask
            try:
                with slot(inventory_slots):
                    get_stock(service.port, "DOCK-USB-C")
            except BulkheadFullError:
                refused += 1
        print(f"{refused} calls refused at once, {service.requests} requests sent")
        #> 3 calls refused at once, 2 requests sent
    for worker in workers:
        worker.join()
    # --8<-- [end:demo-bulkhead]

    # --8<-- [start:demo-pybreaker]
    clock = ManualClock()
    log = StateLog()
    inventory_breaker = pybreaker.CircuitBreaker(
        fail_max=2, reset_timeout=30, exclude=[UnknownSkuError], listeners=[log],
        state_storage=ClockedStorage(clock.now), name="inventory",
    )

    with inventory_service() as service:
        service.switch("failing")
        for _ in range(4):
            try:
                inventory_breaker.call(get_stock, service.port, "LAPTOP-14")
            except (ServiceError, pybreaker.CircuitBreakerError) as exc:
                print(exc)
                #> GET /stock/LAPTOP-14: 503 Service Unavailable
                #> Failures threshold reached, circuit breaker opened
                #> Timeout not elapsed yet, circuit breaker still open
                #> Timeout not elapsed yet, circuit breaker still open
        print(service.requests, inventory_breaker.current_state)
        #> 2 open

        service.switch("healthy")
        clock.advance(30)
        print(inventory_breaker.call(get_stock, service.port, "LAPTOP-14"))
        #> 12
        print("\n".join(log.changes))
        '''
        inventory: closed -> open
        inventory: open -> half-open
        inventory: half-open -> closed
        '''
    # --8<-- [end:demo-pybreaker]
    # fmt: on
