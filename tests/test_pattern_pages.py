"""Every pattern page follows the page template and stays true to its module."""

from __future__ import annotations

import re

import pytest

from scripts.diagrams import stale
from tests.pagecode import DOCS, ROOT, find_fences
from tests.patterns import TEMPLATE, PatternPage, pattern_pages, resolve

PAGES = pattern_pages()
DOTTED_NAME = re.compile(r"`([A-Za-z_]\w*(?:\.[A-Za-z_]\w*)+)`")
DOT_NODE = re.compile(r"^\s*([A-Za-z_]\w*)\s*(?:\[|->|;|$)", re.M)
DOT_EDGE_TARGET = re.compile(r"->\s*([A-Za-z_]\w*)")
DOT_KEYWORDS = {"graph", "node", "edge", "digraph", "subgraph", "strict"}

pytestmark = pytest.mark.parametrize("pattern", PAGES, ids=str)


def test_headings_follow_the_template(pattern: PatternPage) -> None:
    titles = re.findall(r"^# (.+)$", pattern.prose, flags=re.M)
    assert len(titles) == 1, f"{pattern}: one `# Title` per page"
    headings = re.findall(r"^## (.+)$", pattern.prose, flags=re.M)
    assert headings == TEMPLATE, f"{pattern}: second-level headings must be exactly {TEMPLATE}"
    intent = pattern.prose.split(f"# {titles[0]}\n", 1)[1].split("\n## ", 1)[0]
    assert "**Intent:**" in intent and "*Also known as:*" in intent, (
        f"{pattern}: intent and other names"
    )


VERDICT = re.compile(r'^!!! tip "In Python"\n\n((?:    .+\n|\n)+)', re.M)
SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[A-Z`*(])")


def verdict_sentences(pattern: PatternPage) -> list[str]:
    """The sentences of the page's "In Python" verdict, which stands under the intent."""
    intent = pattern.prose.split("\n## ", 1)[0]
    match = VERDICT.search(intent)
    assert match is not None, (
        f'{pattern}: under the intent, a `!!! tip "In Python"` admonition gives the verdict'
    )
    assert intent.index("**Intent:**") < match.start(), f"{pattern}: the verdict follows the intent"
    text = " ".join(line.strip() for line in match.group(1).splitlines() if line.strip())
    return [sentence for sentence in SENTENCE_END.split(text) if sentence]


def test_the_verdict_says_what_to_write_in_python(pattern: PatternPage) -> None:
    sentences = verdict_sentences(pattern)
    assert 2 <= len(sentences) <= 5, f"{pattern}: two to five sentences, found {len(sentences)}"
    for other in PAGES:
        if other != pattern:
            shared = set(sentences) & set(verdict_sentences(other))
            assert not shared, f"{pattern} and {other} share a generic sentence: {shared}"


def test_has_a_description_for_search_engines(pattern: PatternPage) -> None:
    front_matter = re.match(r"---\n(.*?)\n---\n", pattern.text, flags=re.S)
    assert front_matter and "description:" in front_matter.group(1), (
        f"{pattern}: front matter description"
    )


def test_real_world_examples_name_apis_that_exist(pattern: PatternPage) -> None:
    names = sorted(set(DOTTED_NAME.findall(pattern.section("Real-world examples"))))
    assert len(names) >= 3, (
        f"{pattern}: name at least three real APIs as `module.attribute`, found {names}"
    )
    for name in names:
        assert resolve(name) is not None


def test_diagram_is_fresh_and_names_only_what_the_module_defines(pattern: PatternPage) -> None:
    assert pattern.diagram.exists(), (
        f"{pattern}: write the structure diagram in {pattern.diagram.name}"
    )
    assert not stale(pattern.diagram), f"{pattern.diagram.name} changed: run `make diagrams`"
    structure = pattern.section("Structure")
    for svg in [
        f"{pattern.diagram.stem}.svg#only-light",
        f"{pattern.diagram.stem}-dark.svg#only-dark",
    ]:
        assert re.search(rf"!\[[^\]]{{20,}}\]\({re.escape(svg)}\)", structure), (
            f"{pattern}: show {svg} with alt text"
        )
    source = re.sub(r'"[^"]*"|\[[^\]]*\]', "", pattern.diagram.read_text(encoding="utf-8"))
    names = (set(DOT_NODE.findall(source)) | set(DOT_EDGE_TARGET.findall(source))) - DOT_KEYWORDS
    module = pattern.module()
    missing = sorted(name for name in names if not hasattr(module, name))
    assert names and not missing, (
        f"{pattern.diagram.name} names what {pattern.module_name} lacks: {missing}"
    )


def test_run_it_shows_the_module_output(pattern: PatternPage) -> None:
    commands = [
        line
        for fence in find_fences(pattern.page)
        if fence.language == "console"
        for line in fence.lines
        if line.startswith("$ ")
    ]
    assert f"$ python -m {pattern.module_name}" in commands, (
        f"{pattern}: a console block runs its module"
    )
    assert "### Run it" in pattern.section("Implementation")
    # The output repeats what the blocks above print: it stays tested, folded away.
    run_it = pattern.text.split("### Run it\n", 1)[1].split("\n## ", 1)[0]
    folded = re.compile(r'^\?\?\? example "[^"]+"\n\n    ```console\n    \$ python -m ', re.M)
    assert folded.search(run_it), (
        f'{pattern}: fold the output under "Run it" in a `??? example "..."` block'
    )


def test_api_reference_renders_the_module(pattern: PatternPage) -> None:
    assert f"::: {pattern.module_name}" in pattern.section("API reference")


def test_pattern_map_links_the_page(pattern: PatternPage) -> None:
    link = str(pattern.page.relative_to(DOCS))
    assert f"]({link})" in (DOCS / "index.md").read_text(encoding="utf-8"), (
        f"docs/index.md: link {link}"
    )


def test_module_is_where_the_page_says(pattern: PatternPage) -> None:
    path = ROOT / pattern.module_name.replace(".", "/")
    assert path.with_suffix(".py").exists() or (path / "__main__.py").exists()
