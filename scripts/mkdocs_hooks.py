"""MkDocs hooks of the site (registered under `hooks:` in mkdocs.yml).

* `pymdownx.snippets` fails the build when a start marker is missing, but when an end
  marker is deleted it silently includes the rest of the file. `on_pre_build` refuses to
  build while any module under `snippets/` has an unpaired or repeated section marker.
* Material's search dialog has no accessible name; `on_post_page` gives it one in the HTML,
  so no script is needed for it.
* Search: the "Related patterns" and "API reference" sections of every pattern page name
  other patterns and list every identifier, which drowns the page a reader looks for, and
  code blocks are most of the text but rarely what a reader types. `on_page_content` leaves
  them out of the search index (Material's `data-search-exclude`), which also keeps the
  index small; overrides/main.html defers loading it until the reader opens the search.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from mkdocs.exceptions import PluginError

ROOT = Path(__file__).resolve().parent.parent
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


def on_pre_build(config: Any) -> None:
    problems = [
        p for path in sorted((ROOT / "snippets").rglob("*.py")) for p in section_problems(path)
    ]
    if problems:
        raise PluginError("broken snippet section markers:\n  " + "\n  ".join(problems))


NOT_SEARCHED = ("related-patterns", "api-reference")


CODE_BLOCK = re.compile(r'<div class="(language-[\w-]+ highlight)">')
API_HEADING = re.compile(r'<(h[2-6]) ([^>]*class="doc doc-heading")>')


def on_page_content(html: str, page: Any, config: Any, files: Any) -> str:
    for section in NOT_SEARCHED:
        html = html.replace(f'<h2 id="{section}">', f'<h2 id="{section}" data-search-exclude>')
    html = API_HEADING.sub(r"<\1 \2 data-search-exclude>", html)
    return CODE_BLOCK.sub(r'<div class="\1" data-search-exclude>', html)


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
