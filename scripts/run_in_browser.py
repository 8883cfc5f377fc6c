"""MkDocs hooks, and the install step, for Run, Edit and Reset under every Python block.

* `on_files` publishes under `pyodide/` Pyodide's core files from the pinned npm package
  (pyodide/package-lock.json), the pure-Python wheels the examples import and the runner
  (`scripts/browser_runner.py`). Nothing comes from another site.
* `python -m scripts.run_in_browser` (the Makefile's install step) downloads those wheels at
  the versions `requirements.lock` installed; the build itself needs no network.
* `on_page_content` writes the buttons under each of the page's own Python blocks (not the
  API reference's), or, where the program cannot run in a browser, a note that says why.
  overrides/main.html loads `assets/javascripts/run.js` on the first click of a button, and
  that starts the worker; a first visit requests none of it.

Which blocks cannot run is found, not marked by hand: `machine_blocks` follows what a block
calls, through the functions and classes of the page and of the example modules, to the
names in `ROOTS` (threads, sockets, processes, OpenSSL, CPython's own event loop), to an
import of a compiled package, or to a memoized recursion run until Python stops it. That
block is marked, and so is every block after it, since Run on a block runs the page's
program up to that block. The browser tests check that each page's first marked block fails
in the browser as `MACHINE_ONLY` says, and that every block before it runs as the page shows.
"""

from __future__ import annotations

import ast
import functools
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


def pyodide_python() -> str:
    """The Python version of the pinned Pyodide, such as `3.14.2`."""
    lock = json.loads((PYODIDE / "pyodide-lock.json").read_text(encoding="utf-8"))
    return str(lock["info"]["python"])


def imported_top_level_names() -> set[str]:
    sources = [p.read_text(encoding="utf-8") for p in (ROOT / "snippets").rglob("*.py")]
    for page in (ROOT / "docs").rglob("*.md"):
        sources += python_fence_bodies(page.read_text(encoding="utf-8"))
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


@functools.cache
def marker_environment() -> dict[str, str]:
    """Dependency markers as Pyodide's Python sees them."""
    python = pyodide_python()
    return {
        "python_version": ".".join(python.split(".")[:2]),
        "python_full_version": python,
        "sys_platform": "emscripten",
        "platform_system": "Emscripten",
        "extra": "",
    }


@functools.cache
def distributions() -> tuple[dict[str, str], list[str]]:
    """The pure distributions to vendor ({name: version}), and the compiled ones left out."""
    environment = marker_environment()
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


def wheel_files() -> list[Path]:
    """The downloaded wheels, one per distribution; a clear error if one is missing."""
    pure, _ = distributions()
    found = []
    for name, version in pure.items():
        matches = [
            p
            for p in WHEELS.glob("*.whl")
            if canonicalize_name(p.name.split("-")[0]) == name and p.name.split("-")[1] == version
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
        files.append(
            File.generated(config, f"pyodide/wheels/{wheel.name}", abs_src_path=str(wheel))
        )
    names = json.dumps([wheel.name for wheel in wheels])
    files.append(File.generated(config, "pyodide/wheels.json", content=names))
    files.append(File.generated(config, "pyodide/browser_runner.py", abs_src_path=str(RUNNER)))
    return files


FENCE = re.compile(r"^(?P<indent> *)(?P<fence>`{3,}|~{3,})\s*(?P<info>[^`]*)$")
PYTHON_FENCE = re.compile(r"^\{?\.?(py|python)\b")
API_DIRECTIVE = re.compile(r"^::: ", re.M)


def python_fence_bodies(markdown: str) -> list[str]:
    """The bodies of a page's Python code fences, in order, without their indentation."""
    bodies, last = [], 0
    lines = markdown.split("\n")
    i = 0
    while i < len(lines):
        match = FENCE.match(lines[i])
        if match is None:
            i += 1
            continue
        indent = len(match["indent"])
        closing = re.compile(rf"^ {{{indent}}}{re.escape(match['fence'])}\s*$")
        end = i + 1
        while end < len(lines) and not closing.match(lines[end]):
            end += 1
        if PYTHON_FENCE.match(match["info"].strip()):
            bodies.append("\n".join(line[indent:] for line in lines[i + 1 : end]))
            last = i
        i = end + 1
    api = API_DIRECTIVE.search(markdown)
    if api and markdown.count("\n", 0, api.start()) < last:
        raise PluginError("a page's Python blocks must come before its API reference (:::)")
    return bodies


PYTHON_BLOCK = re.compile(r'<div class="language-(?:py|python) highlight"')
BLOCK_END = "</code></pre></div>"
CODE = re.compile(r"<code[^>]*>(.*)</code>", re.S)
TAG = re.compile(r"<[^>]+>")


class Block(NamedTuple):
    end: int  # where the block's HTML ends
    code: str


def page_blocks(content: str, count: int, where: str) -> list[Block]:
    blocks: list[Block] = []
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


OTHER_OUTPUT = "prints other output than the page shows"


class Reason(NamedTuple):
    what: str  # what the code does, after "it"
    why: str  # why a browser cannot
    fails_with: str  # a regular expression the last line of the error in Pyodide matches,
    # or OTHER_OUTPUT: it runs, but its prints differ from the page's `#>` lines


MACHINE_ONLY = {
    "threads": Reason(
        "starts threads",
        "Python in a browser has one thread",
        r"RuntimeError: can't start new thread",
    ),
    "processes": Reason(
        "starts processes", "a browser runs no processes", r"OSError: \[Errno 138\]"
    ),
    "network": Reason(
        "talks to a server over sockets",
        "a browser gives Python no sockets",
        r"(OSError|TimeoutError|ConnectionError|smtplib\.SMTP\w*|urllib\.error\.URLError)\b",
    ),
    "openssl": Reason(
        "needs OpenSSL (hashlib.pbkdf2_hmac)",
        "the browser's Python is built without it",
        r"AttributeError: module 'hashlib' has no attribute 'pbkdf2_hmac'",
    ),
    "compiled": Reason(
        "needs a compiled package ({package})",
        "the site publishes pure-Python wheels only",
        r"ModuleNotFoundError: No module named '\w+'",
    ),
    "event-loop": Reason(
        "shows what CPython's own asyncio event loop reports",
        "in a browser asyncio runs on Pyodide's event loop, which reports otherwise",
        OTHER_OUTPUT,
    ),
    "stack": Reason(
        "recurses through a memoized function until Python's limit stops it",
        "a browser's stack runs out first, and that stops Python for good",
        r"Python stopped: RangeError: Maximum call stack size exceeded",
    ),
}
# What a block may use, directly or through a function or class that uses it: a dotted name
# (or the start of one) and the entry of MACHINE_ONLY it leads to.
ROOTS = {
    "threading.Thread": "threads",
    "threading.Timer": "threads",
    "concurrent.futures.ThreadPoolExecutor": "threads",
    "asyncio.to_thread": "threads",
    ".run_in_executor": "threads",
    "concurrent.futures.ProcessPoolExecutor": "processes",
    "multiprocessing": "processes",
    "subprocess": "processes",
    "socket.socket": "network",
    "socket.create_connection": "network",
    "socketserver": "network",
    "http.server": "network",
    "http.client": "network",
    "urllib.request.urlopen": "network",
    "smtplib.SMTP": "network",
    "asyncio.start_server": "network",
    "asyncio.open_connection": "network",
    "redis.Redis": "network",
    "uvicorn": "network",
    "hashlib.pbkdf2_hmac": "openssl",
    ".set_exception_handler": "event-loop",
}
# Calls the analysis cannot see through; the browser tests check them like every other mark.
RUNS_ANYWAY = {
    # testing/dependency-injection.md: the constructor opens a missing database first, and
    # the block catches the sqlite3.OperationalError; its SMTP connection is never made.
    "__main__.NaiveReminders",
}
MEMOIZERS = {"functools.cache", "functools.lru_cache"}
STACK = "<memoized recursion until RecursionError>"


def root_of(name: str) -> str | None:
    for root, key in ROOTS.items():
        if root.startswith(".") and name.endswith(root):
            return key
        if name == root or name.startswith(root + "."):
            return key
    return None


Keys = frozenset[str]
NONE: Keys = frozenset()


class Scope:
    """What the names of one program (an example module, or a page's blocks so far) lead to.

    `names` maps a local name to a dotted name (`ThreadPoolExecutor` ->
    `concurrent.futures.ThreadPoolExecutor`), `instances` a variable to the class it was made
    from, and `callees` a callable of this program (`module.f`, `module.Class` for its
    constructor, `module.Class.method`) to the dotted names it calls. Only calls count: a
    class passed to `create_autospec` or `patch.object` runs nothing, and a method replaced
    by `patch.object` around a call leads nowhere."""

    def __init__(self, module: str) -> None:
        self.module = module
        self.names: dict[str, str] = {}
        self.instances: dict[str, str] = {}
        self.callees: dict[str, frozenset[str]] = {}
        self.memoized: set[str] = set()
        self.unavailable: str | None = None  # the compiled package an import needs

    def resolve(self, node: ast.expr) -> str | None:
        if isinstance(node, ast.Name):
            if node.id in self.instances:
                return self.instances[node.id]
            return self.names.get(node.id, f"{self.module}.{node.id}")
        if isinstance(node, ast.Attribute):
            base = self.resolve(node.value)
            return f"{base}.{node.attr}" if base else f".{node.attr}"
        if isinstance(node, ast.Call):
            return self.resolve(node.func)
        return None

    def lead(
        self, name: str, patched: frozenset[str] = frozenset(), seen: set[str] | None = None
    ) -> Keys:
        """The MACHINE_ONLY keys that calling `name` leads to."""
        seen = set() if seen is None else seen
        if name in patched or name in RUNS_ANYWAY:
            return NONE
        if name == STACK:
            return frozenset({"stack"})
        key = root_of(name)
        if key is not None:
            return frozenset({key})
        if name in self.callees:
            if name in seen:
                return NONE  # a recursion: its calls are counted where it started
            seen.add(name)
            found: set[str] = set()
            for callee in self.callees[name]:
                found |= self.lead(callee, patched, seen)
            return frozenset(found)
        if name.startswith("snippets.") and not name.startswith(self.module + "."):
            module = name.rpartition(".")[0]
            while module.startswith("snippets"):
                other = example_module(module)
                if other is not None:
                    return other.lead(name, patched, seen)
                module = module.rpartition(".")[0]
        return NONE

    def import_(self, node: ast.Import | ast.ImportFrom) -> None:
        if isinstance(node, ast.Import):
            for alias in node.names:
                local = alias.asname or alias.name.partition(".")[0]
                self.names[local] = alias.name if alias.asname else local
                self.check_available(alias.name)
            return
        if node.level or node.module is None:
            return
        self.check_available(node.module)
        for alias in node.names:
            self.names[alias.asname or alias.name] = f"{node.module}.{alias.name}"

    def check_available(self, module: str) -> None:
        package = unavailable_imports().get(module.partition(".")[0])
        if package is None and module.startswith("snippets"):
            found = example_module(module)
            package = found.unavailable if found is not None else None
        if package is not None and self.unavailable is None:
            self.unavailable = package

    def calls(self, nodes: list[ast.stmt] | list[ast.expr], *, bodies: bool) -> frozenset[str]:
        """The dotted names `nodes` call (and STACK for a memoized recursion run until
        Python stops it). With `bodies` False, the bodies of functions and lambdas are left
        out: they run only when called."""
        called: set[str] = set()
        todo: list[ast.AST] = list(nodes)
        while todo:
            node = todo.pop()
            if not bodies and isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda):
                continue
            if isinstance(node, ast.Call):
                name = self.resolve(node.func)
                if name:
                    called.add(name)
            if isinstance(node, ast.Try | ast.TryStar) and self.recurses_into_memo(node):
                called.add(STACK)
            todo.extend(ast.iter_child_nodes(node))
        return frozenset(called)

    def keys(self, node: ast.stmt) -> Keys:
        """The MACHINE_ONLY keys running a top-level statement leads to."""
        patched: set[str] = set()
        if isinstance(node, ast.With | ast.AsyncWith):
            for item in node.items:
                call = item.context_expr
                if (
                    isinstance(call, ast.Call)
                    and self.resolve(call.func) == "unittest.mock.patch.object"
                    and len(call.args) >= 2
                    and isinstance(call.args[1], ast.Constant)
                    and isinstance(call.args[1].value, str)
                ):
                    patched.add(f"{self.resolve(call.args[0])}.{call.args[1].value}")
        found: set[str] = set()
        for name in self.calls([node], bodies=False):
            found |= self.lead(name, frozenset(patched))
        return frozenset(found)

    def recurses_into_memo(self, node: ast.Try | ast.TryStar) -> bool:
        catches = any(
            isinstance(h.type, ast.Name) and h.type.id == "RecursionError" for h in node.handlers
        )
        calls = {
            self.resolve(n.func) for b in node.body for n in ast.walk(b) if isinstance(n, ast.Call)
        }
        return catches and bool(calls & self.memoized)

    def define(self, node: ast.stmt) -> None:
        """Note what calling a top-level def or class leads to."""
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            name = f"{self.module}.{node.name}"
            self.names.pop(node.name, None)
            if {self.resolve(d) for d in node.decorator_list} & MEMOIZERS:
                self.memoized.add(name)
            self.callees[name] = self.calls(node.body, bodies=True)
        elif isinstance(node, ast.ClassDef):
            name = f"{self.module}.{node.name}"
            self.names.pop(node.name, None)
            constructor = {base for b in node.bases if (base := self.resolve(b))}
            for item in node.body:
                if isinstance(item, ast.FunctionDef | ast.AsyncFunctionDef):
                    self.instances["self"] = self.instances["cls"] = name
                    called = self.calls(item.body, bodies=True)
                    del self.instances["self"], self.instances["cls"]
                    self.callees[f"{name}.{item.name}"] = called
                    if item.name in {"__init__", "__post_init__", "__enter__", "__new__"}:
                        constructor |= called
            self.callees[name] = frozenset(constructor)

    def assign(self, node: ast.stmt) -> None:
        """`x = Class(...)`: a later `x.method()` is a call of `Class.method`."""
        targets: list[ast.expr] = []
        value: ast.expr | None = None
        if isinstance(node, ast.Assign):
            targets, value = node.targets, node.value
        elif isinstance(node, ast.AnnAssign) and node.value is not None:
            targets, value = [node.target], node.value
        for target in targets:
            if isinstance(target, ast.Name):
                self.instances.pop(target.id, None)
                if isinstance(value, ast.Call):
                    made = self.resolve(value.func)
                    if made:
                        self.instances[target.id] = made


def program_scope(module: str, tree: ast.Module) -> Scope:
    scope = Scope(module)
    for node in tree.body:
        if isinstance(node, ast.Import | ast.ImportFrom):
            scope.import_(node)
        scope.define(node)
    return scope


EXAMPLE_MODULES: dict[str, Scope | None] = {}


def example_module(module: str) -> Scope | None:
    """What the names of an example module lead to, or None if there is no such module (or
    it is being read: two modules that import each other)."""
    if module not in EXAMPLE_MODULES:
        EXAMPLE_MODULES[module] = None
        path = ROOT.joinpath(*module.split("."))
        for candidate in (path.with_suffix(".py"), path / "__init__.py"):
            if candidate.exists():
                tree = ast.parse(candidate.read_text(encoding="utf-8"))
                EXAMPLE_MODULES[module] = program_scope(module, tree)
                break
    return EXAMPLE_MODULES[module]


@functools.cache
def unavailable_imports() -> dict[str, str]:
    """Top-level import names that need a compiled distribution: {name: that distribution}."""
    _, compiled = distributions()
    found: dict[str, str] = {}
    for name, dists in metadata.packages_distributions().items():
        for dist in dists:
            needs = compiled_needed(canonicalize_name(dist), frozenset(compiled))
            if needs:
                found[name] = needs
    return found


@functools.cache
def compiled_needed(dist: str, compiled: frozenset[str], depth: int = 0) -> str | None:
    if dist in compiled:
        return dist
    if depth > 8:
        return None
    try:
        requires = metadata.distribution(dist).requires or []
    except metadata.PackageNotFoundError:
        return None
    for line in requires:
        requirement = Requirement(line)
        if requirement.marker is None or requirement.marker.evaluate(marker_environment()):
            needs = compiled_needed(canonicalize_name(requirement.name), compiled, depth + 1)
            if needs:
                return needs
    return None


def machine_blocks(codes: list[str]) -> tuple[int, str] | None:
    """The first block of a page that cannot run in a browser and the MACHINE_ONLY keys
    (comma-separated) of why, or None. Every later block is marked too (`on_page_content`)."""
    scope = Scope("__main__")
    for number, code in enumerate(codes, 1):
        try:
            tree = ast.parse(code)
        except SyntaxError:
            continue  # it fails the same way everywhere
        for node in tree.body:
            if isinstance(node, ast.Import | ast.ImportFrom):
                scope.import_(node)
                if scope.unavailable is not None:
                    return number, f"compiled:{scope.unavailable}"
                continue
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
                keys = scope.keys(ast.Expr(ast.Tuple(node.decorator_list, ast.Load())))
                scope.define(node)
            else:
                keys = scope.keys(node)
                scope.assign(node)
            if keys:
                return number, ",".join(sorted(keys))
    return None


RUN_BAR = (
    '<div class="run-bar" data-run-block="{n}">'
    '<button type="button" class="md-button run-button" data-run="run" '
    'aria-label="Run code block {n} and the blocks above it">Run</button>'
    '<button type="button" class="md-button run-button" data-run="edit" '
    'aria-label="Edit code block {n}">Edit</button></div>'
)  # run.js adds Reset once the block is edited: three buttons a block weigh on long pages
RUN_NOTE = '<p class="run-note" data-run-block="{n}" data-machine="{key}">{text}</p>'


def reasons(keys: str) -> list[Reason]:
    """The MACHINE_ONLY entries of `machine_blocks`' keys, such as `network,threads`."""
    found = []
    for key in keys.split(","):
        name, _, package = key.partition(":")
        reason = MACHINE_ONLY[name]
        found.append(reason._replace(what=reason.what.format(package=package)))
    return found


def note(n: int, first: int, keys: str, download: str) -> str:
    """What a marked block says where Run would be."""
    found = reasons(keys)
    if n == first:
        text = "Runs on your machine: it " + "; it ".join(f"{r.what}, and {r.why}" for r in found)
    else:
        text = "Runs on your machine: it comes after a block above that " + " and ".join(
            r.what for r in found
        )
    text = html.escape(text, quote=False)
    return RUN_NOTE.format(n=n, key=html.escape(keys), text=f"{text}. {download}")


def on_page_content(content: str, page: Any, config: Any, files: Any) -> str:
    count = len(python_fence_bodies(page.markdown))
    if not count:
        return content
    where = page.file.src_uri
    blocks = page_blocks(content, count, where)
    marked = machine_blocks([block.code for block in blocks])
    first, key = marked or (count + 1, "")
    to_root = "../" * page.url.count("/")  # `cheat-sheet/` -> `../`
    download = (
        '<a href="#run-it">Download it</a>.'
        if 'id="run-it"' in content
        else f'<a href="{to_root}examples/snippets.zip">Download the examples</a>.'
    )
    pieces, done = [], 0
    for n, block in enumerate(blocks, 1):
        bar = RUN_BAR.format(n=n) if n < first else note(n, first, key, download)
        pieces += [content[done : block.end], bar]
        done = block.end
    return "".join(pieces) + content[done:]


if __name__ == "__main__":
    download()
