"""Claims of the anti-patterns page that its blocks cannot print.

What ruff reports with its defaults and with the settings the page recommends, and what the
rules it names let through; what a bare `except` catches; when CPython warns about `is` with a
literal and which integers it shares; and when `+=` resizes a string instead of copying it.
"""

from __future__ import annotations

import collections
import dataclasses
import dis
import functools
import inspect
import operator
import os
import re
import subprocess
import sys
import sysconfig
import textwrap
import tomllib
import tracemalloc
import warnings
from collections.abc import Callable, Iterator, Mapping
from decimal import Decimal
from enum import IntEnum
from http import HTTPStatus
from pathlib import Path
from unittest import mock

import pytest

from snippets.principles import anti_patterns
from snippets.principles.anti_patterns import (
    OrderManager,
    OrderStatus,
    ReportFile,
    ShopSettings,
    build_report_plus,
    price_label_global,
    read_int,
    read_port_bare,
    read_workers_quietly,
)
from tests.pagecode import DOCS, ROOT, expand_include, find_fences

PAGE = DOCS / "principles" / "anti-patterns.md"
MODULE = ROOT / "snippets" / "principles" / "anti_patterns.py"
RUFF_CODE = re.compile(r"`([A-Z]+[0-9]{3,4})`")
# Of the rules the page names, those among ruff's defaults and those they leave off.
DEFAULT_ON = {"B006", "B023", "BLE001", "E722", "F632"}
DEFAULT_OFF = {"E721", "PLR0913", "PLW0603", "SLF001"}


def ruff(*args: str | Path, cwd: Path = ROOT) -> list[tuple[int, str]]:
    """(line, rule) for each diagnostic `ruff check` reports."""
    done = subprocess.run(
        [sys.executable, "-m", "ruff", "check", "--output-format", "concise", *map(str, args)],
        capture_output=True,
        text=True,
        check=False,
        cwd=cwd,
    )
    assert done.returncode in (0, 1), done.stderr
    return [
        (int(line), rule)
        for line, rule in re.findall(r"^\S+?:(\d+):\d+: (\S+?):? ", done.stdout, flags=re.M)
    ]


def section(name: str) -> str:
    """The code the page shows for a section of the module."""
    return "\n".join(expand_include(f'--8<-- "snippets/principles/anti_patterns.py:{name}"'))


def codes_the_page_names() -> set[str]:
    text = PAGE.read_text(encoding="utf-8")
    parts = re.findall(r"^\*\*Caught by:\*\*(.*?)(?=^## )", text, flags=re.M | re.S)
    return {code for part in parts for code in RUFF_CODE.findall(part)}


def test_ruff_defaults_hold_five_of_the_rules_the_page_names() -> None:
    reported = {rule for _, rule in ruff("--isolated", MODULE)}
    assert reported >= DEFAULT_ON
    assert not reported & DEFAULT_OFF


def test_the_recommended_settings_catch_every_rule_the_page_names(tmp_path: Path) -> None:
    (toml,) = [f for f in find_fences(PAGE) if f.language == "toml"]
    settings = "\n".join(toml.lines)
    named = codes_the_page_names()
    assert named == DEFAULT_ON | DEFAULT_OFF
    assert tomllib.loads(settings) == {"tool": {"ruff": {"lint": {"extend-select": sorted(named)}}}}
    (tmp_path / "shop.py").write_text(MODULE.read_text(encoding="utf-8"), encoding="utf-8")
    config = tmp_path / "pyproject.toml"
    own_select = '[tool.ruff.lint]\nselect = ["E4"]\n'
    config.write_text(own_select, encoding="utf-8")
    assert not DEFAULT_ON & {rule for _, rule in ruff("shop.py", cwd=tmp_path)}  # replaced
    for project in (settings, settings.replace("[tool.ruff.lint]\n", own_select)):
        config.write_text(project, encoding="utf-8")
        reported = {rule for _, rule in ruff("shop.py", cwd=tmp_path)}
        assert named <= reported, f"missed: {named - reported}"


class Exploding(Mapping[str, str]):
    """Settings whose every lookup raises `error`, as if Ctrl+C came right then."""

    def __init__(self, error: BaseException) -> None:
        self.error = error

    def __getitem__(self, key: str) -> str:
        raise self.error

    def __iter__(self) -> Iterator[str]:
        return iter(())

    def __len__(self) -> int:
        return 0


@pytest.mark.parametrize("error", [KeyboardInterrupt(), SystemExit(1)], ids=repr)
def test_a_bare_except_catches_ctrl_c_and_exit_and_except_exception_does_not(
    error: BaseException,
) -> None:
    try:
        port = read_port_bare(Exploding(error))
    except BaseException as escaped:  # without this, a KeyboardInterrupt would stop pytest
        pytest.fail(f"{escaped!r} escaped the bare except")
    assert port == 8080
    with pytest.raises(type(error)):
        read_workers_quietly(Exploding(error))
    with pytest.raises(type(error)):
        read_int(Exploding(error), "port", 8080)


def parsed(text: str) -> int:
    return int(text)


def test_cpython_shares_integers_from_minus_5_to_256_only() -> None:
    assert parsed("256") is parsed("256")
    assert parsed("-5") is parsed("-5")
    assert parsed("257") is not parsed("257")
    assert parsed("-6") is not parsed("-6")


def test_compiling_is_with_a_literal_warns() -> None:
    source = MODULE.read_text(encoding="utf-8")
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        compile(source, str(MODULE), "exec")
    literal = "a literal" if sys.version_info < (3, 12) else "'int' literal"
    messages = [(w.category, w.lineno, str(w.message)) for w in caught]
    lines = source.splitlines()
    assert messages == [
        (
            SyntaxWarning,
            lines.index(f"    if status is {code}:") + 1,
            f'"is" with {literal}. Did you mean "=="?',
        )
        for code in (200, 404)
    ]


@pytest.mark.parametrize(
    ("command", "warns_again"),
    [
        (["-c", "import status_check"], False),
        (["-m", "status_check"], False),
        (["status_check.py"], True),
    ],
    ids=["imported", "run with -m", "run by its path"],
)
def test_the_warning_repeats_only_for_a_script_run_by_its_path(
    command: list[str], warns_again: bool, tmp_path: Path
) -> None:
    (tmp_path / "status_check.py").write_text(
        "def not_found(status: int) -> bool:\n    return status is 404\n", encoding="utf-8"
    )
    env = {k: v for k, v in os.environ.items() if k not in {"PYTHONDONTWRITEBYTECODE"}}
    runs = [
        subprocess.run(
            [sys.executable, *command],
            capture_output=True,
            text=True,
            check=True,
            cwd=tmp_path,
            env=env,
        )
        for _ in range(2)
    ]
    assert "SyntaxWarning" in runs[0].stderr
    assert ("SyntaxWarning" in runs[1].stderr) is warns_again


def test_http_status_is_an_int_enum_equal_to_its_code() -> None:
    assert issubclass(HTTPStatus, IntEnum)
    assert parsed("404") == HTTPStatus.NOT_FOUND
    assert HTTPStatus(int("404")) is HTTPStatus.NOT_FOUND


def test_the_subclasses_a_type_comparison_refuses() -> None:
    assert issubclass(bool, int) and isinstance(True, int)
    assert issubclass(collections.OrderedDict, dict)
    assert issubclass(collections.defaultdict, dict)
    assert isinstance(OrderStatus.PAID, str) and type(OrderStatus.PAID) is not str


def test_type_is_silences_e721_and_keeps_the_bug(tmp_path: Path) -> None:
    code = textwrap.dedent(
        """
        def csv_cell(value: object) -> str:
            if type(value) is str:
                return value
            raise TypeError(f"cannot export {type(value).__name__} values")
        """
    )
    (tmp_path / "cell.py").write_text(code, encoding="utf-8")
    assert ruff("--isolated", "--select", "E721", "cell.py", cwd=tmp_path) == []
    namespace: dict[str, object] = {}
    exec(code, namespace)
    csv_cell = namespace["csv_cell"]
    assert callable(csv_cell)
    with pytest.raises(TypeError, match="cannot export OrderStatus values"):
        csv_cell(OrderStatus.PAID)


@pytest.mark.parametrize("default", [[], {}, set()], ids=lambda d: type(d).__name__)
def test_dataclasses_refuse_a_mutable_default(default: object) -> None:
    with pytest.raises(ValueError, match=r"mutable default .* use default_factory"):
        dataclasses.make_dataclass("Cart", [("items", type(default), default)])


def test_partial_and_a_default_argument_bind_the_rate_too(tmp_path: Path) -> None:
    code = textwrap.dedent(
        """
        import functools
        import operator

        def by_partial(rates):
            return {c: functools.partial(operator.mul, rate) for c, rate in rates.items()}

        def by_default(rates):
            rules = {}
            for country, rate in rates.items():
                rules[country] = lambda net, rate=rate: net * rate
            return rules
        """
    )
    (tmp_path / "rules.py").write_text(code, encoding="utf-8")
    assert ruff("--isolated", "--select", "B023", "rules.py", cwd=tmp_path) == []
    rates = {"DE": Decimal("0.19"), "LU": Decimal("0.17")}
    by_partial = {c: functools.partial(operator.mul, rate) for c, rate in rates.items()}
    by_default: dict[str, Callable[..., Decimal]] = {}
    for country, rate in rates.items():
        by_default[country] = lambda net, rate=rate: net * rate
    for rules in (by_partial, by_default):
        assert {c: rule(Decimal(100)) for c, rule in rules.items()} == {
            "DE": Decimal("19.00"),
            "LU": Decimal("17.00"),
        }
    assert by_default["DE"](Decimal(100), rate=Decimal(0)) == 0  # any caller can override it


def test_pth110_only_suggests_path_exists(tmp_path: Path) -> None:
    code = section("imports") + "\n" + section("lbyl")
    (tmp_path / "lbyl.py").write_text(code, encoding="utf-8")
    done = subprocess.run(
        [sys.executable, "-m", "ruff", "check", "--isolated", "--select", "PTH110", "lbyl.py"],
        capture_output=True,
        text=True,
        check=False,
        cwd=tmp_path,
    )
    assert "PTH110 `os.path.exists()` should be replaced by `Path.exists()`" in done.stdout


def test_creating_needs_no_check_either(tmp_path: Path) -> None:
    invoice = tmp_path / "INV-0042.txt"
    invoice.write_text("issued elsewhere", encoding="utf-8")
    with pytest.raises(FileExistsError):
        open(invoice, "x", encoding="utf-8")  # noqa: SIM115 -- it must fail to open
    assert invoice.read_text(encoding="utf-8") == "issued elsewhere"
    tmp_path.mkdir(exist_ok=True)


def test_plw0603_flags_global_but_misses_a_global_dict_changed_in_place(tmp_path: Path) -> None:
    (tmp_path / "settings.py").write_text(
        textwrap.dedent(
            """
            SETTINGS = {"currency": "EUR"}


            def use_currency(code: str) -> None:
                SETTINGS["currency"] = code
            """
        ),
        encoding="utf-8",
    )
    (tmp_path / "shop.py").write_text(section("global-state"), encoding="utf-8")
    checked = ruff("--isolated", "--select", "PLW0603", "settings.py", "shop.py", cwd=tmp_path)
    assert [rule for _, rule in checked] == ["PLW0603"]


def test_patch_restores_the_global_and_frozen_settings_refuse_changes() -> None:
    with mock.patch.object(anti_patterns, "CURRENCY", "CHF"):
        assert price_label_global(Decimal("9.5")) == "9.50 CHF"
    assert price_label_global(Decimal("9.5")) == "9.50 EUR"
    with pytest.raises(dataclasses.FrozenInstanceError):
        ShopSettings().currency = "CHF"  # type: ignore[misc]


SLF001_CASES = """
from typing import NamedTuple


class CreditNote(Invoice):
    def cancels(self, other: Invoice) -> bool:
        return other._total == -self._total  # flagged: another instance

    @classmethod
    def blank(cls) -> Decimal | None:
        return cls._default_total

    @property
    def total(self) -> Decimal:
        return -super()._total_or_zero()


class InvoiceRow(NamedTuple):
    number: str
    amount: Decimal


row = InvoiceRow("INV-1", Decimal(1))._replace(amount=Decimal(2))
print(row._asdict())
invoice = Invoice("INV-1")
invoice._total = None  # flagged: a write from outside
print(invoice._total)  # flagged: a read from outside
"""


def test_slf001_flags_reads_and_writes_on_an_instance_but_not_on_self(tmp_path: Path) -> None:
    code = section("imports") + "\n" + section("protected") + "\n" + SLF001_CASES
    (tmp_path / "invoice.py").write_text(code, encoding="utf-8")
    checked = ruff("--isolated", "--select", "SLF001", "invoice.py", cwd=tmp_path)
    lines = code.splitlines()
    assert [lines[line - 1].split("# ")[-1] for line, _ in checked] == [
        "flagged: another instance",
        "flagged: a write from outside",
        "flagged: a read from outside",
    ]


def test_the_god_object_has_fifteen_methods_and_a_six_argument_constructor() -> None:
    methods = [
        name
        for name, _ in inspect.getmembers(OrderManager, inspect.isfunction)
        if not name.startswith("_")
    ]
    assert len(methods) == 15
    assert len(inspect.signature(OrderManager).parameters) == 6


def test_plr0904_is_a_preview_rule_whose_limit_lets_the_god_object_through() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "ruff", "rule", "PLR0904"],
        capture_output=True,
        text=True,
        check=True,
    )
    assert "This rule is in preview and is not stable." in done.stdout
    assert "allows up to 20 public methods" in done.stdout
    assert ruff("--isolated", "--preview", "--select", "PLR0904", MODULE) == []
    preview = ["--isolated", "--preview", "--select", "PLR0904", "--output-format", "concise"]
    limit = ["--config", "lint.pylint.max-public-methods = 15"]
    lower = subprocess.run(
        [sys.executable, "-m", "ruff", "check", *preview, *limit, str(MODULE)],
        capture_output=True,
        text=True,
        check=False,
    )
    line = inspect.getsourcelines(OrderManager)[1]
    assert f"anti_patterns.py:{line}:1: too-many-public-methods: " in lower.stdout
    assert "Too many public methods (16 > 15)" in lower.stdout  # `__init__` counted too


def test_no_ruff_rule_flags_plus_equals_on_strings(tmp_path: Path) -> None:
    code = section("string-plus")
    (tmp_path / "report.py").write_text(code, encoding="utf-8")
    flagged = {
        line
        for line, _ in ruff("--isolated", "--select", "ALL", "--preview", "report.py", cwd=tmp_path)
    }
    appends = {n for n, line in enumerate(code.splitlines(), 1) if "+= line" in line}
    assert len(appends) == 2
    assert not flagged & appends


LINES = [f"INV-{n:04d};240.00;EUR\n" for n in range(2_000)]

# The shortcut is an instruction of CPython's specializing interpreter, which the free-threaded
# build turns off, and which 3.11 does not use while a tracer (coverage, a debugger) runs.
SPECIALIZING = not sysconfig.get_config_var("Py_GIL_DISABLED") and (
    sys.version_info >= (3, 12) or sys.gettrace() is None
)
needs_the_shortcut = pytest.mark.skipif(
    not SPECIALIZING, reason="no specializing interpreter: no shortcut"
)


def size_and_peak(build: Callable[[], str]) -> tuple[int, int]:
    """The size of the string `build` returns, and the most memory it held at any moment."""
    tracemalloc.start()
    try:
        text = build()
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    return sys.getsizeof(text), peak


def report_in_an_attribute(lines: list[str]) -> str:
    report = ReportFile("")
    for line in lines:
        report.add(line)
    return report.text


GLOBAL_REPORT = compile('report = ""\nfor line in LINES:\n    report += line\n', "shop", "exec")


def report_in_a_module_global(lines: list[str]) -> str:
    namespace: dict[str, object] = {"LINES": lines}
    exec(GLOBAL_REPORT, namespace)
    return str(namespace["report"])


def report_with_a_second_name(lines: list[str]) -> str:
    report, second_name = "", [""]
    for line in lines:
        second_name[:] = [report]  # one more reference, to the report so far only
        report += line
    return report


@needs_the_shortcut
def test_plus_equals_resizes_a_local_string_instead_of_copying_it() -> None:
    size, peak = size_and_peak(lambda: build_report_plus(LINES))
    assert peak < 1.1 * size  # resized: never the old report and a copy at once


@pytest.mark.parametrize(
    "build", [report_in_an_attribute, report_in_a_module_global, report_with_a_second_name]
)
def test_an_attribute_a_module_global_or_a_second_name_gets_a_copy(
    build: Callable[[list[str]], str],
) -> None:
    size, peak = size_and_peak(lambda: build(LINES))
    assert peak > 1.9 * size  # the whole report, and its copy one line longer


@pytest.mark.skipif(sys.version_info >= (3, 12), reason="3.12 keeps the shortcut under a tracer")
def test_python_3_11_skips_the_shortcut_while_a_tracer_runs() -> None:
    before = sys.gettrace()
    sys.settrace(lambda frame, event, arg: None)
    try:
        size, peak = size_and_peak(lambda: build_report_plus(LINES))
    finally:
        sys.settrace(before)
    assert peak > 1.9 * size


def specialized(function: Callable[..., object]) -> set[str]:
    return {i.opname for i in dis.get_instructions(function, adaptive=True)}


@needs_the_shortcut
def test_build_report_plus_gets_the_in_place_instruction_and_report_file_does_not() -> None:
    report = ReportFile("")
    for _ in range(3):  # let the adaptive interpreter specialize both
        build_report_plus(LINES[:100])
        for line in LINES[:100]:
            report.add(line)
    assert "BINARY_OP_INPLACE_ADD_UNICODE" in specialized(build_report_plus)
    assert "BINARY_OP_INPLACE_ADD_UNICODE" not in specialized(ReportFile.add)
