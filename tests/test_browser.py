"""The pages in a real browser (issue 14): Playwright for Python driving Debian's Chromium from file://.

What is checked: no console error, no failed request and no request but the
page's own file; the report's filters and the index's sorting; the
comparison page showing two systems side by side; a hostile submission's
strings shown as text, no dialog and no script of theirs run (each payload
sets ``window.__pwned``), and the Content-Security-Policy present.

With ``CI=true`` these tests never skip: a missing Playwright or Chromium
fails them. Elsewhere they skip with the reason. Screenshots go to
``$BENCH_SCREENSHOT_DIR`` (default ``tests/screenshots/``, ignored by git);
``report.png`` there is the example's report, committed as ``docs/report.png``.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import EXAMPLE_SUBMISSION, REPO_ROOT, run_bench
from tests.test_web import HOSTILE_NAME, PAYLOADS, _publish, hostile_results, make_project, stub_scorer

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--no-first-run", "--disable-sync"]
SCREENSHOTS = Path(os.environ.get("BENCH_SCREENSHOT_DIR") or REPO_ROOT / "tests" / "screenshots")
IN_CI = os.environ.get("CI") == "true"


def _unavailable(reason: str) -> None:
    if IN_CI:
        pytest.fail(f"{reason}; CI runs the browser tests and never skips them", pytrace=False)
    pytest.skip(reason)


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        _unavailable("playwright is not installed (pip install -e '.[test]')")
    if not Path(CHROMIUM).is_file():
        _unavailable(f"no Chromium at {CHROMIUM} (apt-get install chromium)")
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield launched
        launched.close()


class Visit:
    """A page opened from a file, recording console errors, requests, failed requests and dialogs."""

    def __init__(self, browser, path: Path):
        self.url = path.resolve().as_uri()
        self.page = browser.new_page(viewport={"width": 1280, "height": 900})
        self.errors: list[str] = []
        self.requests: list[str] = []
        self.failed: list[str] = []
        self.dialogs: list[str] = []
        self.page.on("console", lambda message: self.errors.append(message.text) if message.type in ("error", "warning") else None)
        self.page.on("pageerror", lambda error: self.errors.append(str(error)))
        self.page.on("request", lambda request: self.requests.append(request.url))
        self.page.on("requestfailed", lambda request: self.failed.append(request.url))
        self.page.on("dialog", self._dialog)
        self.page.goto(self.url)

    def _dialog(self, dialog) -> None:
        self.dialogs.append(dialog.message)
        dialog.dismiss()

    def assert_clean(self) -> None:
        """No console error or warning (a CSP violation is one), no failed request, no request but the page's own file, no dialog."""
        assert self.errors == []
        assert self.failed == []
        assert self.requests == [self.url]
        assert self.dialogs == []
        assert self.page.evaluate("window.__pwned") is None
        policy = self.page.locator('meta[http-equiv="Content-Security-Policy"]').get_attribute("content")
        assert policy.startswith("default-src 'none'; script-src 'sha256-")

    def visible(self, selector: str) -> int:
        return self.page.locator(f"{selector} >> visible=true").count()

    def screenshot(self, name: str, *, height: int | None = None) -> None:
        """Save the viewport, or the page's first ``height`` pixels."""
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        clip = {"x": 0, "y": 0, "width": 1280, "height": height} if height else None
        self.page.screenshot(path=str(SCREENSHOTS / name), full_page=clip is not None, clip=clip)

    def close(self) -> None:
        self.assert_clean()
        self.page.close()


@pytest.fixture(scope="module")
def example_report(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The example submission's report, written by ``bench score --html`` (scored once for the module)."""
    folder = tmp_path_factory.mktemp("report")
    completed = run_bench("score", str(EXAMPLE_SUBMISSION), "--html", str(folder / "report.html"), "--output", str(folder / "results.json"))
    assert completed.returncode == 0, completed.stderr
    return folder


@pytest.fixture(scope="module")
def site(example_report: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A project whose site shows the example's real results and a hostile submission's."""
    from scorers.results_schema import Results

    example = Results.model_validate_json((example_report / "results.json").read_bytes())
    named = {"Example": example, "Hostile": hostile_results(HOSTILE_NAME, sha256="")}
    submissions = make_project(tmp_path_factory.mktemp("project"), named)
    _publish(submissions, stub_scorer(named))
    return submissions.parent / "site"


def test_example_report_filters(browser, example_report: Path) -> None:
    visit = Visit(browser, example_report / "report.html")
    items = json.loads((example_report / "results.json").read_bytes())["items"]
    assert visit.page.locator("tr.item").count() == len(items)
    assert visit.page.locator("#shown").text_content() == f"{len(items)} of {len(items)} items shown"
    visit.screenshot("report.png", height=1900)  # the tables, the filters, an article and the first items
    visit.page.select_option("#filter-verdict", "missing")
    missing = [item for item in items if item["verdict"] == "missing"]
    assert visit.visible("tr.item") == len(missing) == visit.visible('tr.item[data-verdict="missing"]') > 0
    visit.page.select_option("#filter-field", "demands")
    assert visit.visible("tr.item") == sum(1 for item in missing if item["field"] == "demands") > 0
    assert visit.visible("table.field") == sum(1 for i in {item["instance"] for item in missing if item["field"] == "demands"})
    visit.page.select_option("#filter-verdict", "")
    visit.page.select_option("#filter-field", "")
    visit.page.select_option("#filter-consistency", "contradicted")
    contradicted = [item["path"] for item in items if (item.get("consistency") or {}).get("label") == "contradicted"]
    shown = visit.page.locator("tr.item >> visible=true").evaluate_all("rows => rows.map(row => row.dataset.path)")
    assert shown == contradicted and contradicted
    visit.page.select_option("#filter-consistency", "none")
    assert visit.visible("tr.item") == len(missing)
    visit.screenshot("report-filtered.png")
    visit.close()


def test_evidence_links_lead_to_items_and_back(browser, example_report: Path) -> None:
    visit = Visit(browser, example_report / "report.html")
    first = visit.page.locator("sup a").first
    target = first.get_attribute("href")
    first.click()
    assert visit.page.evaluate("location.hash") == target
    row = visit.page.locator(f"tr.item{target}")
    assert row.count() == 1 and row.is_visible()
    row.locator("a").first.click()
    assert visit.page.evaluate("document.querySelector(location.hash).tagName") == "MARK"
    visit.close()


def test_index_sorts_by_a_clicked_column(browser, site: Path) -> None:
    visit = Visit(browser, site / "index.html")
    names = lambda: visit.page.locator("#board tbody tr td:nth-child(2) bdi").all_text_contents()  # noqa: E731
    overall = lambda: [float(v) for v in visit.page.locator("#board tbody td:nth-child(4)").evaluate_all("cells => cells.map(c => c.dataset.sort)")]  # noqa: E731
    visit.page.get_by_role("button", name="Overall").click()
    ascending = names()
    assert overall() == sorted(overall()) and len(set(overall())) == 2 and sorted(ascending) == sorted(["example", HOSTILE_NAME])
    visit.page.get_by_role("button", name="Overall").click()
    assert overall() == sorted(overall(), reverse=True) and names() == ascending[::-1]
    assert visit.page.locator("th[aria-sort=descending]").text_content().startswith("Overall")
    visit.page.get_by_role("button", name="System").click()
    assert names() == sorted(names())
    assert visit.page.locator(".chart img").evaluate("image => image.complete && image.naturalWidth > 0")
    visit.screenshot("index.png")
    visit.close()


def test_compare_shows_two_systems_side_by_side(browser, site: Path) -> None:
    visit = Visit(browser, site / "compare.html")
    visit.page.select_option("#system-a", label="\u2068example\u2069 (example)")
    visit.page.select_option("#system-b", label=f"\u2068{HOSTILE_NAME}\u2069 (hostile)")
    rows = visit.page.locator("#compare tbody tr")
    assert rows.count() > 0
    trump = visit.page.locator("#compare tbody tr", has=visit.page.locator('td[data-path="predictions.000.attendees[0]"]')).first
    cells = trump.locator("td.item")
    assert cells.count() == 2, "both systems' Donald Trump on one row"
    assert [cells.nth(0).get_attribute("data-verdict"), cells.nth(1).get_attribute("data-verdict")] == ["correct", "correct"]
    assert visit.page.locator("#head-a").text_content() == "example" and visit.page.locator("#head-b").text_content() == HOSTILE_NAME
    shown = visit.page.locator("#compare").text_content()
    for payload in PAYLOADS:
        assert payload in shown
    visit.screenshot("compare.png")
    visit.close()


@pytest.mark.parametrize("page", ["index.html", "compare.html", "systems/hostile.html"])
def test_hostile_strings_stay_inert(browser, site: Path, page: str) -> None:
    visit = Visit(browser, site / page)
    visit.page.wait_for_timeout(200)  # an onerror handler would fire once the broken image failed
    shown = visit.page.locator("body").text_content()
    assert HOSTILE_NAME in shown
    assert visit.page.locator("a[href^='javascript']").count() == 0
    if page != "index.html":
        for payload in PAYLOADS:
            assert payload in shown
    for element in visit.page.locator("bdi").all()[:50]:
        element.evaluate("e => e.children.length === 0") or pytest.fail("markup inside an isolated string")
    visit.screenshot(page.replace("/", "-").replace(".html", ".png"))
    visit.close()


def test_screenshot_folder_is_ignored_by_git() -> None:
    ignored = (REPO_ROOT / ".gitignore").read_text(encoding="utf-8").splitlines()
    assert "tests/screenshots/" in ignored
