"""Observer: a stock item tells its subscribers whenever its quantity changes.

Run it with `python -m snippets.behavioral.observer`.
"""

# --8<-- [start:imports]
import inspect
import weakref
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Generic, Self, TypeVar

# --8<-- [end:imports]


# --8<-- [start:event]
@dataclass(frozen=True)
class StockChange:
    """The event: which product changed, from what quantity to what quantity."""

    sku: str
    old: int
    new: int


# --8<-- [end:event]


# --8<-- [start:signal]
T = TypeVar("T")
Listener = Callable[[T], object]


def describe(listener: Callable[..., object]) -> str:
    """A readable name for a listener, such as `LowStockAlert.on_change`."""
    return getattr(listener, "__qualname__", type(listener).__name__)


class Subscription:
    """What `subscribe` returns: `cancel()` it, or use it as a `with` block."""

    def __init__(self, cancel: Callable[[], None]) -> None:
        self.cancel = cancel

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.cancel()


def call_all(
    listeners: Iterable[Callable[..., object]], *args: object, source: str
) -> int:
    """Call every listener, even after one has failed; return how many were called.

    The exceptions are raised together, as an `ExceptionGroup`, once every listener
    had its turn, each with a note that names its listener.
    """
    errors: list[Exception] = []
    called = 0
    for listener in listeners:
        called += 1
        try:
            listener(*args)
        except Exception as exc:
            exc.add_note(f"raised by listener {describe(listener)}")
            errors.append(exc)
    if errors:
        message = f"{len(errors)} of {called} listeners of {source} failed"
        raise ExceptionGroup(message, errors)
    return called


class Signal(Generic[T]):
    """The subject's listeners, called in the order they subscribed.

    Methods bound to instances of Python classes are held weakly (`WeakMethod`), so
    an object does not stay alive only because it listens; any other callable is
    held strongly.
    """

    def __init__(self, name: str) -> None:
        self.name = name
        self._listeners: dict[int, Callable[[], Listener[T] | None]] = {}
        self._next_key = 0

    def subscribe(self, listener: Listener[T]) -> Subscription:
        """Call `listener` with every event from now on, after earlier listeners."""
        if not callable(listener):
            kind = type(listener).__name__
            raise TypeError(f"a listener must be callable, got {kind}")
        if self._key_of(listener) is not None:
            raise ValueError(f"{describe(listener)} already listens to {self.name}")
        key = self._next_key
        self._next_key += 1
        if inspect.ismethod(listener):
            # No callback: one that refers to this signal would make a cycle.
            self._listeners[key] = weakref.WeakMethod(listener)
        else:
            self._listeners[key] = lambda: listener
        return Subscription(lambda: self._drop(key))

    def unsubscribe(self, listener: Listener[T]) -> None:
        """Stop calling `listener`; refuse one that is not subscribed."""
        key = self._key_of(listener)
        if key is None:
            raise ValueError(f"{describe(listener)} does not listen to {self.name}")
        self._drop(key)

    def emit(self, event: T) -> int:
        """Call every live listener in order, as `call_all` does; return how many."""
        return call_all(self._live_listeners(), event, source=self.name)

    def __len__(self) -> int:
        return sum(get() is not None for get in self._listeners.values())

    def _live_listeners(self) -> Iterator[Listener[T]]:
        for key, get_listener in list(self._listeners.items()):  # a snapshot
            listener = get_listener()
            if listener is None:
                self._drop(key)  # its object was garbage-collected
            elif key in self._listeners:  # not unsubscribed by an earlier listener
                yield listener

    def _key_of(self, listener: Listener[T]) -> int | None:
        for key, get_listener in self._listeners.items():
            if get_listener() == listener:  # equal methods: same object and function
                return key
        return None

    def _drop(self, key: int) -> None:
        self._listeners.pop(key, None)


# --8<-- [end:signal]


# --8<-- [start:subject]
class StockItem:
    """The subject: the stock level of one product, which announces every change."""

    def __init__(self, sku: str, quantity: int = 0) -> None:
        if quantity < 0:
            raise ValueError(f"stock cannot be negative, got {quantity}")
        self.sku = sku
        self._quantity = quantity
        self.changed: Signal[StockChange] = Signal(f"{sku} changes")

    @property
    def quantity(self) -> int:
        return self._quantity

    def receive(self, count: int) -> None:
        if count < 1:
            raise ValueError(f"a delivery brings at least 1 item, got {count}")
        self._set(self._quantity + count)

    def sell(self, count: int) -> None:
        if count < 1:
            raise ValueError(f"a sale takes at least 1 item, got {count}")
        if count > self._quantity:
            raise ValueError(
                f"cannot sell {count} of {self.sku}: only {self._quantity} in stock"
            )
        self._set(self._quantity - count)

    def _set(self, new: int) -> None:
        change = StockChange(self.sku, self._quantity, new)
        self._quantity = new  # change the state first, then tell the listeners
        self.changed.emit(change)


# --8<-- [end:subject]


# --8<-- [start:observers]
class LowStockAlert:
    """Sends one alert when the stock falls to the threshold or below it."""

    def __init__(self, threshold: int, outbox: list[str]) -> None:
        self.threshold = threshold
        self.outbox = outbox

    def on_change(self, change: StockChange) -> None:
        if change.new <= self.threshold < change.old:
            self.outbox.append(f"alert: {change.sku} is down to {change.new}")


class StockDashboard:
    """A window that shows stock levels; the user may close it at any time."""

    def __init__(self, title: str, screen: list[str]) -> None:
        self.title = title
        self.screen = screen

    def refresh(self, change: StockChange) -> None:
        self.screen.append(f"{self.title}: {change.sku} {change.old} -> {change.new}")


# --8<-- [end:observers]


# --8<-- [start:pythonic]
@dataclass
class PriceFeed:
    """The smallest subject: a list of callbacks, all called in order."""

    listeners: list[Callable[[str, Decimal], object]] = field(default_factory=list)

    def publish(self, sku: str, price: Decimal) -> None:
        call_all(list(self.listeners), sku, price, source="the price feed")


class PriceWindow:
    """An open window that displays prices."""

    def __init__(self, title: str) -> None:
        self.title = title
        self.lines: list[str] = []

    def show(self, sku: str, price: Decimal) -> None:
        self.lines.append(f"{sku} now costs EUR {price}")


class PriceBoard:
    """Refreshes every open window; a closed window leaves the set by itself."""

    def __init__(self) -> None:
        self.windows: weakref.WeakSet[PriceWindow] = weakref.WeakSet()

    def publish(self, sku: str, price: Decimal) -> None:
        shows = [window.show for window in self.windows]  # no order: independent
        call_all(shows, sku, price, source="the price board")


# --8<-- [end:pythonic]


if __name__ == "__main__":
    # fmt: off
    # --8<-- [start:demo]
    journal: list[str] = []
    keyboard = StockItem("KB-101", quantity=12)
    alert = LowStockAlert(threshold=3, outbox=journal)
    dashboard = StockDashboard("warehouse screen", screen=journal)


    def audit(change: StockChange) -> None:
        journal.append(f"audit: {change.sku} {change.old} -> {change.new}")


    keyboard.changed.subscribe(audit)
    keyboard.changed.subscribe(alert.on_change)
    keyboard.changed.subscribe(dashboard.refresh)
    keyboard.sell(10)
    print("\n".join(journal))
    '''
    audit: KB-101 12 -> 2
    alert: KB-101 is down to 2
    warehouse screen: KB-101 12 -> 2
    '''
    # --8<-- [end:demo]

    # --8<-- [start:demo-weak]
    print(len(keyboard.changed))
    #> 3
    del dashboard  # the user closes the window
    print(len(keyboard.changed))
    #> 2
    # --8<-- [end:demo-weak]

    # --8<-- [start:demo-unsubscribe]
    journal.clear()
    planner = keyboard.changed.subscribe(
        lambda change: journal.append(f"planner: reorder when below {change.new}")
    )
    with planner:
        keyboard.receive(20)
    keyboard.receive(5)  # the planner no longer listens
    keyboard.changed.unsubscribe(audit)
    keyboard.sell(1)  # only the alert listens now, and it stays quiet
    print("\n".join(journal))
    '''
    audit: KB-101 2 -> 22
    planner: reorder when below 22
    audit: KB-101 22 -> 27
    '''
    # --8<-- [end:demo-unsubscribe]

    # --8<-- [start:demo-failing]
    def sync_webshop(change: StockChange) -> None:
        raise ConnectionError("webshop API unreachable")


    journal.clear()
    mouse = StockItem("MS-220", quantity=5)
    mouse.changed.subscribe(sync_webshop)
    mouse.changed.subscribe(audit)
    try:
        mouse.sell(1)
    except ExceptionGroup as group:
        print(group.message)
        #> 1 of 2 listeners of MS-220 changes failed
        for error in group.exceptions:
            print(f"{error} ({error.__notes__[0]})")
            #> webshop API unreachable (raised by listener sync_webshop)
    print(mouse.quantity, journal)  # the sale happened, and audit still ran
    #> 4 ['audit: MS-220 5 -> 4']
    # --8<-- [end:demo-failing]

    # --8<-- [start:demo-errors]
    try:
        keyboard.changed.subscribe(alert.on_change)
    except ValueError as exc:
        print(exc)
        #> LowStockAlert.on_change already listens to KB-101 changes
    # --8<-- [end:demo-errors]

    # --8<-- [start:demo-future]
    report: Future[str] = Future()
    done_log: list[str] = []
    report.add_done_callback(lambda done: done_log.append(f"mail {done.result()}"))
    report.add_done_callback(lambda done: done_log.append(f"archive {done.result()}"))
    report.set_result("sales-2024-06.pdf")  # the callbacks run now, in order
    print(done_log)
    #> ['mail sales-2024-06.pdf', 'archive sales-2024-06.pdf']
    # --8<-- [end:demo-future]

    # --8<-- [start:demo-pythonic]
    feed = PriceFeed()
    prices: list[str] = []
    feed.listeners.append(lambda sku, price: prices.append(f"{sku}: EUR {price}"))
    feed.publish("KB-101", Decimal("49.90"))
    print(prices)
    #> ['KB-101: EUR 49.90']

    board = PriceBoard()
    shop_window, till_window = PriceWindow("shop"), PriceWindow("till")
    board.windows.update([shop_window, till_window])
    board.publish("KB-101", Decimal("44.90"))
    print(shop_window.lines, till_window.lines)
    #> ['KB-101 now costs EUR 44.90'] ['KB-101 now costs EUR 44.90']
    del till_window  # closed: nothing to unsubscribe
    print(len(board.windows))
    #> 1
    # --8<-- [end:demo-pythonic]
    # fmt: on
