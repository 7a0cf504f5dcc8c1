"""Run records: how a submission's predictions were produced, so that anyone can repeat the run.

A run record lies beside its submission (``predictions.json`` →
``predictions.run.json``). ``bench run`` writes one, and so does the
converter of lm-evaluation-harness output (``bench lm-eval-convert``). It
names the model, the endpoint's host (never a URL, its query or a key), the
prompt's version and SHA-256, the settings, the harness and its version where
there is one, and each instance's raw reply with its SHA-256.

A record is *consistent* with a submission when every reply hashes to its
recorded SHA-256, was produced with the benchmark's prompt, and parses (as
``bench run`` parses a reply; unusable is an empty summary) to exactly the
submission's prediction for its instance. ``bench verify`` repeats the run;
the board marks a row *reproducible* only when its record is consistent.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, ValidationError

from benchmark.errors import InputError, Problem
from benchmark.files import atomic_write
from benchmark.runner import InstanceOutcome, RunSettings, load_prompt, parse_reply
from benchmark.schema import INSTANCE_IDS, Submission, Summary
from benchmark.submission import parse_json_bytes

RECORD_FORMAT = "alaska-summit-run/1"
RECORD_SUFFIX = ".run.json"


class _Strict(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class PromptRecord(_Strict):
    version: str
    sha256: str


class HarnessRecord(_Strict):
    """The evaluation harness that ran the model, where one did."""

    name: str
    version: str
    model_type: str


class ReplyRecord(_Strict):
    """One instance's raw reply (null when the endpoint gave none) and the SHA-256 of its UTF-8 bytes."""

    reply: str | None
    reply_sha256: str | None


class RunRecord(_Strict):
    """A run record (see the module docstring)."""

    format: Literal["alaska-summit-run/1"] = RECORD_FORMAT
    route: Literal["bench run", "lm-eval"]
    model: str
    endpoint_host: str | None
    prompt: PromptRecord
    settings: dict[str, str | int | float | bool | list[str] | None]
    harness: HarnessRecord | None
    instances: dict[str, ReplyRecord]

    def to_json_bytes(self) -> bytes:
        return (json.dumps(self.model_dump(mode="json"), indent=2, ensure_ascii=False) + "\n").encode("utf-8")


def reply_summary(reply: Any, instance_id: str) -> Summary:
    """The summary a reply gives: parsed and validated as ``bench run`` parses it, empty when unusable.

    A reply that is not a non-blank string (no content), not JSON, or not a
    valid summary counts as an empty summary, as ``bench run`` writes one
    after replies that never validate.
    """
    if not isinstance(reply, str) or not reply.strip():
        return Summary()
    try:
        return parse_reply(reply, instance_id)
    except InputError:
        return Summary()


def reply_record(reply: str | None) -> ReplyRecord:
    """A reply with its SHA-256."""
    return ReplyRecord(reply=reply, reply_sha256=None if reply is None else sha256_text(reply))


def sha256_text(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def record_path(submission: Path) -> Path:
    """Where a submission's run record lies: ``x.json`` → ``x.run.json``."""
    submission = Path(submission)
    return submission.with_name(submission.name.removesuffix(".json") + RECORD_SUFFIX)


def write_record(record: RunRecord, submission: Path) -> Path:
    """Write the record beside ``submission``, atomically; returns its path."""
    path = record_path(submission)
    try:
        atomic_write(path, record.to_json_bytes())
    except OSError as error:
        raise InputError([Problem(str(path), f"cannot write the run record: {error.strerror or error}")]) from None
    return path


def write_bench_run_record(
    submission: Path, *, settings: RunSettings, host: str, response_format: str, outcomes: Mapping[str, InstanceOutcome]
) -> Path:
    """The run record of a finished ``bench run``: its settings and every instance's last reply."""
    record = RunRecord(
        route="bench run",
        model=settings.model,
        endpoint_host=host,
        prompt=PromptRecord(version=settings.prompt_version, sha256=settings.prompt_sha256),
        settings={"temperature": settings.temperature, "max_tokens": settings.max_tokens, "response_format": response_format},
        harness=None,
        instances={i: reply_record(outcomes[i].reply) for i in INSTANCE_IDS},
    )
    return write_record(record, submission)


def read_record(path: Path) -> RunRecord:
    """Read a run record strictly.

    Raises:
        InputError: the file is missing, not strict JSON, or not a run record.
    """
    try:
        data = path.read_bytes()
    except OSError as error:
        raise InputError([Problem(str(path), f"cannot read the run record: {error.strerror or error}")]) from None
    parsed = parse_json_bytes(data, source=str(path))
    try:
        return RunRecord.model_validate(parsed)
    except ValidationError as error:
        raise InputError([
            Problem(f"{path}:" + ".".join(str(part) for part in detail["loc"]) if detail["loc"] else str(path), detail["msg"])
            for detail in error.errors()
        ]) from None


def record_problems(record: RunRecord, submission: Submission, *, prompt_sha256: str) -> list[Problem]:
    """Why ``record`` does not account for ``submission``'s predictions; empty when it does."""
    problems = []
    if record.prompt.sha256 != prompt_sha256:
        problems.append(Problem("prompt.sha256", f"{record.prompt.sha256[:12]} is not the benchmark's prompt {record.prompt.version} ({prompt_sha256[:12]})"))
    if submission.system.model != record.model:
        problems.append(Problem("model", f"{record.model!r} differs from the submission's system.model {submission.system.model!r}"))
    for instance_id in INSTANCE_IDS:
        entry = record.instances.get(instance_id)
        if entry is None:
            problems.append(Problem(f"instances.{instance_id}", "no reply recorded"))
            continue
        expected_hash = None if entry.reply is None else sha256_text(entry.reply)
        if entry.reply_sha256 != expected_hash:
            problems.append(Problem(f"instances.{instance_id}.reply_sha256", "does not match the reply"))
        elif reply_summary(entry.reply, instance_id) != submission.predictions.get(instance_id):
            problems.append(Problem(f"instances.{instance_id}.reply", "does not parse to the submission's prediction"))
    problems.extend(Problem(f"instances.{i}", "not an instance of the benchmark") for i in record.instances if i not in INSTANCE_IDS)
    return problems


def has_consistent_record(submission_path: Path, submission: Submission) -> bool:
    """Whether a run record lies beside the submission; one that does not account for its predictions is refused.

    Raises:
        InputError: the record is unreadable, or does not account for the submission (each problem located in it).
    """
    path = record_path(submission_path)
    if not path.exists():
        return False
    problems = record_problems(read_record(path), submission, prompt_sha256=load_prompt().sha256)
    if problems:
        raise InputError([Problem(f"{path}: {p.where}", p.message) for p in problems])
    return True
