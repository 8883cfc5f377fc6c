"""What the tests know about pattern pages: where they are and what they must contain."""

from __future__ import annotations

import importlib
import re
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType

from tests.pagecode import DOCS, ROOT, find_fences

FAMILIES = ["creational", "structural", "behavioral", "reactive", "cloud"]

# The page template of DESIGN.md: these second-level headings, in this order.
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


@dataclass(frozen=True)
class PatternPage:
    """A pattern page `docs/<family>/<name>.md` and the module that holds its code."""

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


def pattern_pages() -> list[PatternPage]:
    return [
        PatternPage(page) for family in FAMILIES for page in sorted((DOCS / family).glob("*.md"))
    ]


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
