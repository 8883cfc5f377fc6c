"""Claims of the state page that its blocks do not print: racing requests, refused input."""

from __future__ import annotations

import sqlite3
import threading
from decimal import Decimal
from pathlib import Path

import pytest

from snippets.behavioral.state import (
    IllegalTransitionError,
    Order,
    OrderWorkflow,
    StaleStatusError,
    Status,
    move,
    next_status,
)


def shop(tmp_path: Path) -> Path:
    path = tmp_path / "shop.db"
    with sqlite3.connect(path) as setup:
        setup.execute("CREATE TABLE orders (number TEXT PRIMARY KEY, status TEXT NOT NULL)")
        setup.execute("INSERT INTO orders VALUES ('A-1007', 'paid')")
    return path


def race(path: Path, request: str, action: str, both_have_read: threading.Barrier) -> str:
    """One request: read the order, wait until the other has read it too, then act."""
    db = sqlite3.connect(path)
    try:
        seen = Status(*db.execute("SELECT status FROM orders").fetchone())
        both_have_read.wait(timeout=5)
        if request == "plain":  # the update without `AND status = ?`
            with db:
                db.execute("UPDATE orders SET status = ?", (next_status(seen, action).value,))
            return f"{action} done"
        try:
            return f"{action} done: {move(db, 'A-1007', seen, action).value}"
        except StaleStatusError as exc:
            return f"{action} refused: {exc}"
    finally:
        db.close()


def run_both(path: Path, request: str) -> list[str]:
    barrier = threading.Barrier(2)
    results: dict[str, str] = {}

    def run(action: str) -> None:
        results[action] = race(path, request, action, barrier)

    threads = [threading.Thread(target=run, args=(action,)) for action in ("ship", "cancel")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=10)
    return [results["ship"], results["cancel"]]


def test_with_compare_and_set_exactly_one_of_two_racing_requests_wins(tmp_path: Path) -> None:
    path = shop(tmp_path)
    results = run_both(path, "compare-and-set")
    winners = [result for result in results if " done: " in result]
    assert len(winners) == 1, results
    [loser] = [result for result in results if result not in winners]
    assert loser.endswith("refused: order A-1007 is no longer paid")
    with sqlite3.connect(path) as db:
        stored = db.execute("SELECT status FROM orders").fetchone()[0]
    assert winners[0].endswith(stored)


def test_a_plain_update_lets_both_racing_requests_believe_they_won(tmp_path: Path) -> None:
    results = run_both(shop(tmp_path), "plain")
    assert results == ["ship done", "cancel done"]  # one of them was silently overwritten


def test_a_refused_action_leaves_the_order_as_it_was() -> None:
    order = Order("A-1004", Decimal("19.99"))
    with pytest.raises(IllegalTransitionError, match="cannot ship order A-1004"):
        order.ship("DHL-1")
    with pytest.raises(ValueError, match=r"order A-1004 costs EUR 19\.99, not EUR 9\.99"):
        order.pay(Decimal("9.99"))
    assert (order.status, order.history, order.tracking) == (
        "awaiting payment",
        ["awaiting payment"],
        None,
    )


def test_the_library_workflow_refuses_a_wrong_amount_with_a_clear_message() -> None:
    workflow = OrderWorkflow("A-1006", Decimal("10.00"))
    with pytest.raises(ValueError, match=r"order A-1006 costs EUR 10\.00, not EUR 1\.00"):
        workflow.pay(Decimal("1.00"))
    assert workflow.status == "awaiting payment"
