"""The ``bench`` command line.

Commands are thin: they parse arguments, call the library and print. Library
errors (``BenchError``) become one-line messages on stderr and exit code 2
here and nowhere else. Every name, path or server string printed passes
through ``benchmark.escape.escape``, so none can forge a line or reach the
terminal as an escape sequence. SIGTERM unwinds like an exception
(``benchmark.procs.terminate_cleanly``): temporary files are removed and
worker processes ended, exit code 143. Heavy libraries (torch, transformers, datasets) are
imported only inside the commands that score.
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path
from enum import Enum
from typing import Annotated, NoReturn

import typer

from benchmark.baselines.registry import BaselineName
from benchmark.errors import BenchError
from benchmark.escape import escape

app = typer.Typer(
    name="bench",
    help="Alaska Summit Bench: validate and score structured summaries of the Trump–Putin summit in Alaska.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)

SubmissionArg = Annotated[Path, typer.Argument(help="A submission JSON file (see `bench schema`).", show_default=False)]
AllowPartial = Annotated[
    bool, typer.Option("--allow-partial", help="Score instances missing from the file as empty summaries instead of refusing it.")
]


# A hostile file can hold thousands of problems; the first few are enough to act on.
MAX_ERROR_LINES = 20
# Rescored submissions named in the leaderboard's summary line; the progress lines name them all.
MAX_SLUGS_LISTED = 10


def _error_lines(error: BenchError) -> list[str]:
    lines = [f"error: {escape(line)}" for line in error.lines()]
    if len(lines) > MAX_ERROR_LINES:
        hidden = len(lines) - MAX_ERROR_LINES
        lines = [*lines[:MAX_ERROR_LINES], f"error: ... and {hidden} more problem{'s' if hidden > 1 else ''} not shown"]
    return lines


def _quoted(name: str) -> str:
    """A submitted name in quotes: Python's quotes when printable, else ``escape``'s."""
    shown = escape(name)
    return repr(name) if shown == name else shown


def _say(message: str) -> None:
    """Print a progress or warning line on stderr, escaped."""
    typer.echo(escape(message), err=True)


def _fail(error: BenchError) -> None:
    for line in _error_lines(error):
        typer.echo(line, err=True)
    raise typer.Exit(error.exit_code)


@app.command()
def validate(submission: SubmissionArg, allow_partial: AllowPartial = False) -> None:
    """Check a submission file against the schema; print one line per problem."""
    from benchmark.submission import load_submission

    try:
        loaded = load_submission(submission, allow_partial=allow_partial)
    except BenchError as error:
        _fail(error)
    totals: dict[str, int] = {}
    for summary in loaded.submission.predictions.values():
        for field, count in summary.item_counts().items():
            totals[field] = totals.get(field, 0) + count
    present = len(loaded.submission.predictions) - len(loaded.missing)
    counts = ", ".join(f"{field} {count}" for field, count in totals.items())
    partial = f" ({len(loaded.missing)} missing, scored empty: {', '.join(loaded.missing)})" if loaded.missing else ""
    typer.echo(f"ok: {escape(str(submission))}: system {_quoted(loaded.submission.system.name)}, {present} instances{partial}; items: {counts}")


@app.command()
def schema(
    results: Annotated[
        bool, typer.Option("--results", help="Print the schema of a results file (`bench score --output`, results.json) instead.")
    ] = False,
) -> None:
    """Print the JSON Schema of a submission file (generated from the pydantic models); with --results, of a results file."""
    if results:
        from scorers.results_schema import results_json_schema

        typer.echo(json.dumps(results_json_schema(), indent=2, ensure_ascii=False))
        return
    from benchmark.schema import submission_json_schema

    typer.echo(json.dumps(submission_json_schema(), indent=2, ensure_ascii=False))


@app.command()
def score(
    submission: SubmissionArg,
    output: Annotated[
        Path | None, typer.Option("--output", "-o", help="Write the results JSON here (default: print the report only).", show_default=False)
    ] = None,
    allow_partial: AllowPartial = False,
    html: Annotated[
        Path | None,
        typer.Option(
            "--html",
            help="Also write the report as one self-contained HTML page (articles with highlighted evidence, items side by side, filters).",
            show_default=False,
        ),
    ] = None,
) -> None:
    """Validate a submission, score it against the gold, print the report; with --output, write the results JSON; with --html, an HTML report."""
    from benchmark.submission import load_submission

    try:
        loaded = load_submission(submission, allow_partial=allow_partial)
        from benchmark.files import check_output_path

        for target in (output, html):
            if target is not None:
                check_output_path(target)  # both, before the slow part: neither is written when one cannot be
        from scorers.config import ScoringConfig
        from scorers.report import render_report
        from scorers.results import score_submission, write_results

        results = score_submission(loaded, config=ScoringConfig(), progress=_say)
        page = None
        if html is not None:
            from benchmark.files import publish
            from benchmark.web.report import render_report as render_page

            page = render_page(results)  # rendered before anything is written
        if output is not None:
            write_results(results, output)
        if page is not None:
            publish(html, page)
    except BenchError as error:
        _fail(error)
    typer.echo(render_report(results))
    if output is not None:
        typer.echo(f"\nresults written to {escape(str(output))}")
    if html is not None:
        typer.echo(("" if output is not None else "\n") + f"HTML report written to {escape(str(html))}")


class MetaEvalPart(str, Enum):
    """A part of the labelled set (gold/judgments/MANIFEST.json)."""

    dev = "dev"
    held_out = "held-out"


@app.command("meta-eval")
def meta_eval(
    part: Annotated[
        list[MetaEvalPart] | None,
        typer.Option("--part", help="Which part of the labelled set to report (repeatable; default: both).", show_default=False),
    ] = None,
    choose: Annotated[bool, typer.Option("--choose", help="Try the threshold grid on the dev part and print the choices, best first.")] = False,
    judgments: Annotated[
        Path | None,
        typer.Option("--judgments", help="A labelled set laid out like gold/judgments/ (default: the benchmark's own).", show_default=False),
    ] = None,
    disagreements: Annotated[
        Path | None, typer.Option("--disagreements", help="Also write every item where scorer and annotator disagree (JSON lines).", show_default=False)
    ] = None,
) -> None:
    """Check the scorer against annotators on real system outputs (gold/judgments/); print the per-system table."""
    from benchmark.files import atomic_write
    from scorers.config import ScoringConfig
    from scorers.metaeval import JUDGMENTS_DIR, choose_thresholds, meta_evaluate
    from scorers.report import render_disagreements, render_meta_evaluation

    directory = judgments or JUDGMENTS_DIR
    try:
        if choose:
            choices, chosen = choose_thresholds(directory=directory)
            typer.echo("demands and stakes of the dev part: the worst system's credit agreement and TPR, the TNR pooled over its systems")
            typer.echo(f"{'match':>6}{'credit m.':>10}{'opp. m.':>8}{'credit':>8}{'TPR':>8}{'TNR':>8}{'false contr.':>13}{'objective':>10}")
            for c in choices[:20]:
                typer.echo(
                    f"{c.config.match_threshold:>6}{c.config.credit_margin:>10}{c.config.opposite_margin:>8}{c.worst_credit:>8.3f}"
                    f"{c.worst_tpr:>8.3f}{c.tnr:>8.3f}{c.false_contradictions:>13}{c.objective:>10.4f}"
                )
            current = ScoringConfig().claims
            typer.echo(
                f"\nchosen (highest threshold within one item of the best): match {chosen.config.match_threshold},"
                f" credit margin {chosen.config.credit_margin}, opposite margin {chosen.config.opposite_margin}"
                + ("" if chosen.config == current else f" (the config in use differs: {current})")
            )
            return
        report = meta_evaluate(config=ScoringConfig(), directory=directory, parts=[p.value for p in part] if part else ("dev", "held-out"))
        if disagreements is not None:
            atomic_write(disagreements, (render_disagreements(report) + "\n").encode("utf-8"))
    except BenchError as error:
        _fail(error)
    typer.echo(render_meta_evaluation(report))


@app.command()
def baseline(
    name: Annotated[BaselineName, typer.Argument(help="Which baseline to run.", show_default=False)],
    output: Annotated[Path, typer.Option("--output", "-o", help="Where to write the submission JSON.", show_default=False)],
) -> None:
    """Run a baseline system on the articles and write its submission file."""
    from benchmark.baselines.registry import write_baseline

    try:
        submission = write_baseline(name, output)
    except BenchError as error:
        _fail(error)
    counts = [summary.item_counts() for summary in submission.predictions.values()]
    items = ", ".join(f"{field} {sum(c[field] for c in counts)}" for field in counts[0])
    typer.echo(f"wrote {escape(str(output))}: baseline {name.value!r}, {len(counts)} instances; items: {items}")


@app.command()
def run(
    base_url: Annotated[str, typer.Option(help="OpenAI-compatible base URL, e.g. https://api.openai.com/v1 or http://localhost:8000/v1.", show_default=False)],
    model: Annotated[str, typer.Option(help="Model name as the endpoint knows it.", show_default=False)],
    api_key_env: Annotated[
        str | None,
        typer.Option(help="Environment variable holding the API key (default: OPENAI_API_KEY; when it is unset, no key is sent).", show_default=False),
    ] = None,
    instances: Annotated[list[str] | None, typer.Option(help="Instance ids to run (repeat or comma-separate; default: all six).", show_default=False)] = None,
    output: Annotated[Path, typer.Option(help="Submission file to write.")] = Path("predictions.json"),
    system_name: Annotated[str | None, typer.Option(help="Leaderboard name (default: the model name).", show_default=False)] = None,
    temperature: Annotated[float, typer.Option(min=0.0, max=2.0, help="Sampling temperature.")] = 0.0,
    max_tokens: Annotated[int, typer.Option(min=1, help="Cap on each reply's length in tokens.")] = 2048,
    max_retries: Annotated[int, typer.Option(min=0, max=20, help="Retries per request on transient HTTP errors, and per instance on unusable replies.")] = 3,
    retry_delay: Annotated[float, typer.Option(min=0.0, help="Seconds before the first retry after a transient error; doubled per retry.")] = 1.0,
    timeout: Annotated[float, typer.Option(min=0.1, help="Seconds to wait for one response.")] = 120.0,
    restart: Annotated[bool, typer.Option("--restart", help="Discard saved progress (or an existing output file) and start over.")] = False,
) -> None:
    """Run a model on every instance through an OpenAI-compatible endpoint and write its submission.

    Exit codes: 0 every instance validated; 1 some were written as empty
    summaries (reported on stderr); 2 bad arguments or the endpoint refused the
    configuration; 3 the endpoint stayed unavailable; 130 interrupted. After
    2, 3 or 130, rerunning the same command resumes.
    """
    import os

    from benchmark.errors import InputError, Problem
    from benchmark.runner import RetryPolicy, run_model

    key_variable = api_key_env or "OPENAI_API_KEY"
    api_key = os.environ.get(key_variable, "").strip() or None
    selected = tuple(part.strip() for value in instances or () for part in value.split(",") if part.strip())
    try:
        if api_key_env and api_key is None:
            raise InputError([Problem("--api-key-env", f"environment variable {api_key_env} is not set or empty")])
        if api_key is not None and not (api_key.isascii() and api_key.isprintable() and " " not in api_key):
            raise InputError([Problem(f"${key_variable}", "the API key contains spaces, control or non-ASCII characters")])
        if api_key is None:
            _say(f"note: {key_variable} is not set; sending no API key (fine for a local server)")
        result = run_model(
            base_url=base_url, model=model, api_key=api_key, api_key_env=key_variable, output=output,
            instances=selected or None, system_name=system_name, temperature=temperature, max_tokens=max_tokens,
            policy=RetryPolicy(max_retries=max_retries, base_delay=retry_delay, timeout=timeout), restart=restart,
        )
    except BenchError as error:
        _fail(error)
    except KeyboardInterrupt:
        typer.echo("error: interrupted; rerun the same command to resume", err=True)
        raise typer.Exit(130) from None
    for outcome in result.empty:
        _say(f"warning: instance {outcome.instance_id}: no valid reply after {outcome.requests} requests, written as an empty summary; last error: {outcome.error}")
    ok = len(result.outcomes) - len(result.empty)
    resumed = f" ({len(result.resumed)} resumed from saved progress)" if result.resumed else ""
    typer.echo(
        f"{'ok' if not result.empty else 'done'}: {escape(str(result.output))}: {ok} of {len(result.outcomes)} instances valid, "
        f"{len(result.empty)} empty{resumed}; {result.requests} requests; response_format {result.response_format}"
    )
    raise typer.Exit(result.exit_code)


@app.command("lm-eval-path")
def lm_eval_path() -> None:
    """Print the folder of the lm-evaluation-harness task, for `lm_eval --include_path "$(bench lm-eval-path)" --tasks alaska_summit`."""
    from benchmark.lmeval_task import TASK_DIR

    typer.echo(str(TASK_DIR))


@app.command("lm-eval-convert")
def lm_eval_convert(
    samples: Annotated[Path, typer.Argument(help="The harness's samples_alaska_summit_<time>.jsonl (lm_eval --log_samples); its results_<time>.json must lie beside it.", show_default=False)],
    output: Annotated[Path, typer.Option("--output", "-o", help="Submission file to write; its run record is written beside it (x.json -> x.run.json).")] = Path("predictions.json"),
    system_name: Annotated[str | None, typer.Option(help="Leaderboard name (default: the model name).", show_default=False)] = None,
    replace: Annotated[bool, typer.Option("--replace", help="Overwrite an existing output file.")] = False,
) -> None:
    """Turn an lm-evaluation-harness run of the alaska_summit task into a submission and its run record."""
    from benchmark.harness import convert_samples, write_converted

    try:
        converted = convert_samples(samples, system_name=system_name)
        record = write_converted(converted, output, overwrite=replace)
    except BenchError as error:
        _fail(error)
    usable = sum(any(summary.item_counts().values()) for summary in converted.submission.predictions.values())
    typer.echo(f"wrote {output} and {record}: model {converted.record.model!r}, {usable} of 6 instances with a usable, non-empty reply")


@app.command()
def verify(
    submission: SubmissionArg,
    base_url: Annotated[str, typer.Option(help="OpenAI-compatible base URL serving the recorded model, e.g. http://localhost:8000/v1.", show_default=False)],
    model: Annotated[str | None, typer.Option(help="Model name as this endpoint knows it (default: the recorded model).", show_default=False)] = None,
    api_key_env: Annotated[str, typer.Option(help="Environment variable holding the API key; when it is unset, no key is sent.")] = "OPENAI_API_KEY",
    timeout: Annotated[float, typer.Option(min=0.1, help="Seconds to wait for one response.")] = 120.0,
) -> None:
    """Repeat a submission's recorded run against an endpoint; report per instance whether replies and scores match.

    Exit codes: 0 every reply matches the run record; 1 some differ; 2 no
    usable run record, bad arguments or the endpoint refused the configuration;
    3 the endpoint stayed unavailable.
    """
    from benchmark.runner import RetryPolicy
    from benchmark.verify import verify_run

    api_key = os.environ.get(api_key_env, "").strip() or None
    try:
        checks = verify_run(
            submission, base_url=base_url, model=model, api_key=api_key, api_key_env=api_key_env,
            policy=RetryPolicy(timeout=timeout), note=lambda message: typer.echo(f"note: {message}", err=True),
        )
    except BenchError as error:
        _fail(error)
    for check in checks:
        reply = "reply matches" if check.reply_matches else f"reply differs (recorded sha256 {str(check.recorded_sha256)[:12]}, now {str(check.new_sha256)[:12]})"
        score = f"score {_score_text(check.new_score)}" if check.score_matches else f"score {_score_text(check.recorded_score)} recorded, {_score_text(check.new_score)} now"
        typer.echo(f"{check.instance_id}: {reply}; {score}")
    differing = [c for c in checks if not c.reply_matches]
    if not differing:
        typer.echo(f"ok: all {len(checks)} replies match the run record")
        return
    scores = sum(not c.score_matches for c in checks)
    typer.echo(f"differs: {len(differing)} of {len(checks)} replies differ from the run record; {scores} instance score{'s' * (scores != 1)} differ{'s' * (scores == 1)}")
    raise typer.Exit(1)


def _score_text(score: float | None) -> str:
    return "n/a" if score is None else f"{score:.2f}"


RootOption = Annotated[
    Path | None,
    typer.Option(
        "--root",
        help="The project folder, the one holding submissions/ and the board files (default: the nearest folder at or above the current one that holds a submissions/ folder).",
        show_default=False,
    ),
]
SubmissionsDir = Annotated[Path | None, typer.Option(help="Folder of submission folders (default: ROOT/submissions).", show_default=False)]


def _root(root: Path | None) -> Path:
    """The project folder: ``--root`` if given (it must hold submissions/), else found from the current folder."""
    from benchmark.leaderboard import check_root, find_root

    return check_root(root) if root is not None else find_root(Path.cwd())


@app.command()
def submit(
    submission: SubmissionArg,
    slug: Annotated[
        str | None, typer.Option(help="Folder name under submissions/ (default: derived from system.name).", show_default=False)
    ] = None,
    replace: Annotated[bool, typer.Option("--replace", help="Overwrite a submission already filed under the slug.")] = False,
    root: RootOption = None,
    submissions_dir: SubmissionsDir = None,
) -> None:
    """Validate and score a submission, then file it as submissions/<slug>/predictions.json with its results.json.

    submissions/ is the one in the project folder: the nearest folder at or
    above the current one that holds a submissions/ folder, or --root.
    """
    from benchmark.leaderboard import SUBMISSIONS_FOLDER, results_summary, submit_submission

    try:
        if submissions_dir is None:
            submissions_dir = _root(root) / SUBMISSIONS_FOLDER
        filed = submit_submission(
            submission, slug=slug, replace=replace, submissions_dir=submissions_dir, progress=_say
        )
    except BenchError as error:
        _fail(error)
    action = "replaced" if filed.replaced else "filed"
    typer.echo(f"{action}: {escape(str(filed.directory))}: {results_summary(filed.results)}; run `bench leaderboard` to publish it")


@app.command()
def leaderboard(
    check: Annotated[
        bool,
        typer.Option(
            "--check",
            help="Write nothing; exit 1 if LEADERBOARD.md, LEADERBOARD.svg or a file of site/ is out of date, or site/ holds a file it should not (every page is rendered again and compared byte for byte).",
        ),
    ] = False,
    root: RootOption = None,
    submissions_dir: SubmissionsDir = None,
    output_dir: Annotated[
        Path | None, typer.Option(help="Folder of LEADERBOARD.md, LEADERBOARD.svg and the static site site/ (default: ROOT).", show_default=False)
    ] = None,
) -> None:
    """Score every submission (reusing cached results) and write LEADERBOARD.md, LEADERBOARD.svg and the static site site/.

    All are those of the project folder: the nearest folder at or above the
    current one that holds a submissions/ folder, or --root. The site holds
    site/index.html (the board, sortable, with the chart), one report page
    per system (site/systems/<slug>.html) and site/compare.html; it opens
    from file:// or any static host.
    """
    from benchmark.leaderboard import SUBMISSIONS_FOLDER, publish_leaderboard, stale_board_files
    from benchmark.web.site import SITE_FOLDER, site_files

    try:
        if submissions_dir is None or output_dir is None:
            project = _root(root)
            submissions_dir = submissions_dir or project / SUBMISSIONS_FOLDER
            output_dir = output_dir or project
        if check:
            stale = stale_board_files(submissions_dir, output_dir, derived=site_files(submissions_dir, output_dir, render_all=True))
        else:
            written: list[str] = []

            def site(board):
                files = site_files(submissions_dir, output_dir, render_all=False)(board)
                written.extend(path.name for path, data in files.items() if data is not None)
                return files

            board = publish_leaderboard(submissions_dir, output_dir, progress=_say, derived=site)
    except BenchError as error:
        _fail(error)
    if check:
        if stale:
            shown = stale[:MAX_SLUGS_LISTED]
            names = ", ".join(escape(str(output_dir / name)) for name in shown) + (f" and {len(stale) - len(shown)} more" if len(stale) > len(shown) else "")
            verb = "is" if len(stale) == 1 else "are"
            typer.echo(
                f"error: {names} {verb} not what the current submissions and scorer produce (or should not be there); run `bench leaderboard` and commit",
                err=True,
            )
            raise typer.Exit(1)
        typer.echo("ok: the leaderboard is up to date")
        return
    reused = len(board.rows) - len(board.rescored)
    shown = ", ".join(board.rescored[:MAX_SLUGS_LISTED]) + (f" and {len(board.rescored) - MAX_SLUGS_LISTED} more" if len(board.rescored) > MAX_SLUGS_LISTED else "")
    rescored = f" ({shown})" if board.rescored else ""
    typer.echo(
        f"wrote {escape(str(output_dir / 'LEADERBOARD.md'))}, LEADERBOARD.svg and {SITE_FOLDER}/ ({len(written)} pages rewritten):"
        f" {len(board.rows)} systems; rescored {len(board.rescored)}{rescored}, cached {reused}"
    )


def main() -> None:
    """Entry point of the ``bench`` script."""
    from benchmark.procs import terminate_cleanly

    terminate_cleanly()
    try:
        app()
    except BenchError as error:  # raised outside a command's own handling
        for line in _error_lines(error):
            print(line, file=sys.stderr)
        _exit(error.exit_code)
    except SystemExit as end:
        _exit(end.code)


def _exit(code: int | str | None) -> NoReturn:
    """End the process with ``code``; after scoring, without the interpreter's teardown.

    A process that loaded torch, transformers and bert-score (which imports
    matplotlib) spends about a second at exit unloading thousands of modules
    (measured: 1.1 s after ``load_encoder()``), which nobody needs: output
    is flushed here, and every file a command writes is already closed.
    """
    if isinstance(code, str):
        print(code, file=sys.stderr)
        code = 1
    if "torch" not in sys.modules:
        sys.exit(code)
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except (OSError, ValueError):  # a closed pipe (`bench score ... | head -1`) has nothing left to receive
            pass
    os._exit(code or 0)


if __name__ == "__main__":
    main()
