"""`make bench`: time the build and the tests, then hold every page to the performance budget.

For every page of the built site, Lighthouse (mobile preset, Debian's Chromium) scores
performance, accessibility, best practices and SEO, and reports the bytes a first visit
transfers, served gzipped as real hosts do. The table is printed and written to
bench/results.md, which the page "How this site is tested" includes.

Exit status 1 when a page breaks the budget. Not part of `make test`: it takes minutes and
Lighthouse's performance score moves by a few points between runs on a busy machine.
"""

from __future__ import annotations

import gzip
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from scripts.gzip_server import served

ROOT = Path(__file__).resolve().parent.parent
LIGHTHOUSE = ROOT / "bench" / "node_modules" / "lighthouse" / "cli" / "index.js"
RESULTS = ROOT / "bench" / "results.md"
CHROMIUM_ARGS = [  # Debian's Chromium, headless, as root, with no traffic of its own
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
    "--disable-dev-shm-usage",
]
CATEGORIES = ["performance", "accessibility", "best-practices", "seo"]
BUDGET = {"performance": 97, "accessibility": 100, "best-practices": 100, "seo": 100}
MAX_KB = 150
BUILDS = 3
RUNS = int(os.environ.get("BENCH_RUNS", "3"))  # Lighthouse runs per page; the median counts


@dataclass
class PageResult:
    path: str
    scores: dict[str, int]
    kilobytes: float

    def failures(self) -> list[str]:
        problems = [
            f"{c} {self.scores[c]} < {BUDGET[c]}" for c in CATEGORIES if self.scores[c] < BUDGET[c]
        ]
        if self.kilobytes > MAX_KB:
            problems.append(f"{self.kilobytes:.1f} KB > {MAX_KB} KB")
        return problems


def timed(command: list[str], **kwargs: object) -> float:
    start = time.perf_counter()
    subprocess.run(command, check=True, cwd=ROOT, **kwargs)  # type: ignore[call-overload]
    return time.perf_counter() - start


def page_paths(site: Path) -> list[str]:
    paths = []
    for page in sorted(site.rglob("index.html")):
        relative = page.parent.relative_to(site).as_posix()
        paths.append("/" if relative == "." else f"/{relative}/")
    return paths


def median_of_runs(url: str, scratch: Path) -> PageResult:
    """Lighthouse's performance score moves by a few points between runs: take medians."""
    runs = [lighthouse(url, scratch / f"run-{n}.json") for n in range(RUNS)]
    scores = {c: round(statistics.median(r.scores[c] for r in runs)) for c in CATEGORIES}
    return PageResult(runs[0].path, scores, statistics.median(r.kilobytes for r in runs))


def lighthouse(url: str, output: Path) -> PageResult:
    subprocess.run(
        [
            "node", str(LIGHTHOUSE), url,
            "--output=json", f"--output-path={output}", "--quiet",
            f"--only-categories={','.join(CATEGORIES)}",
            f"--chrome-flags={' '.join(CHROMIUM_ARGS)}",
        ],
        check=True,
        env={**os.environ, "CHROME_PATH": "/usr/bin/chromium"},
    )  # fmt: skip
    report = json.loads(output.read_text())
    scores = {c: round(report["categories"][c]["score"] * 100) for c in CATEGORIES}
    weight = report["audits"]["total-byte-weight"]["numericValue"] / 1024
    path = "/" + url.split("/", 3)[3]
    return PageResult(path, scores, weight)


def table(results: list[PageResult]) -> str:
    lines = [
        "| Page | Performance | Accessibility | Best practices | SEO | First visit (KB gzip) |",
        "| --- | ---: | ---: | ---: | ---: | ---: |",
    ]
    for r in results:
        cells = " | ".join(str(r.scores[c]) for c in CATEGORIES)
        lines.append(f"| `{r.path}` | {cells} | {r.kilobytes:.1f} |")
    return "\n".join(lines)


def index_kilobytes(site: Path) -> float:
    """The search index as a server sends it: gzipped at the level the test server uses."""
    raw = (site / "search" / "search_index.json").read_bytes()
    return len(gzip.compress(raw, compresslevel=6, mtime=0)) / 1000


def string_building() -> list[str]:
    """The anti-patterns page's claim about `+=` on strings, measured: median seconds per build
    of a report of n lines, and how much longer ten times the lines take (10 is linear, 100 is
    quadratic). Runs in a fresh interpreter so the site's build does not share its memory."""
    program = """
import json, statistics, timeit
from snippets.principles.anti_patterns import (
    ReportBuffer, ReportFile, build_report_join, build_report_plus)

def attribute_plus(lines):
    report = ReportFile("")
    for line in lines:
        report.add(line)
    return report.text

def attribute_list(lines):
    report = ReportBuffer("")
    for line in lines:
        report.add(line)
    return report.text

ways = {"local +=": build_report_plus, "str.join": build_report_join,
        "attribute +=": attribute_plus, "attribute list + join": attribute_list}
result = {}
for name, way in ways.items():
    for n in (5_000, 50_000):
        lines = [f"INV-{i:05d};240.00;EUR\\n" for i in range(n)]
        runs = timeit.repeat(lambda: way(lines), number=1, repeat=7)
        result[f"{name}:{n}"] = statistics.median(runs)
print(json.dumps(result))
"""
    done = subprocess.run(
        [sys.executable, "-c", program], cwd=ROOT, capture_output=True, text=True, check=True
    )
    medians: dict[str, float] = json.loads(done.stdout)
    lines = ["- Building a string of n lines (anti-patterns page), median of 7:"]
    for name in ["local +=", "str.join", "attribute +=", "attribute list + join"]:
        small, large = medians[f"{name}:5000"], medians[f"{name}:50000"]
        lines.append(
            f"    - {name}: {small * 1000:.2f} ms for 5,000 lines, {large * 1000:.2f} ms for "
            f"50,000 ({large / small:.0f} times longer for 10 times the lines)"
        )
    return lines


RUN_PAGES = ["/creational/builder/", "/reactive/observer-reactive/", "/cheat-sheet/"]
# Click Run under the last block that has one; resolve with the seconds until its output.
CLICK_LAST_RUN = """async () => {
  const buttons = document.querySelectorAll("[data-run='run']");
  const done = new Promise(resolve =>
    document.addEventListener("run:done", event => resolve(event.detail), {once: true}));
  const start = performance.now();
  buttons[buttons.length - 1].click();
  const detail = await done;
  if (detail.kind !== "done") throw new Error(JSON.stringify(detail));
  return (performance.now() - start) / 1000;
}"""


def run_timings(url: str) -> list[str]:
    """Seconds from a click on Run to the output, in the browser: the first Run of a page in a
    fresh browser (it starts Pyodide), and the next Run on the same page. Medians of RUNS."""
    from playwright.sync_api import sync_playwright

    lines = [
        f"- Run in the browser (Pyodide, seconds from the click to the output, median of {RUNS}):"
    ]
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS
        )
        for path in RUN_PAGES:
            first, later = [], []
            for _ in range(RUNS):
                context = browser.new_context()
                page = context.new_page()
                page.goto(url + path, wait_until="load")
                first.append(page.evaluate(CLICK_LAST_RUN))
                later.append(page.evaluate(CLICK_LAST_RUN))
                context.close()
            lines.append(
                f"    - `{path}`: first Run {statistics.median(first):.2f} s (budget 10 s), "
                f"later Runs {statistics.median(later):.2f} s (budget 1 s)"
            )
        browser.close()
    return lines


def main() -> int:
    if not LIGHTHOUSE.exists():
        sys.exit("Lighthouse is missing: run `make bench`, which installs it with `npm ci`")
    env = {**os.environ, "NO_MKDOCS_2_WARNING": "1"}
    builds = [
        timed([sys.executable, "-m", "mkdocs", "build", "--strict", "--quiet"], env=env)
        for _ in range(BUILDS)
    ]
    test_seconds = timed(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-n", "auto"], env=env
    )
    site = ROOT / "site"
    with served(site) as url, tempfile.TemporaryDirectory() as scratch:
        results = [median_of_runs(url + path, Path(scratch)) for path in page_paths(site)]
        runs = run_timings(url)

    weights = [r.kilobytes for r in results]
    summary = [
        f"- Pages: {len(results)}, Lighthouse 12.2.3 (mobile), median of {RUNS} runs each",
        "- Lowest score per category: "
        + ", ".join(f"{c} {min(r.scores[c] for r in results)}" for c in CATEGORIES),
        f"- First-visit weight: median {statistics.median(weights):.1f} KB, "
        f"largest {max(weights):.1f} KB (budget {MAX_KB} KB)",
        f"- `mkdocs build`: median {statistics.median(builds):.2f} s of {BUILDS} builds",
        f"- Test suite (`pytest -n auto`, as `make test` runs it, one run): {test_seconds:.0f} s",
        f"- Search index: {index_kilobytes(site):.1f} KB gzip, fetched only once a reader "
        "starts a search (not part of the first visit)",
        *runs,
        *string_building(),
    ]
    report = "\n".join(summary) + "\n\n" + table(results) + "\n"
    print(report)
    RESULTS.write_text(report, encoding="utf-8")
    broken = [f"{r.path}: {', '.join(r.failures())}" for r in results if r.failures()]
    for line in broken:
        print(f"over budget: {line}", file=sys.stderr)
    return 1 if broken else 0


if __name__ == "__main__":
    sys.exit(main())
