"""The ``bench`` command line.

Commands are thin: they parse arguments, call the library and print. Library
errors (``BenchError``) become one-line messages on stderr and exit code 2
here and nowhere else. Heavy libraries (torch, transformers, datasets) are
imported only inside the commands that score.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated

import typer

from benchmark.errors import BenchError

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


def _error_lines(error: BenchError) -> list[str]:
    lines = [f"error: {line}" for line in error.lines()]
    if len(lines) > MAX_ERROR_LINES:
        hidden = len(lines) - MAX_ERROR_LINES
        lines = [*lines[:MAX_ERROR_LINES], f"error: ... and {hidden} more problem{'s' if hidden > 1 else ''} not shown"]
    return lines


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
    typer.echo(f"ok: {submission}: system {loaded.submission.system.name!r}, {present} instances{partial}; items: {counts}")


@app.command()
def schema() -> None:
    """Print the JSON Schema of a submission file (generated from the pydantic models)."""
    from benchmark.schema import submission_json_schema

    typer.echo(json.dumps(submission_json_schema(), indent=2, ensure_ascii=False))


@app.command()
def score(
    submission: SubmissionArg,
    output: Annotated[
        Path | None, typer.Option("--output", "-o", help="Write the results JSON here (default: print the report only).", show_default=False)
    ] = None,
    allow_partial: AllowPartial = False,
) -> None:
    """Validate a submission, score it against the gold, print the report; with --output, write the results JSON."""
    from benchmark.submission import load_submission

    try:
        loaded = load_submission(submission, allow_partial=allow_partial)
        from scorers.config import ScoringConfig
        from scorers.results import render_report, score_submission, write_results

        results = score_submission(loaded, config=ScoringConfig(), progress=lambda message: typer.echo(message, err=True))
        if output is not None:
            write_results(results, output)
    except BenchError as error:
        _fail(error)
    typer.echo(render_report(results))
    if output is not None:
        typer.echo(f"\nresults written to {output}")


SubmissionsDir = Annotated[Path, typer.Option(help="Folder of submission folders.")]


@app.command()
def submit(
    submission: SubmissionArg,
    slug: Annotated[
        str | None, typer.Option(help="Folder name under submissions/ (default: derived from system.name).", show_default=False)
    ] = None,
    replace: Annotated[bool, typer.Option("--replace", help="Overwrite a submission already filed under the slug.")] = False,
    submissions_dir: SubmissionsDir = Path("submissions"),
) -> None:
    """Validate and score a submission, then file it as submissions/<slug>/predictions.json with its results.json."""
    from benchmark.leaderboard import results_summary, submit_submission

    try:
        filed = submit_submission(submission, slug=slug, replace=replace, submissions_dir=submissions_dir)
    except BenchError as error:
        _fail(error)
    action = "replaced" if filed.replaced else "filed"
    typer.echo(f"{action}: {filed.directory}: {results_summary(filed.results)}; run `bench leaderboard` to publish it")


@app.command()
def leaderboard(
    check: Annotated[
        bool, typer.Option("--check", help="Write nothing; exit 1 if LEADERBOARD.md or LEADERBOARD.svg is out of date.")
    ] = False,
    submissions_dir: SubmissionsDir = Path("submissions"),
    output_dir: Annotated[Path, typer.Option(help="Folder of LEADERBOARD.md and LEADERBOARD.svg.")] = Path("."),
) -> None:
    """Score every submission (reusing cached results) and write LEADERBOARD.md and LEADERBOARD.svg."""
    from benchmark.leaderboard import publish_leaderboard, stale_board_files

    try:
        if check:
            stale = stale_board_files(submissions_dir, output_dir)
        else:
            board = publish_leaderboard(submissions_dir, output_dir)
    except BenchError as error:
        _fail(error)
    if check:
        if stale:
            names = " and ".join(str(output_dir / name) for name in stale)
            verb = "is" if len(stale) == 1 else "are"
            typer.echo(f"error: {names} {verb} not what the current submissions and scorer produce; run `bench leaderboard` and commit", err=True)
            raise typer.Exit(1)
        typer.echo("ok: the leaderboard is up to date")
        return
    reused = len(board.rows) - len(board.rescored)
    rescored = f" ({', '.join(board.rescored)})" if board.rescored else ""
    typer.echo(f"wrote {output_dir / 'LEADERBOARD.md'} and LEADERBOARD.svg: {len(board.rows)} systems; rescored {len(board.rescored)}{rescored}, cached {reused}")


def main() -> None:
    """Entry point of the ``bench`` script."""
    try:
        app()
    except BenchError as error:  # raised outside a command's own handling
        for line in _error_lines(error):
            print(line, file=sys.stderr)
        sys.exit(error.exit_code)


if __name__ == "__main__":
    main()
