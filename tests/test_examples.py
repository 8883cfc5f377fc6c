"""Every page's code, every module and every docstring example runs, and its output is checked."""

from __future__ import annotations

from pathlib import Path

import pytest
from pytest_examples import EvalExample

from tests.pagecode import (
    DOCS,
    ROOT,
    check_docstrings,
    check_module,
    check_page,
    modules,
    pages,
)


@pytest.mark.parametrize("page", pages(), ids=lambda p: str(p.relative_to(DOCS)))
def test_pages(page: Path, eval_example: EvalExample) -> None:
    check_page(page, eval_example, update=eval_example.update_examples)


@pytest.mark.parametrize("module", modules(), ids=lambda p: str(p.relative_to(ROOT)))
def test_modules(module: Path, eval_example: EvalExample) -> None:
    check_module(module, eval_example, update=eval_example.update_examples)


@pytest.mark.parametrize("module", modules(), ids=lambda p: str(p.relative_to(ROOT)))
def test_docstrings(module: Path, eval_example: EvalExample) -> None:
    check_docstrings(module, eval_example, update=eval_example.update_examples)
