"""Claims of the iterator page that its blocks do not print: bad input, paging, cleanup."""

from __future__ import annotations

import contextlib
from collections.abc import Generator
from decimal import Decimal

import pytest

from snippets.behavioral.iterator import (
    ENTRIES,
    ORDERS,
    ClassicLedger,
    Entry,
    Ledger,
    OrdersApi,
    create_orders_db,
    iter_orders,
)


@pytest.mark.parametrize("cursor", ["page-2", "²", "-10", ""])
def test_a_cursor_the_api_never_returned_gets_the_pages_error(cursor: str) -> None:
    with pytest.raises(ValueError, match="pass one the API returned"):
        OrdersApi(ORDERS).list_orders(cursor=cursor)


def test_keyset_pages_seek_by_the_primary_key_instead_of_skipping_rows() -> None:
    connection = create_orders_db(ORDERS)
    statements: list[str] = []
    connection.set_trace_callback(statements.append)
    assert len(list(iter_orders(connection, page_size=10))) == len(ORDERS)
    connection.set_trace_callback(None)
    for statement in statements:  # as run, with the values filled in
        plan = connection.execute(f"EXPLAIN QUERY PLAN {statement}").fetchall()
        details = " ".join(row[-1] for row in plan)
        assert "USING INTEGER PRIMARY KEY (rowid>?)" in details, details


@pytest.mark.parametrize("kind", [Ledger, ClassicLedger])
def test_booking_during_a_for_loop_stops_the_loop_and_out_of_order_bookings_are_refused(
    kind: type[Ledger],
) -> None:
    ledger = kind(ENTRIES)
    with pytest.raises(RuntimeError, match="the ledger changed during iteration"):
        for entry in ledger:
            if entry == ENTRIES[0]:  # once: a ledger that misses it ends the loop
                ledger.book(Entry("2024-04-30", "bonus", Decimal("100.00")))
    with pytest.raises(ValueError, match="2024-01-01 comes before 2024-04-30"):
        ledger.book(Entry("2024-01-01", "late invoice", Decimal("10.00")))


def test_an_impossible_page_size_is_refused_at_the_first_next() -> None:
    orders = iter_orders(create_orders_db(ORDERS), page_size=0)  # the body has not started
    with pytest.raises(ValueError, match="page_size must be at least 1, got 0"):
        next(orders)


def test_break_does_not_close_a_generator_the_last_reference_or_closing_does() -> None:
    closed: list[str] = []

    def rows() -> Generator[int, None, None]:
        try:
            yield from range(10)
        finally:
            closed.append("cursor")

    numbers = rows()
    for number in numbers:
        if number == 2:
            break
    assert closed == []  # `break` left it paused at its `yield`
    del numbers  # CPython: the last reference is gone, so the generator is closed
    assert closed == ["cursor"]
    with contextlib.closing(rows()) as numbers:
        next(numbers)
    assert closed == ["cursor", "cursor"]
