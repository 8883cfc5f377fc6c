"""MkDocs hooks of the site (registered under `hooks:` in mkdocs.yml).

* `pymdownx.snippets` fails the build when a start marker is missing, but when an end
  marker is deleted it silently includes the rest of the file. `on_pre_build` refuses to
  build while any module under `snippets/` has an unpaired or repeated section marker.
* Material's search dialog has no accessible name; `on_post_page` gives it one in the HTML,
  so no script is needed for it.
* Page weight: Pygments wraps every name, space and punctuation mark of the code in its own
  `<span>`; on long pages those spans are half the DOM and most of the layout time that
  Lighthouse counts as blocking. Names and spaces are drawn in the plain code colour anyway,
  so `on_page_content` unwraps them, and punctuation and operators with them (which then take
  the code colour too: one colour for both, where Material gives them a lighter grey).
* Copy buttons: Material's `content.code.copy` inserts each block's button from script, one
  block after the other, and measures the page between insertions; on a page of 40 blocks
  that was a third of a second of blocking time on Lighthouse's mobile CPU. `on_page_content`
  writes the same button into the HTML instead (with the `aria-label` its `<nav>` needs), and
  Material's page-wide clipboard handler, which serves any `[data-clipboard-target]`, copies.
* Downloads: `on_files` publishes every example under `examples/` and all of them as one
  zip (byte-identical from build to build), and `on_page_markdown` tells each pattern page's
  reader, under "Run it", how to download and run its example.
* Search: the "Related patterns" and "API reference" sections of every pattern page name
  other patterns and list every identifier, which drowns the page a reader looks for, and
  code blocks are most of the text but rarely what a reader types. `on_page_content` leaves
  them out of the search index (Material's `data-search-exclude`), which also keeps the
  index small; overrides/main.html defers loading it until the reader opens the search.
* Glossary: `on_config` hands the terms of `includes/glossary.md` to the `abbr` extension as
  its glossary, so every page and every docstring gets the tooltips. Appending the file to
  each Markdown text instead (`pymdownx.snippets`' `auto_append`) cost a tenth of the build:
  mkdocstrings converts each docstring on its own, and each conversion parsed the whole file.
"""

from __future__ import annotations

import io
import itertools
import re
import zipfile
from pathlib import Path
from typing import Any

from mkdocs.exceptions import PluginError
from mkdocs.structure.files import File, Files

ROOT = Path(__file__).resolve().parent.parent
INCLUDED_FILE = re.compile(r'^\s*-{1,}8<-{1,}\s+"([^":]+)', re.M)
SECTION_RE = re.compile(r"-{1,}8<-{1,}\s+\[(?P<kind>start|end):(?P<name>[\w-]+)\]")


def marker(line: str) -> tuple[str, str] | None:
    """`("start", "demo")` for a line holding `--8<-- [start:demo]`, else None."""
    match = SECTION_RE.search(line)
    return (match["kind"], match["name"]) if match else None


def section_problems(path: Path) -> list[str]:
    """Every unpaired or repeated section marker of a file, as `file:line: problem`."""
    name_of_file = path.relative_to(ROOT) if path.is_relative_to(ROOT) else path
    problems: list[str] = []
    open_sections: dict[str, int] = {}
    closed: set[str] = set()
    for number, line in enumerate(path.read_text(encoding="utf-8").split("\n"), 1):
        found = marker(line)
        if found is None:
            continue
        kind, name = found
        if kind == "start":
            if name in closed or name in open_sections:
                problems.append(f"{name_of_file}:{number}: section '{name}' starts twice")
            open_sections[name] = number
        elif name not in open_sections:
            problems.append(f"{name_of_file}:{number}: section '{name}' ends but never starts")
        else:
            del open_sections[name]
            closed.add(name)
    problems += [
        f"{name_of_file}:{number}: section '{name}' starts but never ends"
        for name, number in open_sections.items()
    ]
    return problems


GLOSSARY = ROOT / "includes" / "glossary.md"
GLOSSARY_LINE = re.compile(r"^\*\[(?P<term>[^\]]+)\]: (?P<meaning>.+)$")


def glossary() -> dict[str, str]:
    """The terms of `includes/glossary.md`, one `*[TERM]: meaning` a line."""
    terms = {}
    for number, line in enumerate(GLOSSARY.read_text(encoding="utf-8").splitlines(), 1):
        match = GLOSSARY_LINE.match(line)
        if match is None:
            raise PluginError(f"{GLOSSARY.name}:{number}: write `*[TERM]: meaning`, not {line!r}")
        terms[match["term"]] = match["meaning"]
    return terms


def on_config(config: Any) -> Any:
    config["mdx_configs"].setdefault("abbr", {})["glossary"] = glossary()
    return config


def on_pre_build(config: Any) -> None:
    # Every example, and any other file a page includes sections of (a claims test shown as
    # an example of pytest fixtures).
    included = {
        ROOT / name
        for page in (ROOT / "docs").rglob("*.md")
        for name in INCLUDED_FILE.findall(page.read_text(encoding="utf-8"))
    }
    sources = set((ROOT / "snippets").rglob("*.py")) | included
    problems = [p for path in sorted(sources) for p in section_problems(path)]
    if problems:
        raise PluginError("broken snippet section markers:\n  " + "\n  ".join(problems))


NOT_SEARCHED = ("related-patterns", "api-reference")


CODE_BLOCK = re.compile(r'<div class="(language-[\w-]+ highlight)"><pre><span></span><code>')
COPY_BUTTON = (
    '<nav class="md-code__nav" aria-label="Actions for code block {n}">'
    '<button class="md-code__button" title="Copy to clipboard" '
    'data-clipboard-target="#__copy_{n}" data-md-type="copy"></button></nav>'
)
PLAIN_TOKEN = re.compile(r'<span class="(?:n|w|p|o)">([^<]*)</span>')
API_HEADING = re.compile(r'<(h[2-6]) ([^>]*class="doc doc-heading")>')


def on_page_content(html: str, page: Any, config: Any, files: Any) -> str:
    for section in NOT_SEARCHED:
        html = html.replace(f'<h2 id="{section}">', f'<h2 id="{section}" data-search-exclude>')
    html = PLAIN_TOKEN.sub(r"\1", html)
    html = API_HEADING.sub(r"<\1 \2 data-search-exclude>", html)
    blocks = itertools.count(1)

    def with_copy_button(match: re.Match[str]) -> str:
        n = next(blocks)
        return (
            f'<div class="{match[1]}" data-search-exclude><pre><span></span>'
            f'{COPY_BUTTON.format(n=n)}<code id="__copy_{n}">'
        )

    return CODE_BLOCK.sub(with_copy_button, html)


SEARCH_DIALOG = '<div class="md-search" data-md-component="search" role="dialog">'
NAMED_SEARCH_DIALOG = (
    '<div class="md-search" data-md-component="search" role="dialog" aria-label="Search">'
)


def name_search_dialog(output: str, where: str) -> str:
    if SEARCH_DIALOG not in output:
        raise PluginError(f"{where}: the search dialog markup changed; update the hook")
    return output.replace(SEARCH_DIALOG, NAMED_SEARCH_DIALOG)


def on_post_page(output: str, page: Any, config: Any) -> str:
    return name_search_dialog(output, page.file.src_uri)


def on_post_template(output_content: str, template_name: str, config: Any) -> str:
    """Templates rendered without a page, such as 404.html."""
    if template_name.endswith(".html") and SEARCH_DIALOG in output_content:
        return name_search_dialog(output_content, template_name)
    return output_content


ZIP_NAME = "examples/snippets.zip"
# The heading a download note goes under: `### Run it` on pattern pages, `## Run it` on
# principle pages.
RUN_IT = re.compile(r"^###? Run it$", re.M)


def example_files() -> list[Path]:
    return sorted(
        path
        for path in (ROOT / "snippets").rglob("*")
        if path.is_file()
        and "__pycache__" not in path.parts
        and path.suffix in {".py", ".csv", ".toml"}
    )


def examples_zip() -> bytes:
    """All examples and the pinned requirements, with fixed dates: the same bytes every build."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        entries = [(p, p.relative_to(ROOT).as_posix()) for p in example_files()]
        entries.append((ROOT / "requirements.lock", "requirements.txt"))
        for path, name in entries:
            info = zipfile.ZipInfo(name, date_time=(2026, 1, 1, 0, 0, 0))
            info.external_attr = 0o644 << 16
            info.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(info, path.read_bytes())
    return buffer.getvalue()


def on_files(files: Files, config: Any) -> Files:
    for path in example_files():
        uri = "examples/" + path.relative_to(ROOT).as_posix()
        files.append(File.generated(config, uri, abs_src_path=str(path)))
    files.append(File.generated(config, ZIP_NAME, content=examples_zip()))
    return files


def standalone(source: str) -> bool:
    """Whether a module runs as a single downloaded file (no imports of the package)."""
    return "snippets" not in re.sub(r'""".*?"""', "", source, flags=re.S)


def on_page_markdown(markdown: str, page: Any, config: Any, files: Any) -> str:
    family, _, name = page.file.src_uri.partition("/")
    run_it = RUN_IT.search(markdown)
    if not (ROOT / "snippets" / family / "__init__.py").exists() or run_it is None:
        return markdown
    module = name.removesuffix(".md").replace("-", "_")
    single = ROOT / "snippets" / family / f"{module}.py"
    command = f"python -m snippets run {name.removesuffix('.md')}"
    zip_link = f"[all examples as one zip](../{ZIP_NAME})"
    if single.exists() and standalone(single.read_text(encoding="utf-8")):
        note = (
            f"Download [`{module}.py`](../examples/snippets/{family}/{module}.py) and run it "
            f"with `python {module}.py`, or download {zip_link}, unzip it, install "
            f"`requirements.txt` and run `{command}`."
        )
    else:
        note = (
            f"This example needs files beside it: download {zip_link}, unzip it, install "
            f"`requirements.txt` and run `{command}`."
        )
    tip = f'\n\n!!! tip "Run it on your machine"\n\n    {note}\n'
    return markdown[: run_it.end()] + tip + markdown[run_it.end() :]
