"""Built site: strict build, a language on every code block, API reference, no foreign scripts."""

from __future__ import annotations

import re
from pathlib import Path

from tests.pagecode import module_name, modules
from tests.patterns import pattern_pages


def html_pages(site: Path) -> list[Path]:
    return sorted(site.rglob("*.html"))


def test_build_is_strict_and_complete(built_site: Path) -> None:
    for pattern in pattern_pages():
        page = (
            built_site
            / pattern.page.relative_to(pattern.page.parents[1]).with_suffix("")
            / "index.html"
        )
        assert page.exists(), f"{pattern} was not built"


def test_every_code_block_names_its_language(built_site: Path) -> None:
    for page in html_pages(built_site):
        html = page.read_text(encoding="utf-8")
        for block in re.findall(r'<div class="([^"]*\bhighlight\b[^"]*)"', html):
            assert re.search(r"\blanguage-\w+", block), (
                f"{page.relative_to(built_site)}: block without language"
            )


def test_every_module_has_an_api_reference(built_site: Path) -> None:
    built = "\n".join(page.read_text(encoding="utf-8") for page in html_pages(built_site))
    for path in modules():
        name = module_name(path)
        assert f'id="{name}.' in built, f"no API reference rendered for {name}"


def test_no_page_loads_scripts_or_fonts_from_elsewhere(built_site: Path) -> None:
    for page in html_pages(built_site):
        html = page.read_text(encoding="utf-8")
        foreign = re.findall(r'<(?:script|link|img)[^>]+(?:src|href)="(?:https?:)?//[^"]+"', html)
        foreign = [tag for tag in foreign if 'rel="canonical"' not in tag]
        assert not foreign, f"{page.relative_to(built_site)} loads from another origin: {foreign}"
        assert "mermaid" not in html, f"{page.relative_to(built_site)} mentions mermaid"
