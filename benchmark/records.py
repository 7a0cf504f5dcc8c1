"""Run records: how a submission's predictions were produced, so that anyone can repeat the run.

A run record lies beside its submission (``predictions.json`` →
``predictions.run.json``). ``bench run`` writes one, and so does the
converter of lm-evaluation-harness output (``bench lm-eval-convert``). It
names the model, the endpoint's host (never a URL, its query or a key), the
prompt's version and SHA-256, the settings, the harness and its version where
there is one, and each instance's raw reply with its SHA-256.

Whether a record accounts for a submission is checked in
``benchmark.provenance``; ``bench verify`` repeats the run.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, ValidationError

from benchmark.errors import InputError, Problem
from benchmark.files import atomic_write
from benchmark.schema import INSTANCE_IDS
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
    submission: Path, *, model: str, host: str, prompt: PromptRecord, settings: dict[str, str | int | float], replies: Mapping[str, str | None]
) -> Path:
    """The run record of a finished ``bench run``: its settings and every instance's last reply."""
    record = RunRecord(
        route="bench run",
        model=model,
        endpoint_host=host,
        prompt=prompt,
        settings=settings,
        harness=None,
        instances={i: reply_record(replies[i]) for i in INSTANCE_IDS},
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
