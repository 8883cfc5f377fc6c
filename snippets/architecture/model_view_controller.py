"""Model-view-controller: a help-desk ticket board with a text view and an HTML view.

Run it with `python -m snippets.architecture.model_view_controller`.
"""

# --8<-- [start:imports]
import html
import io
import sqlite3
from collections.abc import Callable, Iterable, Mapping
from contextlib import closing
from dataclasses import dataclass
from typing import Literal, Protocol, get_args
from urllib.parse import parse_qs
from wsgiref.types import StartResponse, WSGIApplication, WSGIEnvironment
from wsgiref.util import setup_testing_defaults
from wsgiref.validate import validator

# --8<-- [end:imports]


# --8<-- [start:data]
Priority = Literal["urgent", "normal", "low"]
Status = Literal["open", "closed"]
PRIORITIES: tuple[Priority, ...] = get_args(Priority)


@dataclass(frozen=True)
class Ticket:
    """One support ticket, as the model hands it out: an immutable value."""

    id: int
    title: str
    priority: Priority
    status: Status


@dataclass(frozen=True)
class Board:
    """What every view is given: the open tickets, most urgent first, and a count."""

    open_tickets: tuple[Ticket, ...]
    closed_count: int


# --8<-- [end:data]


# --8<-- [start:repository]
class TicketRepository:
    """Stores tickets in SQLite. Only the model talks to it."""

    def __init__(self, db: sqlite3.Connection) -> None:
        self._db = db
        with self._db:
            self._db.execute(
                "CREATE TABLE IF NOT EXISTS tickets ("
                " id INTEGER PRIMARY KEY,"
                " title TEXT NOT NULL,"
                " priority TEXT NOT NULL,"
                " status TEXT NOT NULL DEFAULT 'open')"
            )

    def add(self, title: str, priority: Priority) -> int:
        with self._db:
            cursor = self._db.execute(
                "INSERT INTO tickets (title, priority) VALUES (?, ?)", (title, priority)
            )
        assert cursor.lastrowid is not None
        return cursor.lastrowid

    def get(self, ticket_id: int) -> Ticket | None:
        row = self._db.execute(
            "SELECT id, title, priority, status FROM tickets WHERE id = ?", (ticket_id,)
        ).fetchone()
        return Ticket(*row) if row else None

    def with_status(self, status: Status) -> list[Ticket]:
        rows = self._db.execute(
            "SELECT id, title, priority, status FROM tickets WHERE status = ?"
            " ORDER BY id",
            (status,),
        )
        return [Ticket(*row) for row in rows]

    def close(self, ticket_id: int) -> bool:
        """Close an open ticket in one statement; False if no open ticket matched."""
        with self._db:
            cursor = self._db.execute(
                "UPDATE tickets SET status = 'closed' WHERE id = ? AND status = 'open'",
                (ticket_id,),
            )
        return cursor.rowcount == 1


# --8<-- [end:repository]


# --8<-- [start:model]
class TicketError(ValueError):
    """A request that is well formed but breaks a rule of the help desk."""


class TicketModel:
    """The model: the help desk's rules, on top of a repository."""

    def __init__(self, repository: TicketRepository) -> None:
        self._repository = repository

    def open_ticket(self, title: str, priority: Priority) -> Ticket:
        if priority not in PRIORITIES:  # callers that skip type checks get here too
            known = ", ".join(PRIORITIES)
            raise TicketError(f"a priority is one of {known}, not {priority!r}")
        ticket_id = self._repository.add(title, priority)
        return Ticket(ticket_id, title, priority, "open")

    def close_ticket(self, ticket_id: int) -> Ticket:
        closed = self._repository.close(ticket_id)  # check and change in one step
        ticket = self._repository.get(ticket_id)
        if ticket is None:
            raise TicketError(f"there is no ticket #{ticket_id}")
        if not closed:
            raise TicketError(f"ticket #{ticket_id} is already closed")
        return ticket

    def board(self) -> Board:
        """Open tickets, most urgent first, then oldest first."""
        open_tickets = sorted(
            self._repository.with_status("open"),
            key=lambda ticket: (PRIORITIES.index(ticket.priority), ticket.id),
        )
        closed = self._repository.with_status("closed")
        return Board(tuple(open_tickets), len(closed))


# --8<-- [end:model]


# --8<-- [start:views]
class TicketView(Protocol):
    """A view turns a board into text. It never reads storage or changes anything."""

    def render(self, board: Board) -> str: ...


class TextTicketView:
    """For the terminal and for chat messages."""

    def render(self, board: Board) -> str:
        count = len(board.open_tickets)
        lines = [f"Open tickets: {count} ({board.closed_count} closed)"]
        lines += [
            f"  #{ticket.id} [{ticket.priority}] {ticket.title}"
            for ticket in board.open_tickets
        ]
        return "\n".join(lines)


class HtmlTicketView:
    """For the intranet page: every text from users is escaped."""

    def render(self, board: Board) -> str:
        items = [
            f'<li class="{html.escape(ticket.priority)}">'
            f"#{ticket.id} {html.escape(ticket.title)}</li>"
            for ticket in board.open_tickets
        ]
        return "\n".join(
            [
                "<h2>Open tickets</h2>",
                "<ul>",
                *items,
                "</ul>",
                f"<p>{board.closed_count} closed</p>",
            ]
        )


# --8<-- [end:views]


# --8<-- [start:validation]
class InputError(ValueError):
    """Input from a form or a command line that the controller refuses."""


MAX_TITLE = 80


def parse_title(raw: str) -> str:
    title = " ".join(raw.split())
    if not title:
        raise InputError("a ticket needs a title")
    if len(title) > MAX_TITLE:
        raise InputError(
            f"a title has at most {MAX_TITLE} characters, not {len(title)}"
        )
    return title


def parse_priority(raw: str) -> Priority:
    for priority in PRIORITIES:
        if raw.strip().lower() == priority:
            return priority
    raise InputError(f"priority must be one of {', '.join(PRIORITIES)}; got {raw!r}")


def parse_ticket_id(raw: str) -> int:
    text = raw.strip().removeprefix("#")
    if not (text.isdecimal() and len(text) <= 18 and int(text) > 0):  # SQLite: 64 bits
        raise InputError(f"a ticket number is a whole number like 7 or #7, got {raw!r}")
    return int(text)


# --8<-- [end:validation]


# --8<-- [start:controller]
class TicketController:
    """The controller: checks raw input, calls the model, picks the view."""

    def __init__(self, model: TicketModel, views: Mapping[str, TicketView]) -> None:
        self._model = model
        self._views = dict(views)

    def open_ticket(self, title: str, priority: str = "normal") -> int:
        ticket = self._model.open_ticket(parse_title(title), parse_priority(priority))
        return ticket.id

    def close_ticket(self, ticket_id: str) -> None:
        self._model.close_ticket(parse_ticket_id(ticket_id))

    def show(self, view_name: str) -> str:
        try:
            view = self._views[view_name]
        except KeyError:
            known = ", ".join(sorted(self._views))
            raise InputError(f"no view {view_name!r}; choose one of: {known}") from None
        return view.render(self._model.board())


def build_desk(db: sqlite3.Connection) -> TicketController:
    """Wire one model and one controller to both views."""
    model = TicketModel(TicketRepository(db))
    return TicketController(model, {"text": TextTicketView(), "html": HtmlTicketView()})


# --8<-- [end:controller]


# --8<-- [start:pythonic]
def tickets_app(model: TicketModel) -> WSGIApplication:
    """The controller as a WSGI function; the views are the same `render` methods."""
    renderers: dict[str, Callable[[Board], str]] = {
        "text/plain": TextTicketView().render,
        "text/html": HtmlTicketView().render,
    }

    def app(environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        status = "200 OK"
        content_type = environ.get("HTTP_ACCEPT", "text/plain")
        if content_type not in renderers:
            content_type = "text/plain"
        try:
            if environ["REQUEST_METHOD"] == "POST":
                length = int(environ.get("CONTENT_LENGTH") or 0)
                form = parse_qs(environ["wsgi.input"].read(length).decode())
                title = parse_title(form.get("title", [""])[0])
                priority = parse_priority(form.get("priority", ["normal"])[0])
                model.open_ticket(title, priority)
                status = "201 Created"
            body = renderers[content_type](model.board())
        except InputError as exc:
            status, content_type, body = "400 Bad Request", "text/plain", str(exc)
        headers = [("Content-Type", f"{content_type}; charset=utf-8")]
        start_response(status, headers)
        return [body.encode()]

    return app


def call(app: WSGIApplication, method: str, form: str = "", accept: str = "") -> str:
    """Send one request to a WSGI app in-process, as a test client does."""
    data = form.encode()
    environ: WSGIEnvironment = {
        "REQUEST_METHOD": method,
        "SCRIPT_NAME": "",
        "PATH_INFO": "/tickets",
        "QUERY_STRING": "",
        "HTTP_ACCEPT": accept or "text/plain",
        "CONTENT_LENGTH": str(len(data)),
        "wsgi.input": io.BytesIO(data),
    }
    setup_testing_defaults(environ)
    statuses: list[str] = []

    def start_response(
        status: str, headers: list[tuple[str, str]], exc_info: object = None
    ) -> Callable[[bytes], object]:
        statuses.append(status)
        return lambda chunk: None  # the app returns its body instead of writing it

    response = validator(app)(environ, start_response)
    try:
        body = b"".join(response).decode()
    finally:
        if hasattr(response, "close"):  # WSGI: always close what the app returned
            response.close()
    return f"{statuses[0]}\n{body}"


# --8<-- [end:pythonic]

if __name__ == "__main__":
    # fmt: off
    # --8<-- [start:demo]
    db = sqlite3.connect(":memory:")
    desk = build_desk(db)
    desk.open_ticket("Invoice PDF is blank", "normal")
    desk.open_ticket("Checkout returns 500", "urgent")
    desk.open_ticket('Export breaks on "R&D <Ltd>" names', "low")
    desk.open_ticket("  Refund   stuck in review ", "URGENT")
    desk.close_ticket("#2")

    print(desk.show("text"))
    '''
    Open tickets: 3 (1 closed)
      #4 [urgent] Refund stuck in review
      #1 [normal] Invoice PDF is blank
      #3 [low] Export breaks on "R&D <Ltd>" names
    '''
    print(desk.show("html"))
    '''
    <h2>Open tickets</h2>
    <ul>
    <li class="urgent">#4 Refund stuck in review</li>
    <li class="normal">#1 Invoice PDF is blank</li>
    <li class="low">#3 Export breaks on &quot;R&amp;D &lt;Ltd&gt;&quot; names</li>
    </ul>
    <p>1 closed</p>
    '''
    # --8<-- [end:demo]

    # --8<-- [start:demo-errors]
    try:
        desk.open_ticket("Printer on fire", "asap")
    except InputError as exc:  # malformed: the controller refuses it
        print(exc)
        #> priority must be one of urgent, normal, low; got 'asap'
    try:
        desk.close_ticket("2")
    except TicketError as exc:  # well formed but against a rule: the model refuses it
        print(exc)
        #> ticket #2 is already closed
    db.close()
    # --8<-- [end:demo-errors]

    # --8<-- [start:demo-pythonic]
    with closing(sqlite3.connect(":memory:")) as web_db:
        app = tickets_app(TicketModel(TicketRepository(web_db)))
        print(call(app, "POST", "title=VAT+is+0%25&priority=urgent"))
        '''
        201 Created
        Open tickets: 1 (0 closed)
          #1 [urgent] VAT is 0%
        '''
        print(call(app, "GET", accept="text/html"))
        '''
        200 OK
        <h2>Open tickets</h2>
        <ul>
        <li class="urgent">#1 VAT is 0%</li>
        </ul>
        <p>0 closed</p>
        '''
        print(call(app, "POST", "title=Login+loop&priority=soon"))
        '''
        400 Bad Request
        priority must be one of urgent, normal, low; got 'soon'
        '''
    # --8<-- [end:demo-pythonic]
    # fmt: on
