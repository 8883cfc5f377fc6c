"""Serve a static site on a free port of 127.0.0.1, gzipping text as real hosts do.

python scripts/gzip_server.py SITE_DIR   # prints the port, then serves until killed

`served(site)` runs it in a child process for the tests and the benchmark.
"""

from __future__ import annotations

import gzip
import mimetypes
import os
import signal
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import unquote, urlsplit

COMPRESSIBLE = {".html", ".css", ".js", ".mjs", ".json", ".svg", ".xml", ".txt", ".map"}


def handler_for(root: Path) -> type[BaseHTTPRequestHandler]:
    class GzipHandler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            target = (root / unquote(urlsplit(self.path).path).lstrip("/")).resolve()
            if target.is_dir():
                target = target / "index.html"
            if not target.is_relative_to(root) or not target.is_file():
                target, status = root / "404.html", HTTPStatus.NOT_FOUND
            else:
                status = HTTPStatus.OK
            body = target.read_bytes()
            self.send_response(status)
            kind = mimetypes.guess_type(target.name)[0] or "application/octet-stream"
            self.send_header("Content-Type", kind)
            if target.suffix in COMPRESSIBLE and "gzip" in self.headers.get("Accept-Encoding", ""):
                body = gzip.compress(body, compresslevel=6, mtime=0)
                self.send_header("Content-Encoding", "gzip")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: object) -> None:
            pass

    return GzipHandler


def main(site: str) -> None:
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler_for(Path(site).resolve()))
    print(server.server_address[1], flush=True)
    server.serve_forever()


@contextmanager
def served(site: Path) -> Iterator[str]:
    """Serve `site` from a child process; yield its base URL; stop it by its process id."""
    server = subprocess.Popen(
        [sys.executable, __file__, str(site)], stdout=subprocess.PIPE, text=True
    )
    try:
        assert server.stdout is not None
        yield f"http://127.0.0.1:{int(server.stdout.readline())}"
    finally:
        os.kill(server.pid, signal.SIGTERM)
        server.wait(timeout=10)


if __name__ == "__main__":
    main(sys.argv[1])
