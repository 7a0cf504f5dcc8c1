"""Submissions made without understanding earn at most 5 points for their demands and stakes (tests/data/redteam/NOTES.md)."""

from __future__ import annotations

import json

import pytest

from benchmark.submission import LoadedSubmission, load_submission, validate_submission_data
from scorers.config import ScoringConfig
from tests.conftest import REPO_ROOT, run_bench

REDTEAM = REPO_ROOT / "tests" / "data" / "redteam"
BOUNDED = ("rt-hedge", "rt-template", "rt-paste300", "rt-kitchen-sink300", "rt2-clauses", "rt2-keywords", "rt2-hedge2", "rt2-allparties")
ALLOWED_GAIN = 5.0


def _base(loaded: LoadedSubmission) -> LoadedSubmission:
    data = json.loads(loaded.submission.model_dump_json())
    for summary in data["predictions"].values():
        summary["demands"], summary["stakes"] = [], []
    submission, missing = validate_submission_data(data, allow_partial=False)
    return LoadedSubmission(submission, loaded.sha256, missing)


@pytest.fixture(scope="module")
def overall(encoder):
    from scorers.results import score_submissions

    loaded = [load_submission(REDTEAM / f"{name}.json") for name in BOUNDED]
    bases = {name: _base(submission) for name, submission in zip(BOUNDED, loaded)}
    results = list(score_submissions([*loaded, *bases.values()], config=ScoringConfig()))
    scored = [r.scores.overall for r in results]
    return {name: (scored[n], scored[len(BOUNDED) + n]) for n, name in enumerate(BOUNDED)}


@pytest.mark.parametrize("name", BOUNDED)
def test_tricks_earn_at_most_five_points(overall, name):
    with_tricks, base = overall[name]
    assert base > 50  # attendees, venue and time are filled sensibly
    assert with_tricks <= base + ALLOWED_GAIN, (name, with_tricks, base)


@pytest.mark.parametrize("name", ["rt-paste", "rt-kitchen-sink"])
def test_long_pastes_are_refused_before_scoring(name):
    result = run_bench("validate", str(REDTEAM / f"{name}.json"))
    assert result.returncode == 2
    assert "string should have at most 300 characters" in result.stderr
