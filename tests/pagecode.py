"""Find the code a reader sees on a page, run it, and compare every output shown.

The site renders `--8<--` includes with `pymdownx.snippets`; this module expands them
with the very same preprocessor and the configuration of `mkdocs.yml`, then maps each
included section back to its lines in the module, so a failure names the file and line a
contributor must edit and `--update-examples` rewrites the right file.

Three kinds of code are checked:

* Python blocks (`py` or `python` fences) run top to bottom as one program per page,
  with every `#>` comment compared with what the code printed (pytest-examples);
* `console` blocks: every `$ python ...` command runs for real and its output must match
  the lines shown under it;
* docstring examples in `snippets/` modules, and the modules themselves run as `__main__`.
"""

from __future__ import annotations

import ast
import functools
import re
import shlex
import subprocess
import sys
import textwrap
import traceback
from dataclasses import dataclass
from difflib import unified_diff
from inspect import FrameInfo
from pathlib import Path
from typing import Any

import pytest
import pytest_examples.run_code
from pytest_examples import CodeExample, EvalExample
from pytest_examples.lint import code_diff
from pytest_examples.run_code import InsertPrintStatements, expr_last_line, find_print_location

from scripts.mkdocs_hooks import SECTION_RE
from scripts.mkdocs_hooks import marker as _marker

ROOT = Path(__file__).resolve().parent.parent
DOCS = ROOT / "docs"
SNIPPETS = ROOT / "snippets"

PYTHON_LANGUAGES = {"py", "python"}
OUTPUT_LANGUAGE = "console"
FENCE_RE = re.compile(r"^(?P<indent> *)(?P<fence>`{3,}|~{3,})\s*(?P<info>[^`]*)$")
INCLUDE_RE = re.compile(r"^\s*-{1,}8<-{1,}\s+(?P<quote>[\"'])(?P<target>.+)(?P=quote)\s*$")


class PageError(Exception):
    """A page or module breaks a rule of the machinery (not a stale output)."""


def fail(where: str, message: str) -> None:
    """Fail the current test with a message that starts with `file:line`."""
    __tracebackhide__ = True
    pytest.fail(f"{where}: {message}", pytrace=False)


def relative(path: Path) -> str:
    try:
        return str(path.resolve().relative_to(ROOT))
    except ValueError:
        return str(path)


@dataclass
class Fence:
    """A fenced block of a Markdown page."""

    language: str
    info: str
    start_line: int  # 1-based line of the opening fence
    indent: int
    lines: list[str]  # body lines with the fence's indentation removed
    start_index: int  # offset of the first body line in the page
    end_index: int  # offset of the closing fence line in the page
    path: Path

    def example(self, source: str) -> CodeExample:
        """`source` as a pytest-examples example that stands in this fence's body."""
        return CodeExample(
            source=source,
            path=self.path,
            start_line=self.start_line,
            end_line=self.start_line + len(self.lines) + 1,
            start_index=self.start_index,
            end_index=self.end_index,
            prefix=self.info,
            indent=self.indent,
        )


def fence_language(info: str) -> str:
    """`py title="x"` -> `py`; `{.py title="x"}` -> `py`; `` -> ``."""
    info = info.strip()
    if info.startswith("{"):
        match = re.search(r"\.([\w+-]+)", info)
        return match.group(1).lower() if match else ""
    return info.split(maxsplit=1)[0].lower() if info else ""


def find_fences(path: Path) -> list[Fence]:
    """Every fenced block of a Markdown file, in order, nested in tabs or admonitions or not."""
    text = path.read_text(encoding="utf-8")
    lines = text.split("\n")
    offsets = [0]
    for line in lines:
        offsets.append(offsets[-1] + len(line) + 1)
    fences: list[Fence] = []
    i = 0
    while i < len(lines):
        match = FENCE_RE.match(lines[i])
        if not match:
            i += 1
            continue
        indent, marker = len(match["indent"]), match["fence"]
        closing = re.compile(rf"^ {{{indent}}}{re.escape(marker[0])}{{{len(marker)},}}\s*$")
        end = i + 1
        while end < len(lines) and not closing.match(lines[end]):
            end += 1
        if end == len(lines):
            raise PageError(f"{relative(path)}:{i + 1}: code fence is never closed")
        body = [
            line[indent:] if line[:indent].strip() == "" else line for line in lines[i + 1 : end]
        ]
        fences.append(
            Fence(
                language=fence_language(match["info"]),
                info=match["info"].strip(),
                start_line=i + 1,
                indent=indent,
                lines=body,
                start_index=offsets[i + 1],
                end_index=offsets[end],
                path=path,
            )
        )
        i = end + 1
    return fences


@functools.cache
def snippet_preprocessor() -> Any:
    """The `pymdownx.snippets` preprocessor configured exactly as in `mkdocs.yml`."""
    import markdown
    from mkdocs.config import load_config

    config = load_config(str(ROOT / "mkdocs.yml"))
    # auto_append adds the glossary's abbreviations at the end of every page, never inside a
    # code block, so it plays no part in what one include renders.
    options = {**config["mdx_configs"]["pymdownx.snippets"], "auto_append": []}
    md = markdown.Markdown(
        extensions=["pymdownx.snippets"], extension_configs={"pymdownx.snippets": options}
    )
    return md.preprocessors["snippet"]


def expand_include(directive: str) -> list[str]:
    """What the site renders for one `--8<--` line."""
    preprocessor = snippet_preprocessor()
    preprocessor.seen = set()
    return list(preprocessor.run([directive]))


def section_example(directive: str, where: str) -> CodeExample:
    """The code an include renders, located at its lines in the included file."""
    match = INCLUDE_RE.match(directive)
    assert match is not None
    target = match["target"]
    file_name, _, section = target.partition(":")
    if not section or not re.fullmatch(r"[\w-]+", section):
        raise PageError(f"{where}: include a named section, like 'file.py:demo', not {target!r}")
    try:
        rendered = expand_include(directive.strip())
    except Exception as exc:  # pymdownx.snippets.SnippetMissingError and friends
        raise PageError(f"{where}: cannot include {target!r}: {exc}") from exc
    path = ROOT / file_name
    text = path.read_text(encoding="utf-8")
    lines = text.split("\n")
    starts = [n for n, line in enumerate(lines) if _marker(line) == ("start", section)]
    ends = [n for n, line in enumerate(lines) if _marker(line) == ("end", section)]
    if len(starts) != 1 or len(ends) != 1 or ends[0] < starts[0]:
        raise PageError(
            f"{where}: section {section!r} of {file_name} needs one start and one end marker"
        )
    body = lines[starts[0] + 1 : ends[0]]
    nested = [n for n, line in enumerate(body, starts[0] + 2) if SECTION_RE.search(line)]
    if nested:
        raise PageError(
            f"{file_name}:{nested[0]}: section {section!r} contains another section marker"
        )
    expected = textwrap.dedent("\n".join(body)).split("\n")
    if rendered != expected:
        raise PageError(
            f"{where}: the site renders section {section!r} differently from {file_name}"
        )
    indent = min((len(line) - len(line.lstrip()) for line in body if line.strip()), default=0)
    start_index = sum(len(line) + 1 for line in lines[: starts[0] + 1])
    end_index = start_index + sum(len(line) + 1 for line in body)
    return CodeExample(
        source="\n".join(rendered) + "\n",
        path=path,
        start_line=starts[0] + 1,
        end_line=ends[0] + 1,
        start_index=start_index,
        end_index=end_index,
        prefix="py",
        indent=indent,
    )


def fence_examples(path: Path, fence: Fence) -> list[tuple[CodeExample, bool]]:
    """The examples a Python fence renders, each with whether it is written on the page itself."""
    where = f"{relative(path)}:{fence.start_line}"
    includes = [line for line in fence.lines if INCLUDE_RE.match(line)]
    if not includes:
        return [(fence.example("\n".join(fence.lines) + "\n"), True)]
    if any(line.strip() and not INCLUDE_RE.match(line) for line in fence.lines):
        raise PageError(
            f"{where}: a block holds either includes or code written on the page, not both"
        )
    return [(section_example(line, where), False) for line in includes]


def print_everything(file: Path, frame: FrameInfo, args: Any) -> bool:
    """Check prints made by code from other blocks and from `snippets` too, not only local ones."""
    return True


@dataclass
class Counter:
    """How much code the suite executed, reported at the end of the run."""

    python_blocks: int = 0
    commands: int = 0


COUNTER = Counter()


def run_example(
    eval_example: EvalExample, example: CodeExample, namespace: dict[str, Any], *, update: bool
) -> None:
    """Run one example in `namespace` and compare (or, with `update`, rewrite) its `#>` lines.

    All blocks of a page share one namespace dict, as one program would: a function defined
    in an early block sees names that later blocks define. (pytest-examples' own `run` copies
    the globals into a fresh module per block, which breaks exactly that.)
    """
    __tracebackhide__ = True
    if "from __future__ import" in example.source:
        raise PageError(
            f"{relative(example.path)}:{example.start_line + 1}: `from __future__` would only "
            "affect one block of a page; write `Self` or a quoted name for forward references"
        )
    COUNTER.python_blocks += 1
    run_file = eval_example.tmp_path / f"{example.module_name}.py"
    run_file.write_text(example.source, encoding="utf-8")
    insert_print = InsertPrintStatements(
        run_file, eval_example.config, True, None, print_everything
    )
    namespace.setdefault("__name__", "__main__")
    try:
        code = compile(example.source, str(run_file), "exec", dont_inherit=True)
        with insert_print:
            exec(code, namespace)
    except Exception as exc:
        lines = [
            f.lineno for f in traceback.extract_tb(exc.__traceback__) if f.filename == str(run_file)
        ]
        line = example.start_line + ((lines[-1] or 1) if lines else 1)
        exc.add_note(
            f"{relative(example.path)}:{line}: the code shown here raised {type(exc).__name__}"
        )
        raise
    unchecked = unchecked_output_line(example, insert_print)
    if unchecked is not None:
        raise PageError(
            f"{relative(example.path)}:{example.start_line + unchecked}: this output is never "
            "compared: no print ran on the line above it (a branch that did not run, or output "
            "under a line that prints nothing); make the print run or delete the output"
        )
    interleaved = interleaved_print_lines(insert_print)
    if interleaved:
        first, second = sorted(interleaved)
        raise PageError(
            f"{relative(example.path)}:{example.start_line + first}: prints from lines "
            f"{example.start_line + first} and {example.start_line + second} take turns (a loop "
            "with several prints), which `#>` comments cannot show in order; build the lines "
            "and print them once, or print one line per pass"
        )
    new_code = insert_print.updated_print_statements(example)
    if new_code is None:
        return
    if update:
        example.source = new_code
        eval_example.to_update.append(example)
        return
    old_lines, new_lines = example.source.split("\n"), new_code.split("\n")
    first = next(
        (n for n, (a, b) in enumerate(zip(old_lines, new_lines, strict=False)) if a != b),
        min(len(old_lines), len(new_lines)),
    )
    diff = code_diff(example, new_code, eval_example.config)
    fail(
        f"{relative(example.path)}:{example.start_line + first + 1}",
        "the output shown differs from what the code prints "
        f"(run `make update-examples` if the change is intended)\n{diff}",
    )


def find_print_anywhere(node: ast.AST, line: int) -> tuple[int, int] | None:
    """Where the `print(...)` statement that starts on `line` ends, and its column.

    pytest-examples looks for it only in some statement bodies, so output under a print in a
    `finally:`, an `else:` of a loop or `try`, an `except*` or a `case` block could not be
    shown; this looks everywhere. It replaces the library's own lookup below.
    """
    for child in ast.walk(node):
        call = child.value if isinstance(child, ast.Expr) else None
        if (
            isinstance(call, ast.Call)
            and isinstance(call.func, ast.Name)
            and call.func.id == "print"
            and call.lineno == line
        ):
            return expr_last_line(call), call.col_offset
    return None  # a print inside an expression: its output goes under the line that ran it


pytest_examples.run_code.find_print = find_print_anywhere


TRIPLE_QUOTES = {"'''", '"""'}


def unchecked_output_line(example: CodeExample, insert_print: InsertPrintStatements) -> int | None:
    """The first line of shown output that no print which ran produced, or None.

    pytest-examples rewrites the output under the prints that ran and leaves every other `#>`
    line alone, so output under a print that never ran would pass unchecked. Output is a group
    of `#>` lines, or a triple-quoted block under a `print(...)` call; the line above it must be
    where a print that ran reported its output.
    """
    printed = {find_print_location(example, s.line_no)[0] for s in insert_print.print_statements()}
    lines = example.source.split("\n")
    print_ends = {
        expr_last_line(node)
        for node in ast.walk(ast.parse(example.source))
        if isinstance(node, ast.Call)
        and isinstance(node.func, ast.Name)
        and node.func.id == "print"
    }
    in_group = False
    for number, line in enumerate(lines, 1):
        stripped = line.strip()
        is_output = stripped.startswith("#>")
        starts_block = stripped in TRIPLE_QUOTES and number - 1 in print_ends
        if ((is_output and not in_group) or starts_block) and number - 1 not in printed:
            return number
        in_group = is_output
    return None


def interleaved_print_lines(insert_print: InsertPrintStatements) -> tuple[int, int] | None:
    """Two lines whose prints alternate. pytest-examples groups `#>` output under each print
    line, so for alternating prints it silently keeps only part of the output."""
    done: set[int] = set()
    previous: int | None = None
    for statement in insert_print.print_statements():
        line = statement.line_no
        if line != previous:
            if line in done and previous is not None:
                return previous, line
            done.add(line)
            previous = line
    return None


def run_commands(path: Path, fence: Fence, eval_example: EvalExample, *, update: bool) -> None:
    """Run every `$ python ...` line of a console block and compare the output shown under it."""
    __tracebackhide__ = True
    commands: list[tuple[int, str, list[str]]] = []
    for n, line in enumerate(fence.lines):
        if line.startswith("$ "):
            commands.append((n, line[2:], []))
        elif commands:
            commands[-1][2].append(line)
        elif line.strip():
            raise PageError(
                f"{relative(path)}:{fence.start_line + n + 1}: output before any `$ ` command"
            )
    if not commands:
        raise PageError(
            f"{relative(path)}:{fence.start_line}: a console block needs a `$ python ...` line"
        )
    new_lines: list[str] = []
    for n, command, shown in commands:
        where = f"{relative(path)}:{fence.start_line + n + 1}"
        argv = shlex.split(command)
        if argv[0] != "python":
            raise PageError(
                f"{where}: console blocks run `python ...` commands and check their output; "
                f"show other commands in a `bash` block"
            )
        COUNTER.commands += 1
        done = subprocess.run(
            [sys.executable, *argv[1:]],
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=120,
        )
        if done.returncode != 0:
            fail(where, f"`{command}` exited with {done.returncode}:\n{done.stderr}")
        actual = done.stdout.rstrip("\n").split("\n") if done.stdout.strip() else []
        expected = _trim_blank_tail(shown)
        if actual != expected and not update:
            diff = "\n".join(
                unified_diff(expected, actual, "shown on the page", "printed", lineterm="")
            )
            fail(
                where,
                f"the output shown for `{command}` differs from what it prints "
                f"(run `make update-examples` if the change is intended)\n{diff}",
            )
        new_lines += [f"$ {command}", *actual]
    if update and new_lines != _trim_blank_tail(fence.lines):
        eval_example.to_update.append(fence.example("\n".join(new_lines) + "\n"))


def _trim_blank_tail(lines: list[str]) -> list[str]:
    lines = list(lines)
    while lines and not lines[-1].strip():
        lines.pop()
    return lines


def check_page(path: Path, eval_example: EvalExample, *, update: bool = False) -> None:
    """Run a page's Python blocks in order as one program and verify its console blocks.

    With `update`, stale `#>` lines written on the page and stale console output are
    rewritten; sections included from modules are only checked (their module owns them).
    """
    __tracebackhide__ = True
    configure(eval_example)
    namespace: dict[str, Any] = {}
    for fence in find_fences(path):
        if fence.language in PYTHON_LANGUAGES:
            for example, on_page in fence_examples(path, fence):
                run_example(eval_example, example, namespace, update=update and on_page)
        elif fence.language == OUTPUT_LANGUAGE:
            run_commands(path, fence, eval_example, update=update)
        elif fence.language.startswith("py") and fence.language not in {"pycon", "pytb", "pyi"}:
            raise PageError(
                f"{relative(path)}:{fence.start_line}: unknown fence language {fence.language!r}"
            )


def check_module(path: Path, eval_example: EvalExample, *, update: bool = False) -> None:
    """Run a module as `__main__` and compare every `#>` comment in it."""
    __tracebackhide__ = True
    configure(eval_example)
    source = path.read_text(encoding="utf-8")
    example = CodeExample.create(source, path=path, start_line=0, prefix="py")
    run_example(eval_example, example, {"__file__": str(path)}, update=update)


def check_docstrings(path: Path, eval_example: EvalExample, *, update: bool = False) -> int:
    """Run the Python examples in a module's docstrings in order; return how many there were."""
    __tracebackhide__ = True
    from pytest_examples import find_examples

    configure(eval_example)
    namespace: dict[str, Any] = {}
    count = 0
    for example in find_examples(path):
        if fence_language(example.prefix) in PYTHON_LANGUAGES:
            run_example(eval_example, example, namespace, update=update)
            count += 1
    return count


def configure(eval_example: EvalExample) -> None:
    """Parse examples as the Python the site targets, and wrap long outputs like the code."""
    eval_example.set_config(line_length=88, target_version="py311")  # type: ignore[arg-type]


def pages() -> list[Path]:
    return sorted(DOCS.rglob("*.md"))


def modules() -> list[Path]:
    """Every example module (the command line `snippets/__main__.py` is not an example)."""
    return sorted(
        p
        for p in SNIPPETS.rglob("*.py")
        if p.name != "__init__.py" and p != SNIPPETS / "__main__.py"
    )


def module_name(path: Path) -> str:
    return ".".join(path.relative_to(ROOT).with_suffix("").parts)
