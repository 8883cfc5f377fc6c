"""Observer in reactive programming: cold-room sensor streams with ReactiveX.

The observer pattern grown into streams of events: observables, observers, subjects,
operators, virtual time and asyncio, on the `reactivex` package (4.x) and the sensor
log `sensor_log.csv` shipped next to this module.

Run it with `python -m snippets.reactive.observer_reactive`.
"""

# --8<-- [start:imports]
import asyncio
from collections import Counter
from collections.abc import AsyncIterator, Callable, Iterable, Iterator
from dataclasses import dataclass
from importlib import resources
from itertools import accumulate
from statistics import fmean
from typing import TypeVar

import reactivex
from reactivex import GroupedObservable, Observable, Observer, Subject, abc, pipe
from reactivex import operators as ops
from reactivex.disposable import CompositeDisposable, Disposable
from reactivex.scheduler import CurrentThreadScheduler
from reactivex.scheduler.eventloop import AsyncIOScheduler
from reactivex.subject import BehaviorSubject, ReplaySubject
from reactivex.testing import ReactiveTest, TestScheduler

T = TypeVar("T")
# --8<-- [end:imports]


# --8<-- [start:reading]
SENSOR_LOG = resources.files("snippets.reactive").joinpath("sensor_log.csv")
HEADER = "second,sensor,celsius"

# The allowed range of each cold room, in degrees Celsius.
LIMITS: dict[str, tuple[float, float]] = {
    "freezer-1": (-30.0, -15.0),
    "chiller-2": (2.0, 5.0),
    "dock-3": (0.0, 13.0),
}


class SensorLogError(ValueError):
    """A line of a sensor log cannot be read, or names an unknown sensor."""


@dataclass(frozen=True)
class Reading:
    """One temperature reading; `second` counts from the start of the shift."""

    second: int
    sensor: str
    celsius: float


def parse_reading(line: str, line_number: int) -> Reading:
    """Turn one line of the log, such as `275,freezer-1,-14.2`, into a `Reading`."""
    fields = line.strip().split(",")
    if len(fields) != 3:
        raise SensorLogError(f"line {line_number}: expected {HEADER}, got {line!r}")
    second, sensor, celsius = fields
    if sensor not in LIMITS:
        raise SensorLogError(f"line {line_number}: unknown sensor {sensor!r}")
    try:
        return Reading(int(second), sensor, float(celsius))
    except ValueError:
        raise SensorLogError(f"line {line_number}: not a number in {line!r}") from None


def log_lines() -> list[str]:
    """The lines of the shipped sensor log, after checking and removing the header."""
    header, *lines = SENSOR_LOG.read_text(encoding="utf-8").splitlines()
    if header != HEADER:
        raise SensorLogError(f"line 1: expected the header {HEADER}, got {header!r}")
    return lines


def is_alarm(reading: Reading) -> bool:
    """Whether a reading is outside the allowed range of its room."""
    low, high = LIMITS[reading.sensor]
    return not low <= reading.celsius <= high


def describe(reading: Reading) -> str:
    """A short text for screens and messages: `freezer-1 -14.2 C at 275 s`."""
    return f"{reading.sensor} {reading.celsius:+.1f} C at {reading.second} s"


# --8<-- [end:reading]


# --8<-- [start:observable]
def sensor_feed(lines: Iterable[str]) -> Observable[Reading]:
    """An observable written by hand: it parses `lines` again for each subscriber.

    Lines are numbered as in the file, whose line 1 is the header. A bad line ends
    the stream with `on_error`, and nothing follows it. Disposing the subscription
    stops the reading after the current line.
    """

    def subscribe(
        observer: abc.ObserverBase[Reading],
        scheduler: abc.SchedulerBase | None = None,
    ) -> abc.DisposableBase:
        stop = Disposable()

        def read(_: abc.SchedulerBase, __: object = None) -> None:
            for number, line in enumerate(lines, start=2):
                try:
                    reading = parse_reading(line, number)
                except SensorLogError as exc:
                    observer.on_error(exc)
                    return
                observer.on_next(reading)
                if stop.is_disposed:  # the subscriber has had enough (`take`)
                    return
            observer.on_completed()

        # An action of the subscriber's scheduler, so `subscribe` can return first.
        runner = scheduler or CurrentThreadScheduler.singleton()
        return CompositeDisposable(runner.schedule(read), stop)

    return reactivex.create(subscribe)


# --8<-- [end:observable]


# --8<-- [start:observer]
class AlarmPanel(Observer[Reading]):
    """An observer that keeps a line for every alarm and one for the end of the feed.

    The base class `reactivex.Observer` enforces the grammar of a stream: after
    `on_error` or `on_completed` it delivers nothing more. A subclass overrides the
    `_on_..._core` methods, which the base class calls only while the stream is open.
    """

    def __init__(self) -> None:
        super().__init__()
        self.lines: list[str] = []

    def _on_next_core(self, value: Reading) -> None:
        if is_alarm(value):
            self.lines.append(f"ALARM {describe(value)}")

    def _on_error_core(self, error: Exception) -> None:
        self.lines.append(f"feed failed: {error}")

    def _on_completed_core(self) -> None:
        self.lines.append("feed closed")


# --8<-- [end:observer]


# --8<-- [start:collect]
def collect(source: Observable[T]) -> list[T]:
    """Subscribe to a stream that runs synchronously and return all its values.

    A stream that fails raises its error here: it is never silently lost.
    """
    values: list[T] = []
    errors: list[Exception] = []
    source.subscribe(on_next=values.append, on_error=errors.append)
    if errors:
        raise errors[0]
    return values


# --8<-- [end:collect]


# --8<-- [start:operators]
def readings(lines: Iterable[str]) -> Observable[Reading]:
    """The log as a stream: `from_iterable`, then `map` to parse each line."""

    def parse(line: str, index: int) -> Reading:
        return parse_reading(line, index + 2)  # line 1 of the file is the header

    return reactivex.from_iterable(lines).pipe(ops.map_indexed(parse))


def only(sensor: str) -> Callable[[Observable[Reading]], Observable[Reading]]:
    """A reusable operator built with `reactivex.pipe`: one sensor's readings."""
    if sensor not in LIMITS:
        raise ValueError(f"unknown sensor {sensor!r}; known: {', '.join(LIMITS)}")

    def from_sensor(reading: Reading) -> bool:
        return reading.sensor == sensor

    return pipe(ops.filter(from_sensor))


def celsius(reading: Reading) -> float:
    return reading.celsius


def warmest(peak: float, temperature: float) -> float:
    return max(peak, temperature)


def running_peak(source: Observable[Reading], sensor: str) -> Observable[float]:
    """Each new warmest temperature of one sensor: `scan` keeps the running state."""
    return source.pipe(
        only(sensor),
        ops.map(celsius),
        ops.scan(warmest),
        ops.distinct_until_changed(),
    )


@dataclass(frozen=True)
class Summary:
    """How many readings one sensor sent, the coldest, the warmest and their sum."""

    sensor: str
    count: int
    low: float
    high: float
    total: float

    def add(self, reading: Reading) -> "Summary":
        """The summary with one more reading folded in."""
        return Summary(
            self.sensor,
            self.count + 1,
            min(self.low, reading.celsius),
            max(self.high, reading.celsius),
            self.total + reading.celsius,
        )

    @property
    def mean(self) -> float:
        return round(self.total / self.count, 2)


def summarise(source: Observable[Reading], sensor: str) -> Observable[Summary]:
    """One value when the stream completes: `reduce` folds every reading."""
    start = Summary(sensor, 0, float("inf"), float("-inf"), 0.0)
    return source.pipe(only(sensor), ops.reduce(Summary.add, start))


# --8<-- [end:operators]


# --8<-- [start:grouping]
def sensor_of(reading: Reading) -> str:
    return reading.sensor


def readings_per_sensor(source: Observable[Reading]) -> Observable[tuple[str, int]]:
    """How many readings each sensor sent: `group_by`, then `count` in each group."""

    def count_group(
        group: GroupedObservable[str, Reading],
    ) -> Observable[tuple[str, int]]:
        def labelled(count: int) -> tuple[str, int]:
            return group.key, count

        return group.pipe(ops.count(), ops.map(labelled))

    return source.pipe(ops.group_by(sensor_of), ops.flat_map(count_group))


def sensors_in_alarm(source: Observable[Reading]) -> Observable[str]:
    """Each sensor that left its range, once, in the order of its first alarm."""
    return source.pipe(ops.filter(is_alarm), ops.map(sensor_of), ops.distinct())


# --8<-- [end:grouping]


# --8<-- [start:virtual-time]
def replay(log: Iterable[Reading], scheduler: TestScheduler) -> Observable[Reading]:
    """A cold observable that emits each reading at its `second`, in virtual time.

    It completes one second after the last reading.
    """
    messages = [ReactiveTest.on_next(reading.second, reading) for reading in log]
    if not messages:
        raise ValueError("cannot replay an empty log")
    messages.append(ReactiveTest.on_completed(int(messages[-1].time) + 1))
    return scheduler.create_cold_observable(messages)


def run_in_virtual_time(
    build: Callable[[TestScheduler], Observable[T]],
) -> list[tuple[float, T]]:
    """Run a stream on a new test scheduler; return (virtual second, value) pairs.

    No real time passes: the scheduler jumps from one due action to the next.
    """
    scheduler = TestScheduler()
    events: list[tuple[float, T]] = []
    errors: list[Exception] = []

    def record(value: T) -> None:
        events.append((round(scheduler.clock, 3), value))

    build(scheduler).subscribe(record, errors.append, scheduler=scheduler)
    scheduler.start()
    if errors:
        raise errors[0]
    return events


# --8<-- [end:virtual-time]


# --8<-- [start:time-operators]
def mean_of(window: list[float]) -> float:
    return round(fmean(window), 2)


def not_empty(window: list[float]) -> bool:
    return len(window) > 0


def moving_average(
    source: Observable[Reading], sensor: str, span: float, every: float
) -> Observable[float]:
    """The mean of the last `span` seconds of one sensor, every `every` seconds."""
    if not 0 < every <= span:
        raise ValueError(f"need 0 < every <= span, got every={every}, span={span}")
    return source.pipe(
        only(sensor),
        ops.map(celsius),
        ops.buffer_with_time(span, every),
        ops.filter(not_empty),  # a window without readings has no mean
        ops.map(mean_of),
    )


def alarm_messages(source: Observable[Reading], quiet: float) -> Observable[str]:
    """At most one text message per sensor every `quiet` seconds: `throttle_first`."""

    def throttled(alarms: GroupedObservable[str, Reading]) -> Observable[Reading]:
        return alarms.pipe(ops.throttle_first(quiet))

    def message(reading: Reading) -> str:
        return f"SMS: {describe(reading)}"

    return source.pipe(
        ops.filter(is_alarm),
        ops.group_by(sensor_of),
        ops.flat_map(throttled),
        ops.map(message),
    )


STOCK = ["freezer gloves", "freezer labels", "fresh herbs crate", "frozen peas"]


def type_key(text: str, key: str) -> str:
    """The search box after one key; `<` is the backspace key."""
    return text[:-1] if key == "<" else text + key


def search_as_you_type(keys: Observable[str], pause: float) -> Observable[str]:
    """Search the stock list once the typist pauses for `pause` seconds: `debounce`."""

    def search(text: str) -> str:
        return f"{text!r} -> {[item for item in STOCK if item.startswith(text)]}"

    changed: Callable[[Observable[str]], Observable[str]] = ops.distinct_until_changed()
    return keys.pipe(
        ops.scan(type_key, ""),
        ops.debounce(pause),
        changed,  # typing "fro", then backspace and "e", is no new search
        ops.map(search),
    )


# --8<-- [end:time-operators]


# --8<-- [start:errors]
class FlakyGateway:
    """A sensor gateway whose first `failures` connections drop after two readings."""

    def __init__(self, log: list[Reading], failures: int) -> None:
        if failures < 0:
            raise ValueError(f"failures cannot be negative, got {failures}")
        self.log = log
        self.failures = failures
        self.attempts = 0

    def connect(self) -> Observable[Reading]:
        """A cold observable: each subscription is a new connection attempt."""

        def session() -> Iterator[Reading]:
            self.attempts += 1
            attempt = self.attempts
            for sent, reading in enumerate(self.log):
                if sent == 2 and attempt <= self.failures:
                    raise ConnectionError(f"connection {attempt} dropped")
                yield reading

        return reactivex.defer(lambda _: reactivex.from_iterable(session()))


def retry_after(
    delays: Iterable[float], retry_on: type[Exception] = ConnectionError
) -> Callable[[Observable[T]], Observable[T]]:
    """Resubscribe after a `retry_on` error, once per delay, waiting that long first.

    Other errors, and the last one when the delays run out, go on. (`ops.retry`
    resubscribes at once, after any error.) The waits are timers of the subscriber's
    scheduler.
    """
    waits = tuple(delays)
    if not all(wait >= 0 for wait in waits):
        raise ValueError(f"delays must be seconds >= 0, got {list(waits)}")

    def operator(
        source: Observable[T], left: tuple[float, ...] = waits
    ) -> Observable[T]:
        def again(error: Exception, _: Observable[T]) -> Observable[T]:
            if not left or not isinstance(error, retry_on):
                return reactivex.throw(error)
            return reactivex.timer(left[0]).pipe(
                ops.flat_map(lambda _: operator(source, left[1:]))
            )

        return source.pipe(ops.catch(again))

    return operator


def reading_key(reading: Reading) -> tuple[int, str]:
    return reading.second, reading.sensor


def resilient_feed(gateway: FlakyGateway, delays: Iterable[float]) -> Observable[str]:
    """Retry the gateway after each delay, drop readings seen twice, then fall back."""

    def offline(error: Exception, source: Observable[str]) -> Observable[str]:
        return reactivex.of(f"gateway offline after {gateway.attempts} tries: {error}")

    return gateway.connect().pipe(
        retry_after(delays),
        ops.distinct(reading_key),  # a retry starts again from the first reading
        ops.map(describe),
        ops.catch(offline),
    )


# --8<-- [end:errors]


# --8<-- [start:combining]
def merged_alarms(*topics: Observable[Reading]) -> Observable[str]:
    """One alarm stream from one feed per sensor, in the order events happen."""
    return reactivex.merge(*topics).pipe(ops.filter(is_alarm), ops.map(describe))


def deviation(
    setpoint: Observable[float], temperature: Observable[float]
) -> Observable[str]:
    """A new line whenever the setpoint or the temperature changes."""

    def line(latest: tuple[float, float]) -> str:
        wanted, actual = latest
        return f"set {wanted:+.1f}, now {actual:+.1f}, off by {actual - wanted:+.1f}"

    return reactivex.combine_latest(setpoint, temperature).pipe(ops.map(line))


# --8<-- [end:combining]


# --8<-- [start:asyncio]
async def alarms_on_the_loop(lines: list[str]) -> list[str]:
    """Subscribe with the running loop's scheduler, then await the result."""
    loop = asyncio.get_running_loop()
    done: asyncio.Future[list[str]] = loop.create_future()
    alarms = readings(lines).pipe(
        ops.filter(is_alarm), ops.map(describe), ops.to_list()
    )
    alarms.subscribe(
        on_next=done.set_result,
        on_error=done.set_exception,
        scheduler=AsyncIOScheduler(loop),  # the values flow in loop callbacks
    )
    return await done  # nothing has run yet: it runs while this coroutine waits


async def pump(queue: "asyncio.Queue[Reading | None]", into: Subject[Reading]) -> int:
    """Move readings from an asyncio queue into a subject until `None` arrives."""
    moved = 0
    while (reading := await queue.get()) is not None:
        into.on_next(reading)
        moved += 1
    into.on_completed()
    return moved


# --8<-- [end:asyncio]


# --8<-- [start:pythonic]
def parsed(lines: Iterable[str]) -> Iterator[Reading]:
    """The log as a generator: the pull-based twin of `readings`."""
    for number, line in enumerate(lines, start=2):
        yield parse_reading(line, number)


async def queued_alarms(queue: "asyncio.Queue[Reading | None]") -> AsyncIterator[str]:
    """An async generator: the alarms among the readings of a queue, until `None`."""
    while (reading := await queue.get()) is not None:
        if is_alarm(reading):
            yield describe(reading)


# --8<-- [end:pythonic]


if __name__ == "__main__":
    # fmt: off
    # --8<-- [start:demo-log]
    lines = log_lines()
    print(len(lines), lines[:3])
    #> 46 ['5,freezer-1,-17.9', '15,chiller-2,3.9', '25,dock-3,11.3']
    # --8<-- [end:demo-log]

    # --8<-- [start:demo-observer]
    panel = AlarmPanel()
    sensor_feed(lines).subscribe(panel)
    for line in panel.lines:
        print(line)
        #> ALARM freezer-1 -14.2 C at 275 s
        #> ALARM freezer-1 -12.8 C at 305 s
        #> ALARM dock-3 +13.4 C at 325 s
        #> ALARM freezer-1 -14.9 C at 335 s
        #> ALARM chiller-2 +5.6 C at 375 s
        #> ALARM chiller-2 +6.1 C at 405 s
        #> ALARM dock-3 +13.2 C at 475 s
        #> feed closed
    # --8<-- [end:demo-observer]

    # --8<-- [start:demo-contract]
    broken = AlarmPanel()
    bad_lines = ["35,freezer-1,-12.0", "65,freezer-1,warm", "95,freezer-1,-11.0"]
    sensor_feed(bad_lines).subscribe(broken)
    print(broken.lines)
    '''
    [
        'ALARM freezer-1 -12.0 C at 35 s',
        "feed failed: line 3: not a number in '65,freezer-1,warm'",
    ]
    '''
    # --8<-- [end:demo-contract]

    # --8<-- [start:demo-subject]
    live: Subject[Reading] = Subject()
    screen: list[str] = []
    archive: list[str] = []
    to_screen = live.subscribe(lambda reading: screen.append(describe(reading)))
    live.on_next(Reading(5, "freezer-1", -17.9))
    to_archive = live.subscribe(lambda reading: archive.append(describe(reading)))
    live.on_next(Reading(35, "freezer-1", -18.4))
    to_screen.dispose()  # the screen was closed
    live.on_next(Reading(65, "freezer-1", -18.2))
    print(screen)
    #> ['freezer-1 -17.9 C at 5 s', 'freezer-1 -18.4 C at 35 s']
    print(archive)
    #> ['freezer-1 -18.4 C at 35 s', 'freezer-1 -18.2 C at 65 s']
    # --8<-- [end:demo-subject]

    # --8<-- [start:demo-cold]
    feed = sensor_feed(lines)
    once, again = collect(feed), collect(feed)
    print(len(once), len(again), once == again)
    #> 46 46 True
    unread = iter(lines)
    print(collect(sensor_feed(unread).pipe(ops.take(1))), len(list(unread)))
    #> [Reading(second=5, sensor='freezer-1', celsius=-17.9)] 45
    # --8<-- [end:demo-cold]

    # --8<-- [start:demo-subjects]
    setpoints = BehaviorSubject(-18.0)  # always holds a current value
    recent: ReplaySubject[Reading] = ReplaySubject(buffer_size=2)  # keeps the last 2
    for reading in once[:3]:
        recent.on_next(reading)
    late: list[object] = []
    subscriptions = CompositeDisposable(
        setpoints.subscribe(late.append),
        recent.subscribe(lambda reading: late.append(reading.second)),
        to_archive,
    )
    print(late)
    #> [-18.0, 15, 25]
    subscriptions.dispose()  # one call ends all three subscriptions
    setpoints.on_next(-20.0)
    live.on_next(Reading(95, "freezer-1", -17.5))
    print(late, len(archive))
    #> [-18.0, 15, 25] 2
    # --8<-- [end:demo-subjects]

    # --8<-- [start:demo-operators]
    stream = readings(lines)
    print(collect(running_peak(stream, "freezer-1")))
    #> [-17.9, -17.5, -16.1, -14.2, -12.8]
    [summary] = collect(summarise(stream, "freezer-1"))
    print(summary)
    #> Summary(sensor='freezer-1', count=16, low=-18.4, high=-12.8, total=-273.5)
    print(summary.mean)
    #> -17.09
    # --8<-- [end:demo-operators]

    # --8<-- [start:demo-grouping]
    print(collect(readings_per_sensor(stream)))
    #> [('freezer-1', 16), ('chiller-2', 14), ('dock-3', 16)]
    print(collect(sensors_in_alarm(stream)))
    #> ['freezer-1', 'dock-3', 'chiller-2']
    # --8<-- [end:demo-grouping]

    # --8<-- [start:demo-typeahead]
    keystrokes = "-f-r-o-<-e-----e-z-e-r--------|"
    for second, result in run_in_virtual_time(
        lambda scheduler: search_as_you_type(
            reactivex.from_marbles(keystrokes, timespan=0.1), pause=0.3
        )
    ):
        print(f"{second:.1f} s  {result}")
        #> 1.2 s  'fre' -> ['freezer gloves', 'freezer labels', 'fresh herbs crate']
        #> 2.4 s  'freezer' -> ['freezer gloves', 'freezer labels']
    # --8<-- [end:demo-typeahead]

    # --8<-- [start:demo-smoothing]
    log = collect(readings(lines))
    averages = run_in_virtual_time(
        lambda scheduler: moving_average(
            replay(log, scheduler), "freezer-1", span=120, every=60
        )
    )
    for second, mean in averages:
        print(f"{second:5.0f} s  {mean:+.2f} C")
        #>   120 s  -18.00 C
        #>   180 s  -18.07 C
        #>   240 s  -18.25 C
        #>   300 s  -16.68 C
        #>   360 s  -14.50 C
        #>   420 s  -15.58 C
        #>   476 s  -17.62 C
        #>   476 s  -17.95 C
    # --8<-- [end:demo-smoothing]

    # --8<-- [start:demo-throttle]
    for second, message in run_in_virtual_time(
        lambda scheduler: alarm_messages(replay(log, scheduler), quiet=120)
    ):
        print(second, message)
        #> 275.0 SMS: freezer-1 -14.2 C at 275 s
        #> 325.0 SMS: dock-3 +13.4 C at 325 s
        #> 375.0 SMS: chiller-2 +5.6 C at 375 s
        #> 475.0 SMS: dock-3 +13.2 C at 475 s
    print(ops.throttle_with_timeout is ops.debounce)  # a name that misleads
    #> True
    # --8<-- [end:demo-throttle]

    # --8<-- [start:demo-retry]
    def after_retries(failures: int) -> list[tuple[float, str]]:
        gateway = FlakyGateway(log[:4], failures)
        return run_in_virtual_time(lambda _: resilient_feed(gateway, delays=[1, 2, 4]))

    for events in [after_retries(failures=2), after_retries(failures=9)]:
        print([int(second) for second, _ in events], events[-1][1])
        #> [0, 0, 3, 3] freezer-1 -18.4 C at 35 s
        #> [0, 0, 7] gateway offline after 4 tries: connection 4 dropped
    try:
        FlakyGateway(log, failures=-1)
    except ValueError as exc:
        print(exc)
        #> failures cannot be negative, got -1
    # --8<-- [end:demo-retry]

    # --8<-- [start:demo-merge]
    topics = [[r for r in log if r.sensor == sensor] for sensor in LIMITS]
    for second, alarm in run_in_virtual_time(
        lambda scheduler: merged_alarms(*(replay(topic, scheduler) for topic in topics))
    ):
        print(second, alarm)
        #> 275.0 freezer-1 -14.2 C at 275 s
        #> 305.0 freezer-1 -12.8 C at 305 s
        #> 325.0 dock-3 +13.4 C at 325 s
        #> 335.0 freezer-1 -14.9 C at 335 s
        #> 375.0 chiller-2 +5.6 C at 375 s
        #> 405.0 chiller-2 +6.1 C at 405 s
        #> 475.0 dock-3 +13.2 C at 475 s
    # --8<-- [end:demo-merge]

    # --8<-- [start:demo-latest]
    setpoint = BehaviorSubject(-18.0)
    temperature: Subject[float] = Subject()
    board: list[str] = []
    deviation(setpoint, temperature).subscribe(board.append)
    temperature.on_next(-17.6)
    setpoint.on_next(-20.0)  # lowered for a delivery of ice cream
    temperature.on_next(-19.1)
    for line in board:
        print(line)
        #> set -18.0, now -17.6, off by +0.4
        #> set -20.0, now -17.6, off by +2.4
        #> set -20.0, now -19.1, off by +0.9
    # --8<-- [end:demo-latest]

    # --8<-- [start:demo-asyncio]
    print(asyncio.run(alarms_on_the_loop(lines)))
    '''
    [
        'freezer-1 -14.2 C at 275 s',
        'freezer-1 -12.8 C at 305 s',
        'dock-3 +13.4 C at 325 s',
        'freezer-1 -14.9 C at 335 s',
        'chiller-2 +5.6 C at 375 s',
        'chiller-2 +6.1 C at 405 s',
        'dock-3 +13.2 C at 475 s',
    ]
    '''
    # --8<-- [end:demo-asyncio]

    # --8<-- [start:demo-bridge]
    async def bridge(log: list[Reading]) -> tuple[int, list[str]]:
        queue: asyncio.Queue[Reading | None] = asyncio.Queue()
        live_readings: Subject[Reading] = Subject()
        alarms = live_readings.pipe(
            ops.filter(is_alarm),
            ops.map(describe),
            ops.to_list(),
            ops.to_future(asyncio.get_running_loop().create_future),  # subscribes now
        )
        for reading in [*log, None]:
            queue.put_nowait(reading)
        moved = await pump(queue, live_readings)
        return moved, await alarms

    print(asyncio.run(bridge(log[20:30])))
    #> (10, ['freezer-1 -14.2 C at 275 s', 'freezer-1 -12.8 C at 305 s'])
    # --8<-- [end:demo-bridge]

    # --8<-- [start:demo-pythonic]
    plain = list(parsed(lines))
    print(Counter(reading.sensor for reading in plain))
    #> Counter({'freezer-1': 16, 'dock-3': 16, 'chiller-2': 14})
    print(list(dict.fromkeys(r.sensor for r in plain if is_alarm(r))))
    #> ['freezer-1', 'dock-3', 'chiller-2']
    freezer = [r.celsius for r in plain if r.sensor == "freezer-1"]
    print(list(dict.fromkeys(accumulate(freezer, max))))
    #> [-17.9, -17.5, -16.1, -14.2, -12.8]
    # --8<-- [end:demo-pythonic]

    # --8<-- [start:demo-async-generator]
    async def drain(log: list[Reading]) -> list[str]:
        queue: asyncio.Queue[Reading | None] = asyncio.Queue()
        for reading in [*log, None]:
            queue.put_nowait(reading)
        return [alarm async for alarm in queued_alarms(queue)]

    print(asyncio.run(drain(log[20:30])))
    #> ['freezer-1 -14.2 C at 275 s', 'freezer-1 -12.8 C at 305 s']
    # --8<-- [end:demo-async-generator]
    # fmt: on
