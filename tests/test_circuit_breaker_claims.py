"""Claims of the circuit breaker page shown with real threads and a real HTTP service."""

import asyncio
import threading
from contextlib import suppress

import pybreaker
import pytest

from snippets.cloud.circuit_breaker import (
    BulkheadFullError,
    CircuitBreaker,
    CircuitOpenError,
    CircuitState,
    FailureRate,
    ManualClock,
    ServiceError,
    UnknownSkuError,
    get_stock,
    inventory_service,
    slot,
)

WAIT = 2.0  # seconds; only reached when a claim is false


def state(breaker: CircuitBreaker) -> CircuitState:
    """The state now (a function, so that mypy does not keep an earlier narrowing)."""
    return breaker.state


def trip(breaker: CircuitBreaker, port: int) -> None:
    """Open `breaker` (threshold 2) with two real 503 answers of a failing service."""
    for _ in range(2):
        with pytest.raises(ServiceError):
            breaker.call(get_stock, port, "LAPTOP-14")
    assert breaker.state is CircuitState.OPEN


class Parked:
    """A call through a breaker, in its own thread, that waits inside until released."""

    def __init__(self, call: object, outcome: Exception | None = None) -> None:
        self.entered, self.release = threading.Event(), threading.Event()
        self.outcome = outcome
        self.thread = threading.Thread(target=self._run, args=(call,), daemon=True)
        self.thread.start()
        assert self.entered.wait(WAIT), "the call did not start"

    def _run(self, call: object) -> None:
        assert callable(call)
        with suppress(ServiceError):  # the outcome some tests give it
            call(self._work)

    def _work(self) -> int:
        self.entered.set()
        self.release.wait(WAIT)
        if self.outcome is not None:
            raise self.outcome
        return 12

    def finish(self) -> None:
        self.release.set()
        self.thread.join(WAIT)
        assert not self.thread.is_alive()


@pytest.mark.parametrize("interrupt", [KeyboardInterrupt, asyncio.CancelledError])
def test_an_interrupted_trial_frees_the_half_open_state(
    interrupt: type[BaseException],
) -> None:
    clock = ManualClock()
    breaker = CircuitBreaker("inventory", failure_threshold=2, clock=clock.now)

    def interrupted() -> int:
        raise interrupt

    with inventory_service() as service:
        service.switch("failing")
        trip(breaker, service.port)
        clock.advance(30.0)
        with pytest.raises(interrupt):
            breaker.call(interrupted)  # the trial call is interrupted: no verdict
        service.switch("healthy")
        assert breaker.call(get_stock, service.port, "LAPTOP-14") == 12  # the next trial
        assert breaker.state is CircuitState.CLOSED


def test_a_call_that_started_before_the_trip_does_not_decide_the_trial() -> None:
    clock = ManualClock()
    breaker = CircuitBreaker("inventory", failure_threshold=2, clock=clock.now)
    with inventory_service() as service:
        slow = Parked(breaker.call)  # started while the circuit was closed
        service.switch("failing")
        trip(breaker, service.port)
        clock.advance(30.0)
        trial = Parked(breaker.call)  # the one trial of the half-open state
        slow.finish()  # it succeeds now, but it started before the trip
        assert breaker.state is CircuitState.HALF_OPEN
        with pytest.raises(CircuitOpenError, match="its trial call is running"):
            breaker.call(get_stock, service.port, "LAPTOP-14")
        trial.finish()
        assert state(breaker) is CircuitState.CLOSED  # the trial decided


def test_a_late_failure_does_not_extend_the_open_time() -> None:
    clock = ManualClock()
    breaker = CircuitBreaker("inventory", failure_threshold=2, clock=clock.now)
    with inventory_service() as service:
        slow = Parked(breaker.call, outcome=ServiceError("GET /stock: no answer"))
        service.switch("failing")
        trip(breaker, service.port)
        clock.advance(20.0)
        slow.finish()  # fails 20 s after the circuit opened
        clock.advance(10.0)
        service.switch("healthy")
        assert breaker.call(get_stock, service.port, "LAPTOP-14") == 12
        assert breaker.state is CircuitState.CLOSED


def test_a_listener_may_call_the_breaker_it_listens_to() -> None:
    clock = ManualClock()
    refreshed: list[int] = []

    def refresh_when_closed(name: str, old: CircuitState, new: CircuitState) -> None:
        if new is CircuitState.CLOSED:  # warm a cache through the same breaker
            refreshed.append(breaker.call(get_stock, service.port, "DOCK-USB-C"))

    breaker = CircuitBreaker(
        "inventory", failure_threshold=2, clock=clock.now, on_change=refresh_when_closed
    )
    with inventory_service() as service:
        service.switch("failing")
        trip(breaker, service.port)
        clock.advance(30.0)
        service.switch("healthy")
        # In a daemon thread, so that a deadlock fails the test instead of hanging it.
        worker = threading.Thread(
            target=breaker.call, args=(get_stock, service.port, "LAPTOP-14"), daemon=True
        )
        worker.start()
        worker.join(WAIT)
        assert not worker.is_alive(), "the listener deadlocked the breaker"
    assert refreshed == [40]
    assert breaker.state is CircuitState.CLOSED


def test_a_slow_listener_delays_no_other_caller() -> None:
    clock = ManualClock()
    alerting, alerted = threading.Event(), threading.Event()

    def page_someone(name: str, old: CircuitState, new: CircuitState) -> None:
        alerting.set()
        alerted.wait(10 * WAIT)  # a slow alerting system: longer than the test waits

    breaker = CircuitBreaker(
        "inventory", failure_threshold=1, clock=clock.now, on_change=page_someone
    )
    refused = threading.Event()

    def another_caller() -> None:
        with suppress(CircuitOpenError):
            breaker.call(lambda: 12)
        refused.set()

    def trip_it() -> None:
        with suppress(ServiceError):
            breaker.call(get_stock, service.port, "LAPTOP-14")

    with inventory_service() as service:
        service.switch("failing")
        tripping = threading.Thread(target=trip_it, daemon=True)
        other = threading.Thread(target=another_caller, daemon=True)
        tripping.start()
        try:
            assert alerting.wait(WAIT)  # the listener is running, slowly
            other.start()
            assert refused.wait(WAIT), "the listener held the breaker's lock"
        finally:
            alerted.set()
            tripping.join(WAIT)
            other.join(WAIT)
    assert not tripping.is_alive() and not other.is_alive()


def test_a_failing_listener_is_no_verdict_on_the_dependency() -> None:
    clock = ManualClock()
    alerts_down = True

    def alert(name: str, old: CircuitState, new: CircuitState) -> None:
        if alerts_down:
            raise ConnectionError("alerting service unreachable")

    breaker = CircuitBreaker("inventory", failure_threshold=2, clock=clock.now)
    with inventory_service() as service:
        service.switch("failing")
        trip(breaker, service.port)
        clock.advance(30.0)
        service.switch("healthy")
        breaker.on_change = alert
        before = service.requests
        with pytest.raises(ConnectionError, match="alerting"):
            breaker.call(get_stock, service.port, "LAPTOP-14")
        assert (breaker.state, service.requests) == (CircuitState.HALF_OPEN, before)
        alerts_down = False
        assert breaker.call(get_stock, service.port, "LAPTOP-14") == 12  # the trial
        assert state(breaker) is CircuitState.CLOSED


def test_pybreaker_holds_its_lock_for_the_whole_call() -> None:
    shared = pybreaker.CircuitBreaker(fail_max=5, reset_timeout=30)
    inside = Parked(shared.call)
    taken = shared._lock.acquire(blocking=False)  # so any other call would wait here
    if taken:
        shared._lock.release()
    inside.finish()
    assert not taken, "pybreaker released its lock during the call"


def test_this_breaker_lets_calls_run_side_by_side() -> None:
    shared = CircuitBreaker("inventory")
    first = Parked(shared.call)
    second = Parked(shared.call)  # enters while the first is still inside
    first.finish()
    second.finish()


@pytest.mark.parametrize(
    ("settings", "message"),
    [
        ({"failure_threshold": 0}, "failure_threshold must be at least 1, got 0"),
        ({"reset_timeout": float("nan")}, "reset_timeout must be positive, got nan"),
        ({"slow_call": 0.0}, "slow_call must be positive, got 0.0"),
    ],
)
def test_settings_that_make_no_sense_are_refused(settings: dict[str, float], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        CircuitBreaker("inventory", **settings)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    "settings", [{"threshold": 0.0}, {"threshold": 1.5}, {"minimum": 0}, {"size": 5}]
)
def test_a_window_that_makes_no_sense_is_refused(settings: dict[str, float]) -> None:
    with pytest.raises(ValueError, match=r"need 0 < threshold <= 1, 1 <= minimum <= size"):
        FailureRate(**settings)  # type: ignore[arg-type]


def test_a_mode_the_service_does_not_have_is_refused() -> None:
    with inventory_service() as service, pytest.raises(ValueError, match="unknown mode 'flaky'"):
        service.switch("flaky")


def test_the_window_forgets_its_oldest_calls() -> None:
    window = FailureRate(threshold=0.5, size=4, minimum=4)
    trips = [window.add(failed=failed) for failed in [False] * 4 + [True, True]]
    assert trips == [False, False, False, False, False, True]  # 2 of the last 4, not of 6


def test_closing_the_circuit_empties_the_window() -> None:
    clock = ManualClock()
    window = FailureRate(threshold=0.5, size=10, minimum=2)
    breaker = CircuitBreaker("inventory", failure_threshold=100, window=window, clock=clock.now)
    with inventory_service() as service:
        service.switch("failing")
        trip(breaker, service.port)  # 2 of 2 calls failed: the window trips
        clock.advance(30.0)
        service.switch("healthy")
        assert breaker.call(get_stock, service.port, "LAPTOP-14") == 12  # the trial
        service.switch("failing")
        with pytest.raises(ServiceError):
            breaker.call(get_stock, service.port, "LAPTOP-14")
        assert breaker.state is CircuitState.CLOSED  # 1 of 1 call seen since it closed


def test_slow_answers_count_as_failures_and_answers_on_time_do_not() -> None:
    clock = ManualClock()
    breaker = CircuitBreaker(
        "inventory", failure_threshold=1, slow_call=2.0, ignore=(UnknownSkuError,), clock=clock.now
    )

    def stock_after(seconds: float, port: int, sku: str) -> int:
        clock.advance(seconds)
        return get_stock(port, sku)

    with inventory_service() as service:
        assert breaker.call(stock_after, 2.0, service.port, "LAPTOP-14") == 12  # on time
        assert breaker.state is CircuitState.CLOSED
        with pytest.raises(UnknownSkuError):  # an answer, but a slow one
            breaker.call(stock_after, 2.5, service.port, "PHONE-99")
        assert state(breaker) is CircuitState.OPEN
        clock.advance(30.0)
        assert breaker.call(stock_after, 3.0, service.port, "LAPTOP-14") == 12  # slow trial
        assert state(breaker) is CircuitState.OPEN


def test_a_call_that_fails_gives_its_slot_back() -> None:
    slots = threading.BoundedSemaphore(1)
    with inventory_service() as service:
        service.switch("failing")
        for _ in range(3):
            with pytest.raises(ServiceError), slot(slots):
                get_stock(service.port, "LAPTOP-14")
        assert service.requests == 3  # no call was refused for want of a slot
        with slot(slots), pytest.raises(BulkheadFullError), slot(slots):
            get_stock(service.port, "LAPTOP-14")
        assert service.requests == 3


def test_a_call_without_a_slot_is_refused_without_waiting() -> None:
    slots, refused = threading.BoundedSemaphore(1), threading.Event()

    def ask() -> None:
        with suppress(BulkheadFullError), slot(slots):
            return
        refused.set()

    with slot(slots):  # the only slot stays taken until this block ends
        threading.Thread(target=ask, daemon=True).start()
        assert refused.wait(0.5), "the call waited for a slot"
