"""Claims of the observer page that its blocks do not print: memory, every listener runs, dicts."""

from __future__ import annotations

import gc
import weakref
from collections.abc import Callable, Iterator
from decimal import Decimal
from functools import partial

import pytest

from snippets.behavioral.observer import (
    LowStockAlert,
    PriceBoard,
    PriceFeed,
    PriceWindow,
    StockChange,
    StockItem,
)


@pytest.fixture
def no_cycle_collector() -> Iterator[None]:
    """Only reference counting frees objects: what stays alive is kept by a cycle."""
    gc.collect()
    gc.disable()
    try:
        yield
    finally:
        gc.enable()


@pytest.mark.usefixtures("no_cycle_collector")
def test_a_signal_with_a_method_listener_is_freed_without_the_cycle_collector() -> None:
    item = StockItem("KB-101", quantity=5)
    alert = LowStockAlert(threshold=3, outbox=[])
    item.changed.subscribe(alert.on_change)
    signal = weakref.ref(item.changed)
    del item
    assert signal() is None, "a reference cycle keeps the signal alive"


def test_partials_and_closures_are_held_strongly_and_keep_their_object_alive() -> None:
    outbox: list[str] = []
    item = StockItem("KB-101", quantity=5)
    item.changed.subscribe(partial(LowStockAlert(threshold=3, outbox=outbox).on_change))

    def forward_to(alert: LowStockAlert) -> Callable[[StockChange], None]:
        return lambda change: alert.on_change(change)  # a closure over `alert`

    kept = LowStockAlert(threshold=4, outbox=outbox)
    item.changed.subscribe(forward_to(kept))
    kept_ref = weakref.ref(kept)
    del kept
    gc.collect()
    assert kept_ref() is not None
    assert len(item.changed) == 2
    item.sell(3)
    assert outbox == ["alert: KB-101 is down to 2", "alert: KB-101 is down to 2"]


def test_the_price_feed_calls_every_listener_when_one_fails() -> None:
    feed = PriceFeed()
    shown: list[str] = []

    def unreachable(sku: str, price: Decimal) -> None:
        raise ConnectionError("price API unreachable")

    feed.listeners += [unreachable, lambda sku, price: shown.append(f"{sku} {price}")]
    with pytest.raises(ExceptionGroup) as caught:
        feed.publish("KB-101", Decimal("49.90"))
    assert shown == ["KB-101 49.90"]
    assert caught.value.message == "1 of 2 listeners of the price feed failed"
    [error] = caught.value.exceptions
    assert isinstance(error, ConnectionError)
    assert error.__notes__[0].endswith("<locals>.unreachable")


def test_the_price_board_shows_every_window_when_one_fails() -> None:
    class FrozenWindow(PriceWindow):
        def show(self, sku: str, price: Decimal) -> None:
            raise RuntimeError(f"{self.title} does not respond")

    board = PriceBoard()
    windows = [FrozenWindow("kiosk"), PriceWindow("shop"), PriceWindow("till")]
    board.windows.update(windows)
    with pytest.raises(ExceptionGroup) as caught:
        board.publish("KB-101", Decimal("44.90"))
    assert [str(error) for error in caught.value.exceptions] == ["kiosk does not respond"]
    assert [window.lines for window in windows[1:]] == [["KB-101 now costs EUR 44.90"]] * 2


def test_bad_input_is_refused_with_a_clear_message() -> None:
    item = StockItem("KB-101", quantity=26)
    with pytest.raises(TypeError, match="a listener must be callable, got str"):
        item.changed.subscribe("email the buyer")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="cannot sell 100 of KB-101: only 26 in stock"):
        item.sell(100)
    assert (item.quantity, len(item.changed)) == (26, 0)


def test_a_listener_that_unsubscribes_from_a_dict_being_iterated_stops_the_loop() -> None:
    listeners: dict[str, Callable[[StockChange], object]] = {}

    def welcome_offer(change: StockChange) -> None:
        del listeners["welcome offer"]  # a one-off: it unsubscribes itself

    listeners["welcome offer"] = welcome_offer
    listeners["audit"] = lambda change: None
    with pytest.raises(RuntimeError, match="dictionary changed size during iteration"):
        for listener in listeners.values():
            listener(StockChange("KB-101", 5, 4))
