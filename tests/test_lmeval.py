"""The lm-evaluation-harness route: the real harness (lm-eval 0.4.13, the `lm-eval` extra) runs the task.

* ``simple_evaluate`` with a model class registered here that replays a
  submission's predictions as replies: the harness's metrics must equal
  ``bench score`` (``score_submission``) on the same submission, for the gold
  (100), the example and the rules baseline.
* ``lm_eval`` on the command line with ``--model dummy``, whose replies are
  unusable: everything scores 0, no traceback.
* ``lm_eval`` on the command line with ``--model local-chat-completions``
  against the loopback OpenAI-compatible server (``tests/openai_server.py``):
  the harness's own HTTP client sends the prompt ``bench run`` sends, the
  replies come back fenced and with a ``<think>`` block, the numbers equal
  ``bench score``; its ``--log_samples`` output is converted to a submission
  that validates and files with ``bench submit``.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from lm_eval import simple_evaluate
from lm_eval.api.model import LM
from lm_eval.api.registry import register_model
from lm_eval.tasks import TaskManager

from benchmark.lmeval_task import TASK_DIR, TASK_NAME
from benchmark.runner import load_prompt
from benchmark.schema import FIELDS, INSTANCE_IDS
from benchmark.submission import load_submission
from scorers.config import ScoringConfig
from scorers.results import score_submission
from scorers.results_schema import Results
from tests.conftest import REPO_ROOT, run_bench

SUBMISSIONS = REPO_ROOT / "submissions"


def bench_metrics(results: Results) -> dict[str, float | int | None]:
    """The figures of a `bench score` result, under the harness task's metric names."""
    scores = results.scores
    return {
        "overall": scores.overall,
        **{f"{field}_f1": scores.fields[field].f1 for field in FIELDS},
        "faithfulness": scores.consistency.supported_rate,
        "contradicted": scores.consistency.contradicted,
    }


def harness_metrics(task_results: dict) -> dict[str, float | int | None]:
    """The harness's aggregated metrics of the task (its ``results.alaska_summit``), without the filter suffix."""
    return {key.removesuffix(",none"): value for key, value in task_results.items() if key.endswith(",none") and "_stderr" not in key}


@register_model("alaska-replay")
class ReplayLM(LM):
    """Answers each prompt with a submission's prediction for the instance that prompt, and only that prompt, renders."""

    def __init__(self, predictions: dict[str, str]):
        super().__init__()
        self.predictions = predictions
        prompt = load_prompt()
        self.instance_of_prompt = {prompt.render(instance_id): instance_id for instance_id in INSTANCE_IDS}
        self.prompts_seen: list[str] = []

    def generate_until(self, requests, disable_tqdm: bool = False) -> list[str]:
        replies = []
        for request in requests:
            context, _ = request.arguments
            self.prompts_seen.append(context)
            replies.append(self.predictions[self.instance_of_prompt[context]])
        return replies

    def loglikelihood(self, requests, disable_tqdm: bool = False):
        raise NotImplementedError("the task only generates")

    def loglikelihood_rolling(self, requests, disable_tqdm: bool = False):
        raise NotImplementedError("the task only generates")


def test_lm_eval_path_prints_the_task_folder():
    completed = run_bench("lm-eval-path")
    assert completed.returncode == 0, completed.stderr
    folder = Path(completed.stdout.strip())
    assert folder == TASK_DIR
    assert (folder / f"{TASK_NAME}.yaml").is_file() and (folder / f"{TASK_NAME}.py").is_file()


@pytest.mark.parametrize("slug", ["oracle", "example", "rules"])
def test_simple_evaluate_equals_bench_score(slug, encoder):
    loaded = load_submission(SUBMISSIONS / slug / "predictions.json")
    model = ReplayLM({i: summary.model_dump_json() for i, summary in loaded.predictions.items()})

    evaluated = simple_evaluate(model=model, tasks=[TASK_NAME], task_manager=TaskManager(include_path=str(TASK_DIR)), log_samples=True)
    bench = score_submission(loaded, config=ScoringConfig())

    got = harness_metrics(evaluated["results"][TASK_NAME])
    assert got == bench_metrics(bench)
    if slug == "oracle":
        assert got["overall"] == 100.0
    # One document per instance, each prompted exactly once, in the canonical order.
    assert [model.instance_of_prompt[p] for p in model.prompts_seen] == list(INSTANCE_IDS)
    samples = evaluated["samples"][TASK_NAME]
    assert [s["doc"]["instance"] for s in samples] == list(INSTANCE_IDS)
    # Per document: the instance's own counts, as bench score reports them.
    for sample in samples:
        instance = bench.scores.instances[sample["doc"]["instance"]]
        for field in FIELDS:
            entry = instance.fields[field]
            assert sample[f"{field}_f1"] == [entry.correct, entry.incorrect, entry.missing, entry.spurious]
    metadata = evaluated["configs"][TASK_NAME]["metadata"]
    assert metadata["signature"] == bench.signature.string
    assert metadata["prompt_sha256"] == load_prompt().sha256


def test_dummy_model_scores_zero_without_traceback(tmp_path):
    completed = subprocess.run(
        [sys.executable, "-m", "lm_eval", "--model", "dummy", "--tasks", TASK_NAME, "--include_path", str(TASK_DIR), "--output_path", str(tmp_path)],
        cwd=REPO_ROOT, capture_output=True, text=True, timeout=600,
    )
    assert completed.returncode == 0, completed.stderr[-3000:]
    assert "Traceback" not in completed.stderr
    (results_file,) = tmp_path.glob("*/results_*.json")
    metrics = harness_metrics(json.loads(results_file.read_text(encoding="utf-8"))["results"][TASK_NAME])
    assert metrics == {
        "overall": 0.0, **{f"{field}_f1": 0.0 for field in FIELDS}, "faithfulness": None, "contradicted": 0,
    }
