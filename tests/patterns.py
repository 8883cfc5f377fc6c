"""What the tests know about the pages with examples: where they are and what they must contain.

Pattern pages (`docs/<family>/<pattern>.md`) follow `TEMPLATE`; the principle and anti-pattern
pages of `docs/principles/` follow `PRINCIPLE_TEMPLATE`. Each page has one module in `snippets/`.
"""

from __future__ import annotations

import importlib
import re
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType

from snippets import FAMILIES
from tests.pagecode import DOCS, ROOT, find_fences

# Families whose pages are lists of principles or anti-patterns, not one pattern each.
PRINCIPLE_FAMILIES = ("principles",)
PATTERN_FAMILIES = tuple(family for family in FAMILIES if family not in PRINCIPLE_FAMILIES)

# The pattern page template of DESIGN.md: these second-level headings, in this order.
TEMPLATE = [
    "The problem",
    "Real-world examples",
    "When to use it",
    "Structure",
    "Implementation",
    "The Pythonic way",
    "Pitfalls",
    "Related patterns",
    "Summary",
    "API reference",
]

# A principle page: its entries (one `##` each), then these headings, in this order.
PRINCIPLE_CLOSING = ["Run it", "Summary", "API reference"]


@dataclass(frozen=True)
class ExamplePage:
    """A page `docs/<family>/<name>.md` and the module that holds its code."""

    page: Path

    @property
    def family(self) -> str:
        return self.page.parent.name

    @property
    def module_name(self) -> str:
        return f"snippets.{self.family}.{self.page.stem.replace('-', '_')}"

    @property
    def diagram(self) -> Path:
        return self.page.with_suffix(".dot")

    @property
    def text(self) -> str:
        return self.page.read_text(encoding="utf-8")

    @property
    def prose(self) -> str:
        """The page without its fenced code blocks, whose lines may look like headings."""
        text = self.text
        for fence in reversed(find_fences(self.page)):
            text = text[: fence.start_index] + text[fence.end_index :]
        return text

    def module(self) -> ModuleType:
        return importlib.import_module(self.module_name)

    def section(self, heading: str) -> str:
        """The Markdown under `## heading`, up to the next second-level heading."""
        match = re.search(
            rf"^## {re.escape(heading)}\n(.*?)(?=^## |\Z)", self.prose, flags=re.M | re.S
        )
        assert match is not None, f"{self} has no '## {heading}' section"
        return match.group(1)

    def __str__(self) -> str:
        return str(self.page.relative_to(ROOT))


def pages_of(families: tuple[str, ...]) -> list[ExamplePage]:
    return [ExamplePage(p) for family in families for p in sorted((DOCS / family).glob("*.md"))]


def pattern_pages() -> list[ExamplePage]:
    return pages_of(PATTERN_FAMILIES)


def principle_pages() -> list[ExamplePage]:
    return pages_of(PRINCIPLE_FAMILIES)


def example_pages() -> list[ExamplePage]:
    """Every page that has a module: the principle pages and the pattern pages."""
    return pages_of(FAMILIES)


VERDICT = re.compile(r'^!!! tip "In Python"\n\n((?:    .+\n|\n)+)', re.M)
SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[A-Z`*(])")


def verdict_sentences(page: ExamplePage) -> list[str]:
    """The sentences of the page's "In Python" verdict, which stands above the first `##`."""
    lead = page.prose.split("\n## ", 1)[0]
    match = VERDICT.search(lead)
    assert match is not None, (
        f'{page}: under the lead line, a `!!! tip "In Python"` admonition gives the verdict'
    )
    text = " ".join(line.strip() for line in match.group(1).splitlines() if line.strip())
    return [sentence for sentence in SENTENCE_END.split(text) if sentence]


def check_verdict(page: ExamplePage, *, after: str) -> None:
    """Two to five sentences under the lead line `after`, and none shared with another page."""
    sentences = verdict_sentences(page)
    lead = page.prose.split("\n## ", 1)[0]
    assert after in lead and lead.index(after) < lead.index('!!! tip "In Python"'), (
        f"{page}: the verdict follows the {after} line"
    )
    assert 2 <= len(sentences) <= 5, f"{page}: two to five sentences, found {len(sentences)}"
    for other in example_pages():
        if other != page:
            shared = set(sentences) & set(verdict_sentences(other))
            assert not shared, f"{page} and {other} share a generic sentence: {shared}"


def resolve(dotted: str) -> object:
    """Import `module.attribute.attribute` (or a builtin such as `dict.fromkeys`) for real."""
    import builtins

    parts = dotted.split(".")
    found: object = builtins
    rest = parts
    if not hasattr(builtins, parts[0]):
        for split in range(len(parts), 0, -1):
            try:
                found = importlib.import_module(".".join(parts[:split]))
            except ImportError:
                continue
            rest = parts[split:]
            break
        else:
            raise ImportError(f"no part of {dotted!r} can be imported")
    for attribute in rest:
        found = getattr(found, attribute)
    return found
