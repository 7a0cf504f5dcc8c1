"""The leaderboard: slugs, statistics, inert rendering, caching, filing and publishing (issues 5 and 6)."""

from __future__ import annotations

import hashlib
import html
import json
import multiprocessing
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st
from markdown_it import MarkdownIt
from typer.testing import CliRunner

from benchmark.cli import app
from benchmark.errors import InputError
from benchmark.leaderboard import (
    CHART_COLUMNS,
    CHART_MAX_ROWS,
    TABLE_HEADER,
    Standing,
    chart_data,
    chart_label,
    chart_rows,
    check_slug,
    default_scorer,
    markdown_text,
    plain_text,
    publish_leaderboard,
    rank_rows,
    render_chart,
    render_markdown,
    slug_from_name,
    stale_board_files,
    submit_submission,
)
from benchmark.schema import FIELDS, INSTANCE_IDS, SystemInfo
from benchmark.web.site import site_files
from scorers.base import Counts, FieldResult
from scorers.aggregate import consistency_scores
from scorers.results import accuracy_scores
from scorers.results_schema import Results, Signature, SubmissionRecord
from tests.conftest import EXAMPLE_SUBMISSION, REPO_ROOT, run_bench

# --- Hand-made results -------------------------------------------------------------


def make_results(name: str, correct_by_instance: dict[str, int], *, url: str | None = None, date: str | None = None) -> Results:
    """A results dict in the published format, built from hand-chosen counts.

    On each instance every field has c correct, 4 - c missing and 4 - c
    spurious items: 4 predicted, 4 expected, so F1 = 2c / 8 = c / 4 exactly,
    and the instance's score is c / 4.
    """
    field_results = {
        instance: {field: FieldResult(field, Counts(correct=c, missing=4 - c, spurious=4 - c), items=()) for field in FIELDS}
        for instance, c in correct_by_instance.items()
    }
    return Results(
        signature=Signature(string="test-signature", parts={}),
        # Not validated: the board must render safely whatever the results hold, even names and URLs the
        # submission schema refuses.
        system=SystemInfo.model_construct(name=name, description=None, authors=None, url=url, model=None, date=date),
        submission=SubmissionRecord(sha256="0" * 64, missing_instances=[]),
        # The published format's own builder, so that these results have the real shape.
        scores=accuracy_scores(field_results, consistency=consistency_scores([])),
        items=[],
    )


def standing(slug: str, correct: tuple[int, ...], *, name: str | None = None, url: str | None = None) -> Standing:
    return Standing(
        slug=slug,
        results=make_results(name or slug, dict(zip(INSTANCE_IDS, correct, strict=True)), url=url),
        reference=slug == "oracle",
    )


def test_make_results_scores_are_hand_computed() -> None:
    results = make_results("x", dict(zip(INSTANCE_IDS, (4, 2, 2, 2, 0, 2))))
    # Instance scores 1, 1/2, 1/2, 1/2, 0, 1/2: their mean is 1/2.
    assert results.scores.overall == 50.0
    assert results.scores.instances["000"].overall == 100.0


# --- Slugs ---------------------------------------------------------------------------


@pytest.mark.parametrize("slug", ["rules", "gpt-4o-few-shot", "a", "0", "x" * 64, "trailing-"])
def test_valid_slugs(slug: str) -> None:
    assert check_slug(slug) == slug


@pytest.mark.parametrize("slug", ["", "..", ".hidden", "-dash", "a/b", "a\\b", "UPPER", "with space", "x" * 65, "a..b", "é", "a_b"])
def test_invalid_slug_is_an_input_error_naming_argument_value_and_rule(slug: str) -> None:
    with pytest.raises(InputError) as caught:
        check_slug(slug)
    (line,) = caught.value.lines()
    assert line.startswith("--slug: ")
    assert repr(slug) in line
    assert "lowercase" in line and "digits" in line and "hyphens" in line


@pytest.mark.parametrize(
    ("name", "slug"),
    [("GPT-4o (few-shot)", "gpt-4o-few-shot"), ("Rules", "rules"), ("  Zoë's  system!! ", "zoe-s-system"), ("../../etc", "etc")],
)
def test_slug_from_name(name: str, slug: str) -> None:
    assert slug_from_name(name) == slug


@given(st.text(max_size=80))
def test_derived_slugs_are_always_valid(name: str) -> None:
    try:
        slug = slug_from_name(name)
    except InputError:
        return
    assert check_slug(slug) == slug
    assert "/" not in slug and ".." not in slug and not slug.startswith((".", "-")) and len(slug) <= 64


# --- Tie tests -----------------------------------------------------------------------


def test_ranking_and_tie_groups() -> None:
    # Every field of an instance has the same F1 here (c / 4), so resampling cells within fields
    # behaves like resampling instances, five times over (independently per field).
    rows = rank_rows(
        [
            standing("oracle", (4, 4, 4, 4, 4, 4)),
            standing("strong", (3, 3, 3, 3, 3, 3)),
            standing("close", (3, 3, 3, 3, 3, 2)),  # below "strong" on one instance
            standing("weak", (1, 2, 1, 1, 2, 1)),
            standing("also-weak", (1, 1, 2, 2, 1, 1)),  # the same overall as "weak": tied with it
            standing("floor", (0, 0, 0, 0, 0, 0)),
        ]
    )
    assert [(row.standing.slug, row.rank, row.tied) for row in rows] == [
        ("oracle", None, False),
        ("strong", 1, True),
        ("close", 1, True),  # below "strong" on one instance only: not significantly (adjusted p 0.07)
        ("also-weak", 3, True),  # two systems significantly better; equal overall scores are ordered by slug
        ("weak", 3, True),
        ("floor", 5, False),  # four better
    ]
    assert rows[0].p_value_above is None and rows[1].p_value_above is None
    assert rows[4].p_value_above == 1.0, "equal overall scores are never told apart"
    assert 0.05 < rows[2].p_value_above < 0.1 and rows[3].p_value_above < 0.001
    # The reference's cells are all 100: every resample gives 100.
    assert (rows[0].low, rows[0].high) == pytest.approx((100.0, 100.0))
    assert rows[2].low <= rows[2].standing.results.scores.overall <= rows[2].high


GOLDEN_TABLE = Path(__file__).parent / "data" / "leaderboard_table_golden.md"


def test_table_matches_the_golden_file() -> None:
    """The rendered table of hand-made standings, pinned.

    The golden file was produced by this test's standings with ``render_markdown``
    (numpy 2, the default ``BoardStatisticsConfig``) and checked by hand where
    a hand can: instance scores are c/4 on every field, so the overall scores
    are the means of the c/4 values (50, 37.5, 37.5, 0); "retrieval" and
    "tied" have equal overall scores, so their p-value is 1.000 and they share
    rank 2; "rules" is 25 points better on three instances and equal on the
    others, which the cell resampling (each field's six cells drawn
    independently) reads as strong evidence (p < 0.001); "empty" has all four
    systems significantly better, rank 4 = 1 + 3. The oracle's and empty's
    intervals are points (every cell 100, every cell 0); the others are the
    seeded resampling's, which this file pins across numpy versions. These
    results have no items, so faithfulness is n/a and nothing is contradicted (0).
    """
    rows = rank_rows(
        [
            standing("oracle", (4,) * 6),
            standing("rules", (4, 2, 2, 2, 0, 2), url="https://example.org/rules"),
            standing("retrieval", (3, 2, 1, 2, 0, 1)),
            standing("tied", (3, 2, 1, 2, 1, 0)),
            standing("empty", (0,) * 6),
        ]
    )
    table = "".join(line + "\n" for line in render_markdown(rows, signature="golden").splitlines() if line.startswith("|"))
    assert table == GOLDEN_TABLE.read_text(encoding="utf-8")


def test_equal_overall_scores_are_ordered_by_slug() -> None:
    rows = rank_rows([standing("b-system", (2,) * 6), standing("a-system", (2,) * 6)])
    assert [(row.standing.slug, row.rank, row.tied) for row in rows] == [("a-system", 1, True), ("b-system", 1, True)]


# --- Inert rendering -------------------------------------------------------------------

HOSTILE_NAMES = [
    "plain name",
    "pipe | in | name",
    "trailing pipe |",
    "| leading pipe",
    "back\\slash \\| escaped pipe",
    "`code` and ``double``",
    "<script>alert(1)</script>",
    "<img src=x onerror=alert(1)>",
    "a &amp; b &#124; c &lt;",
    "[click](https://evil.example)",
    "![image](https://evil.example/x.png)",
    "[ref][1]",
    "**bold** __strong__ *em* _em_",
    "~~strike~~ ~sub~",
    "# heading",
    "<https://evil.example>",
    "www.evil.example and https://evil.example",
    "mail me@evil.example",
    "$x^2$ math",
    ":smile: emoji",
    "line\u2028separator",
    "paragraph\u2029separator",
    "html <!-- comment",
    "javascript:alert(1)",
    "[^footnote]",
    "-->",
]


def _render_table(names_and_urls: list[tuple[str, str | None]]) -> tuple[str, list[list[str]]]:
    standings = [standing(f"s{i:02d}", (2,) * 6, name=name, url=url) for i, (name, url) in enumerate(names_and_urls)]
    markdown = render_markdown(rank_rows(standings), signature="test-signature")
    parser = MarkdownIt("commonmark").enable(["table", "strikethrough"])
    tokens = parser.parse(markdown)
    rows: list[list[str]] = []
    for index, token in enumerate(tokens):
        if token.type == "tr_open":
            rows.append([])
        elif token.type in ("th_open", "td_open"):
            rows[-1].append(parser.renderer.render([tokens[index + 1]], parser.options, {}))
    return markdown, rows


def test_hostile_names_render_as_plain_text_in_a_regular_table() -> None:
    markdown, rows = _render_table([(name, None) for name in HOSTILE_NAMES])
    assert len(rows) == 1 + len(HOSTILE_NAMES)
    assert all(len(row) == len(TABLE_HEADER) for row in rows), "every row keeps its column count"
    # The table's raw lines agree: one header, one alignment, one line per system.
    table_lines = [line for line in markdown.splitlines() if line.startswith("|")]
    assert len(table_lines) == 2 + len(HOSTILE_NAMES)
    system_cells = {html.unescape(row[1]) for row in rows[1:]}
    for name in HOSTILE_NAMES:
        assert plain_text(name) in system_cells, f"{name!r} is shown as the same plain text"
    for row in rows[1:]:
        # Rendered HTML of the cell: text only, every markup character escaped by the renderer.
        assert "<" not in row[1].replace("&lt;", ""), row[1]


def test_links_only_for_http_urls() -> None:
    _, rows = _render_table(
        [
            ("linked", "https://example.org/system?a=1&b=(2)|x"),
            ("script", "javascript:alert(1)"),
            ("data", "data:text/html,<script>alert(1)</script>"),
            ("relative", "/etc/passwd"),
            ("plain http", "http://example.org"),
            ("hostile [text](x)", "https://example.org"),
        ]
    )
    cells = {re.sub(r"<[^>]+>", "", row[1]): row[1] for row in rows[1:]}
    assert cells["linked"] == '<a href="https://example.org/system?a=1&amp;b=%282%29%7Cx">linked</a>'
    assert cells["plain http"] == '<a href="http://example.org">plain http</a>'
    for name in ("script", "data", "relative"):
        assert cells[name] == name, "no link for a non-http(s) URL"
    assert cells["hostile [text](x)"] == '<a href="https://example.org">hostile [text](x)</a>'


@given(st.text(alphabet=st.characters(codec="utf-8", exclude_categories=("Cs",)), min_size=1, max_size=64))
def test_any_name_keeps_the_table_regular(name: str) -> None:
    _, rows = _render_table([(name, None), ("after", None)])
    assert all(len(row) == len(TABLE_HEADER) for row in rows)
    assert len(rows) == 3
    # Equal scores are ordered by slug, so the generated name ("s00") comes first.
    assert html.unescape(rows[1][1]) == plain_text(name)


def test_markdown_text_escapes_every_markup_character() -> None:
    escaped = markdown_text("a|b`c<d>e&f[g]h(i)j!k*l_m~n#o\\p$q:r@s.t\nu")
    assert re.fullmatch(r"(?:[a-u ]|&#\d+;)+", escaped), escaped
    assert html.unescape(escaped) == "a|b`c<d>e&f[g]h(i)j!k*l_m~n#o\\p$q:r@s.t u"


def test_chart_is_deterministic_and_takes_hostile_names() -> None:
    names = ["$\\frac{1}{0}$", "<b>&</b>", "x" * 64, "--><script>alert(1)</script><!--"]
    rows = rank_rows([standing("oracle", (4,) * 6), *(standing(f"s{i}", (i % 5,) * 6, name=name) for i, name in enumerate(names))])
    first = render_chart(rows)
    assert first == render_chart(rows)
    assert first.startswith(b"<?xml")
    assert b"<script" not in first and b"Date" not in first
    # Text is drawn as paths: no font to load, nothing external; a label is repeated only in an escaped comment.
    assert b"<text" not in first and b"@font-face" not in first and b"<image" not in first and b"url(http" not in first
    assert b"<b>" not in first and b"&lt;b&gt;" in first
    _, data = chart_data(rows)
    # Ordered as the table (the best first), each name through chart_label ("$" escaped, cut to 40 characters).
    assert [row.label for row in data] == ["ref.  oracle (reference)", *(f"{rank}  {chart_label(names[i])}" for rank, i in enumerate((3, 2, 1, 0), 1))]


def test_chart_columns_are_the_table_s_and_follow_its_order() -> None:
    rows = rank_rows([standing("oracle", (4,) * 6), standing("b", (2,) * 6), standing("a", (3,) * 6)])
    _, data = chart_data(rows)
    assert CHART_COLUMNS == tuple(TABLE_HEADER[5:11])
    assert [row.label for row in data] == ["ref.  oracle (reference)", "1  a", "2  b"]
    assert [row.reference for row in data] == [True, False, False]
    # Per-field F1 of c / 4 on every instance; these results have no items, so faithfulness is n/a.
    assert data[1].values == (75.0, 75.0, 75.0, 75.0, 75.0, None)


def test_chart_draws_the_first_rows_and_says_so() -> None:
    title = "F1 per field and faithfulness, per system (0–100), in the order of the table"
    few = rank_rows([standing(f"s{i}", (i % 5,) * 6) for i in range(CHART_MAX_ROWS)])
    assert chart_rows(few) == (few, title)
    many = rank_rows([standing("oracle", (4,) * 6), *(standing(f"s{i:02d}", (i % 5,) * 6) for i in range(CHART_MAX_ROWS + 4))])
    drawn, many_title = chart_rows(many)
    assert list(drawn) == many[:CHART_MAX_ROWS] and drawn[0].standing.slug == "oracle"
    assert many_title == f"{title}: its first {CHART_MAX_ROWS} of {CHART_MAX_ROWS + 5} rows"


# --- Filing and publishing with the real scorer ------------------------------------------
#
# Scoring is real (the model is loaded once per test process). To stay fast,
# one folder of scored submissions is built per session and copied by each
# test that changes it; most runs then reuse its cached results.


def _blank_submission(name: str, **system: str) -> bytes:
    """A valid submission with six empty summaries (cheap to score: nothing to compare)."""
    document = {"schema_version": "1", "system": {"name": name, **system}, "predictions": {i: {} for i in INSTANCE_IDS}}
    return json.dumps(document, indent=2).encode("utf-8")


@pytest.fixture(scope="session")
def scored_submissions(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A folder with two filed submissions: the example and a blank one."""
    root = tmp_path_factory.mktemp("scored")
    blank = root / "blank.json"
    blank.write_bytes(_blank_submission("Blank", date="2026-11-22"))
    submissions = root / "submissions"
    submit_submission(EXAMPLE_SUBMISSION, submissions_dir=submissions)
    submit_submission(blank, submissions_dir=submissions)
    return submissions


@pytest.fixture
def submissions(scored_submissions: Path, tmp_path: Path) -> Path:
    copy = tmp_path / "submissions"
    shutil.copytree(scored_submissions, copy)
    return copy


def _snapshot(directory: Path) -> dict[str, bytes]:
    return {str(p.relative_to(directory)): p.read_bytes() for p in sorted(directory.rglob("*")) if p.is_file() and p.name != ".lock"}


def test_submit_files_the_submitted_bytes_and_their_results(scored_submissions: Path) -> None:
    assert sorted(p.name for p in scored_submissions.iterdir() if not p.name.startswith(".")) == ["blank", "example"]
    filed = scored_submissions / "example"
    assert (filed / "predictions.json").read_bytes() == EXAMPLE_SUBMISSION.read_bytes()
    results = json.loads((filed / "results.json").read_bytes())
    assert results["submission"]["sha256"] == hashlib.sha256(EXAMPLE_SUBMISSION.read_bytes()).hexdigest()
    assert results["signature"]["string"] == default_scorer().signature
    assert results["system"]["name"] == "example"
    blank = json.loads((scored_submissions / "blank" / "results.json").read_bytes())
    assert blank["scores"]["overall"] == 0.0


def test_submit_refuses_a_taken_slug_and_a_bad_one_writing_nothing(submissions: Path, tmp_path: Path) -> None:
    before = _snapshot(submissions)
    taken = run_bench("submit", str(EXAMPLE_SUBMISSION), "--submissions-dir", str(submissions))
    assert taken.returncode == 2
    assert taken.stderr.count("\n") == 1 and "--replace" in taken.stderr and "Traceback" not in taken.stderr
    for bad in ("../escape", ".hidden", "a/b", "Upper"):
        refused = CliRunner().invoke(app, ["submit", str(EXAMPLE_SUBMISSION), "--slug", bad, "--submissions-dir", str(submissions)])
        assert refused.exit_code == 2, refused.output
        assert refused.stderr.startswith(f"error: --slug: {bad!r} is not a valid slug") and refused.stderr.count("\n") == 1
    (submissions / "a-file").write_bytes(b"not a folder")
    before = _snapshot(submissions)
    not_a_folder = CliRunner().invoke(app, ["submit", str(EXAMPLE_SUBMISSION), "--slug", "a-file", "--replace", "--submissions-dir", str(submissions)])
    assert not_a_folder.exit_code == 2 and "is not a submission folder" in not_a_folder.stderr
    assert _snapshot(submissions) == before
    assert not (tmp_path / "escape").exists()


def test_submit_replace_overwrites(submissions: Path, tmp_path: Path) -> None:
    renamed = tmp_path / "renamed.json"
    renamed.write_bytes(_blank_submission("Blank", date="2026-11-23"))
    filed = submit_submission(renamed, replace=True, submissions_dir=submissions)
    assert (filed.slug, filed.replaced) == ("blank", True)
    assert (submissions / "blank" / "predictions.json").read_bytes() == renamed.read_bytes()
    assert json.loads((submissions / "blank" / "results.json").read_bytes())["system"]["date"] == "2026-11-23"


def test_adding_a_submission_rescores_only_that_one(submissions: Path, tmp_path: Path) -> None:
    first = publish_leaderboard(submissions, tmp_path)
    assert first.rescored == ()
    cached = _snapshot(submissions)
    newcomer = submissions / "newcomer"
    newcomer.mkdir()
    (newcomer / "predictions.json").write_bytes(_blank_submission("Newcomer"))
    second = publish_leaderboard(submissions, tmp_path)
    assert second.rescored == ("newcomer",)
    assert all(_snapshot(submissions)[name] == content for name, content in cached.items()), "other caches untouched"
    assert (newcomer / "results.json").is_file()
    assert publish_leaderboard(submissions, tmp_path).rescored == ()


def test_a_scorer_change_rescores_every_submission(submissions: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import scorers.signature

    monkeypatch.setattr(scorers.signature, "SCORERS_VERSION", "test-bumped")
    changed = publish_leaderboard(submissions, tmp_path)
    assert changed.rescored == ("blank", "example")
    assert "scorers:test-bumped" in (tmp_path / "LEADERBOARD.md").read_text(encoding="utf-8")
    assert publish_leaderboard(submissions, tmp_path).rescored == ()


def test_board_is_deterministic_and_checked(submissions: Path, tmp_path: Path) -> None:
    one, two = tmp_path / "one", tmp_path / "two"
    one.mkdir()
    two.mkdir()
    for output in (one, two):  # as `bench leaderboard` does, with the site (which the CLI's --check checks too)
        publish_leaderboard(submissions, output, derived=site_files(submissions, output, render_all=False))
    assert _snapshot(one) == _snapshot(two), "same submissions, byte-identical board"
    assert stale_board_files(submissions, one) == []
    check = ["leaderboard", "--check", "--submissions-dir", str(submissions), "--output-dir", str(one)]
    ok = CliRunner().invoke(app, check)
    assert ok.exit_code == 0, ok.output
    board = one / "LEADERBOARD.md"
    board.write_bytes(board.read_bytes().replace(b"example", b"exemplary"))
    before = _snapshot(one)
    stale = CliRunner().invoke(app, check)
    assert stale.exit_code == 1
    assert stale.stderr.count("\n") == 1 and "LEADERBOARD.md is not what" in stale.stderr
    assert _snapshot(one) == before, "--check writes nothing"
    (one / "LEADERBOARD.svg").unlink()
    assert stale_board_files(submissions, one) == ["LEADERBOARD.md", "LEADERBOARD.svg"]


def test_worker_processes_give_the_results_of_scoring_one_by_one(submissions: Path, tmp_path: Path) -> None:
    """The session fixture scored each submission alone (``bench submit``); a board rescoring both uses worker processes (one per core)."""
    one_by_one = {path.parent.name: path.read_bytes() for path in submissions.glob("*/results.json")}
    for path in submissions.glob("*/results.json"):
        path.unlink()
    assert publish_leaderboard(submissions, tmp_path).rescored == ("blank", "example")
    assert {path.parent.name: path.read_bytes() for path in submissions.glob("*/results.json")} == one_by_one
    assert multiprocessing.active_children() == []


def test_an_error_in_a_worker_reaches_the_caller_and_no_worker_is_left(monkeypatch: pytest.MonkeyPatch) -> None:
    import scorers.results
    from benchmark.errors import ScoringError
    from benchmark.submission import load_submission
    from scorers.config import ScoringConfig

    def broken(*args, **kwargs):
        raise ScoringError("the scorer broke in a worker")

    monkeypatch.setattr(scorers.results, "score_instance", broken)  # forked workers inherit it
    loaded = load_submission(EXAMPLE_SUBMISSION)
    with pytest.raises(ScoringError, match="broke in a worker"):
        list(scorers.results.score_submissions([loaded, loaded], config=ScoringConfig(), workers=2))
    assert multiprocessing.active_children() == []


def test_progress_is_reported_on_stderr(submissions: Path, tmp_path: Path) -> None:
    (submissions / "blank" / "predictions.json").write_bytes(_blank_submission("Blank again"))
    result = CliRunner().invoke(app, ["leaderboard", "--submissions-dir", str(submissions), "--output-dir", str(tmp_path)])
    assert result.exit_code == 0, result.output
    assert result.stderr.splitlines() == ["embedding the texts of 1 submission(s) to score (1 cached)", "scored 1/1: blank"]
    assert "rescored 1 (blank), cached 1" in result.stdout


def test_every_submission_is_validated_before_any_is_scored(submissions: Path, tmp_path: Path) -> None:
    (submissions / "blank" / "predictions.json").write_bytes(_blank_submission("Blank again"))  # to be rescored
    broken = submissions / "zz-broken"
    broken.mkdir()
    (broken / "predictions.json").write_bytes(b'{"schema_version": "1", ')
    before = _snapshot(submissions)
    result = CliRunner().invoke(app, ["leaderboard", "--submissions-dir", str(submissions), "--output-dir", str(tmp_path)])
    assert result.exit_code == 2
    assert result.stderr.startswith(f"error: {broken / 'predictions.json'}") and result.stderr.count("\n") == 1, result.stderr
    assert _snapshot(submissions) == before, "nothing scored, no cache written"
    assert not (tmp_path / "LEADERBOARD.md").exists()


def test_check_does_not_write_stale_caches(submissions: Path, tmp_path: Path) -> None:
    (submissions / "blank" / "predictions.json").write_bytes(_blank_submission("Blank again"))
    before = _snapshot(submissions)
    assert stale_board_files(submissions, tmp_path) == ["LEADERBOARD.md", "LEADERBOARD.svg"]
    assert _snapshot(submissions) == before
    assert not (tmp_path / "LEADERBOARD.md").exists()


@pytest.mark.parametrize("problem", ["bad folder name", "no predictions", "linked predictions"])
def test_unusable_submission_folders_are_refused_by_name(problem: str, submissions: Path, tmp_path: Path) -> None:
    if problem == "bad folder name":
        culprit = submissions / "Bad_Name"
        culprit.mkdir()
        (culprit / "predictions.json").write_bytes(_blank_submission("Bad"))
    elif problem == "no predictions":
        culprit = submissions / "empty-folder"
        culprit.mkdir()
    else:
        culprit = submissions / "linked"
        culprit.mkdir()
        (culprit / "predictions.json").symlink_to(EXAMPLE_SUBMISSION)
    result = CliRunner().invoke(app, ["leaderboard", "--submissions-dir", str(submissions), "--output-dir", str(tmp_path)])
    assert result.exit_code == 2
    assert result.stderr.startswith(f"error: {culprit}") and result.stderr.count("\n") == 1, result.stderr
    assert not (tmp_path / "LEADERBOARD.md").exists()


def test_warm_run_does_not_load_the_model(submissions: Path, tmp_path: Path) -> None:
    publish_leaderboard(submissions, tmp_path)  # every cache valid from here on
    program = (
        "import sys\n"
        "from pathlib import Path\n"
        "from benchmark.leaderboard import publish_leaderboard\n"
        f"board = publish_leaderboard(Path({str(submissions)!r}), Path({str(tmp_path)!r}))\n"
        "heavy = sorted(m for m in ('torch', 'transformers', 'bert_score') if m in sys.modules)\n"
        "print(board.rescored, heavy)\n"
    )
    completed = subprocess.run([sys.executable, "-c", program], capture_output=True, text=True, timeout=120, cwd=REPO_ROOT)
    assert completed.returncode == 0, completed.stderr
    assert completed.stdout.strip() == "() []"


def test_interrupted_publish_leaves_board_and_results_as_they_were(
    submissions: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    publish_leaderboard(submissions, tmp_path)
    # A stale cache, so that the run below has a results.json to rewrite too.
    (submissions / "blank" / "predictions.json").write_bytes(_blank_submission("Blank", date="2026-01-01"))
    results_before = _snapshot(submissions)
    board_before = _snapshot(tmp_path)

    def crash(source: object, destination: object) -> None:
        raise OSError("simulated crash at the rename")

    monkeypatch.setattr(os, "replace", crash)
    with pytest.raises((OSError, InputError)):
        publish_leaderboard(submissions, tmp_path)
    monkeypatch.undo()
    assert _snapshot(submissions) == results_before
    assert _snapshot(tmp_path) == board_before
    assert not [p for p in tmp_path.rglob("*.tmp")]


def test_concurrent_submits_both_land(tmp_path: Path) -> None:
    submissions = tmp_path / "submissions"
    files = []
    for name in ("Alpha", "Beta"):
        path = tmp_path / f"{name}.json"
        path.write_bytes(_blank_submission(name))
        files.append(path)
    processes = [
        subprocess.Popen(
            [sys.executable, "-m", "benchmark.cli", "submit", str(path), "--submissions-dir", str(submissions)],
            cwd=REPO_ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        )
        for path in files
    ]
    outcomes = [process.communicate(timeout=300) for process in processes]
    assert [process.returncode for process in processes] == [0, 0], outcomes
    for slug, path in (("alpha", files[0]), ("beta", files[1])):
        assert (submissions / slug / "predictions.json").read_bytes() == path.read_bytes()
        assert json.loads((submissions / slug / "results.json").read_bytes())["system"]["name"] == slug.title()


def test_hostile_system_name_is_published_as_plain_text(submissions: Path, tmp_path: Path) -> None:
    name = "<b>x</b> | [y](javascript:z) ![i](u) `c` *e*"
    hostile = tmp_path / "hostile.json"
    hostile.write_bytes(_blank_submission(name, url="https://example.org/a_(b)"))
    submit_submission(hostile, slug="hostile", submissions_dir=submissions)
    publish_leaderboard(submissions, tmp_path)
    rendered = MarkdownIt("commonmark").enable(["table", "strikethrough"]).render((tmp_path / "LEADERBOARD.md").read_text(encoding="utf-8"))
    rows = re.findall(r"<tr>(.*?)</tr>", rendered, flags=re.S)
    assert len(rows) == 4
    assert all(len(re.findall(r"<t[hd]", row)) == len(TABLE_HEADER) for row in rows)
    assert f'<a href="https://example.org/a_%28b%29">{html.escape(name, quote=False)}</a>' in rendered


def test_repository_leaderboard_is_up_to_date(monkeypatch: pytest.MonkeyPatch) -> None:
    """What CI checks: the committed LEADERBOARD.md and chart are what the submissions and scorer produce.

    Cached results are never committed, so that in CI's fresh clone every
    submission is scored by the scorer itself and a forged results.json
    cannot reach the board.
    """
    tracked = subprocess.run(["git", "ls-files", "--", "submissions/*/results.json"], cwd=REPO_ROOT, capture_output=True, text=True)
    if tracked.returncode == 0:  # not a git checkout (an unpacked sdist) has nothing to check here
        assert tracked.stdout == "", f"cached results are committed: {tracked.stdout}"
    monkeypatch.chdir(REPO_ROOT)
    result = CliRunner().invoke(app, ["leaderboard", "--check"])
    assert result.exit_code == 0, result.output
