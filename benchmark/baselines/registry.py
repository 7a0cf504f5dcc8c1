"""The registry of baselines, and running one into a submission file.

Each baseline is a module with ``DESCRIPTION``, ``MODEL`` and
``summarize(instance_id, sources) -> Summary``; ``BASELINES`` maps its name
to it. Only ``oracle`` reads the gold (it is the gold). Output is
deterministic: the same articles give the same bytes, so the checked-in
``submissions/<name>/predictions.json`` can be compared with a fresh run.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from enum import Enum
from pathlib import Path
from functools import cache
from typing import Callable

from benchmark.data import Article, sources_of
from benchmark.errors import InputError, Problem
from benchmark.files import atomic_write
from benchmark.schema import INSTANCE_IDS, SCHEMA_VERSION, Submission, Summary, SystemInfo

AUTHORS = "Alaska Summit Bench maintainers"
# A fixed date, not today's, so that a rerun writes the same bytes.
SYSTEM_DATE = "2026-11-22"


class BaselineName(str, Enum):
    """The baselines ``bench baseline`` can run."""

    rules = "rules"
    retrieval = "retrieval"
    empty = "empty"
    oracle = "oracle"


@dataclass(frozen=True)
class Baseline:
    """One baseline system: how it presents itself and how it summarises an instance."""

    description: str
    model: str | None
    summarize: Callable[[str, tuple[Article, ...]], Summary]


@cache
def baselines() -> dict[BaselineName, Baseline]:
    """The registry of baselines by name.

    Built on first use: the modules pull in numpy, scipy and the encoder,
    which every ``bench`` command would otherwise pay for at start-up (the CLI
    needs only ``BaselineName`` for its ``--help``).
    """
    from benchmark.baselines import empty, oracle, retrieval, rules

    return {
        BaselineName.rules: Baseline(rules.DESCRIPTION, rules.MODEL, rules.summarize),
        BaselineName.retrieval: Baseline(retrieval.DESCRIPTION, retrieval.MODEL, retrieval.summarize),
        BaselineName.empty: Baseline(empty.DESCRIPTION, empty.MODEL, empty.summarize),
        BaselineName.oracle: Baseline(oracle.DESCRIPTION, oracle.MODEL, oracle.summarize),
    }


def run_baseline(name: BaselineName) -> Submission:
    """Run a baseline on all six instances."""
    baseline = baselines()[BaselineName(name)]
    system = SystemInfo(
        name=BaselineName(name).value,
        description=baseline.description,
        authors=AUTHORS,
        url=None,
        model=baseline.model,
        date=SYSTEM_DATE,
    )
    predictions = {instance_id: baseline.summarize(instance_id, sources_of(instance_id)) for instance_id in INSTANCE_IDS}
    return Submission(schema_version=SCHEMA_VERSION, system=system, predictions=predictions)


def submission_bytes(submission: Submission) -> bytes:
    """A submission as the JSON file the project publishes (2-space indent, UTF-8, final newline)."""
    return (json.dumps(submission.model_dump(mode="json"), indent=2, ensure_ascii=False) + "\n").encode("utf-8")


def write_baseline(name: BaselineName, output: Path) -> Submission:
    """Run a baseline and write its submission to ``output`` atomically.

    The output's directory is created if needed.

    Raises:
        InputError: when ``output`` is a directory or cannot be created.
    """
    output = Path(output)
    if output.is_dir():
        raise InputError([Problem(str(output), "is a directory; give the path of the JSON file to write")])
    submission = run_baseline(name)
    try:
        output.parent.mkdir(parents=True, exist_ok=True)
        atomic_write(output, submission_bytes(submission))
    except OSError as error:
        raise InputError([Problem(str(output), f"cannot write: {error.strerror or error}")]) from None
    return submission
