"""The checks themselves must fail, and name file and line, when a page or module is wrong.

Each fixture under tests/fixtures/ breaks one thing; none of them is part of the site.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from pytest_examples import EvalExample

from scripts.mkdocs_hooks import section_problems
from tests.pagecode import ROOT, PageError, check_module, check_page

FIXTURES = Path(__file__).parent / "fixtures"
Failed = pytest.fail.Exception


def test_a_correct_page_passes(eval_example: EvalExample) -> None:
    check_page(FIXTURES / "good_page.md", eval_example)


def test_wrong_output_names_page_and_line(eval_example: EvalExample) -> None:
    with pytest.raises(
        Failed, match=r"tests/fixtures/wrong_output\.md:6: the output shown differs"
    ) as info:
        check_page(FIXTURES / "wrong_output.md", eval_example)
    assert "-#> 7" in str(info.value) and "+#> 6" in str(info.value)


def test_missing_section_names_page_line_and_section(eval_example: EvalExample) -> None:
    with pytest.raises(PageError, match=r"missing_section\.md:3: cannot include .*no-such-section"):
        check_page(FIXTURES / "missing_section.md", eval_example)


def test_print_from_imported_code_is_checked(eval_example: EvalExample) -> None:
    with pytest.raises(
        Failed, match=r"tests/fixtures/imported_print\.md:7: the output shown differs"
    ) as info:
        check_page(FIXTURES / "imported_print.md", eval_example)
    assert "+#> hello, reader" in str(info.value)


def test_stale_output_block_names_page_and_line(eval_example: EvalExample) -> None:
    with pytest.raises(
        Failed, match=r"tests/fixtures/stale_console\.md:4: the output shown for"
    ) as info:
        check_page(FIXTURES / "stale_console.md", eval_example)
    assert "-hello, everybody" in str(info.value) and "+hello, reader" in str(info.value)


def test_stale_output_in_a_module_names_module_and_line(eval_example: EvalExample) -> None:
    with pytest.raises(
        Failed, match=r"tests/fixtures/stale_module\.py:5: the output shown differs"
    ):
        check_module(FIXTURES / "stale_module.py", eval_example)


def test_an_error_in_shown_code_names_page_and_line(
    eval_example: EvalExample, tmp_path: Path
) -> None:
    page = tmp_path / "raises.md"
    page.write_text('# Raises\n\n```py\nsettings = {}\nprint(settings["debug"])\n```\n')
    with pytest.raises(KeyError) as info:
        check_page(page, eval_example)
    assert any(
        note.endswith("raises.md:5: the code shown here raised KeyError")
        for note in info.value.__notes__
    )


def test_console_blocks_only_run_python(eval_example: EvalExample, tmp_path: Path) -> None:
    page = tmp_path / "shell.md"
    page.write_text("# Shell\n\n```console\n$ make serve\n```\n")
    with pytest.raises(PageError, match=r"shell\.md:4: .*show other commands in a `bash` block"):
        check_page(page, eval_example)


def test_unpaired_section_markers_are_reported(tmp_path: Path) -> None:
    module = tmp_path / "module.py"
    module.write_text(
        "# --8<-- [start:demo]\nx = 1\n# --8<-- [start:other]\n# --8<-- [end:other]\n"
    )
    assert section_problems(module) == [f"{module}:1: section 'demo' starts but never ends"]


def test_missing_section_fails_the_build(tmp_path: Path) -> None:
    for name in [
        "snippets",
        "scripts",
        "tests",
        "overrides",
    ]:  # paths in mkdocs.yml are relative to the config
        (tmp_path / name).symlink_to(ROOT / name)
    docs = tmp_path / "docs"
    docs.mkdir()
    shutil.copy(FIXTURES / "missing_section.md", docs / "index.md")
    config = tmp_path / "mkdocs.yml"
    config.write_text(
        f"INHERIT: {ROOT / 'mkdocs.yml'}\n"
        f"docs_dir: {docs}\n"
        f"site_dir: {tmp_path / 'site'}\n"
        "nav: [index.md]\n"
        "plugins: [search]\n"
    )
    done = subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "--config-file", str(config)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode != 0
    assert "Snippet section 'no-such-section' could not be located" in done.stderr


def test_update_examples_rewrites_stale_outputs(tmp_path: Path) -> None:
    for name in ["wrong_output.md", "stale_console.md"]:
        shutil.copy(FIXTURES / name, tmp_path / name)
    (tmp_path / "test_update.py").write_text(
        "from pathlib import Path\n"
        "from tests.pagecode import check_page\n\n\n"
        "def test_update(eval_example):\n"
        '    for name in ["wrong_output.md", "stale_console.md"]:\n'
        "        update = eval_example.update_examples\n"
        "        check_page(Path(__file__).parent / name, eval_example, update=update)\n"
    )
    command = [
        *[sys.executable, "-m", "pytest", str(tmp_path / "test_update.py"), "-q"],
        *["-p", "no:cacheprovider", "--rootdir", str(ROOT), "-c", str(ROOT / "pyproject.toml")],
    ]
    before = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, check=False)
    assert before.returncode == 1, before.stdout
    updated = subprocess.run(
        [*command, "--update-examples"], cwd=ROOT, capture_output=True, text=True, check=False
    )
    assert updated.returncode == 0, updated.stdout
    assert "print(total)\n#> 6\n```" in (tmp_path / "wrong_output.md").read_text()
    assert (
        "$ python -m tests.fixtures.fixture_module\nhello, reader\n```"
        in (tmp_path / "stale_console.md").read_text()
    )
    after = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, check=False)
    assert after.returncode == 0, after.stdout


def test_prints_that_take_turns_are_refused_not_half_checked(eval_example: EvalExample) -> None:
    with pytest.raises(
        PageError, match=r"interleaved_prints\.md:5: prints from lines 5 and 6 take turns"
    ):
        check_page(FIXTURES / "interleaved_prints.md", eval_example)


def test_output_under_a_print_that_never_runs_is_refused(eval_example: EvalExample) -> None:
    with pytest.raises(PageError, match=r"unrun_print\.md:8: this output is never compared"):
        check_page(FIXTURES / "unrun_print.md", eval_example)


def test_output_under_prints_in_finally_except_star_and_case_is_checked(
    eval_example: EvalExample, tmp_path: Path
) -> None:
    check_page(FIXTURES / "print_in_finally.md", eval_example)
    wrong = tmp_path / "wrong.md"
    wrong.write_text((FIXTURES / "print_in_finally.md").read_text().replace("#> key", "#> door"))
    with pytest.raises(Failed, match=r"wrong\.md:\d+: the output shown differs"):
        check_page(wrong, eval_example)
