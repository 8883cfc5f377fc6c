"""A correlation id per request: read from `X-Request-ID` or made, logged, passed on.

Both services install `CorrelationId`; the orders service's `CatalogueClient` sends the
id of the request it is serving, so one id ties the log lines of both services together.
"""

# --8<-- [start:imports]
import logging
import re
import uuid
from contextvars import ContextVar
from urllib.parse import quote

from starlette.datastructures import Headers, MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

# --8<-- [end:imports]


# --8<-- [start:correlation]
HEADER = "X-Request-ID"
VALID_ID = re.compile(r"[A-Za-z0-9_.-]{1,64}")  # nothing that could forge a log line
request_id: ContextVar[str | None] = ContextVar("request_id", default=None)


class CorrelationId:
    """ASGI middleware: take the caller's `X-Request-ID` or make one, keep it in
    `request_id` while the request runs, log the response with it and send it back."""

    def __init__(self, app: ASGIApp, service: str) -> None:
        self.app = app
        self.log = logging.getLogger(service)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        given = Headers(scope=scope).get(HEADER, "")
        rid = given if VALID_ID.fullmatch(given) else uuid.uuid4().hex
        token = request_id.set(rid)

        async def send_with_id(message: Message) -> None:
            if message["type"] == "http.response.start":
                MutableHeaders(scope=message)[HEADER] = rid
                # Logged before the answer leaves: when it arrives, the line is written.
                status = message["status"]
                path = quote(scope["path"])  # a decoded %0A must not start a new line
                self.log.info("%s %s %s %s", rid, scope["method"], path, status)
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        finally:
            request_id.reset(token)


def log_to_stderr(service: str) -> None:
    """Write the service's request log to stderr, as container platforms expect."""
    log = logging.getLogger(service)
    if not log.handlers:
        handler = logging.StreamHandler()  # stderr
        handler.setFormatter(logging.Formatter("%(name)s %(message)s"))
        log.addHandler(handler)
        log.setLevel(logging.INFO)


# --8<-- [end:correlation]
