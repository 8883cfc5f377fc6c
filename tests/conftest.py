"""Shared fixtures and the end-of-run report of how much code the suite executed."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.pagecode import COUNTER, ROOT


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    if COUNTER.python_blocks or COUNTER.commands:
        terminalreporter.write_line(
            f"executed {COUNTER.python_blocks} Python code blocks "
            f"and {COUNTER.commands} console commands shown in docs/ and snippets/"
        )


@pytest.fixture(scope="session")
def built_site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The site built once per run with `mkdocs build --strict`, as `make build` does."""
    site = tmp_path_factory.mktemp("site")
    done = subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "--site-dir", str(site)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
        env={**os.environ, "NO_MKDOCS_2_WARNING": "1"},
    )
    if done.returncode != 0:
        pytest.fail(f"mkdocs build --strict failed:\n{done.stderr}", pytrace=False)
    return site
