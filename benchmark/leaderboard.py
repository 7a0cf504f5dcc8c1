"""Filing submissions and publishing the leaderboard.

A submission lives in ``submissions/<slug>/predictions.json`` (the submitted
bytes, unchanged) with its scores cached beside it in ``results.json``. The
cache is reused only while both the submission's SHA-256 and the scorer
signature still match, so a warm ``bench leaderboard`` never loads the model,
a new submission is the only one scored, and a scorer change rescores all.

Every submission is read and validated before any is scored, so a broken
file stops a run before minutes of scoring and before anything is written;
those to score are then scored together (``scorers.results.score_submissions``).

The board (``LEADERBOARD.md`` and the chart ``LEADERBOARD.svg``) is a pure
function of the submissions and the scorer: the same inputs give the same
bytes, which is what ``bench leaderboard --check`` compares against. The
check renders the chart afresh and never reuses the committed one, so that
a chart edited by hand (with its new SHA-256 written into the record line)
fails it.

Statistics (``scorers.statistics``, settings in ``BoardStatisticsConfig``)
resample the 30 (instance, field) cells, not the six instances: one seeded
resampling, stratified by field and shared by every system, recomputes each
overall score from the drawn cells' counts. From it come each system's
percentile interval and a paired test of every pair of ranked systems
(difference over its bootstrap standard error, a t-test); the p-values of all pairs
are adjusted together (Holm), and a system's rank is 1 + the number of
systems significantly better than it (systems sharing a rank are tied).

Everything a submitter wrote (system name, URL, date) is made inert before it
reaches the markdown: ASCII punctuation becomes numeric character references,
so it can neither break the table nor become a link, image, emphasis, code,
HTML or autolink; a link is made only from an http(s) URL.

Where the project is does not depend on where this package is installed: the
commands work on a project folder (``find_root``), the one holding
``submissions/`` and the board files.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import re
import shutil
import stat
import tempfile
import unicodedata
import urllib.parse
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from benchmark.errors import InputError, Problem, RootNotFoundError
from benchmark.escape import escape
from benchmark.files import prepare_lock, project_lock, publish, read_capped, refuse_symlink
from benchmark.provenance import has_consistent_record
from benchmark.records import record_path
from benchmark.schema import FIELDS, INSTANCE_IDS
from benchmark.submission import LoadedSubmission, display_path, load_submission_bytes, read_file_bytes
from scorers.config import BoardStatisticsConfig
from scorers.results_schema import Results, ResultsSummary

SUBMISSIONS_FOLDER = "submissions"
PREDICTIONS_FILE = "predictions.json"
RESULTS_FILE = "results.json"
LEADERBOARD_FILE = "LEADERBOARD.md"
CHART_FILE = "LEADERBOARD.svg"

REFERENCE_SLUGS = {
    "oracle": "the gold summaries themselves, the best score possible",
    "example": "the hand-written example submission, with deliberate mistakes; written knowing the gold, so not a system",
}
"""Submissions shown for reference, with what they are: marked, never ranked or tested, listed in this order."""

SLUG_MAX_CHARS = 64
_SLUG = re.compile(rf"[a-z0-9][a-z0-9-]{{0,{SLUG_MAX_CHARS - 1}}}")

STATISTICS = BoardStatisticsConfig()
"""The board's statistical settings (printed in its signature)."""


# --- The project folder ------------------------------------------------------


def find_root(start: Path) -> Path:
    """The project folder: the nearest folder at or above ``start`` that holds a ``submissions/`` folder.

    Raises:
        RootNotFoundError: no such folder up to the file system's root.
    """
    start = start.absolute()
    for folder in (start, *start.parents):
        if (folder / SUBMISSIONS_FOLDER).is_dir():
            return folder
    raise RootNotFoundError(
        f"{display_path(start)}: no {SUBMISSIONS_FOLDER}/ folder here or in any folder above;"
        " run this from a clone of the benchmark's repository or pass --root DIR"
    )


def check_root(root: Path) -> Path:
    """``root`` if it holds a ``submissions/`` folder.

    Raises:
        RootNotFoundError: it does not.
    """
    if not (root / SUBMISSIONS_FOLDER).is_dir():
        raise RootNotFoundError(f"{display_path(root)}: no {SUBMISSIONS_FOLDER}/ folder in this project folder")
    return root


# --- Slugs -------------------------------------------------------------------


def check_slug(slug: str, *, argument: str = "--slug") -> str:
    """Return ``slug`` if it is a valid submission folder name.

    Args:
        slug: the candidate name.
        argument: how to name its origin in the error (an option or a folder).

    Raises:
        InputError: naming ``argument``, the value and what is allowed.
    """
    if not _SLUG.fullmatch(slug):
        raise InputError(
            [
                Problem(
                    argument,
                    f"{slug!r} is not a valid slug: use 1-{SLUG_MAX_CHARS} lowercase ASCII letters, digits and hyphens, "
                    "starting with a letter or digit (no dots, slashes or spaces)",
                )
            ]
        )
    return slug


def slug_from_name(name: str) -> str:
    """Derive a slug from a system name: "GPT-4o (few-shot)" becomes "gpt-4o-few-shot".

    Raises:
        InputError: the name has no ASCII letter or digit to build a slug from.
    """
    ascii_name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode("ascii").lower()
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_name).strip("-")[:SLUG_MAX_CHARS].rstrip("-")
    if not slug:
        raise InputError([Problem("system.name", f"cannot derive a slug from {name!r}; pass --slug with lowercase letters, digits and hyphens")])
    return slug


# --- Scoring, with the cache ---------------------------------------------------


@dataclass(frozen=True)
class Scorer:
    """The scorer of this process: its signature string, and functions that score one submission or many.

    Built by ``default_scorer``; the signature is computed without loading the
    model, the model is loaded only when something is scored. ``score_all``
    yields results in the order given, exactly as ``score`` would return them,
    only faster (one embedding pass, one worker process per core).
    """

    signature: str
    score: Callable[[LoadedSubmission], Results]
    score_all: Callable[[Sequence[LoadedSubmission]], Iterator[Results]]


def default_scorer(*, progress: Callable[[str], None] | None = None) -> Scorer:
    """The benchmark's scorer with its default configuration.

    Args:
        progress: called with a short message as each instance is scored.
    """
    from scorers.config import ScoringConfig
    from scorers.signature import build_signature

    config = ScoringConfig()

    def score(loaded: LoadedSubmission) -> Results:
        from scorers.results import score_submission

        return score_submission(loaded, config=config, progress=progress)

    def score_all(submissions: Sequence[LoadedSubmission]) -> Iterator[Results]:
        from scorers.results import score_submissions
        from scorers.similarity import available_cores

        return score_submissions(submissions, config=config, workers=available_cores())

    return Scorer(signature=build_signature(config)["string"], score=score, score_all=score_all)


def _write_results(results: Results, path: Path) -> None:
    from scorers.results import write_results  # already imported by the scoring that made ``results``

    write_results(results, path)


# A results file holds one entry per predicted and per missed gold item;
# the largest valid submission's is a few megabytes.
MAX_RESULTS_BYTES = 64 * 1024 * 1024


def _cached_results(path: Path, *, sha256: str, signature: str) -> ResultsSummary | None:
    """The cached results at ``path`` (all but their items) if they are for these bytes and this scorer, and valid results; else ``None``.

    Raises:
        InputError: ``path`` is there but not a regular file (a FIFO, a
            device, a folder) or is over ``MAX_RESULTS_BYTES``: read, it
            would hang the board or exhaust memory.
    """
    data = read_capped(path, max_bytes=MAX_RESULTS_BYTES, missing_ok=True)
    if data is None:
        return None
    try:
        results = ResultsSummary.model_validate_json(data)
    except ValueError:  # not results of this schema, whatever the reason (pydantic's ValidationError is a ValueError): rescored
        return None
    if results.submission.sha256 == sha256 and results.signature.string == signature:
        return results
    return None


# --- Submitting ----------------------------------------------------------------


@dataclass(frozen=True)
class Filed:
    """A submission filed by ``submit_submission``."""

    slug: str
    directory: Path
    results: Results
    replaced: bool


def _file_together(directory: Path, files: Mapping[str, bytes]) -> None:
    """Put ``files`` in ``directory`` all together or not at all, replacing whatever the folder held.

    The files are written and flushed in a hidden folder beside it
    (``.<slug>.*.tmp``, skipped by the board), which then takes the folder's
    place by a rename; a folder being replaced is first renamed aside and
    removed last. A full disk or any other failure removes the hidden folder
    and leaves the previous state as it was: never a predictions.json
    without its results.json.

    Raises:
        InputError: the file system refused (naming the folder).
    """
    parent = directory.parent
    try:
        staging = Path(tempfile.mkdtemp(dir=parent, prefix=f".{directory.name}.", suffix=".tmp"))
    except OSError as error:
        raise InputError([Problem(escape(str(directory)), f"cannot write: {error.strerror or error}")]) from None
    aside: Path | None = None
    try:
        os.chmod(staging, 0o755)
        for name, data in files.items():
            with open(staging / name, "xb") as handle:
                handle.write(data)
                handle.flush()
                os.fsync(handle.fileno())
            os.chmod(staging / name, 0o644)
        if directory.exists():
            aside = Path(tempfile.mkdtemp(dir=parent, prefix=f".{directory.name}.", suffix=".old"))
            os.replace(directory, aside / directory.name)
        try:
            os.replace(staging, directory)
        except BaseException:
            if aside is not None:
                os.replace(aside / directory.name, directory)
            raise
    except OSError as error:
        raise InputError([Problem(escape(str(directory)), f"cannot write: {error.strerror or error}; nothing was filed")]) from None
    finally:
        shutil.rmtree(staging, ignore_errors=True)
        if aside is not None:
            shutil.rmtree(aside, ignore_errors=True)


def _refuse_existing(directory: Path, *, replace: bool) -> bool:
    exists = directory.exists() or directory.is_symlink()
    if exists and (directory.is_symlink() or not directory.is_dir()):
        raise InputError([Problem(escape(str(directory)), "exists and is not a submission folder; choose another --slug")])
    if exists and not replace:
        raise InputError([Problem(escape(str(directory)), "a submission is already filed under this slug; pass --replace to overwrite it or --slug to choose another")])
    return exists


def submit_submission(
    source: Path,
    *,
    slug: str | None = None,
    replace: bool = False,
    submissions_dir: Path,
    scorer: Scorer | None = None,
    progress: Callable[[str], None] | None = None,
) -> Filed:
    """Validate, score and file a submission under ``submissions_dir/<slug>/``.

    The lock file is checked first (``benchmark.files.prepare_lock``), then
    the file is scored before anything else is written; then its bytes,
    unchanged, and its results are filed together (``_file_together``) while
    holding the project lock: both files or neither.

    Args:
        source: the submission file.
        slug: the folder name; derived from ``system.name`` when ``None``.
        replace: overwrite a submission already filed under the slug.
        submissions_dir: where submissions are filed.
        scorer: the scorer (``default_scorer(progress=progress)`` when ``None``).
        progress: called with a short message as each instance is scored.

    Raises:
        InputError: invalid file or slug, or the slug is taken and ``replace`` is false.
    """
    data = read_file_bytes(source)
    loaded = load_submission_bytes(data, source=display_path(source))
    record = record_path(source).read_bytes() if has_consistent_record(source, loaded.submission) else None
    slug = check_slug(slug) if slug is not None else slug_from_name(loaded.submission.system.name)
    directory = submissions_dir / slug
    _refuse_existing(directory, replace=replace)  # before the slow part
    prepare_lock(submissions_dir)
    scorer = scorer or default_scorer(progress=progress)
    results = scorer.score(loaded)
    with project_lock(submissions_dir):
        # Checked again: another command may have filed this slug while we scored.
        replaced = _refuse_existing(directory, replace=replace)
        files = {PREDICTIONS_FILE: data, RESULTS_FILE: results.to_json_bytes()}
        if record is not None:  # the folder is replaced whole, so a replaced run's record goes with it
            files[record_path(Path(PREDICTIONS_FILE)).name] = record
        _file_together(directory, files)
    return Filed(slug=slug, directory=directory, results=results, replaced=replaced)


# --- Collecting every submission's results -------------------------------------


@dataclass(frozen=True)
class Standing:
    """One submission on the board."""

    slug: str
    results: ResultsSummary
    reference: bool
    recorded: bool = False
    """A run record beside its predictions accounts for them (``benchmark.records``)."""

    @property
    def mark(self) -> str:
        """How the board marks the row: reference, reproducible (a consistent run record) or self-reported."""
        return provenance_mark(reference=self.reference, recorded=self.recorded)


def provenance_mark(*, reference: bool, recorded: bool) -> str:
    """A row's mark: ``reference``, ``reproducible`` (a consistent run record) or ``self-reported``."""
    return "reference" if reference else "reproducible" if recorded else "self-reported"


def _has_run_record(predictions: Path, data: bytes) -> bool:
    """Whether a consistent run record lies beside filed predictions; an inconsistent one stops the board (InputError)."""
    if not record_path(predictions).exists():
        return False
    return has_consistent_record(predictions, load_submission_bytes(data, source=display_path(predictions)).submission)


def _submission_folders(submissions_dir: Path) -> list[Path]:
    """The submission folders in slug order; hidden entries (the lock) are skipped."""
    if not submissions_dir.is_dir():
        raise InputError([Problem(escape(str(submissions_dir)), "no such folder of submissions")])
    folders = []
    for entry in sorted(submissions_dir.iterdir()):
        if entry.name.startswith("."):
            continue
        where = escape(str(entry))
        check_slug(entry.name, argument=where)
        predictions = entry / PREDICTIONS_FILE
        # A symbolic link could make the board read (and publish) a file outside the repository.
        if entry.is_symlink() or not entry.is_dir() or predictions.is_symlink():
            raise InputError([Problem(where, f"a submission must be a folder (not a link) holding {PREDICTIONS_FILE}")])
        if not predictions.is_file():
            raise InputError([Problem(escape(str(predictions)), "missing; every submission folder holds one")])
        folders.append(entry)
    return folders


def collect_standings(
    submissions_dir: Path, *, scorer: Scorer, update_cache: bool, progress: Callable[[str], None] | None = None
) -> tuple[list[Standing], tuple[str, ...]]:
    """Score every submission, reusing cached results that still apply.

    Args:
        submissions_dir: the folder of submission folders.
        scorer: the scorer whose signature decides which caches apply.
        update_cache: write fresh results to ``results.json`` (false for ``--check``).
        progress: called with a short message before the embedding pass and
            as each submission's results arrive (the CLI prints these on stderr).

    Returns:
        The standings in slug order, and the slugs that had to be rescored.
    """
    folders = _submission_folders(submissions_dir)
    cached: dict[str, dict] = {}
    recorded: dict[str, bool] = {}
    to_score: dict[str, LoadedSubmission] = {}
    # Every submission is read and validated before any is scored, so a bad
    # file stops the run before minutes of scoring, and the ones to score
    # are embedded together.
    for folder in folders:
        predictions = folder / PREDICTIONS_FILE
        data = read_file_bytes(predictions)
        results = _cached_results(folder / RESULTS_FILE, sha256=hashlib.sha256(data).hexdigest(), signature=scorer.signature)
        recorded[folder.name] = _has_run_record(predictions, data)
        if results is None:
            to_score[folder.name] = load_submission_bytes(data, source=display_path(predictions))
        else:
            cached[folder.name] = results
    if to_score and progress:
        progress(f"embedding the texts of {len(to_score)} submission(s) to score ({len(cached)} cached)")
    # Closed on the way out, normally or on an error here (a results.json that cannot be written), so its worker processes end at once.
    scored = scorer.score_all(list(to_score.values())) if to_score else iter(())
    with contextlib.closing(scored) if hasattr(scored, "close") else contextlib.nullcontext():
        for position, (results, slug) in enumerate(zip(scored, to_score), start=1):
            if progress:
                progress(f"scored {position}/{len(to_score)}: {slug}")
            if update_cache:
                _write_results(results, submissions_dir / slug / RESULTS_FILE)
            cached[slug] = results
    standings = [
        Standing(slug=folder.name, results=cached[folder.name], reference=folder.name in REFERENCE_SLUGS, recorded=recorded[folder.name])
        for folder in folders
    ]
    return standings, tuple(to_score)


# --- Statistics ------------------------------------------------------------------


@dataclass(frozen=True)
class Row:
    """One row of the board, with its statistics (``scorers.statistics``)."""

    standing: Standing
    rank: int | None
    """1 + the number of ranked systems significantly better (after Holm), never less than the rank above (``None`` for a reference row)."""
    tied: bool
    """Whether another ranked row shares the rank."""
    p_value_above: float | None
    """Holm-adjusted p-value of the test against the ranked row directly above (``None`` for the first and references)."""
    low: float
    high: float


def rank_rows(standings: Sequence[Standing], *, statistics: BoardStatisticsConfig = STATISTICS) -> list[Row]:
    """Order the standings into rows: references first, then ranked systems with their ranks.

    Systems are ordered by overall score (descending), then by slug. Every
    pair of ranked systems is tested, the p-values of all pairs adjusted
    together (Holm), and a system's rank is 1 + the number of systems
    significantly better than it (``scorers.statistics.significance_ranks``);
    systems sharing a rank are tied. References get an interval, never a
    test.
    """
    from scorers.statistics import board_statistics

    references = sorted((s for s in standings if s.reference), key=lambda s: list(REFERENCE_SLUGS).index(s.slug))
    ranked = sorted((s for s in standings if not s.reference), key=lambda s: (-s.results.scores.overall, s.slug))
    listed = (*ranked, *references)
    board = board_statistics(
        [standing.results.scores.instances for standing in listed],
        INSTANCE_IDS,
        names=[escape(standing.slug) for standing in listed],
        ranked=len(ranked),
        config=statistics,
    )
    intervals = [(float(low), float(high)) for low, high in board.intervals]
    rows = [Row(standing, None, False, None, *intervals[len(ranked) + k]) for k, standing in enumerate(references)]
    for position, standing in enumerate(ranked):
        rank = board.ranks[position]
        p_value = float(board.adjusted[position - 1, position]) if position else None
        rows.append(Row(standing, rank, board.ranks.count(rank) > 1, p_value, *intervals[position]))
    return rows


# --- Rendering -----------------------------------------------------------------

# Letters, digits, spaces, hyphens and commas are left as they are; every other
# ASCII character could start markdown, HTML, an entity or an autolink
# ("www.", "http:", "@"), or split a table cell.
_MARKDOWN_PLAIN = re.compile(r"[A-Za-z0-9 ,\-]")


def plain_text(value: str) -> str:
    """A submitted string as single-line text: whitespace runs become one space, invisible characters go."""
    visible = "".join(char for char in value if char.isspace() or unicodedata.category(char)[0] != "C")
    return " ".join(visible.split())


def markdown_text(value: str) -> str:
    """A submitted string as inert markdown text that is safe inside a table cell.

    Example:
        >>> markdown_text("[x](javascript:1) | *b*")
        '&#91;x&#93;&#40;javascript&#58;1&#41; &#124; &#42;b&#42;'
    """
    return "".join(
        char if ord(char) > 127 or _MARKDOWN_PLAIN.fullmatch(char) else f"&#{ord(char)};" for char in plain_text(value)
    )


def http_url(value: str | None) -> str | None:
    """``value`` percent-encoded for a markdown link destination, or ``None`` unless it is an http(s) URL."""
    if not value:
        return None
    parts = urllib.parse.urlsplit(value.strip())
    if parts.scheme.lower() not in ("http", "https") or not parts.netloc:
        return None
    # Parentheses, pipes, angle brackets, quotes, spaces and backslashes would
    # end the destination or the table cell; they are percent-encoded.
    return urllib.parse.quote(value.strip(), safe="/:?#&=%+,;@$-._~!*")


def _system_cell(row: Row) -> str:
    system = row.standing.results.system
    name = markdown_text(system.name)
    url = http_url(system.url)
    cell = f"[{name}]({url})" if url else name
    return f"{cell} (reference)" if row.standing.reference else cell


def score_text(value: float | None) -> str:
    """A 0-100 score as the board and the pages show it: two decimals, "n/a" when not measured."""
    return "n/a" if value is None else f"{value:.2f}"


def p_value_text(value: float | None) -> str:
    """A p-value as the board shows it (markdown table and site): three decimals, "<0.001" below that, "—" for none."""
    if value is None:
        return "—"
    return "<0.001" if value < 0.001 else f"{value:.3f}"


def _rank_cell(row: Row) -> str:
    if row.rank is None:
        return "ref."
    return f"{row.rank}=" if row.tied else str(row.rank)


FIELD_TITLES = {"attendees": "Attendees", "venue": "Venue", "time": "Time", "demands": "Demands", "stakes": "Stakes"}


def table_header(statistics: BoardStatisticsConfig = STATISTICS) -> tuple[str, ...]:
    """The table's column titles; the interval's coverage is the board's setting."""
    return (
        "Rank",
        "System",
        "Mark",
        f"Overall ({statistics.confidence:.0%} CI)",
        "p vs. above",
        *(f"{FIELD_TITLES[field]} F1" for field in FIELDS),
        "Faithfulness",
        "Contradicted",
        "Date",
    )


TABLE_HEADER = table_header()
_ALIGNMENT = ("---:", ":---", ":---", "---:", "---:", *("---:" for _ in FIELDS), "---:", "---:", ":---")


def table_row_cells(row: Row) -> list[str]:
    """The markdown cells of one row, in ``TABLE_HEADER`` order."""
    scores = row.standing.results.scores
    date = row.standing.results.system.date
    return [
        _rank_cell(row),
        _system_cell(row),
        row.standing.mark,
        f"{score_text(scores.overall)} ({row.low:.2f}–{row.high:.2f})",
        p_value_text(row.p_value_above),
        *(score_text(scores.fields[field].f1) for field in FIELDS),
        score_text(scores.consistency.supported_rate),
        str(scores.consistency.contradicted),
        markdown_text(date) if date else "—",
    ]


def _table(cells: Sequence[Sequence[str]]) -> str:
    return "".join("| " + " | ".join(line) + " |\n" for line in cells)


def render_markdown(rows: Sequence[Row], *, signature: str, statistics: BoardStatisticsConfig = STATISTICS) -> str:
    """The whole LEADERBOARD.md for ranked rows, the board's signature and its statistical settings."""
    references = "".join(f" {row.standing.slug}: {REFERENCE_SLUGS[row.standing.slug]}." for row in rows if row.standing.reference)
    table = _table([table_header(statistics), _ALIGNMENT, *(table_row_cells(row) for row in rows)])
    return f"""# Leaderboard

<!-- Generated by `bench leaderboard` from submissions/; edit the submissions, not this file. -->

Structured summaries of the Trump–Putin summit in Alaska, scored on six instances (five articles and the event
across all five). Scores are 0–100. **Overall** is the mean over the six instances of each instance's mean field F1;
field columns are F1 over all instances (micro); **Faithfulness** is the share of predicted items that the source
articles support, and **Contradicted** the number of predicted items they contradict.

{table}
- **Rank**: systems are ordered by overall score. A system's rank is 1 + the number of systems significantly better
  than it (never less than the rank above); systems that share a rank, marked "=", are tied. Every pair of ranked
  systems is tested: the 30 (instance, field) cells are resampled with replacement within each field
  ({statistics.resamples:,} resamples, seed {statistics.seed}, the same draws for every system), each overall score is
  recomputed from the drawn cells, and the observed difference of two systems is divided by the standard deviation
  of their resampled differences (times √(6/5)) and read on Student's t with 25 degrees of freedom (two-sided). The
  p-values of all pairs are adjusted together (Holm); "better" means an adjusted p below {statistics.significance_level:g}.
  **p vs. above** is the adjusted p-value against the row directly above. The tests compare systems on this test set:
  a small p-value says a difference is not carried by a few cells of these six instances, not that it would hold on
  other articles or events.
- **{statistics.confidence:.0%} CI**: percentile interval of the same resampled overall scores.
- **ref.**: a reference row, shown for comparison, never ranked or tested.{references}
- **Mark**: *reproducible*: a run record (`predictions.run.json`, written by `bench run` or `bench lm-eval-convert`)
  names the model, the prompt and the settings, and its raw replies parse to exactly these predictions, so anyone
  with the model can repeat the run (`bench verify`); *self-reported*: a file without a run record; *reference*: a
  reference row. The gold is public, so no mark proves that a file was not written knowing it: a run record makes
  a claim that can be checked, by repeating the run.
- **n/a**: not measured for this submission.

![F1 per field and faithfulness, per system](LEADERBOARD.svg)

Each system's report (its articles with the evidence highlighted, every item with its verdict and consistency label,
filters) and a page comparing two systems item by item are in the static site written beside this page: open
[`site/index.html`](site/index.html) in a browser, or publish the `site/` folder on any static host.

## Scorer signature

Every score on this page was computed with this scorer; scores computed with another signature are not comparable.
The settings after the scorer's (`board.*`) are this page's statistics: they change intervals and tie groups, never a score.

```
{signature}
```

## How to submit

Run your system on the six instances, check the file with `bench validate FILE`, file it with `bench submit FILE`
(it is scored and written to `submissions/<slug>/`), then open a pull request that adds the folder's
`predictions.json`. See "Submitting" in README.md.
"""


def chart_label(value: str) -> str:
    """A submitted string as a matplotlib label: plain text, no mathtext (``$`` escaped), at most 40 characters."""
    text = plain_text(value)
    text = text if len(text) <= 40 else text[:39] + "…"
    return text.replace("$", r"\$")


CHART_MAX_ROWS = 20
"""Rows drawn in the chart (the first of the table: references, then the best ranked); more would not be read at a glance."""

CHART_COLUMNS = (*(f"{FIELD_TITLES[field]} F1" for field in FIELDS), "Faithfulness")
"""The chart's columns, left to right: the table's five field F1s, then faithfulness."""


def chart_rows(rows: Sequence[Row]) -> tuple[Sequence[Row], str]:
    """The rows the chart draws, and its title (which says when rows were left out)."""
    title = "F1 per field and faithfulness, per system (0–100), in the order of the table"
    if len(rows) <= CHART_MAX_ROWS:
        return rows, title
    return rows[:CHART_MAX_ROWS], f"{title}: its first {CHART_MAX_ROWS} of {len(rows)} rows"


@dataclass(frozen=True)
class ChartRow:
    """What the chart draws of one row: its label (rank and name, through ``chart_label``), whether it is a reference, and its ``CHART_COLUMNS`` values (``None``: n/a)."""

    label: str
    reference: bool
    values: tuple[float | None, ...]


def chart_data(rows: Sequence[Row]) -> tuple[str, tuple[ChartRow, ...]]:
    """The chart's title and rows: everything its bytes depend on besides the drawing code."""
    drawn, title = chart_rows(rows)
    data = []
    for row in drawn:
        scores = row.standing.results.scores
        name = chart_label(row.standing.results.system.name) + (" (reference)" if row.standing.reference else "")
        values = (*(scores.fields[field].f1 for field in FIELDS), scores.consistency.supported_rate)
        data.append(ChartRow(label=f"{_rank_cell(row)}  {name}", reference=row.standing.reference, values=values))
    return title, tuple(data)


def render_chart(rows: Sequence[Row]) -> bytes:
    """Small multiples as deterministic SVG bytes: one column per ``CHART_COLUMNS`` entry, one bar per row of the table (at most ``CHART_MAX_ROWS``).

    Rows run top to bottom in the table's order, labelled with their rank;
    every bar has its value printed at its end (or "n/a"). Ranked systems
    are blue and faithfulness orange (the Okabe-Ito palette, told apart in
    every common colour-vision deficiency, and by their column heads anyway);
    reference rows are grey and hatched. Text is drawn as paths: the SVG
    loads no font and nothing external.
    """
    import io

    import matplotlib
    from matplotlib.figure import Figure

    settings = {
        "svg.hashsalt": "alaska-summit-bench",
        "svg.fonttype": "path",
        "font.family": "DejaVu Sans",
        "font.size": 9,
    }
    title, data = chart_data(rows)
    blue, orange, grey = "#0072B2", "#E69F00", "#999999"
    with matplotlib.rc_context(settings):
        figure = Figure(figsize=(11, 1.3 + 0.3 * max(len(data), 1)), layout="constrained")
        panels = figure.subplots(1, len(CHART_COLUMNS), sharey=True)
        positions = list(range(len(data)))
        for column, (axes, head) in enumerate(zip(panels, CHART_COLUMNS)):
            colour = orange if column == len(CHART_COLUMNS) - 1 else blue
            for position, row in zip(positions, data):
                value = row.values[column]
                fill = grey if row.reference else colour
                axes.barh(
                    position,
                    value or 0.0,
                    height=0.7,
                    color=fill,
                    hatch="///" if row.reference else None,
                    edgecolor="white",
                    linewidth=0.5,
                )
                text = "n/a" if value is None else f"{value:.1f}"
                inside = value is not None and value >= 75
                axes.text(
                    value - 2 if inside else (value or 0.0) + 2,
                    position,
                    text,
                    va="center",
                    ha="right" if inside else "left",
                    color="white" if inside and fill == blue else "black",  # white on blue, black on orange and grey
                    fontsize=8,
                )
            axes.set_title(head, fontsize=9, fontweight="bold")
            axes.set_xlim(0, 100)
            axes.set_xticks([0, 50, 100])
            axes.grid(axis="x", linewidth=0.4, alpha=0.5)
            axes.set_axisbelow(True)
            for side in ("top", "right"):
                axes.spines[side].set_visible(False)
        panels[0].set_yticks(positions, [row.label for row in data])
        panels[0].set_ylim(max(len(data), 1) - 0.5, -0.5)  # the table's first row on top (one empty row for an empty board)
        figure.supxlabel("score (0–100)", fontsize=9)
        figure.suptitle(title, fontsize=10)
        buffer = io.BytesIO()
        figure.savefig(buffer, format="svg", metadata={"Date": None, "Creator": None})
    return buffer.getvalue()


# --- Publishing ------------------------------------------------------------------


@dataclass(frozen=True)
class Board:
    """A rendered leaderboard."""

    markdown: bytes
    chart: bytes
    rows: tuple[Row, ...]
    rescored: tuple[str, ...]


def _chart_inputs_key(rows: Sequence[Row]) -> str:
    """What the chart's bytes depend on: its data, the drawing code and the matplotlib version.

    Recorded in LEADERBOARD.md with the chart's own SHA-256, so that a board
    whose data did not change reuses the committed chart without importing
    matplotlib (a warm ``bench leaderboard`` stays under a second).
    """
    import inspect
    from importlib import metadata

    title, data = chart_data(rows)
    drawn = [[row.label, row.reference, list(row.values)] for row in data]
    code = inspect.getsource(render_chart)
    payload = json.dumps(
        {"matplotlib": metadata.version("matplotlib"), "code": code, "columns": CHART_COLUMNS, "title": title, "data": drawn}, ensure_ascii=False
    )
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()


_CHART_RECORD = re.compile(r"^<!-- chart inputs sha256:([0-9a-f]{64}) svg sha256:([0-9a-f]{64}) -->$", re.MULTILINE)


# The board is a few kilobytes, its chart tens of kilobytes.
MAX_BOARD_FILE_BYTES = 4 * 1024 * 1024


def _read_board_file(path: Path) -> bytes | None:
    """A committed board file's bytes, ``None`` when absent.

    Raises:
        InputError: not a regular file (a link to /dev/zero, a FIFO) or over ``MAX_BOARD_FILE_BYTES``.
    """
    return read_capped(path, max_bytes=MAX_BOARD_FILE_BYTES, missing_ok=True)


def _reusable_chart(output_dir: Path, inputs_key: str) -> bytes | None:
    """The committed chart, if the board records that it was drawn from these very inputs and it is intact.

    A speed-up for ``bench leaderboard`` only (no matplotlib in a warm run):
    the record can be forged along with the chart, so ``--check`` never
    calls this and renders the chart itself.
    """
    board, chart = _read_board_file(output_dir / LEADERBOARD_FILE), _read_board_file(output_dir / CHART_FILE)
    if board is None or chart is None:
        return None
    try:
        record = _CHART_RECORD.search(board.decode("utf-8"))
    except UnicodeDecodeError:
        return None
    if record and record.group(1) == inputs_key and hashlib.sha256(chart).hexdigest() == record.group(2):
        return chart
    return None


def build_board(
    submissions_dir: Path,
    output_dir: Path,
    *,
    scorer: Scorer | None = None,
    update_cache: bool,
    reuse_chart: bool = True,
    progress: Callable[[str], None] | None = None,
) -> Board:
    """Score (or reuse) every submission and render the board, without writing the board.

    With ``reuse_chart`` false the chart is always rendered, never taken from ``output_dir``.
    """
    from scorers.signature import board_signature

    scorer = scorer or default_scorer()
    standings, rescored = collect_standings(submissions_dir, scorer=scorer, update_cache=update_cache, progress=progress)
    rows = rank_rows(standings)
    inputs_key = _chart_inputs_key(rows)
    chart = (_reusable_chart(output_dir, inputs_key) if reuse_chart else None) or render_chart(rows)
    record = f"<!-- chart inputs sha256:{inputs_key} svg sha256:{hashlib.sha256(chart).hexdigest()} -->\n"
    markdown = (render_markdown(rows, signature=board_signature(scorer.signature, STATISTICS)) + "\n" + record).encode("utf-8")
    return Board(markdown=markdown, chart=chart, rows=tuple(rows), rescored=rescored)


Derived = Callable[["Board"], Mapping[Path, bytes | None]]
"""Files derived from a board (the static site, ``benchmark.web.site``): path -> its bytes, or ``None`` for a file to remove."""


def publish_leaderboard(
    submissions_dir: Path,
    output_dir: Path,
    *,
    scorer: Scorer | None = None,
    progress: Callable[[str], None] | None = None,
    derived: Derived | None = None,
) -> Board:
    """Rebuild the board and write ``LEADERBOARD.md`` and ``LEADERBOARD.svg`` (and stale caches), under the lock.

    Args:
        derived: gives the files to write or remove beside the board; it is
            called under the lock before anything is written, so a failure
            there leaves every file as it was.
    """
    for name in (CHART_FILE, LEADERBOARD_FILE):
        refuse_symlink(output_dir / name)  # before the slow part
    with project_lock(submissions_dir):
        board = build_board(submissions_dir, output_dir, scorer=scorer, update_cache=True, progress=progress)
        files = derived(board) if derived else {}
        publish(output_dir / CHART_FILE, board.chart)
        publish(output_dir / LEADERBOARD_FILE, board.markdown)
        for path, data in files.items():
            try:
                if data is None:
                    path.unlink(missing_ok=True)
                    continue
                path.parent.mkdir(parents=True, exist_ok=True)
            except OSError as error:
                raise InputError([Problem(escape(str(path)), f"cannot write: {error.strerror or error}")]) from None
            publish(path, data)
    return board


def stale_board_files(submissions_dir: Path, output_dir: Path, *, scorer: Scorer | None = None, derived: Derived | None = None) -> list[str]:
    """The board files that differ from what the submissions and scorer produce now; writes nothing.

    Both files are rebuilt from the scores, the chart rendered afresh
    (never reused), and compared byte for byte with the committed ones; so
    is every file ``derived`` gives, and a file it names for removal is stale.
    Names are relative to ``output_dir``.

    Raises:
        InputError: a committed board file is not a regular file (a link to
            a device, a FIFO) or is far too large to be a board.
    """
    board = build_board(submissions_dir, output_dir, scorer=scorer, update_cache=False, reuse_chart=False)
    stale = [name for name, data in ((LEADERBOARD_FILE, board.markdown), (CHART_FILE, board.chart)) if _read_board_file(output_dir / name) != data]
    for path, data in (derived(board) if derived else {}).items():
        if data is None or not same_bytes(path, data):
            stale.append(path.relative_to(output_dir).as_posix())
    return stale


def same_bytes(path: Path, data: bytes) -> bool:
    """Whether ``path`` is a regular file (not a link) holding exactly ``data``; read only when its size matches."""
    try:
        status = os.lstat(path)
    except FileNotFoundError:
        return False
    if not stat.S_ISREG(status.st_mode) or status.st_size != len(data):
        return False
    return read_capped(path, max_bytes=len(data)) == data


def results_summary(results: ResultsSummary) -> str:
    """A one-line summary of a submission's results for the command line."""
    scores = results.scores
    fields = ", ".join(f"{field} {score_text(scores.fields[field].f1)}" for field in FIELDS)
    return f"overall {score_text(scores.overall)}; F1: {fields}"
