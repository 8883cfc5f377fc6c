"""A guard for tests that start threads: servers, pools, SDK callbacks and event loops."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from typing import Any

import pytest


def thread_guard(*, time_budget: float | None = None, grace: float = 0.0) -> Any:
    """An autouse fixture named `no_thread_left_behind` for the module that assigns it.

    Every thread a test starts must have ended when the test ends; `grace` gives each one
    that many seconds to finish first. With a `time_budget`, the test must also end within
    that many seconds: a run that waits on a timeout it should not reach fails.
    """

    @pytest.fixture(autouse=True, name="no_thread_left_behind")
    def guard() -> Iterator[None]:
        before = set(threading.enumerate())
        started = time.monotonic()
        yield
        elapsed = time.monotonic() - started
        if time_budget is not None:
            assert elapsed < time_budget, f"the test took {elapsed:.1f} s"
        if grace:
            for thread in set(threading.enumerate()) - before:
                thread.join(timeout=grace)
        left = [thread.name for thread in set(threading.enumerate()) - before]
        assert not left, f"threads still running: {left}"

    return guard
