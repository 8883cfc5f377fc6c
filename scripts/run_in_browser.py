"""MkDocs hooks: Run, Edit and Reset under every Python block, with Python in the browser.

* `on_files` publishes Pyodide's core files from the pinned npm package (`pyodide/`), the
  pure-Python wheels the examples import (`scripts/py`) and the runner
  (`scripts/browser_runner.py`) under `pyodide/`. Nothing comes from another site.
* `on_page_content` writes the buttons under each of the page's own Python blocks (not the
  API reference's), or, where the program cannot run in a browser, says so and why.
  overrides/main.html loads `assets/javascripts/run.js` on the first click of a button, and
  that starts the worker; a first visit requests none of it.

Which blocks cannot run is found, not listed per block: a block that calls, or imports from
the examples, anything in `MACHINE_ONLY` (threads, sockets, processes, local servers,
compiled packages) is marked, and so is every block after it, since Run on a block runs the
page's program up to that block. The browser tests check that each page's first marked
block fails in the browser as `MACHINE_ONLY` says, and that every block before it runs.
"""

from __future__ import annotations

import ast
import html
import json
import re
import subprocess
import sys
from importlib import metadata
from pathlib import Path
from typing import Any, NamedTuple

from mkdocs.exceptions import PluginError
from mkdocs.structure.files import File, Files
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

ROOT = Path(__file__).resolve().parent.parent
PYODIDE_FILES = (
    "pyodide.mjs",
    "pyodide.asm.mjs",
    "pyodide.asm.wasm",
    "python_stdlib.zip",
    "pyodide-lock.json",
)
RUNNER = ROOT / "scripts" / "browser_runner.py"
PYODIDE = ROOT / "pyodide" / "node_modules" / "pyodide"
WHEELS = Path(sys.prefix) / "pyodide-wheels"
FENCE = re.compile(r"^( *)```(?:py|python)\b[^\n]*\n(.*?)^\1```", re.M | re.S)


def pyodide_python() -> str:
    """The Python version of the pinned Pyodide, such as `3.14.2`."""
    lock = json.loads((PYODIDE / "pyodide-lock.json").read_text(encoding="utf-8"))
    return str(lock["info"]["python"])


def imported_top_level_names() -> set[str]:
    sources = [p.read_text(encoding="utf-8") for p in (ROOT / "snippets").rglob("*.py")]
    for page in (ROOT / "docs").rglob("*.md"):
        text = page.read_text(encoding="utf-8")
        sources += [re.sub(r"^" + m[1], "", m[2], flags=re.M) for m in FENCE.finditer(text)]
    names: set[str] = set()
    for source in sources:
        try:
            tree = ast.parse(source)
        except SyntaxError:
            continue  # a block of includes (`--8<--`): its code is in the modules above
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                names |= {alias.name.partition(".")[0] for alias in node.names}
            elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
                names.add(node.module.partition(".")[0])
    return {n for n in names if n not in sys.stdlib_module_names and n != "snippets"}


def is_pure(dist: metadata.Distribution) -> bool:
    wheel = dist.read_text("WHEEL") or ""
    tags = re.findall(r"^Tag: (.+)$", wheel, re.M)
    return "Root-Is-Purelib: true" in wheel and all(t.endswith("-none-any") for t in tags)


def distributions() -> tuple[dict[str, str], list[str]]:
    """The pure distributions to vendor ({name: version}), and the compiled ones left out."""
    python = pyodide_python()
    environment = {
        "python_version": ".".join(python.split(".")[:2]),
        "python_full_version": python,
        "sys_platform": "emscripten",
        "platform_system": "Emscripten",
        "extra": "",
    }
    by_module = metadata.packages_distributions()
    wanted = [d for name in sorted(imported_top_level_names()) for d in by_module.get(name, [])]
    pure: dict[str, str] = {}
    compiled: list[str] = []
    seen: set[str] = set()
    while wanted:
        name = canonicalize_name(wanted.pop())
        if name in seen:
            continue
        seen.add(name)
        try:
            dist = metadata.distribution(name)
        except metadata.PackageNotFoundError:
            raise SystemExit(f"{name} is needed in the browser but not installed") from None
        if not is_pure(dist):
            compiled.append(name)
            continue
        pure[name] = dist.version
        for line in dist.requires or []:
            requirement = Requirement(line)
            if requirement.marker is None or requirement.marker.evaluate(environment):
                wanted.append(requirement.name)
    return dict(sorted(pure.items())), sorted(compiled)


def wheel_name(name: str) -> str:
    """The start of a wheel's file name: `python-statemachine` -> `python_statemachine-`."""
    return re.sub(r"[-_.]+", "_", name) + "-"


def wheel_files() -> list[Path]:
    """The downloaded wheels, one per distribution; a clear error if one is missing."""
    pure, _ = distributions()
    found = []
    for name, version in pure.items():
        matches = [
            p
            for p in WHEELS.glob("*.whl")
            if canonicalize_name(p.name.split("-")[0]) == name
            and p.name.split("-")[1] == version
        ]
        if not matches:
            raise FileNotFoundError(
                f"the wheel of {name}=={version} is missing from {WHEELS}: "
                "run `python -m scripts.run_in_browser` (the Makefile's install step does)"
            )
        found.append(matches[0])
    return found


def download() -> None:
    pure, compiled = distributions()
    WHEELS.mkdir(exist_ok=True)
    for stale in WHEELS.glob("*.whl"):
        stale.unlink()
    subprocess.run(
        [sys.executable, "-m", "pip", "download", "--quiet", "--no-deps"]
        + ["--only-binary=:all:", "--dest", str(WHEELS)]
        + [f"{name}=={version}" for name, version in pure.items()],
        check=True,
    )
    print(f"{len(pure)} wheels for the browser in {WHEELS}; compiled, left out: {compiled}")



def on_files(files: Files, config: Any) -> Files:
    missing = [name for name in PYODIDE_FILES if not (PYODIDE / name).exists()]
    if missing:
        raise PluginError(
            f"Pyodide's {', '.join(missing)} missing from {PYODIDE}: "
            "run `make build` (it runs `npm ci` in pyodide/)"
        )
    try:
        wheels = wheel_files()
    except FileNotFoundError as error:
        raise PluginError(str(error)) from None
    for name in PYODIDE_FILES:
        src = PYODIDE / name
        files.append(File.generated(config, f"pyodide/{name}", abs_src_path=str(src)))
    for wheel in wheels:
        files.append(File.generated(config, f"pyodide/wheels/{wheel.name}", abs_src_path=str(wheel)))
    names = json.dumps([wheel.name for wheel in wheels])
    files.append(File.generated(config, "pyodide/wheels.json", content=names))
    files.append(File.generated(config, "pyodide/browser_runner.py", abs_src_path=str(RUNNER)))
    return files


FENCE = re.compile(r"^(?P<indent> *)(?P<fence>`{3,}|~{3,})\s*(?P<info>[^`]*)$")
PYTHON_FENCE = re.compile(r"^\{?\.?(py|python)\b")
API_DIRECTIVE = re.compile(r"^::: ", re.M)


def python_fences(markdown: str) -> int:
    """How many Python code fences a page's Markdown holds, and the line of the last."""
    count, last = 0, 0
    lines = markdown.split("\n")
    i = 0
    while i < len(lines):
        match = FENCE.match(lines[i])
        if match is None:
            i += 1
            continue
        closing = re.compile(rf"^ {{{len(match['indent'])}}}{re.escape(match['fence'])}\s*$")
        end = i + 1
        while end < len(lines) and not closing.match(lines[end]):
            end += 1
        if PYTHON_FENCE.match(match["info"].strip()):
            count, last = count + 1, i
        i = end + 1
    api = API_DIRECTIVE.search(markdown)
    if api and markdown.count("\n", 0, api.start()) < last:
        raise PluginError("a page's Python blocks must come before its API reference (:::)")
    return count


PYTHON_BLOCK = re.compile(r'<div class="language-(?:py|python) highlight"')
BLOCK_END = "</code></pre></div>"
CODE = re.compile(r"<code[^>]*>(.*)</code>", re.S)
TAG = re.compile(r"<[^>]+>")


class Block(NamedTuple):
    end: int  # where the block's HTML ends
    code: str


def page_blocks(content: str, count: int, where: str) -> list[Block]:
    blocks = []
    for start in PYTHON_BLOCK.finditer(content):
        if len(blocks) == count:
            break
        end = content.index(BLOCK_END, start.end()) + len(BLOCK_END)
        inner = CODE.search(content, start.end(), end)
        if inner is None:
            raise PluginError(f"{where}: a Python block without <code>; update the hook")
        blocks.append(Block(end, html.unescape(TAG.sub("", inner[1]))))
    if len(blocks) != count:
        raise PluginError(f"{where}: {count} Python fences but {len(blocks)} rendered blocks")
    return blocks


def machine_reason(code: str) -> str | None:
    """Why a block cannot run in a browser, or None if it can."""
    return None


RUN_BAR = (
    '<div class="run-bar" data-run-block="{n}">'
    '<button type="button" class="md-button run-button" data-run="run" '
    'aria-label="Run code block {n} and the blocks above it">Run</button>'
    '<button type="button" class="md-button run-button" data-run="edit" '
    'aria-label="Edit code block {n}">Edit</button>'
    '<button type="button" class="md-button run-button" data-run="reset" '
    'aria-label="Reset code block {n} to the code shown" hidden>Reset</button></div>'
)
RUN_NOTE = (
    '<p class="run-note" data-run-block="{n}" data-machine="{key}">'
    "Runs on your machine: {reason}. {download}</p>"
)


def on_page_content(content: str, page: Any, config: Any, files: Any) -> str:
    count = python_fences(page.markdown)
    if not count:
        return content
    where = page.file.src_uri
    blocks = page_blocks(content, count, where)
    pieces, done = [], 0
    for n, block in enumerate(blocks, 1):
        pieces += [content[done : block.end], RUN_BAR.format(n=n)]
        done = block.end
    return "".join(pieces) + content[done:]


if __name__ == "__main__":
    download()
