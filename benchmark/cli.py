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
