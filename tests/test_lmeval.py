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
from benchmark.provenance import record_problems
from benchmark.records import read_record, record_path
from benchmark.runner import load_prompt
from benchmark.schema import FIELDS, INSTANCE_IDS, Summary
from benchmark.submission import load_submission
from scorers.config import ScoringConfig
from scorers.results import score_submission
from scorers.results_schema import Results
from tests.conftest import REPO_ROOT, run_bench
from tests.openai_server import OpenAIServer, RecordedRequest, chat_completion

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


def test_lm_eval_cli_against_the_loopback_server_equals_bench_score_and_converts(tmp_path):
    loaded = load_submission(SUBMISSIONS / "rules" / "predictions.json")
    prompt = load_prompt()

    def respond(request: RecordedRequest):
        # Reasoning and a code fence around the JSON, as local servers send them: bench run's parser drops both.
        summary = loaded.predictions[request.instance].model_dump_json(indent=1)
        return chat_completion(f"<think>Reading the article.</think>\n```json\n{summary}\n```")

    with OpenAIServer(respond) as server:
        completed = subprocess.run(
            [
                sys.executable, "-m", "lm_eval", "--model", "local-chat-completions",
                "--model_args", f"model=replay-rules,base_url={server.base_url}/chat/completions,tokenizer_backend=None",
                "--tasks", TASK_NAME, "--include_path", str(TASK_DIR), "--apply_chat_template",
                "--output_path", str(tmp_path / "out"), "--log_samples",
            ],
            cwd=REPO_ROOT, capture_output=True, text=True, timeout=600,
        )
        requests = list(server.requests)
    assert completed.returncode == 0, completed.stderr[-3000:]
    # The harness's client sent bench run's user message, one request per instance, with no stop sequence.
    assert sorted(r.instance for r in requests) == sorted(INSTANCE_IDS)
    for request in requests:
        assert request.messages == [{"role": "user", "content": prompt.render(request.instance)}]
        assert request.body["stop"] == [] and request.body["max_tokens"] == 2048 and request.body["temperature"] == 0.0

    (results_file,) = (tmp_path / "out").glob("*/results_*.json")
    (samples_file,) = (tmp_path / "out").glob(f"*/samples_{TASK_NAME}_*.jsonl")
    harness = harness_metrics(json.loads(results_file.read_text(encoding="utf-8"))["results"][TASK_NAME])
    bench = score_submission(loaded, config=ScoringConfig())
    assert harness == bench_metrics(bench)

    # The converter: a submission that validates and files, and a run record that accounts for it.
    converted = tmp_path / "converted" / "predictions.json"
    completed = run_bench("lm-eval-convert", str(samples_file), "--output", str(converted), "--system-name", "Replayed rules")
    assert completed.returncode == 0, completed.stderr
    submission = json.loads(converted.read_text(encoding="utf-8"))
    assert submission["system"]["model"] == "replay-rules"
    assert "lm-evaluation-harness 0.4.13" in submission["system"]["description"]
    assert "model type local-chat-completions" in submission["system"]["description"]
    assert {i: Summary.model_validate(p) for i, p in submission["predictions"].items()} == loaded.predictions
    record = read_record(record_path(converted))
    assert record.route == "lm-eval" and record.harness.version == "0.4.13" and record.endpoint_host == server.host
    assert record_problems(record, load_submission(converted).submission, prompt_sha256=prompt.sha256) == []
    assert "/v1" not in record_path(converted).read_text(encoding="utf-8")  # a host, never the URL

    filed = run_bench("submit", str(converted), "--submissions-dir", str(tmp_path / "submissions"))
    assert filed.returncode == 0, filed.stderr
    assert filed.stdout.startswith("filed: ") and f"overall {bench.scores.overall:.2f}" in filed.stdout
    assert (tmp_path / "submissions" / "replayed-rules" / "predictions.json").read_bytes() == converted.read_bytes()


def test_converter_refuses_a_run_of_some_instances_in_one_line(tmp_path):
    samples = tmp_path / f"samples_{TASK_NAME}_2026-12-01T00-00-00.jsonl"
    samples.write_text(json.dumps({"doc": {"instance": "000"}, "filtered_resps": ["{}"]}) + "\n", encoding="utf-8")
    (tmp_path / "results_2026-12-01T00-00-00.json").write_text(
        json.dumps({"configs": {TASK_NAME: {"metadata": {"prompt_sha256": load_prompt().sha256}}}}), encoding="utf-8"
    )
    completed = run_bench("lm-eval-convert", str(samples), "--output", str(tmp_path / "p.json"))
    assert completed.returncode == 2
    assert completed.stderr.splitlines() == [f"error: {samples}: no sample for instances 001, 002, 003, 004, event (was the run limited with --limit?)"]
    assert not (tmp_path / "p.json").exists()
