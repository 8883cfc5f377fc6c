"""A real SMTP server on 127.0.0.1 for claims about mailers: it keeps the messages it accepts."""

from __future__ import annotations

import socketserver
import threading
from collections.abc import Iterator
from contextlib import contextmanager


class SmtpServer(socketserver.ThreadingTCPServer):
    """Just enough SMTP for `smtplib`: it keeps every message and counts connections.

    It answers 550 to RCPT for the addresses in `refused`, as a server does for a mailbox
    that does not exist."""

    daemon_threads = True

    def __init__(self, refused: frozenset[str] = frozenset()) -> None:
        super().__init__(("127.0.0.1", 0), SmtpHandler)
        self.connections = 0
        self.messages: list[bytes] = []
        self.refused = {address.upper() for address in refused}

    @property
    def port(self) -> int:
        return int(self.server_address[1])


class SmtpHandler(socketserver.StreamRequestHandler):
    def reply(self, line: str) -> None:
        self.wfile.write(f"{line}\r\n".encode())

    def handle(self) -> None:
        server = self.server
        assert isinstance(server, SmtpServer)
        server.connections += 1
        self.reply("220 test.example ESMTP")
        while line := self.rfile.readline():
            command = line.decode("ascii").strip().upper()
            if command.startswith(("EHLO", "HELO")):
                self.reply("250 test.example")
            elif command.startswith("RCPT") and any(
                f"<{address}>" in command for address in server.refused
            ):
                self.reply("550 5.1.1 no such mailbox")
            elif command.startswith(("MAIL", "RCPT", "RSET", "NOOP")):
                self.reply("250 OK")
            elif command == "DATA":
                self.reply("354 end the message with a dot on a line of its own")
                lines = []
                while (data := self.rfile.readline()) not in {b".\r\n", b""}:
                    lines.append(data)
                server.messages.append(b"".join(lines))
                self.reply("250 OK")
            elif command == "QUIT":
                self.reply("221 bye")
                return
            else:
                self.reply("502 not implemented")


@contextmanager
def smtp_server(refused: frozenset[str] = frozenset()) -> Iterator[SmtpServer]:
    """Serve from a thread; shut down and close the socket on the way out."""
    server = SmtpServer(refused)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()
        thread.join()
