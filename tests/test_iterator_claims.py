"""Claims of the iterator page that its blocks do not print: cursors and keyset paging."""

from __future__ import annotations

import pytest

from snippets.behavioral.iterator import ORDERS, OrdersApi, create_orders_db, iter_orders


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
