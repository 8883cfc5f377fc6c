"""Built site: strict build, a language on every code block, API reference, no foreign scripts."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import zipfile
from pathlib import Path

from scripts.diagrams import sources, stale
from tests.pagecode import DOCS, ROOT, find_fences, module_name, modules
from tests.patterns import example_pages


def html_pages(site: Path) -> list[Path]:
    return sorted(site.rglob("*.html"))


def test_build_is_strict_and_complete(built_site: Path) -> None:
    for pattern in example_pages():
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


def test_every_code_block_has_a_copy_button_for_its_own_code(built_site: Path) -> None:
    """The build hook writes the buttons (no `content.code.copy`); API signatures get none."""
    blocks = 0
    for page in html_pages(built_site):
        html = page.read_text(encoding="utf-8")
        starts = re.findall(r'<div class="language-[\w-]+ (?:doc-signature )?highlight"', html)
        signatures = html.count("doc-signature highlight")
        targets = re.findall(r'data-clipboard-target="#(__copy_\d+)"', html)
        codes = re.findall(r'<code id="(__copy_\d+)">', html)
        where = page.relative_to(built_site)
        assert len(targets) == len(starts) - signatures, f"{where}: a code block has no button"
        assert targets == codes and len(set(codes)) == len(codes), f"{where}: buttons mismatch"
        blocks += len(codes)
    assert blocks > 500


def test_every_module_has_an_api_reference(built_site: Path) -> None:
    built = "\n".join(page.read_text(encoding="utf-8") for page in html_pages(built_site))
    for path in modules():
        name = module_name(path)
        if name.endswith(".__main__"):
            continue  # a package's demo script: it defines nothing to reference
        assert f'id="{name}.' in built, f"no API reference rendered for {name}"


def test_no_page_loads_scripts_or_fonts_from_elsewhere(built_site: Path) -> None:
    for page in html_pages(built_site):
        html = page.read_text(encoding="utf-8")
        foreign = re.findall(r'<(?:script|link|img)[^>]+(?:src|href)="(?:https?:)?//[^"]+"', html)
        foreign = [tag for tag in foreign if 'rel="canonical"' not in tag]
        assert not foreign, f"{page.relative_to(built_site)} loads from another origin: {foreign}"
        assert "mermaid" not in html, f"{page.relative_to(built_site)} mentions mermaid"


def test_a_second_build_is_byte_identical(built_site: Path, tmp_path: Path) -> None:
    again = tmp_path / "again"
    subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "--quiet", "--site-dir", str(again)],
        cwd=ROOT,
        check=True,
        env={**os.environ, "NO_MKDOCS_2_WARNING": "1"},
    )
    dated = {"sitemap.xml", "sitemap.xml.gz"}  # carry the build date by design
    first = {p.relative_to(built_site) for p in built_site.rglob("*") if p.is_file()}
    second = {p.relative_to(again) for p in again.rglob("*") if p.is_file()}
    assert first == second
    differ = [
        str(p)
        for p in sorted(first)
        if p.name not in dated and (built_site / p).read_bytes() != (again / p).read_bytes()
    ]
    assert differ == []


def console_output(markdown: Path, command: str) -> list[str]:
    for fence in find_fences(markdown):
        if fence.language == "console" and f"$ {command}" in fence.lines:
            start = fence.lines.index(f"$ {command}") + 1
            end = next(
                (n for n in range(start, len(fence.lines)) if fence.lines[n].startswith("$ ")), None
            )
            lines = fence.lines[start:end]
            while lines and not lines[-1].strip():
                lines.pop()
            return lines
    raise AssertionError(f"{markdown}: no console block runs `{command}`")


def test_downloaded_single_file_examples_run_on_their_own(built_site: Path, tmp_path: Path) -> None:
    checked = 0
    for pattern in example_pages():
        page = (
            built_site / pattern.page.relative_to(DOCS).with_suffix("") / "index.html"
        ).read_text()
        match = re.search(r'href="([^"]*examples/snippets/[^"]+\.py)"', page)
        if match is None:
            assert "needs files beside it" in page, f"{pattern}: no download link"
            continue
        download = (
            built_site / pattern.page.relative_to(DOCS).with_suffix("") / match.group(1)
        ).resolve()
        copy = tmp_path / download.name
        copy.write_bytes(download.read_bytes())
        done = subprocess.run(
            [sys.executable, copy.name],
            cwd=tmp_path,
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
        assert done.returncode == 0, f"{download.name} fails on its own:\n{done.stderr}"
        expected = console_output(pattern.page, f"python -m {pattern.module_name}")
        assert done.stdout.rstrip("\n").split("\n") == expected, f"{download.name} prints otherwise"
        checked += 1
    assert checked >= 20


def test_the_examples_zip_runs_after_unzipping(built_site: Path, tmp_path: Path) -> None:
    with zipfile.ZipFile(built_site / "examples" / "snippets.zip") as archive:
        archive.extractall(tmp_path)
    assert (tmp_path / "requirements.txt").read_text() == (ROOT / "requirements.lock").read_text()
    done = subprocess.run(
        [sys.executable, "-m", "snippets", "run", "observer-reactive"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    expected = console_output(
        DOCS / "reactive" / "observer-reactive.md", "python -m snippets.reactive.observer_reactive"
    )
    assert done.stdout.rstrip("\n").split("\n") == expected


def test_every_page_has_a_description_and_is_in_the_sitemap(built_site: Path) -> None:
    sitemap = (built_site / "sitemap.xml").read_text(encoding="utf-8")
    for markdown in sorted(DOCS.rglob("*.md")):
        front = re.match(r"---\n(.*?)\n---\n", markdown.read_text(encoding="utf-8"), flags=re.S)
        assert front and "\ndescription:" in "\n" + front.group(1), f"{markdown}: no description"
        path = markdown.relative_to(DOCS).with_suffix("").as_posix()
        url = "" if path == "index" else f"{path}/"
        assert f"<loc>https://python-patterns.example.org/{url}</loc>" in sitemap, (
            f"{url} not in sitemap"
        )


def test_pages_are_tagged_with_their_family_and_the_tags_page_lists_them(
    built_site: Path,
) -> None:
    families = {"creational": "Creational", "structural": "Structural", "behavioral": "Behavioural"}
    families |= {"reactive": "Reactive", "cloud": "Cloud"}
    families |= {"principles": "Principles", "testing": "Testing", "concurrency": "Concurrency"}
    families |= {"performance": "Performance", "architecture": "Architecture"}
    tags_page = (built_site / "tags" / "index.html").read_text(encoding="utf-8")
    for pattern in example_pages():
        front = pattern.text.split("\n---\n", 1)[0]
        tags = re.findall(r"^  - (.+)$", front.split("tags:\n", 1)[1], flags=re.M)
        assert tags[0] == families[pattern.family] and len(tags) >= 2, (
            f"{pattern}: family and theme"
        )
        assert (
            f'href="../{pattern.page.relative_to(DOCS).with_suffix("").as_posix()}/"' in tags_page
        )


def test_glossary_terms_become_tooltips(built_site: Path) -> None:
    page = (built_site / "cloud" / "cache-aside" / "index.html").read_text(encoding="utf-8")
    assert '<abbr title="Time to live: how long a cached entry stays valid">TTL</abbr>' in page


def test_edit_links_and_a_useful_404_page(built_site: Path) -> None:
    page = (built_site / "creational" / "builder" / "index.html").read_text(encoding="utf-8")
    assert "/edit/main/docs/creational/builder.md" in page
    not_found = (built_site / "404.html").read_text(encoding="utf-8")
    for link in ['href="/choose/"', 'href="/cheat-sheet/"', 'href="/tags/"', 'href="/index.html"']:
        assert link in not_found


def test_every_diagram_is_fresh() -> None:
    old = [str(svg.relative_to(ROOT)) for source in sources() for svg in stale(source)]
    assert old == [], "run `make diagrams`"


def test_the_map_the_chooser_and_the_cheat_sheet_link_every_page() -> None:
    for hub in ["index.md", "choose.md", "cheat-sheet.md"]:
        text = (DOCS / hub).read_text(encoding="utf-8")
        missing = [
            str(page)
            for page in example_pages()
            if f"]({page.page.relative_to(DOCS).as_posix()}" not in text
        ]
        assert not missing, f"docs/{hub} links no page of its own to {missing}"


def test_moved_pages_forward_their_old_address_to_the_new_one(built_site: Path) -> None:
    from mkdocs.config import load_config

    plugin = load_config(str(ROOT / "mkdocs.yml"))["plugins"]["redirects"]
    moves = plugin.config["redirect_maps"]
    assert moves, "no moved pages listed"
    for old, new in moves.items():
        assert not (DOCS / old).exists(), f"{old} is still in docs/: nothing to forward"
        assert (DOCS / new).exists(), f"{old} forwards to {new}, which does not exist"
        target = "../../" + new.removesuffix(".md") + "/"
        html = (built_site / old.removesuffix(".md") / "index.html").read_text(encoding="utf-8")
        assert f'<meta http-equiv="refresh" content="0; url={target}">' in html, old
        assert (built_site / new.removesuffix(".md") / "index.html").exists()
