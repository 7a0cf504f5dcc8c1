"""``bench verify``: repeat a recorded run against an endpoint and compare, instance by instance.

The submission's run record (``benchmark.records``) must account for its
predictions first. Then every instance's prompt (the recorded version, which
must be the benchmark's) is sent once with the recorded settings to the given
OpenAI-compatible endpoint; the new reply is compared with the recorded one
(by SHA-256), and both are scored as ``bench score`` scores an instance.
Sampling at a temperature above zero, or a server that is not
deterministic, gives other replies: the report says so per instance.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from benchmark.errors import InputError, Problem
from benchmark.provenance import has_consistent_record, reply_summary
from benchmark.records import RunRecord, read_record, record_path, sha256_text
from benchmark.runner import ChatClient, Endpoint, Prompt, RequestShape, RetryPolicy, RunSettings, load_prompt, request_reply
from benchmark.schema import INSTANCE_IDS, Summary
from benchmark.submission import load_submission


@dataclass(frozen=True)
class InstanceCheck:
    """One instance repeated: the two replies' hashes and the two instance scores (0-100)."""

    instance_id: str
    recorded_sha256: str | None
    new_sha256: str | None
    recorded_score: float | None
    new_score: float | None

    @property
    def reply_matches(self) -> bool:
        return self.recorded_sha256 == self.new_sha256

    @property
    def score_matches(self) -> bool:
        return self.recorded_score == self.new_score


def _settings(record: RunRecord, model: str, endpoint: Endpoint, prompt: Prompt) -> tuple[RunSettings, str]:
    """The request settings of the recorded run, and its response format."""
    if record.harness is None:
        temperature, max_tokens = record.settings["temperature"], record.settings["max_tokens"]
        response_format = str(record.settings["response_format"])
    else:  # the harness asks with its generation kwargs and no response format
        generation = json.loads(str(record.settings["generation_kwargs"]))
        temperature, max_tokens, response_format = generation.get("temperature", 0.0), generation.get("max_gen_toks", 256), "none"
    return RunSettings(model, endpoint.identity, prompt.version, prompt.sha256, float(temperature), int(max_tokens)), response_format


def verify_run(
    submission_path: Path,
    *,
    base_url: str,
    model: str | None,
    api_key: str | None,
    api_key_env: str,
    policy: RetryPolicy,
    note: Callable[[str], None],
) -> list[InstanceCheck]:
    """Repeat the recorded run of ``submission_path`` against ``base_url``; one check per instance.

    Raises:
        InputError: no run record beside the submission, or one that does not
            account for its predictions, or the endpoint refused the configuration.
        EndpointError: the endpoint stayed unavailable.
    """
    from scorers.aggregate import instance_score, percent
    from scorers.config import ScoringConfig
    from scorers.results import score_instance
    from benchmark.data import load_instances

    loaded = load_submission(submission_path)
    path = record_path(submission_path)
    if not has_consistent_record(submission_path, loaded.submission):
        raise InputError([Problem(str(path), "no run record beside the submission; only runs made by `bench run` or converted with `bench lm-eval-convert` can be verified")])
    record = read_record(path)
    prompt = load_prompt()
    endpoint = Endpoint.from_base_url(base_url)
    settings, response_format = _settings(record, model or record.model, endpoint, prompt)
    client = ChatClient(endpoint, api_key=api_key, api_key_env=api_key_env, policy=policy, note=note)
    shape = RequestShape(response_format)
    instances = load_instances()
    config = ScoringConfig()

    def score(summary: Summary, instance_id: str) -> float | None:
        fields = score_instance(summary, instances[instance_id], config=config)
        return percent(instance_score({field: result.counts for field, result in fields.items()}))

    checks = []
    for instance_id in INSTANCE_IDS:
        response = request_reply(client, settings, [{"role": "user", "content": prompt.render(instance_id)}], shape, note)
        content = response["choices"][0]["message"].get("content")
        reply = content if isinstance(content, str) else None
        recorded = record.instances[instance_id]
        new_score = score(reply_summary(reply, instance_id), instance_id)
        recorded_score = new_score if recorded.reply == reply else score(loaded.predictions[instance_id], instance_id)
        checks.append(InstanceCheck(instance_id, recorded.reply_sha256, None if reply is None else sha256_text(reply), recorded_score, new_score))
        note(f"{instance_id}: {'reply matches' if checks[-1].reply_matches else 'reply differs'}")
    return checks
