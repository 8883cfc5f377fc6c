"""Every pattern page follows the page template and stays true to its module."""

from __future__ import annotations

import re

import pytest

from scripts.diagrams import stale
from tests.pagecode import DOCS, ROOT, find_fences
from tests.patterns import TEMPLATE, ExamplePage, check_verdict, pattern_pages, resolve

PAGES = pattern_pages()
DOTTED_NAME = re.compile(r"`([A-Za-z_]\w*(?:\.[A-Za-z_]\w*)+)`")
DOT_NODE = re.compile(r"^\s*([A-Za-z_]\w*)\s*(?:\[|->|;|$)", re.M)
DOT_EDGE_TARGET = re.compile(r"->\s*([A-Za-z_]\w*)")
DOT_KEYWORDS = {"graph", "node", "edge", "digraph", "subgraph", "strict"}

pytestmark = pytest.mark.parametrize("pattern", PAGES, ids=str)


def test_headings_follow_the_template(pattern: ExamplePage) -> None:
    titles = re.findall(r"^# (.+)$", pattern.prose, flags=re.M)
    assert len(titles) == 1, f"{pattern}: one `# Title` per page"
    headings = re.findall(r"^## (.+)$", pattern.prose, flags=re.M)
    assert headings == TEMPLATE, f"{pattern}: second-level headings must be exactly {TEMPLATE}"
    intent = pattern.prose.split(f"# {titles[0]}\n", 1)[1].split("\n## ", 1)[0]
    assert "**Intent:**" in intent and "*Also known as:*" in intent, (
        f"{pattern}: intent and other names"
    )


def test_the_verdict_says_what_to_write_in_python(pattern: ExamplePage) -> None:
    check_verdict(pattern, after="**Intent:**")


def test_has_a_description_for_search_engines(pattern: ExamplePage) -> None:
    front_matter = re.match(r"---\n(.*?)\n---\n", pattern.text, flags=re.S)
    assert front_matter and "description:" in front_matter.group(1), (
        f"{pattern}: front matter description"
    )


def test_real_world_examples_name_apis_that_exist(pattern: ExamplePage) -> None:
    names = sorted(set(DOTTED_NAME.findall(pattern.section("Real-world examples"))))
    assert len(names) >= 3, (
        f"{pattern}: name at least three real APIs as `module.attribute`, found {names}"
    )
    for name in names:
        assert resolve(name) is not None


def test_diagram_is_fresh_and_names_only_what_the_module_defines(pattern: ExamplePage) -> None:
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


def test_run_it_shows_the_module_output(pattern: ExamplePage) -> None:
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


def test_api_reference_renders_the_module(pattern: ExamplePage) -> None:
    assert f"::: {pattern.module_name}" in pattern.section("API reference")


def test_pattern_map_links_the_page(pattern: ExamplePage) -> None:
    link = str(pattern.page.relative_to(DOCS))
    assert f"]({link})" in (DOCS / "index.md").read_text(encoding="utf-8"), (
        f"docs/index.md: link {link}"
    )


def test_module_is_where_the_page_says(pattern: ExamplePage) -> None:
    path = ROOT / pattern.module_name.replace(".", "/")
    assert path.with_suffix(".py").exists() or (path / "__main__.py").exists()
