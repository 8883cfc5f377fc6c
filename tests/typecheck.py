"""mypy --strict on a module a test writes: the proof of a claim about what mypy reports."""

from __future__ import annotations

import os
import sys
import textwrap
from dataclasses import dataclass
from pathlib import Path

from mypy import api

from tests.pagecode import ROOT


@dataclass(frozen=True)
class MypyReport:
    status: int  # 0 clean, 1 errors found
    text: str

    @property
    def errors(self) -> list[str]:
        return [line for line in self.text.splitlines() if ": error:" in line]


@dataclass(frozen=True)
class Mypy:
    """Runs mypy from the project's root, where it finds `snippets` and the project's settings.

    One cache per test process: the standard library is analysed once, not once per test."""

    folder: Path
    cache: Path

    def check(self, source: str, *, name: str = "checked") -> MypyReport:
        module = self.folder / f"{name}.py"
        module.write_text(textwrap.dedent(source), encoding="utf-8")
        return run_mypy("--strict", "--cache-dir", str(self.cache), str(module))


def run_mypy(*arguments: str) -> MypyReport:
    """mypy in this process, from the project's root, where it finds `snippets` and the settings.

    mypy raises the interpreter's recursion limit for its own use (mypy/main.py); this puts it
    back, so a page that shows a `RecursionError` sees the default limit whichever test ran
    first in its worker."""
    before, limit = Path.cwd(), sys.getrecursionlimit()
    os.chdir(ROOT)
    try:
        text, _, status = api.run(list(arguments))
    finally:
        os.chdir(before)
        sys.setrecursionlimit(limit)
    return MypyReport(status, text)
