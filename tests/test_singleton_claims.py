"""Claims of the singleton page checked with real threads and real imports.

Each test that waits is bounded by a timeout that only a failure reaches.
"""

import sys
import threading
import types
from importlib import import_module
from pathlib import Path
from typing import Any

import pytest

from snippets.creational.singleton import (
    CheckoutService,
    ConnectionRegistry,
    FeatureFlags,
    Metrics,
    Settings,
    SingletonMeta,
)

TIMEOUT = 5.0  # seconds; generous for a loaded machine, reached only by a failure


def test_an_init_may_wait_for_a_thread_that_builds_another_singleton() -> None:
    class AuditTrail(metaclass=SingletonMeta):
        pass

    class PaymentGateway(metaclass=SingletonMeta):
        def __init__(self) -> None:
            helper = threading.Thread(target=AuditTrail)  # another singleton
            helper.start()
            helper.join(timeout=TIMEOUT)
            self.helper_finished = not helper.is_alive()

    assert PaymentGateway().helper_finished, "AuditTrail() waited for PaymentGateway"


def test_two_singleton_classes_are_built_at_the_same_time() -> None:
    both_inside = threading.Barrier(2, timeout=TIMEOUT)

    class Inventory(metaclass=SingletonMeta):
        def __init__(self) -> None:
            both_inside.wait()  # returns only when Pricing's __init__ runs too

    class Pricing(metaclass=SingletonMeta):
        def __init__(self) -> None:
            both_inside.wait()

    errors: list[BaseException] = []

    def build(cls: type) -> None:
        try:
            cls()
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=build, args=(cls,)) for cls in (Inventory, Pricing)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=3 * TIMEOUT)
    assert not any(thread.is_alive() for thread in threads)
    assert errors == []


def test_one_class_is_still_built_once_under_a_race() -> None:
    built: list[object] = []
    start = threading.Barrier(8, timeout=TIMEOUT)

    class Vault(metaclass=SingletonMeta):
        def __init__(self) -> None:
            built.append(self)

    found: list[Any] = []

    def run() -> None:
        start.wait()
        found.append(Vault())

    threads = [threading.Thread(target=run) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=3 * TIMEOUT)
    assert len(built) == 1 and len(found) == 8
    assert all(instance is built[0] for instance in found)


def test_an_init_that_calls_its_own_class_fails_instead_of_hanging() -> None:
    class Recursive(metaclass=SingletonMeta):
        def __init__(self) -> None:
            Recursive()

    with pytest.raises(RecursionError):
        Recursive()


def test_init_runs_on_what_new_returns_only_if_it_is_an_instance() -> None:
    initialised: list[str] = []

    class Handle:
        def __new__(cls, kind: str) -> Any:
            return super().__new__(cls) if kind == "own" else "a plain string"

        def __init__(self, kind: str) -> None:
            initialised.append(kind)

    Handle("own")
    other: object = Handle("other")
    assert other == "a plain string"
    assert initialised == ["own"]


def test_a_module_imported_by_two_threads_at_once_runs_once(tmp_path: Path) -> None:
    gate = types.ModuleType("singleton_claims_gate")
    gate.runs = []  # type: ignore[attr-defined]
    gate.entered = threading.Event()  # type: ignore[attr-defined]
    gate.release = threading.Event()  # type: ignore[attr-defined]
    (tmp_path / "shop_metrics_once.py").write_text(
        "import singleton_claims_gate as gate\n"
        "gate.runs.append(1)\n"
        "gate.entered.set()\n"
        f"gate.release.wait({TIMEOUT})  # still running when the second import starts\n"
        "from snippets.creational.singleton import Metrics\n"
        "metrics = Metrics()\n"
    )
    sys.path.insert(0, str(tmp_path))
    sys.modules["singleton_claims_gate"] = gate
    results: list[types.ModuleType] = []

    def importer() -> None:
        results.append(import_module("shop_metrics_once"))

    try:
        first = threading.Thread(target=importer)
        first.start()
        assert gate.entered.wait(TIMEOUT)
        second = threading.Thread(target=importer)
        second.start()
        second.join(timeout=0.05)  # still waiting for the first import to finish
        assert second.is_alive()
        gate.release.set()
        first.join(timeout=TIMEOUT)
        second.join(timeout=TIMEOUT)
    finally:
        gate.release.set()
        sys.path.remove(str(tmp_path))
        sys.modules.pop("singleton_claims_gate", None)
        sys.modules.pop("shop_metrics_once", None)
    assert gate.runs == [1]
    assert len(results) == 2 and results[0] is results[1]
    assert results[0].metrics is results[1].metrics


@pytest.mark.parametrize("workers", ["²", "٣", "0", "-1", " 4", "lots"])
def test_settings_refuse_workers_that_are_not_ascii_digits(workers: str) -> None:
    with pytest.raises(ValueError, match="SHOP_WORKERS must be a whole number >= 1"):
        Settings.from_environ({"SHOP_WORKERS": workers})


def test_settings_refuse_an_empty_database_url() -> None:
    with pytest.raises(ValueError, match="SHOP_DATABASE_URL is set but empty"):
        Settings.from_environ({"SHOP_DATABASE_URL": ""})


def test_settings_are_read_from_the_environment_mapping() -> None:
    settings = Settings.from_environ({"SHOP_WORKERS": "8", "SHOP_DEBUG": "1"})
    assert settings == Settings("sqlite:///shop.db", workers=8, debug=True)
    with pytest.raises(ValueError, match="SHOP_DEBUG must be 0 or 1, got 'yes'"):
        Settings.from_environ({"SHOP_DEBUG": "yes"})


def test_bad_input_is_refused_with_a_message() -> None:
    with pytest.raises(ValueError, match="counters only go up: by must be 1 or more, got -1"):
        Metrics().increment("orders.placed", by=-1)
    with pytest.raises(ValueError, match="a counter needs a name"):
        Metrics().increment("")
    with pytest.raises(ValueError, match="a flag is lower-case without spaces"):
        FeatureFlags().enable("New Checkout")
    with pytest.raises(LookupError, match="no connection named 'reports'"):
        ConnectionRegistry().url("reports")
    with pytest.raises(ValueError, match="order B-8: total must be positive, got 0"):
        CheckoutService(Metrics()).place_order("B-8", total_cents=0)
