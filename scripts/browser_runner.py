"""Runs a page's Python blocks in the reader's browser (Pyodide), as the test suite runs them.

Published with the site as `pyodide/browser_runner.py`; the Web Worker
(`docs/assets/javascripts/run-worker.js`) imports it and calls `run_blocks`. A page is one
program: every block runs in order in one fresh namespace, and each block's output is kept
apart so the page can show it under that block.

Each print is also recorded as pytest-examples records it (the line that printed, the
separator, each argument's text), so the browser tests compare the page's `#>` lines with
the very machinery that checks them in CPython (tests/test_browser.py).
"""

from __future__ import annotations

import builtins
import contextlib
import io
import linecache
import logging
import os
import re
import sys
import traceback
from typing import Any

ADDRESS = re.compile("0x[a-f0-9]{8,12}>")
EXAMPLES = "/home/pyodide/examples"  # where run-worker.js unpacks examples/snippets.zip


def shown(value: Any) -> tuple[str, bool]:
    """An argument of print as pytest-examples writes it, and whether it was a string."""
    if isinstance(value, str):
        return value, True
    if isinstance(value, set):
        return "{" + ", ".join(repr(item) for item in sorted(value)) + "}", False
    return ADDRESS.sub("0x0123456789ab>", str(value)), False


def start_afresh() -> None:
    """Undo what an earlier run left behind, as a new process would: the examples are
    imported anew, the working directory is where the examples were unpacked, and logging
    has no handler (one set up before would still write to that run's captured output)."""
    for name in [m for m in sys.modules if m == "snippets" or m.startswith("snippets.")]:
        del sys.modules[name]
    os.chdir(EXAMPLES)
    for handler in logging.root.handlers[:]:
        logging.root.removeHandler(handler)


async def run_blocks(blocks: list[str]) -> list[dict[str, Any]]:
    """Run `blocks` as one program; stop at the first that raises.

    Returns one result per block that ran: its output (stdout and stderr, interleaved),
    its prints, and the traceback if it raised. A coroutine, so that the page's own
    `asyncio.run` can wait for its event loop inside Pyodide's (which needs the caller to
    be awaited from JavaScript, and a browser with WebAssembly's JavaScript Promise
    Integration: Chromium has it; elsewhere `asyncio.run` raises a RuntimeError).
    """
    start_afresh()
    namespace: dict[str, Any] = {"__name__": "__main__"}
    results: list[dict[str, Any]] = []
    real_print = builtins.print
    for number, source in enumerate(blocks, 1):
        filename = f"<block {number}>"
        prints: list[tuple[int, str, list[tuple[str, bool]]]] = []

        def recording_print(
            *args: Any,
            sep: str | None = " ",
            end: str | None = "\n",
            file: Any = None,
            flush: bool = False,
            _filename: str = filename,
            _prints: list[tuple[int, str, list[tuple[str, bool]]]] = prints,
        ) -> None:
            frame = sys._getframe(1)
            while frame is not None and frame.f_code.co_filename != _filename:
                frame = frame.f_back  # type: ignore[assignment]
            if frame is not None:
                _prints.append(
                    (frame.f_lineno, " " if sep is None else sep, [shown(a) for a in args])
                )
            real_print(*args, sep=sep, end=end, file=file, flush=flush)

        output = io.StringIO()
        error = None
        builtins.print = recording_print
        try:
            with contextlib.redirect_stdout(output), contextlib.redirect_stderr(output):
                code = compile(source, filename, "exec", dont_inherit=True)
                # Tracebacks show the lines of the block, as they do for a file.
                lines = source.splitlines(keepends=True)
                linecache.cache[filename] = (len(source), None, lines, filename)
                exec(code, namespace)
        except BaseException as exc:
            # Leave this function's own frame out: the reader's code starts one below.
            tb = exc.__traceback__.tb_next if exc.__traceback__ else None
            error = "".join(traceback.format_exception(type(exc), exc.with_traceback(tb), tb))
        finally:
            builtins.print = real_print
        results.append({"output": output.getvalue(), "prints": prints, "error": error})
        if error is not None:
            break
    return results
