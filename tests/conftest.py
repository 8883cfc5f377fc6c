"""Shared fixtures and the end-of-run report of how much code the suite executed."""

from __future__ import annotations

import fcntl
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from scripts.bench import CHROMIUM_ARGS
from scripts.gzip_server import served
from tests.pagecode import COUNTER, ROOT
from tests.typecheck import Mypy

if TYPE_CHECKING:
    from playwright.sync_api import Browser, BrowserContext


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    if COUNTER.python_blocks or COUNTER.commands:
        terminalreporter.write_line(
            f"executed {COUNTER.python_blocks} Python code blocks "
            f"and {COUNTER.commands} console commands shown in docs/ and snippets/"
        )


def pytest_sessionfinish(session: pytest.Session) -> None:
    """An xdist worker hands its counts to the controller, which reports the sum."""
    output = getattr(session.config, "workeroutput", None)
    if output is not None:
        output["python_blocks"], output["commands"] = COUNTER.python_blocks, COUNTER.commands


@pytest.hookimpl(optionalhook=True)
def pytest_testnodedown(node: Any, error: object) -> None:
    output = getattr(node, "workeroutput", {})
    COUNTER.python_blocks += output.get("python_blocks", 0)
    COUNTER.commands += output.get("commands", 0)


@pytest.fixture(scope="session")
def mypy_cache(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("mypy-cache")


@pytest.fixture
def mypy(tmp_path: Path, mypy_cache: Path) -> Mypy:
    """`mypy.check(source)` writes the source to a module in `tmp_path` and checks it."""
    return Mypy(tmp_path, mypy_cache)


@pytest.fixture(scope="session")
def built_site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The site built once per run with `mkdocs build --strict`, as `make build` does.

    Under pytest-xdist every worker asks for it: the first builds it in the run's shared
    temporary folder while holding a lock, the others wait and reuse it (or its error)."""
    shared = tmp_path_factory.getbasetemp()
    if os.environ.get("PYTEST_XDIST_WORKER"):
        shared = shared.parent  # the folder all workers of this run have in common
    site, failed = shared / "built-site", shared / "built-site.failed"
    with (shared / "built-site.lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not site.exists() and not failed.exists():
            building = shared / "built-site.partial"
            done = subprocess.run(
                [sys.executable, "-m", "mkdocs", "build", "--strict", "--site-dir", str(building)],
                cwd=ROOT,
                capture_output=True,
                text=True,
                check=False,
                env={**os.environ, "NO_MKDOCS_2_WARNING": "1"},
            )
            if done.returncode == 0:
                building.rename(site)
            else:
                failed.write_text(done.stderr, encoding="utf-8")
    if failed.exists():
        errors = failed.read_text(encoding="utf-8")
        pytest.fail(f"mkdocs build --strict failed:\n{errors}", pytrace=False)
    return site


CHROMIUM = Path("/usr/bin/chromium")


@pytest.fixture(scope="session")
def site_url(built_site: Path) -> Iterator[str]:
    """The built site served gzipped, as `make bench` serves it, on a free port of 127.0.0.1."""
    with served(built_site) as url:
        yield url


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    """Debian's Chromium driven by Playwright; skipped without it, except under CI."""
    if not CHROMIUM.exists():
        reason = f"{CHROMIUM} is missing: apt-get install chromium"
        if os.environ.get("CI"):
            pytest.fail(f"browser tests cannot run under CI: {reason}", pytrace=False)
        pytest.skip(reason)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture
def context(browser: Browser, site_url: str) -> Iterator[BrowserContext]:
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    context.grant_permissions(["clipboard-read", "clipboard-write"], origin=site_url)
    yield context
    context.close()


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Run the browser tests last: Playwright's sync API keeps an asyncio loop running in the
    main thread while its browser is open, and examples that call `asyncio.run` fail under it.
    The longest browser tests, the search tables, go first among them, so that no worker is
    left alone with one at the end of a parallel run."""
    items.sort(
        key=lambda item: (
            "browser" in getattr(item, "fixturenames", ()),
            "search_page" not in getattr(item, "fixturenames", ()),
        )
    )
