"""Claims of the model-view-controller page that need real threads and a SQLite file.

The page says that a ticket cannot be closed twice. A web server runs requests in
parallel, each with its own connection, so the rule must hold when two requests close
the same ticket at the same moment: the model checks and changes the status in one
`UPDATE ... WHERE status = 'open'`, and SQLite lets only one of them change the row.
"""

import sqlite3
import threading
from contextlib import closing
from pathlib import Path

import pytest

from snippets.architecture.model_view_controller import (
    InputError,
    TicketError,
    TicketModel,
    TicketRepository,
    build_desk,
    parse_ticket_id,
)


class LockstepConnection(sqlite3.Connection):
    """A real SQLite connection that holds each UPDATE until the other request reaches its
    own, so the two requests interleave at the worst moment on every run."""

    barrier = threading.Barrier(2)

    def execute(self, sql: str, parameters: object = (), /) -> sqlite3.Cursor:
        if sql.lstrip().upper().startswith("UPDATE"):
            self.barrier.wait(timeout=5)
        return super().execute(sql, parameters)  # type: ignore[arg-type]


def test_two_requests_racing_to_close_a_ticket_close_it_once(tmp_path: Path) -> None:
    path = tmp_path / "desk.sqlite3"
    with closing(sqlite3.connect(path)) as setup:
        TicketModel(TicketRepository(setup)).open_ticket("Checkout returns 500", "urgent")
    LockstepConnection.barrier = threading.Barrier(2)
    outcomes: list[str] = []

    def request() -> None:  # one web request: its own connection, its own model
        db = sqlite3.connect(path, timeout=5, factory=LockstepConnection)
        try:
            TicketModel(TicketRepository(db)).close_ticket(1)
            outcomes.append("closed")
        except TicketError as exc:
            outcomes.append(str(exc))
        finally:
            db.close()

    threads = [threading.Thread(target=request) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=10)
    assert sorted(outcomes) == ["closed", "ticket #1 is already closed"]


@pytest.mark.parametrize("raw", ["²", "99999999999999999999", "0", "-3", "#", "1" * 5000])
def test_malformed_ticket_numbers_get_the_input_error(raw: str) -> None:
    with pytest.raises(InputError, match="a ticket number is a whole number"):
        parse_ticket_id(raw)


@pytest.mark.parametrize(("raw", "number"), [("#7", 7), (" 12 ", 12)])
def test_ticket_numbers_are_parsed(raw: str, number: int) -> None:
    assert parse_ticket_id(raw) == number


def test_the_controller_and_the_model_each_refuse_what_is_theirs() -> None:
    with closing(sqlite3.connect(":memory:")) as db:
        desk = build_desk(db)
        desk.open_ticket("Invoice PDF is blank")
        with pytest.raises(InputError, match=r"^a ticket needs a title$"):
            desk.open_ticket("   ")
        with pytest.raises(InputError, match=r"^a ticket number is a whole number like 7 or #7"):
            desk.close_ticket("two")
        with pytest.raises(TicketError, match=r"^there is no ticket #42$"):
            desk.close_ticket("42")
        with pytest.raises(InputError, match=r"^no view 'pdf'; choose one of: html, text$"):
            desk.show("pdf")
        assert desk.show("text") == "Open tickets: 1 (0 closed)\n  #1 [normal] Invoice PDF is blank"
