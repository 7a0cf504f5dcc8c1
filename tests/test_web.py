"""The HTML pages (issue 14): escaping, the report page, the static site and its check.

Nothing here loads the model: results are built by hand (``hostile_results``)
or by a stub scorer, and the site is published through the real
``publish_leaderboard``. ``tests/test_browser.py`` drives the same pages in
Chromium.
"""

from __future__ import annotations

import base64
import hashlib
import json
import re
from html.parser import HTMLParser
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st
from typer.testing import CliRunner

from benchmark.cli import app
from benchmark.errors import InputError
from benchmark.leaderboard import Scorer, publish_leaderboard, stale_board_files
from benchmark.schema import INSTANCE_IDS, SystemInfo
from benchmark.web import report as report_module
from benchmark.web.html import content_security_policy, isolated, json_data, link, page, text
from benchmark.web.report import render_report, value_text
from benchmark.web.site import site_files
from scorers.aggregate import consistency_scores
from scorers.base import Counts, FieldResult
from scorers.results import accuracy_scores
from scorers.results_schema import ConsistencyVerdict, EvidenceSentence, ItemDetails, ItemResult, Results, Signature, SubmissionRecord

# --- Hostile results, built by hand ---------------------------------------------------

PAYLOADS = (
    "<script>window.__pwned = 1</script>",
    '<img src=x onerror="window.__pwned = 2">',
    "</script><script>window.__pwned = 3</script>",
    "</textarea><svg onload=window.__pwned=4>",
    "\u202eevil\u202c tail",
    '" onmouseover="window.__pwned = 5" x="',
    "javascript:window.__pwned = 6",
)
HOSTILE_NAME = "<script>window.__pwned=1</script>\u202eemaN"
HOSTILE_URL = "javascript:window.__pwned=7"
# The first sentence of article 000, which the gold quotes for Donald Trump and Vladimir Putin.
TRUMP_SENTENCE = (
    "United States President Donald Trump has embarked on a significant diplomatic mission, departing Washington aboard "
    "Air Force One to meet with Russian President Vladimir Putin in Alaska."
)


def hostile_results(name: str = HOSTILE_NAME, *, url: str | None = HOSTILE_URL, sha256: str = "0" * 64, signature: str = "test-signature") -> Results:
    """Results whose every submitted string is a payload, on real instances: what a hostile submission could make the pages show.

    Not validated (``model_construct``): the pages must stay inert whatever
    the results hold, even strings the submission schema refuses (U+202E).
    """
    # Every cell scored, as the gold makes it (nothing else predicted: one missing item each, but the one correct).
    counts = {i: {f: FieldResult(f, Counts(correct=1) if (i, f) == ("000", "attendees") else Counts(missing=1), items=()) for f in ("attendees", "venue", "time", "demands", "stakes")} for i in INSTANCE_IDS}
    evidence = [EvidenceSentence(article="000", sentence=TRUMP_SENTENCE), EvidenceSentence(article="000", sentence=PAYLOADS[2])]
    items = [
        ItemResult(
            path="predictions.000.attendees[0]", instance="000", field="attendees", verdict="correct",
            value={"name": "Donald Trump", "role": PAYLOADS[0], "country": PAYLOADS[4]},
            gold={"name": "Donald Trump", "role": "President of the United States", "country": "United States"},
            similarity=1.0, details=ItemDetails(rule="exact", matched=PAYLOADS[1]),
            consistency=ConsistencyVerdict(label="supported", score=1.0, evidence=evidence, reason=PAYLOADS[5]),
        ),
        *(
            ItemResult(
                path=f"predictions.000.demands[{n}]", instance="000", field="demands", verdict="spurious",
                value={"party": payload, "text": payload}, gold=None, similarity=None, details=ItemDetails(reason=payload),
                consistency=ConsistencyVerdict(label="contradicted" if n % 2 else "unsupported", score=0.1, evidence=[], reason=payload),
            )
            for n, payload in enumerate(PAYLOADS)
        ),
        ItemResult(
            path="gold.000.stakes[0]", instance="000", field="stakes", verdict="missing", value=None,
            gold={"party": "United States", "text": "A truce in the war could bolster Trump's candidacy for the Nobel Peace Prize"},
            similarity=None, details=ItemDetails(),
        ),
    ]
    system = SystemInfo.model_construct(name=name, description=PAYLOADS[1], authors=PAYLOADS[3], url=url, model=PAYLOADS[2], date="2026-11-22")
    return Results(
        signature=Signature(string=signature, parts={}),
        system=system,
        submission=SubmissionRecord(sha256=sha256, missing_instances=[]),
        scores=accuracy_scores(counts, consistency=consistency_scores([])),
        items=items,
    )


class Document(HTMLParser):
    """A parsed page: its start tags with their attributes, its text, and the content of each <script> and <style>."""

    def __init__(self, source: str):
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.text: list[str] = []
        self.blocks: dict[str, list[str]] = {"script": [], "style": []}
        self._open: str | None = None
        self.feed(source)
        self.close()

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))
        if tag in self.blocks:
            self._open = tag
            self.blocks[tag].append("")

    def handle_endtag(self, tag):
        if tag == self._open:
            self._open = None

    def handle_data(self, data):
        if self._open:
            self.blocks[self._open][-1] += data
        else:
            self.text.append(data)


def assert_inert(source: str) -> Document:
    """The page's only scripts and handlers are its own: one script, JSON data blocks, no on* attribute, links http(s) only."""
    document = Document(source)
    scripts = [attrs for tag, attrs in document.tags if tag == "script"]
    assert [a for a in scripts if a.get("type") != "application/json"] == [{}], "exactly one executable script, the page's own"
    for tag, attrs in document.tags:
        assert not [name for name in attrs if name.startswith("on")], f"event handler attribute on <{tag}>"
        assert tag not in ("iframe", "object", "embed", "svg", "base", "form", "textarea"), f"<{tag}> from a submitted string"
        if tag == "a":
            assert attrs["href"].startswith(("http://", "https://", "#", "../", "systems/")) or attrs["href"] in ("index.html", "compare.html")
        if tag == "img":
            assert attrs["src"].startswith("data:image/svg+xml;base64,")
    return document


# --- Escaping ----------------------------------------------------------------------------


def test_text_escapes_the_five_characters_by_hand() -> None:
    assert text("""<a href="x" title='y'>&amp;</a>""") == "&lt;a href=&quot;x&quot; title=&#x27;y&#x27;&gt;&amp;amp;&lt;/a&gt;"
    assert isolated("\u202eabc") == "<bdi>\u202eabc</bdi>"


@given(st.text())
def test_any_string_round_trips_as_inert_text(value: str) -> None:
    document = Document(f'<p title="{text(value)}">{isolated(value)}</p>')
    assert [tag for tag, _ in document.tags] == ["p", "bdi"]
    assert document.tags[0][1]["title"] == value
    assert "".join(document.text) == value


def _containers(children: st.SearchStrategy) -> st.SearchStrategy:
    return st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=8), children, max_size=4)


@given(st.recursive(st.none() | st.booleans() | st.integers() | st.text(), _containers, max_leaves=20))
def test_embedded_json_round_trips_and_cannot_end_its_block(data: object) -> None:
    block = json_data("data", data)
    payload = block.removeprefix('<script type="application/json" id="data">').removesuffix("</script>")
    assert "<" not in payload and ">" not in payload and "&" not in payload
    assert json.loads(payload) == data


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("https://example.org/a_(b)", '<a href="https://example.org/a_%28b%29" rel="noopener noreferrer nofollow">L</a>'),
        ("javascript:alert(1)", "L"),
        ("JaVaScRiPt:alert(1)", "L"),
        ("data:text/html,<script>alert(1)</script>", "L"),
        ('http://x.org/"onmouseover="alert(1)', '<a href="http://x.org/%22onmouseover=%22alert%281%29" rel="noopener noreferrer nofollow">L</a>'),
        (None, "L"),
    ],
)
def test_links_are_made_from_http_urls_only(url: str | None, expected: str) -> None:
    assert link(url, "L") == expected


def test_the_policy_names_the_page_s_own_script_and_style_by_hash() -> None:
    source = page(title="t</title><script>x</script>", body="<p>b</p>", script="var x = 1;").decode("utf-8")
    document = Document(source)
    policy = next(attrs["content"] for tag, attrs in document.tags if tag == "meta" and attrs.get("http-equiv") == "Content-Security-Policy")

    def digest(block: str) -> str:
        return "'sha256-" + base64.b64encode(hashlib.sha256(block.encode("utf-8")).digest()).decode("ascii") + "'"

    assert policy == content_security_policy("var x = 1;", document.blocks["style"][0])
    assert policy.startswith("default-src 'none'; ") and "img-src data:; base-uri 'none'; form-action 'none'" in policy
    assert f"script-src {digest(document.blocks['script'][0])};" in policy
    assert f"style-src {digest(document.blocks['style'][0])};" in policy
    assert "<title>t&lt;/title&gt;&lt;script&gt;x&lt;/script&gt;</title>" in source


# --- The report page -------------------------------------------------------------------------


def test_value_text_by_hand() -> None:
    assert value_text({"party": "Russia", "text": "a ceasefire"}) == "Russia: a ceasefire"
    assert value_text({"party": None, "text": "a ceasefire"}) == "a ceasefire"
    assert value_text({"name": "Donald Trump", "role": None, "country": "US"}) == "Donald Trump · US"
    assert value_text("Anchorage") == "Anchorage"
    assert value_text(None) == ""


def test_hostile_results_render_as_text() -> None:
    results = hostile_results()
    source = render_report(results).decode("utf-8")
    document = assert_inert(source)
    shown = "".join(document.text)
    for payload in (*PAYLOADS, HOSTILE_NAME):
        assert payload in shown, f"{payload!r} not shown as text"
    assert HOSTILE_URL not in [attrs.get("href") for _, attrs in document.tags], "no javascript: link"
    assert f"<title>Report: \u2068{text(HOSTILE_NAME)}\u2069</title>" in source
    bdis = sum(1 for tag, _ in document.tags if tag == "bdi")
    assert bdis >= len(PAYLOADS) * 3, "every submitted string in its own isolate"


def test_every_item_is_one_row_with_its_path_verdict_and_label() -> None:
    results = hostile_results()
    document = Document(render_report(results).decode("utf-8"))
    rows = [attrs for tag, attrs in document.tags if tag == "tr" and attrs.get("class") == "item"]
    assert [r["data-path"] for r in rows] == [item.path for item in results.items]
    assert [r["data-verdict"] for r in rows] == [item.verdict for item in results.items]
    assert [r.get("data-consistency") for r in rows] == [item.consistency.label if item.consistency else None for item in results.items]
    assert rows[-1]["data-path"] == "gold.000.stakes[0]" and "data-consistency" not in rows[-1]


def test_evidence_is_highlighted_and_linked_both_ways() -> None:
    source = render_report(hostile_results()).decode("utf-8")
    # Row 0 (Donald Trump): the gold quotes and the consistency check both quote the article's first sentence.
    first = re.search(r'<mark id="(e-000-000-\d+)" class="gold pred" data-rows="0">United States President Donald Trump', source)
    assert first, "the first sentence is marked as gold and predicted evidence of row 0"
    assert f'<a href="#{first.group(1)}">000</a>' in source, "row 0 links to its sentence"
    assert '<sup><a href="#i0">attendees[0]</a></sup>' in source, "the sentence links back to row 0"
    # The missing stake's gold quote is in article 000 too, and links to its row.
    last = len(hostile_results().items) - 1
    assert re.search(rf'<mark id="e-000-000-\d+" class="gold" data-rows="{last}">', source)
    # A quote that is not in the article (the payload) is not marked, and nothing else is.
    assert source.count("<mark ") == len(re.findall(r"<mark [^>]*>", source))


def test_gold_evidence_of_each_kind_of_item() -> None:
    from benchmark.data import load_gold

    gold = load_gold("003")
    item = hostile_results().items[0]
    venue = item.model_copy(update={"path": "predictions.003.venue.city", "instance": "003", "field": "venue", "gold": "Anchorage", "value": "Anchorage"})
    assert report_module.gold_evidence(venue, gold) == [(e.article, e.quote) for e in gold.venue.evidence.city]
    missing = item.model_copy(update={"path": "gold.003.attendees[3]", "instance": "003", "value": None, "gold": {"name": "Scott Bessent"}})
    assert report_module.gold_evidence(missing, gold) == [(e.article, e.quote) for e in gold.attendees[3].evidence]
    spurious = item.model_copy(update={"gold": None})
    assert report_module.gold_evidence(spurious, gold) == []


def test_score_html_refuses_a_link_before_scoring(tmp_path: Path) -> None:
    target = tmp_path / "report.html"
    target.symlink_to(tmp_path / "elsewhere.html")
    result = CliRunner().invoke(app, ["score", str(Path(__file__).parent.parent / "submissions" / "example" / "predictions.json"), "--html", str(target)])
    assert result.exit_code == 2
    assert result.stderr.startswith(f"error: {target}: is a symbolic link") and result.stderr.count("\n") == 1
    assert not (tmp_path / "elsewhere.html").exists()


@pytest.mark.parametrize("where", ["no-such-folder/report.html", "a-folder"])
def test_score_checks_every_output_before_writing_any(tmp_path: Path, where: str) -> None:
    """--output is fine, --html cannot be written: one error line, exit 2, and no results file either."""
    (tmp_path / "a-folder").mkdir()
    results = tmp_path / "results.json"
    page = tmp_path / where
    example = Path(__file__).parent.parent / "submissions" / "example" / "predictions.json"
    result = CliRunner().invoke(app, ["score", str(example), "--output", str(results), "--html", str(page)])
    assert result.exit_code == 2
    assert result.stderr.startswith(f"error: {page}: ") and result.stderr.count("\n") == 1, result.stderr
    assert not results.exists()
    assert sorted(path.name for path in tmp_path.iterdir()) == ["a-folder"]


# --- The site --------------------------------------------------------------------------------


def _submission(name: str) -> bytes:
    document = {"schema_version": "1", "system": {"name": name}, "predictions": {i: {} for i in INSTANCE_IDS}}
    return json.dumps(document).encode("utf-8")


def stub_scorer(results_by_name: dict[str, Results]) -> Scorer:
    """A scorer that loads no model: each submission gets the results given for its system name, for its bytes."""

    def score(loaded) -> Results:
        results = results_by_name[loaded.submission.system.name]
        return results.model_copy(update={"submission": SubmissionRecord(sha256=loaded.sha256, missing_instances=[])})

    return Scorer(signature="test-signature", score=score, score_all=lambda loaded: iter([score(one) for one in loaded]))


def make_project(root: Path, results_by_name: dict[str, Results]) -> Path:
    """A project folder with one filed submission per name (slug = lowercased name's letters); returns its submissions/."""
    submissions = root / "submissions"
    for name in results_by_name:
        folder = submissions / re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")
        folder.mkdir(parents=True)
        (folder / "predictions.json").write_bytes(_submission(name))
    return submissions


@pytest.fixture
def project(tmp_path: Path) -> tuple[Path, Scorer]:
    named = {"Alpha": hostile_results("Alpha", url="https://example.org/alpha"), "Beta": hostile_results(HOSTILE_NAME)}
    return make_project(tmp_path, named), stub_scorer({"Alpha": named["Alpha"], HOSTILE_NAME: named["Beta"], "Beta": named["Beta"]})


def _publish(submissions: Path, scorer: Scorer) -> dict[Path, bytes | None]:
    """Publish the board and its site; return the site files the run wrote or removed."""
    given: dict[Path, bytes | None] = {}

    def derived(board):
        files = site_files(submissions, submissions.parent, render_all=False)(board)
        given.update(files)
        return files

    publish_leaderboard(submissions, submissions.parent, scorer=scorer, derived=derived)
    return given


def _stale(submissions: Path, scorer: Scorer) -> list[str]:
    return stale_board_files(submissions, submissions.parent, scorer=scorer, derived=site_files(submissions, submissions.parent, render_all=True))


def _site(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted((root / "site").rglob("*")) if p.is_file()}


def test_the_site_holds_an_index_a_page_per_system_and_the_comparison(project) -> None:
    submissions, scorer = project
    root = submissions.parent
    _publish(submissions, scorer)
    assert sorted(_site(root)) == ["site/compare.html", "site/index.html", "site/systems/alpha.html", "site/systems/beta.html"]
    index = (root / "site/index.html").read_text(encoding="utf-8")
    document = assert_inert(index)
    assert [a["href"] for t, a in document.tags if t == "a" and a["href"].startswith("systems/")] == ["systems/alpha.html", "systems/beta.html"]
    assert '<a href="https://example.org/alpha" rel="noopener noreferrer nofollow">(site)</a>' in index
    assert HOSTILE_NAME in "".join(document.text)
    for name in ("compare.html", "systems/alpha.html", "systems/beta.html"):
        assert_inert((root / "site" / name).read_text(encoding="utf-8"))
    assert _stale(submissions, scorer) == []


def test_comparison_data_aligns_items_on_the_gold(project) -> None:
    submissions, scorer = project
    _publish(submissions, scorer)
    source = (submissions.parent / "site/compare.html").read_text(encoding="utf-8")
    block = Document(source)
    data = json.loads(next(b for b in block.blocks["script"] if b.startswith("{")))
    assert [s["slug"] for s in data["systems"]] == ["alpha", "beta"]
    # Both systems' Donald Trump items sit on the same row, the gold item's.
    row = data["rows"].index(["000", "attendees", "Donald Trump · President of the United States · United States"])
    assert [s["items"][str(row)][0] for s in data["systems"]] == ["predictions.000.attendees[0]"] * 2
    assert "</script>" not in source.split('id="compare-data">', 1)[1].split("</script>", 1)[0]


def test_a_warm_run_rewrites_nothing_and_a_changed_system_only_its_pages(project, monkeypatch: pytest.MonkeyPatch) -> None:
    submissions, scorer = project
    root = submissions.parent
    first = _publish(submissions, scorer)
    assert len(first) == 4
    before = _site(root)
    with monkeypatch.context() as patch:
        patch.setattr("benchmark.web.site.read_capped", lambda *a, **k: pytest.fail("a warm run read a results file whole"))
        assert _publish(submissions, scorer) == {}, "nothing changed: no page rendered again or written"
    assert _site(root) == before
    (submissions / "alpha" / "predictions.json").write_bytes(_submission("Alpha") + b" ")
    changed = _publish(submissions, scorer)
    assert sorted(p.relative_to(root).as_posix() for p in changed) == ["site/compare.html", "site/systems/alpha.html"]
    # A new renderer renders every page again.
    monkeypatch.setattr("benchmark.web.site.renderer_version", lambda: "another renderer")
    assert len(_publish(submissions, scorer)) == 3  # the index's bytes did not change


def test_check_fails_on_a_changed_page_a_stale_page_and_a_forged_record(project, monkeypatch: pytest.MonkeyPatch) -> None:
    submissions, scorer = project
    root = submissions.parent
    _publish(submissions, scorer)
    page_path = root / "site/systems/alpha.html"
    original = page_path.read_bytes()
    page_path.write_bytes(original.replace(b"Report: ", b"Report! "))  # the record line is kept: a plain run trusts it, --check must not
    assert _stale(submissions, scorer) == ["site/systems/alpha.html"]
    assert _publish(submissions, scorer) == {}, "a plain run trusts the record"
    page_path.write_bytes(original)
    gone = root / "site/systems/gone.html"
    gone.write_bytes(b"a page of a removed system")
    (root / "site/notes.txt").write_bytes(b"")
    assert sorted(_stale(submissions, scorer)) == ["site/notes.txt", "site/systems/gone.html"]
    monkeypatch.setattr("benchmark.leaderboard.default_scorer", lambda **_: scorer)
    result = CliRunner().invoke(app, ["leaderboard", "--check", "--root", str(root)])
    assert result.exit_code == 1
    assert result.stderr == (
        f"error: {root / 'site/notes.txt'}, {gone} are not what the current submissions and scorer produce (or should not be there);"
        " run `bench leaderboard` and commit\n"
    )
    removed = _publish(submissions, scorer)
    assert removed == {gone: None, root / "site/notes.txt": None}
    assert not gone.exists() and _stale(submissions, scorer) == []


def test_a_removed_system_s_page_is_removed(project) -> None:
    submissions, scorer = project
    root = submissions.parent
    _publish(submissions, scorer)
    for path in (submissions / "beta").iterdir():
        path.unlink()
    (submissions / "beta").rmdir()
    assert "site/systems/beta.html" in _stale(submissions, scorer)
    _publish(submissions, scorer)
    assert sorted(_site(root)) == ["site/compare.html", "site/index.html", "site/systems/alpha.html"]


def test_the_site_is_deterministic(tmp_path: Path) -> None:
    sites = []
    for name in ("one", "two"):
        named = {"Alpha": hostile_results("Alpha")}
        submissions = make_project(tmp_path / name, named)
        _publish(submissions, stub_scorer(named))
        sites.append(_site(tmp_path / name))
    assert sites[0] == sites[1]


def test_a_linked_site_folder_is_refused(project, tmp_path: Path) -> None:
    submissions, scorer = project
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (submissions.parent / "site").symlink_to(elsewhere)
    with pytest.raises(Exception, match="is a symbolic link"):
        _publish(submissions, scorer)
    assert list(elsewhere.iterdir()) == []
    assert not (submissions.parent / "LEADERBOARD.md").exists(), "nothing written"


def test_cached_results_with_broken_items_are_a_one_line_error(project) -> None:
    submissions, scorer = project
    _publish(submissions, scorer)
    cached = submissions / "alpha" / "results.json"
    data = json.loads(cached.read_bytes())
    data["items"][0]["verdict"] = "brilliant"
    cached.write_bytes(json.dumps(data).encode("utf-8"))
    with pytest.raises(InputError) as raised:
        _stale(submissions, scorer)
    assert raised.value.lines() == [f"{cached}: its items are not valid results; delete it and run bench leaderboard to rescore"]
    assert _publish(submissions, scorer) == {}, "a plain run renders nothing, so it reads no items"
