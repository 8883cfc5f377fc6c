"""`python -m snippets`: list, run and show the examples as a reader would on a fresh clone."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from tests.pagecode import ROOT
from tests.patterns import example_pages


def snippets(*arguments: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "snippets", *arguments],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_the_list_names_every_page_with_an_example_and_its_family() -> None:
    done = snippets()
    assert done.returncode == 0, done.stderr
    rows = [line.split() for line in done.stdout.splitlines()[2:]]
    listed = {(row[0], row[1]) for row in rows}
    expected = {(p.family, p.page.stem) for p in example_pages()}
    assert listed == expected
    assert done.stdout.startswith(f"{len(expected)} examples.")


def test_run_prints_what_the_module_prints() -> None:
    by_name = snippets("run", "factory-method")
    by_module = subprocess.run(
        [sys.executable, "-m", "snippets.creational.factory_method"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    )
    assert by_name.returncode == 0, by_name.stderr
    assert by_name.stdout == by_module.stdout != ""


def test_show_prints_the_source_path() -> None:
    done = snippets("show", "circuit_breaker")
    assert Path(done.stdout.strip()) == ROOT / "snippets" / "cloud" / "circuit_breaker.py"


def test_an_unknown_name_is_a_clear_error() -> None:
    done = snippets("run", "factory-methd")
    assert done.returncode == 1
    assert "no example called 'factory-methd'; did you mean factory-method?" in done.stderr
