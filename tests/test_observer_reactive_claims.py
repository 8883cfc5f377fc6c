"""Claims of the reactive observer page that its blocks state but do not all show.

Everything runs in virtual time on `reactivex.testing.TestScheduler`: no real timer, no
sleep, no thread.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Iterator

import pytest
import reactivex
from reactivex import Observable, Subject
from reactivex import operators as ops
from reactivex.testing import TestScheduler

from snippets.reactive.observer_reactive import (
    Reading,
    SensorLogError,
    log_lines,
    retry_after,
    run_in_virtual_time,
    sensor_feed,
)


def counted(lines: list[str], read: list[str]) -> Iterator[str]:
    """The lines, each noted in `read` when the feed takes it."""
    for line in lines:
        read.append(line)
        yield line


def test_the_feed_reads_on_the_subscribers_scheduler_and_stops_when_disposed() -> None:
    scheduler = TestScheduler()
    read: list[str] = []
    received: list[Reading] = []
    subscription = sensor_feed(counted(log_lines(), read)).subscribe(
        received.append, scheduler=scheduler
    )
    assert read == []  # subscribe returned first: the reading is a scheduled action
    subscription.dispose()
    scheduler.start()
    assert (read, received) == ([], [])  # disposed before it ran: nothing is read

    read.clear()
    two = run_in_virtual_time(lambda _: sensor_feed(counted(log_lines(), read)).pipe(ops.take(2)))
    assert [reading.second for _, reading in two] == [5, 15]
    assert len(read) == 2


class Connection:
    """A cold source that counts its subscriptions and fails each one with `error`."""

    def __init__(self, error: Exception) -> None:
        self.error = error
        self.subscribed_at: list[float] = []

    def observable(self) -> Observable[int]:
        def attempt(scheduler: object) -> Observable[int]:
            assert isinstance(scheduler, TestScheduler)
            self.subscribed_at.append(scheduler.clock)
            return reactivex.throw(self.error)

        return reactivex.defer(attempt)


def failures(connection: Connection, delays: Iterable[float]) -> list[Exception]:
    scheduler = TestScheduler()
    errors: list[Exception] = []
    source = connection.observable().pipe(retry_after(delays))
    source.subscribe(on_error=errors.append, scheduler=scheduler)
    scheduler.start()
    return errors


def test_retry_after_waits_each_delay_then_lets_the_last_error_through() -> None:
    dropped = Connection(ConnectionError("dropped"))
    assert failures(dropped, iter([1, 2, 4])) == [dropped.error]  # an iterator is fine
    assert dropped.subscribed_at == [0, 1, 3, 7]


def test_retry_after_does_not_retry_an_error_that_is_not_transient() -> None:
    corrupt = Connection(SensorLogError("line 7: not a number in '65,freezer-1,warm'"))
    assert failures(corrupt, [1, 2, 4]) == [corrupt.error]
    assert corrupt.subscribed_at == [0]  # once, and the error went on at once


@pytest.mark.parametrize("delays", [[1, -2], [math.nan]])
def test_retry_after_refuses_delays_that_are_not_seconds(delays: list[float]) -> None:
    with pytest.raises(ValueError, match=r"delays must be seconds >= 0, got \["):
        retry_after(delays)


def test_ops_retry_resubscribes_at_once() -> None:
    dropped = Connection(ConnectionError("dropped"))
    scheduler = TestScheduler()
    dropped.observable().pipe(ops.retry(3)).subscribe(on_error=lambda _: None, scheduler=scheduler)
    scheduler.start()
    assert dropped.subscribed_at == [0, 0, 0]


def test_throttle_with_mapper_and_throttle_with_timeout_are_debounces() -> None:
    def keys(_: TestScheduler) -> Observable[str]:
        return reactivex.from_marbles("a-b---c-------d-|", timespan=0.5)

    def through(operator: Callable[[Observable[str]], Observable[str]]) -> list[str]:
        return [value for _, value in run_in_virtual_time(lambda s: keys(s).pipe(operator))]

    debounced = through(ops.debounce(1.5))
    assert debounced == ["b", "c", "d"]  # only values followed by a pause of 1.5 s
    assert through(ops.throttle_with_timeout(1.5)) == debounced
    assert through(ops.throttle_with_mapper(lambda _: reactivex.timer(1.5))) == debounced
    assert through(ops.throttle_first(1.5)) == ["a", "c", "d"]  # a real throttle


def test_nothing_slows_a_source_whose_values_change_threads() -> None:
    """`observe_on` queues every value for its scheduler: the producer never waits."""
    consumer = TestScheduler()  # not started yet: the consumer is behind
    received: list[int] = []
    live: Subject[int] = Subject()
    live.pipe(ops.observe_on(consumer)).subscribe(received.append)
    for value in range(1000):
        live.on_next(value)  # returns at once, every time
    assert received == []
    consumer.start()
    assert received == list(range(1000))
