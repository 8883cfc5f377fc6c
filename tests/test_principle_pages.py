"""Every principle and anti-pattern page follows its template ("Add a principle page").

A page is a list of entries, one `##` each, then `Run it`, `Summary` and `API reference`. A
principle entry shows code before and after and links the patterns that apply it; an anti-pattern
entry shows the trap failing and the fix, and names the tool that catches the trap, which the
tests run on the code the page shows.
"""

from __future__ import annotations

import re
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.pagecode import DOCS, PYTHON_LANGUAGES, fence_examples, find_fences
from tests.patterns import PRINCIPLE_CLOSING, ExamplePage, check_verdict, principle_pages

PAGES = principle_pages()
PRINCIPLE_LABELS = ["**Before.**", "**After.**", "**Applied by:**", "**Overdone when:**"]
ANTI_PATTERN_LABELS = ["**The trap.**", "**The fix.**", "**Caught by:**"]
# The labels that a Python block must follow before the next label.
LABELS_WITH_CODE = {"**Before.**", "**After.**", "**The trap.**", "**The fix.**"}
RUFF_CODE = re.compile(r"`([A-Z]+[0-9]{3,4})`")
PATTERN_LINK = re.compile(r"\]\(\.\./(\w+)/([\w-]+)\.md(?:#[\w-]+)?\)")
FENCE_MARK = "\0fence{}\0"
OPTIONS = ["--target-version", "py311", "--output-format", "concise"]

every_page = pytest.mark.parametrize("principle", PAGES, ids=str)


@dataclass
class Entry:
    """One `## entry` of a page: its text with each fence replaced by a mark, and the fences."""

    page: ExamplePage
    heading: str
    text: str

    def part(self, label: str, labels: list[str]) -> str:
        """The text from `label` to the next label of the entry, or to its end."""
        start = self.text.index(label) + len(label)
        ends = [self.text.index(other) for other in labels if other in self.text[start:]]
        ends = [end for end in ends if end > start]
        return self.text[start : min(ends, default=len(self.text))]

    def python_in(self, label: str, labels: list[str]) -> list[str]:
        """The code (includes expanded) of the Python blocks that follow `label`."""
        fences = find_fences(self.page.page)
        codes = []
        for number in re.findall(r"\0fence(\d+)\0", self.part(label, labels)):
            fence = fences[int(number)]
            if fence.language in PYTHON_LANGUAGES:
                examples = fence_examples(self.page.page, fence)
                codes.append("".join(example.source for example, _ in examples))
        return codes


def marked_text(page: ExamplePage) -> str:
    """The page with each fenced block replaced by a numbered mark."""
    text = page.text
    fences = find_fences(page.page)
    for number, fence in reversed(list(enumerate(fences))):
        text = text[: fence.start_index] + FENCE_MARK.format(number) + text[fence.end_index :]
    return text


def entries(page: ExamplePage) -> list[Entry]:
    parts = re.split(r"^## (.+)\n", marked_text(page), flags=re.M)
    pairs = zip(parts[1::2], parts[2::2], strict=True)
    found = [Entry(page, heading, text) for heading, text in pairs]
    return [entry for entry in found if entry.heading not in PRINCIPLE_CLOSING]


def labels_of(page: ExamplePage) -> list[str]:
    """Anti-pattern labels if the page's first entry shows a trap, else the principle labels."""
    first = entries(page)[0].text if entries(page) else ""
    return ANTI_PATTERN_LABELS if ANTI_PATTERN_LABELS[0] in first else PRINCIPLE_LABELS


PRINCIPLE_PAGES = [page for page in PAGES if labels_of(page) == PRINCIPLE_LABELS]
ANTI_PATTERN_PAGES = [page for page in PAGES if labels_of(page) == ANTI_PATTERN_LABELS]


@every_page
def test_headings_follow_the_principle_template(principle: ExamplePage) -> None:
    titles = re.findall(r"^# (.+)$", principle.prose, flags=re.M)
    assert len(titles) == 1, f"{principle}: one `# Title` per page"
    lead = principle.prose.split("\n## ", 1)[0]
    assert "**In short:**" in lead, f"{principle}: an `**In short:**` line under the title"
    headings = re.findall(r"^## (.+)$", principle.prose, flags=re.M)
    assert headings[-len(PRINCIPLE_CLOSING) :] == PRINCIPLE_CLOSING, (
        f"{principle}: the entries, then exactly {PRINCIPLE_CLOSING}"
    )
    assert len(headings) - len(PRINCIPLE_CLOSING) >= 4, f"{principle}: four or more entries"


@every_page
def test_the_verdict_says_what_matters_in_python(principle: ExamplePage) -> None:
    check_verdict(principle, after="**In short:**")


@every_page
def test_every_entry_shows_its_parts_in_order_with_code(principle: ExamplePage) -> None:
    labels = labels_of(principle)
    for entry in entries(principle):
        where = f"{principle}, '## {entry.heading}'"
        starts = [m.group(1) for m in re.finditer(r"^(\*\*[^*\n]+\*\*)", entry.text, flags=re.M)]
        shown = [label for label in starts if label in labels]
        assert shown == labels, f"{where}: labels {labels}, each once and in order; found {shown}"
        for label in labels:
            if label in LABELS_WITH_CODE:
                assert entry.python_in(label, labels), f"{where}: a Python block after {label}"


@pytest.mark.parametrize("principle", PRINCIPLE_PAGES, ids=str)
def test_each_principle_links_the_patterns_that_apply_it(principle: ExamplePage) -> None:
    for entry in entries(principle):
        links = PATTERN_LINK.findall(entry.part("**Applied by:**", PRINCIPLE_LABELS))
        patterns = [(family, name) for family, name in links if family != "principles"]
        assert patterns, f"{principle}, '## {entry.heading}': link a pattern that applies it"
        for family, name in patterns:
            assert (DOCS / family / f"{name}.md").exists(), f"{principle}: no page {family}/{name}"


def ruff_codes(code: str, rule: str, tmp_path: Path) -> list[str]:
    """The rule codes `ruff check --select rule` reports on `code`, with no project settings."""
    source = tmp_path / "shown.py"
    source.write_text(code, encoding="utf-8")
    done = subprocess.run(
        [sys.executable, "-m", "ruff", "check", "--isolated", "--select", rule, *OPTIONS, source],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode in (0, 1), done.stderr
    return re.findall(r": ([A-Z]+[0-9]+) ", done.stdout)


@pytest.mark.parametrize("principle", ANTI_PATTERN_PAGES, ids=str)
def test_the_tools_named_catch_the_trap_and_pass_the_fix(
    principle: ExamplePage, tmp_path: Path
) -> None:
    labels = ANTI_PATTERN_LABELS
    for entry in entries(principle):
        where = f"{principle}, '## {entry.heading}'"
        caught_by = entry.part("**Caught by:**", labels)
        rules = RUFF_CODE.findall(caught_by)
        assert rules or re.search(r"\bmypy\b|\breview\b", caught_by), (
            f"{where}: name a ruff rule as `B006`, or mypy, or say why only review catches it"
        )
        trap = "\n".join(entry.python_in("**The trap.**", labels))
        fix = "\n".join(entry.python_in("**The fix.**", labels))
        for rule in rules:
            assert rule in ruff_codes(trap, rule, tmp_path), f"{where}: {rule} misses the trap"
            assert rule not in ruff_codes(fix, rule, tmp_path), f"{where}: {rule} flags the fix"


@every_page
def test_run_it_shows_the_module_output(principle: ExamplePage) -> None:
    run_it = principle.text.split("\n## Run it\n", 1)[1].split("\n## ", 1)[0]
    folded = re.compile(r'^\?\?\? example "[^"]+"\n\n    ```console\n    \$ python -m ', re.M)
    assert folded.search(run_it), f'{principle}: fold the output in a `??? example "..."` block'
    assert f"$ python -m {principle.module_name}\n" in run_it


@every_page
def test_api_reference_renders_the_module(principle: ExamplePage) -> None:
    assert f"::: {principle.module_name}" in principle.section("API reference")


@every_page
def test_the_map_links_the_page(principle: ExamplePage) -> None:
    link = str(principle.page.relative_to(DOCS))
    assert f"]({link})" in (DOCS / "index.md").read_text(encoding="utf-8"), (
        f"docs/index.md: link {link}"
    )
