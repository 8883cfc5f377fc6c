"""A crawl of the built site: every internal link, resource and `#anchor` resolves."""

from __future__ import annotations

from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urljoin, urlsplit

BASE = "http://site.invalid/"
LINKING_ATTRIBUTES = {("a", "href"), ("link", "href"), ("img", "src"), ("script", "src")}


class PageScan(HTMLParser):
    """The ids of a page, and the internal URLs it links to or loads."""

    def __init__(self) -> None:
        super().__init__()
        self.ids: set[str] = set()
        self.links: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        for name, value in attrs:
            if value is None:
                continue
            if name in {"id", "name"} and tag != "meta":
                self.ids.add(value)
            elif (tag, name) in LINKING_ATTRIBUTES:
                self.links.append(value)


def scan(page: Path) -> PageScan:
    parser = PageScan()
    parser.feed(page.read_text(encoding="utf-8"))
    return parser


def target_file(site: Path, url: str) -> Path:
    path = unquote(urlsplit(url).path).lstrip("/")
    target = site / path
    return target / "index.html" if url.endswith("/") or target.is_dir() else target


def broken_links(site: Path) -> list[str]:
    """`page: link` for every internal link whose file or anchor does not exist."""
    pages = sorted(site.rglob("*.html"))
    scans = {page: scan(page) for page in pages}
    problems: list[str] = []
    for page, found in scans.items():
        page_url = urljoin(BASE, page.relative_to(site).as_posix())
        if page.name == "404.html":
            continue  # served at any depth; its links are written relative to the site root
        for link in found.links:
            url = urljoin(page_url, link)
            if not url.startswith(BASE):
                continue  # another site: a plain link, never loaded by the page (see test_browser)
            target = target_file(site, url)
            if not target.exists():
                problems.append(
                    f"{page.relative_to(site)}: {link} -> missing {target.relative_to(site)}"
                )
                continue
            fragment = unquote(urlsplit(url).fragment)
            if fragment and target.suffix == ".html":
                ids = scans[target].ids if target in scans else scan(target).ids
                if fragment not in ids:
                    problems.append(f"{page.relative_to(site)}: {link} -> no #{fragment} there")
    return problems


def test_every_internal_link_and_anchor_resolves(built_site: Path) -> None:
    assert broken_links(built_site) == []


def test_the_crawl_notices_a_broken_link_and_anchor(tmp_path: Path) -> None:
    (tmp_path / "guide").mkdir()
    (tmp_path / "index.html").write_text(
        '<a href="guide/">ok</a> <a href="guide/#setup">ok</a> <a href="guide/#nowhere">bad</a>'
        ' <a href="missing/">bad</a> <a href="https://example.org/">elsewhere</a>'
    )
    (tmp_path / "guide" / "index.html").write_text(
        '<h2 id="setup">Set-up</h2><a href="../">home</a>'
    )
    assert broken_links(tmp_path) == [
        "index.html: guide/#nowhere -> no #nowhere there",
        "index.html: missing/ -> missing missing/index.html",
    ]


def test_the_crawl_reads_real_pages(built_site: Path) -> None:
    assert len(scan(built_site / "index.html").links) > 10
