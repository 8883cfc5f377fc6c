"""The built site as a reader meets it: in a real Chromium, served over real HTTP."""

from __future__ import annotations

import functools
import re
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal
from urllib.parse import urlsplit

import pytest
from pytest_examples import CodeExample
from pytest_examples.config import ExamplesConfig
from pytest_examples.lint import code_diff
from pytest_examples.run_code import Arg, InsertPrintStatements, PrintStatement

from scripts.run_in_browser import OTHER_OUTPUT, reasons
from tests.pagecode import (
    DOCS,
    PYTHON_LANGUAGES,
    fence_examples,
    find_fences,
    unchecked_output_line,
)
from tests.search_queries import QUERIES, READER_QUERIES

if TYPE_CHECKING:
    from playwright.sync_api import Browser, BrowserContext, Page


def page_path(markdown: Path) -> str:
    """`docs/creational/factory-method.md` -> `/creational/factory-method/`."""
    relative = markdown.relative_to(DOCS).with_suffix("")
    return "/" if relative.name == "index" else f"/{relative.as_posix()}/"


PAGE_PATHS = [page_path(p) for p in sorted(DOCS.rglob("*.md"))] + ["/404.html"]


def open_page(
    context: BrowserContext, url: str, *, until: Literal["load", "networkidle"] = "networkidle"
) -> tuple[Page, list[str]]:
    """Load `url`; return the page and every problem seen while it loaded (by default, until
    the network has been quiet for half a second, so that late requests are seen too)."""
    page = context.new_page()
    problems: list[str] = []
    origin = "{0.scheme}://{0.netloc}".format(urlsplit(url))
    page.on(
        "console",
        lambda m: problems.append(f"console {m.type}: {m.text}") if m.type == "error" else None,
    )
    page.on("pageerror", lambda error: problems.append(f"page error: {error}"))
    page.on("requestfailed", lambda r: problems.append(f"failed request: {r.url} ({r.failure})"))

    def check_origin(url: str) -> None:
        if not url.startswith((origin + "/", "data:", "blob:")):
            problems.append(f"request to another origin: {url}")

    page.on("request", lambda r: check_origin(r.url))
    response = page.goto(url, wait_until=until)
    if url.endswith("/404.html"):
        assert response is not None and response.status == 200
    else:
        assert response is not None and response.ok, f"{url}: HTTP {response and response.status}"
    return page, problems


@functools.cache
def python_examples(markdown: Path) -> list[list[CodeExample]]:
    """The examples each Python block of a page renders (several for a block of includes)."""
    return [
        [example for example, _ in fence_examples(markdown, fence)]
        for fence in find_fences(markdown)
        if fence.language in PYTHON_LANGUAGES
    ]


PYTHON_PAGES = [page_path(p) for p in sorted(DOCS.rglob("*.md")) if python_examples(p)]
PYTHON_BLOCKS = "div.language-py:not(.doc div), div.language-python:not(.doc div)"
# Click each block's copy button inside the page and read the clipboard: what it copied and the
# text the block shows. One round trip per page instead of four per block.
COPY_IN_PAGE = """async selector => {
  const copies = [];
  for (const [index, block] of document.querySelectorAll(selector).entries()) {
    await navigator.clipboard.writeText("");
    const button = block.querySelector("button.md-code__button[data-md-type='copy']");
    if (!button) throw new Error(`block ${index + 1} has no copy button`);
    button.dispatchEvent(new MouseEvent("click", {bubbles: true, cancelable: true}));
    let text = "";
    for (let frame = 0; frame < 300 && text === ""; frame++) {
      await new Promise(resolve => requestAnimationFrame(resolve));
      text = await navigator.clipboard.readText();
    }
    if (text === "") throw new Error(`block ${index + 1}: its copy button copied nothing`);
    copies.push([text, block.querySelector("code").innerText]);
  }
  return copies;
}"""


@pytest.fixture(scope="module")
def python_context(browser: Browser, site_url: str) -> Iterator[BrowserContext]:
    """One browser context for the tests that run Python, with a page that keeps the site's
    shared worker alive: Pyodide starts once per test process, not once per page."""
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    context.grant_permissions(["clipboard-read", "clipboard-write"], origin=site_url)
    keeper = context.new_page()
    keeper.goto(site_url + "/404.html")
    keep_python_alive(context)
    yield context
    context.close()


def keep_python_alive(context: BrowserContext) -> None:
    """Connect the context's first page to the site's shared worker, so that it outlives the
    pages that run Python. Again after Python stopped for good: the worker closed itself."""
    context.pages[0].evaluate(
        """() => { window.python = new SharedWorker("/assets/javascripts/run-worker.js",
                                                    {type: "module", name: "python"});
                   window.python.port.start(); }"""
    )


TIMEOUT = "new Promise((_, fail) => setTimeout(() => fail(new Error('no answer in 60 s')), 60000))"
# Click Run under block `n` as a reader does, and wait for the run's results.
CLICK_RUN = f"""async n => {{
  const done = new Promise(resolve =>
    document.addEventListener("run:done", event => resolve(event.detail), {{once: true}}));
  document.querySelector(`[data-run-block="${{n}}"] [data-run="run"]`).click();
  return await Promise.race([done, {TIMEOUT}]);
}}"""
# Run blocks 1 to `n` through the page's own module, where no Run button is (a marked block).
FORCE_RUN = f"""async n => Promise.race([
  (await import("/assets/javascripts/run.js")).run(n), {TIMEOUT}])"""


def browser_prints(result: dict[str, Any]) -> list[PrintStatement]:
    """The prints Pyodide recorded for one block, as pytest-examples records them."""
    statements = []
    for line, sep, args in result["prints"]:
        shown = []
        for text, is_str in args:
            arg = Arg.__new__(Arg)
            arg.data, arg.is_str = text, is_str
            shown.append(arg)
        statements.append(PrintStatement(line, sep, shown))
    return statements


def check_printed(where: str, examples: list[CodeExample], result: dict[str, Any]) -> None:
    """The `#>` lines of a block's examples are exactly what the block printed in the browser,
    compared by pytest-examples' own code, as `test_examples.py` compares CPython's prints."""
    offset = 0
    statements = browser_prints(result)
    for example in examples:
        lines = example.source.count("\n")
        insert_print = InsertPrintStatements(Path(where), BROWSER_CONFIG, True, None, None)
        assert insert_print.print_func is not None
        insert_print.print_func.statements = [
            PrintStatement(s.line_no - offset, s.sep, s.args)
            for s in statements
            if offset < s.line_no <= offset + lines
        ]
        assert insert_print.updated_print_statements(example) is None, (
            f"{where}: prints other output in the browser:\n"
            + code_diff(
                example, insert_print.updated_print_statements(example) or "", BROWSER_CONFIG
            )
        )
        unchecked = unchecked_output_line(example, insert_print)
        assert unchecked is None, f"{where}: line {unchecked}: this output never printed"
        offset += lines


BROWSER_CONFIG = ExamplesConfig(line_length=88, target_version="py311")


def check_copy(page: Page, path: str) -> None:
    """Every Python block of a page, copied with its copy button, is the code shown, and all of
    them in order are the program that `test_examples.py::test_pages` runs; what a reader
    pastes into one file runs as tested."""
    blocks = python_examples(DOCS / (path.strip("/") + ".md"))
    tested = ["".join(example.source for example in block).rstrip("\n") for block in blocks]
    page.evaluate("document.querySelectorAll('details').forEach(d => { d.open = true })")
    copies = page.evaluate(COPY_IN_PAGE, PYTHON_BLOCKS)
    assert len(copies) == len(tested), f"{path}: rendered blocks differ from the page's fences"
    for index, (text, shown) in enumerate(copies):
        where = f"{path}: block {index + 1}"
        assert text == shown.rstrip("\n"), f"{where} copies other text than it shows"
        assert text == tested[index], f"{where} copies other code than the suite runs"


def check_run(page: Page, path: str, problems: list[str]) -> None:
    """Run under the last block that can run in a browser prints, block by block, exactly the
    outputs the page shows. The first block marked "runs on your machine" fails there as its
    note says, so the marked blocks are exactly those that cannot run."""
    blocks = python_examples(DOCS / (path.strip("/") + ".md"))
    runnable = page.locator(".run-bar").count()
    marks = page.locator(".run-note").count()
    assert runnable + marks == len(blocks), f"{path}: a block has neither Run nor a note"
    if runnable:
        done = page.evaluate(CLICK_RUN, runnable)
        assert done["kind"] == "done", f"{path}: {done}"
        assert len(done["results"]) == runnable, f"{path}: stopped early: {done['results'][-1]}"
        for n, (examples, result) in enumerate(zip(blocks, done["results"], strict=False), 1):
            assert result["error"] is None, f"{path}: block {n} raised:\n{result['error']}"
            check_printed(f"{path}: block {n}", examples, result)
            shown = page.locator(f".run-output[aria-label='Output of code block {n}']")
            assert (shown.text_content() or "").strip() == (
                result["output"].strip()
                or ("(this block printed nothing)" if n == runnable else "")
            ), f"{path}: block {n}"
    assert problems == []
    if marks:  # Python may stop for good here (a stack overflow): problems are not counted
        note = page.locator(".run-note").first
        first = int(note.get_attribute("data-run-block") or 0)
        assert first == runnable + 1, f"{path}: blocks after a note must be marked too"
        patterns = [r.fails_with for r in reasons(note.get_attribute("data-machine") or "")]
        done = page.evaluate(FORCE_RUN, first)
        if done["kind"] == "failed":
            failure = done["text"]
            keep_python_alive(page.context)
        else:
            results = done["results"]
            assert len(results) == first, f"{path}: block {len(results)} failed, not {first}"
            failure = (results[-1]["error"] or "").strip().split("\n")[-1]
            if not failure:
                try:
                    check_printed(path, blocks[first - 1], results[-1])
                except AssertionError:
                    failure = OTHER_OUTPUT
            assert failure, f"{path}: block {first} is marked but runs as the page shows"
        assert any(re.search(p, failure) for p in patterns), (
            f"{path}: block {first} failed otherwise than its note says: {failure}"
        )


# Pyodide, the wheels and the examples for it, and the script that starts them: none of it
# may be requested before the reader clicks Run (scripts/run_in_browser.py).
PYTHON_FILES = re.compile(r"^/(pyodide/|examples/snippets\.zip$|assets/javascripts/run)")


@pytest.mark.parametrize("path", PAGE_PATHS)
def test_page_loads_cleanly_from_its_own_origin_and_axe_finds_no_violation(
    python_context: BrowserContext, site_url: str, path: str
) -> None:
    """One load per page for all its checks: the load is most of the time they take. Axe
    runs last, with the outputs of Run on the page. The code of code blocks is left to the
    next test: its colours are the same on every page."""
    from axe_playwright_python.sync_playwright import Axe

    page, problems = open_page(python_context, site_url + path)
    try:
        check_page_in_browser(Axe(), page, path, problems)
    finally:
        page.close()


def check_page_in_browser(axe: Any, page: Page, path: str, problems: list[str]) -> None:
    assert problems == []
    requested = page.evaluate("performance.getEntriesByType('resource').map(e => e.name)")
    early = [url for url in requested if PYTHON_FILES.search(urlsplit(url).path)]
    assert early == [], f"{path}: requested before any click: {early}"
    if path in PYTHON_PAGES:
        check_run(page, path, problems)
    results = axe.run(page, context={"exclude": [[CODE]]})  # with Run's outputs on the page
    assert results.violations_count == 0, results.generate_report()
    for image in page.locator("article img").all():
        source = image.get_attribute("src") or ""
        if ".svg" in source:
            alt = image.get_attribute("alt") or ""
            assert len(alt) >= 20, f"{path}: diagram {source} needs alt text that describes it"
            loaded = image.evaluate(
                """async img => img.complete && img.naturalWidth > 0 ||
                (await fetch(img.src)).headers.get("content-type").includes("image/svg+xml")"""
            )
            assert loaded, f"{path}: diagram {source} does not load"
    for svg in page.locator("article svg:not(.md-icon svg)").all():
        if svg.evaluate("s => s.getBBox().width > 100"):
            assert svg.locator("title").count() or svg.get_attribute("aria-label"), (
                f"{path}: untitled inline SVG"
            )
    if path in PYTHON_PAGES:
        check_copy(page, path)  # last: Material's "Copied" dialog is no landmark for axe


CODE = "pre > code"  # the highlighted code of a code block


def pages_showing_every_token(site: Path) -> list[str]:
    """Few pages whose code blocks, together, show every kind of highlighted token the site
    has (keyword, string, builtin, comment, prompt, ...): a token's colour is one rule of
    the stylesheet, the same on every page, so its contrast needs checking once."""
    kinds = {
        "/" + page.relative_to(site).parent.as_posix().strip(".") + "/": {
            kind
            for block in re.findall(r"<pre[^>]*>(.*?)</pre>", page.read_text(), flags=re.S)
            for kind in re.findall(r'<span class="([\w ]+)"', block)
        }
        for page in site.rglob("index.html")
    }
    left, chosen = set().union(*kinds.values()), []
    while left:
        best = max(sorted(kinds), key=lambda path: len(kinds[path] & left))
        chosen.append(best.replace("//", "/"))
        left -= kinds[best]
    return chosen


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_every_kind_of_code_token_and_the_page_around_it_have_contrast_in_both_schemes(
    browser: object, built_site: Path, site_url: str, scheme: Literal["light", "dark"]
) -> None:
    from axe_playwright_python.sync_playwright import Axe
    from playwright.sync_api import Browser

    assert isinstance(browser, Browser)
    context = browser.new_context(viewport={"width": 1280, "height": 900}, color_scheme=scheme)
    try:
        page = context.new_page()
        for path in pages_showing_every_token(built_site):
            page.goto(site_url + path, wait_until="load")
            results = Axe().run(  # the whole page: the dark scheme is checked nowhere else
                page, options={"resultTypes": ["violations"], "runOnly": ["color-contrast"]}
            )
            assert results.violations_count == 0, f"{path}: " + results.generate_report()
    finally:
        context.close()


@pytest.fixture(scope="module")
def search_page(browser: object, site_url: str) -> Page:
    from playwright.sync_api import Browser

    assert isinstance(browser, Browser)
    page = browser.new_page()
    page.goto(site_url + "/", wait_until="networkidle")
    page.locator("input.md-search__input").click()
    return page


# Material searches when a key is released in its box (a `keyup` listener that reads the box's
# value) and shows "Type to start searching" for an empty box, then "N matching documents".
# The queries run inside the page, each through that listener, one round trip for a whole
# table: typing them key by key from Playwright took four times as long for the same results.
SEARCH_IN_PAGE = """async queries => {
  const box = document.querySelector("input.md-search__input");
  const meta = document.querySelector(".md-search-result__meta");
  const answered = async (ready, query) => {
    for (let frame = 0; frame < 600; frame++) {  // ten seconds at 60 frames a second
      if (ready()) return;
      await new Promise(resolve => requestAnimationFrame(resolve));
    }
    throw new Error(`search did not answer ${JSON.stringify(query)}: ${meta.textContent}`);
  };
  const found = [];
  for (const query of queries) {
    box.value = "";
    box.dispatchEvent(new KeyboardEvent("keyup"));
    await answered(() => meta.textContent.includes("Type to start"), "");
    box.value = query;
    box.dispatchEvent(new KeyboardEvent("keyup"));
    await answered(() => /matching/i.test(meta.textContent), query);
    const links = document.querySelectorAll("li.md-search-result__item a");
    found.push([...links].map(link => link.getAttribute("href")));
  }
  return found;
}"""


def search_all(page: Page, queries: list[str]) -> list[list[str]]:
    """Put each query into the site's own search box; return each one's result pages, best
    first."""
    answers: list[list[str]] = page.evaluate(SEARCH_IN_PAGE, queries)
    results = []
    for links in answers:
        pages: list[str] = []
        for link in links:
            path = urlsplit(link).path
            if path not in pages:
                pages.append(path)
        results.append(pages)
    return results


def search(page: Page, query: str) -> list[str]:
    return search_all(page, [query])[0]


SEARCH_TABLES: dict[str, list[tuple[str, tuple[str, ...]]]] = {
    "ours": [(query, (expected,)) for query, expected in QUERIES],
    "readers": READER_QUERIES,
}
SEARCH_TOP_THREE_SHARE = 0.95  # of each table's queries whose page is among the first three


@pytest.mark.parametrize("table", SEARCH_TABLES)
def test_search_finds_the_page_in_the_first_three(search_page: Page, table: str) -> None:
    """Every query of a table goes through the site's own search box; at least 95 % of them
    must list a page they name among the first three results. The misses are printed."""
    misses = []
    answers = search_all(search_page, [query for query, _ in SEARCH_TABLES[table]])
    for (query, expected), found in zip(SEARCH_TABLES[table], answers, strict=True):
        if not set(expected) & set(found[:3]):
            misses.append(f"{query!r}: wanted {' or '.join(expected)}, got {found[:3]}")
    share = 1 - len(misses) / len(SEARCH_TABLES[table])
    print(f"{table}: {share:.1%} in the first three; misses:", *misses, sep="\n  ")
    assert share >= SEARCH_TOP_THREE_SHARE, "\n".join(misses)


def test_a_search_that_finds_nothing_points_to_the_chooser_and_the_cheat_sheet(
    search_page: Page,
) -> None:
    assert search(search_page, "zqxj") == []
    hint = search_page.locator("#search-hint")
    assert hint.is_visible()
    assert hint.locator("a").evaluate_all("links => links.map(l => l.pathname)") == [
        "/choose/",
        "/cheat-sheet/",
    ]
    search(search_page, "singleton")
    assert search_page.locator("#search-hint").count() == 0


def test_edit_run_and_reset_a_block(python_context: BrowserContext, site_url: str) -> None:
    """Edit makes a block editable, Run runs the edited code, Reset brings back the code shown
    and Run then prints the page's own output again."""
    page = python_context.new_page()
    page.add_init_script("delete window.SharedWorker")  # a dedicated worker: Playwright sees
    # its requests, which it does not for a shared one (microsoft/playwright#33917)
    requests: list[str] = []
    page.on("request", lambda request: requests.append(request.url))
    page.goto(site_url + "/creational/builder/", wait_until="load")
    assert [url for url in requests if PYTHON_FILES.search(urlsplit(url).path)] == []
    bar = page.locator("[data-run-block='1']")
    bar.get_by_role("button", name="Edit code block 1").click()
    editor = page.get_by_role("textbox", name="Code of block 1, editable")
    original = editor.input_value()  # waits until run.js has loaded and shown the editor
    assert page.locator("div.language-py").first.is_hidden()
    editor.fill(original + '\nprint("edited in the browser")\n')
    done = page.evaluate(CLICK_RUN, 1)
    output = page.locator(".run-output[aria-label='Output of code block 1']")
    assert done["kind"] == "done"
    assert output.inner_text().strip().endswith("edited in the browser")
    bar.get_by_role("button", name="Reset code block 1 to the code shown").click()
    assert editor.count() == 0 and output.inner_text() == ""
    assert page.locator("div.language-py code").first.is_visible()
    done = page.evaluate(CLICK_RUN, 1)
    assert done["kind"] == "done"
    assert output.inner_text().strip() == done["results"][0]["output"].strip() != ""
    assert "edited" not in output.inner_text()
    fetched = [urlsplit(url) for url in requests]
    assert {f"{u.scheme}://{u.netloc}" for u in fetched} == {site_url}
    assert {"/pyodide/pyodide.asm.wasm", "/examples/snippets.zip"} <= {u.path for u in fetched}
    page.close()


SCHEMES = {"light": "default", "dark": "slate"}  # system preference -> Material's scheme


@pytest.mark.parametrize("system", ["light", "dark"])
def test_colour_scheme_follows_the_system_until_the_reader_switches(
    browser: object, site_url: str, system: str
) -> None:
    from playwright.sync_api import Browser

    assert isinstance(browser, Browser)
    context = browser.new_context(color_scheme=system)  # type: ignore[arg-type]
    # The scheme the body has when the article is parsed: a later switch paints the page twice.
    context.add_init_script(
        """new MutationObserver((records, observer) => {
          if (!document.querySelector("article")) return;
          window.schemeAtArticle = document.body.getAttribute("data-md-color-scheme");
          observer.disconnect();
        }).observe(document, {childList: true, subtree: true});"""
    )
    try:
        page = context.new_page()
        page.goto(site_url + "/creational/builder/", wait_until="networkidle")
        own, other = SCHEMES[system], SCHEMES["dark" if system == "light" else "light"]
        assert page.evaluate("window.schemeAtArticle") == own
        assert page.locator("body").get_attribute("data-md-color-scheme") == own
        switch = page.locator("[data-md-palette]:visible")
        assert switch.count() == 1
        switch.click()
        assert page.locator("body").get_attribute("data-md-color-scheme") == other
        focused = page.evaluate("document.activeElement.getAttribute('aria-label')")
        assert focused == page.locator("[data-md-palette]:visible").get_attribute("aria-label")
        page.goto(site_url + "/structural/adapter/", wait_until="networkidle")
        assert page.evaluate("window.schemeAtArticle") == other, "the choice is not kept"
    finally:
        context.close()
