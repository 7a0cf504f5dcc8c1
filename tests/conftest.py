"""Shared test helpers."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parent.parent
SUBMISSIONS_DIR = REPO_ROOT / "submissions"
EXAMPLE_SUBMISSION = SUBMISSIONS_DIR / "example" / "predictions.json"


def run_bench(*args: str, cwd: Path | None = None, env: dict | None = None, timeout: float = 600) -> subprocess.CompletedProcess:
    """Run the real ``bench`` CLI in a new process, as a user would."""
    return subprocess.run(
        [sys.executable, "-m", "benchmark.cli", *args],
        cwd=cwd or REPO_ROOT,
        capture_output=True,
        text=True,
        timeout=timeout,
        env={**os.environ, **(env or {})},
    )


def results_json(results) -> dict:
    """Scoring results (``scorers.results_schema.Results``) as the published JSON reads them."""
    return json.loads(results.to_json_bytes())


@pytest.fixture
def example_submission() -> dict:
    return json.loads(EXAMPLE_SUBMISSION.read_text(encoding="utf-8"))


@pytest.fixture(scope="session")
def encoder(tmp_path_factory):
    """The test session's one text encoder (the model loads once), caching embeddings in a temporary directory."""
    from scorers.similarity import CACHE_DIR_ENV, load_encoder

    with pytest.MonkeyPatch.context() as patch:
        patch.setenv(CACHE_DIR_ENV, str(tmp_path_factory.mktemp("embedding-cache")))
        yield load_encoder()


def pytest_collection_modifyitems(config, items):
    """Tests marked ``heavy`` run only in CI (``CI=true``), where nothing is ever skipped; elsewhere they are skipped with the reason."""
    if os.environ.get("CI") == "true":
        return
    skip = pytest.mark.skip(reason="heavy: runs only when CI=true (see pyproject's markers)")
    for item in items:
        if "heavy" in item.keywords:
            item.add_marker(skip)
