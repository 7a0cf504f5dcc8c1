"""The lm-evaluation-harness route: reading a reply as ``bench run`` does, and converting the harness's output.

The task folder (``benchmark/lmeval_task/``) scores replies through
``benchmark.provenance.reply_summary``, so that a reply earns in the harness
exactly what it earns through ``bench run``. ``convert_samples`` turns a run's logged samples
(``lm_eval --log_samples``) into a submission, with the model and the harness
settings recorded, and its run record (``benchmark.records``). Neither needs
the harness installed.
"""

from __future__ import annotations

import datetime as _dt
import json
import urllib.parse
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from benchmark.errors import InputError, Problem
from benchmark.files import atomic_write
from benchmark.lmeval_task import TASK_NAME
from benchmark.provenance import reply_summary
from benchmark.records import HarnessRecord, PromptRecord, RunRecord, reply_record, write_record
from benchmark.runner import load_prompt
from benchmark.schema import INSTANCE_IDS, SCHEMA_VERSION, Submission, SystemInfo
from benchmark.submission import display_path, read_file_bytes


# --- From the harness's logged samples to a submission -------------------------

HARNESS_NAME = "lm-evaluation-harness"
_SAMPLES_PREFIX = f"samples_{TASK_NAME}_"
# The harness's files hold the prompts (the articles) once per instance: well under this.
_MAX_HARNESS_FILE_BYTES = 64 * 1024 * 1024


@dataclass(frozen=True)
class Converted:
    """A submission made from a harness run, and the run record of its replies."""

    submission: Submission
    record: RunRecord


def _read_json(path: Path, *, lines: bool = False) -> Any:
    """A harness output file (JSON, or JSON lines), with a one-line error for anything unreadable."""
    data = read_file_bytes(path, max_bytes=_MAX_HARNESS_FILE_BYTES)
    try:
        text = data.decode("utf-8")
        if lines:
            return [json.loads(line) for line in text.splitlines() if line.strip()]
        return json.loads(text)
    except (UnicodeDecodeError, ValueError) as error:
        raise InputError([Problem(display_path(path), f"not a file the harness writes ({type(error).__name__}: {error})")]) from None


def _field(data: Any, *keys: str, where: str) -> Any:
    for key in keys:
        if not isinstance(data, dict) or key not in data:
            raise InputError([Problem(where, f"has no {'.'.join(keys)}; is it lm-evaluation-harness output of the {TASK_NAME} task?")])
        data = data[key]
    return data


def convert_samples(samples_path: Path, *, system_name: str | None = None) -> Converted:
    """Turn ``lm_eval --log_samples`` output of the ``alaska_summit`` task into a submission and its run record.

    Args:
        samples_path: the ``samples_alaska_summit_<time>.jsonl`` file; the
            run's ``results_<time>.json`` beside it supplies the model and settings.
        system_name: the leaderboard name; the model name (cut to 64 characters) by default.

    Raises:
        InputError: a file is missing or not the harness's output of this task,
            an instance is missing or repeated, or the run used another prompt.
    """
    where = display_path(samples_path)
    if not samples_path.name.startswith(_SAMPLES_PREFIX) or samples_path.suffix != ".jsonl":
        raise InputError([Problem(where, f"expected the harness's {_SAMPLES_PREFIX}<time>.jsonl (from lm_eval --log_samples)")])
    stamp = samples_path.name.removeprefix(_SAMPLES_PREFIX).removesuffix(".jsonl")
    results_path = samples_path.with_name(f"results_{stamp}.json")
    results = _read_json(results_path)
    results_where = display_path(results_path)
    metadata = _field(results, "configs", TASK_NAME, "metadata", where=results_where)
    prompt = load_prompt()
    if not isinstance(metadata, dict) or metadata.get("prompt_sha256") != prompt.sha256:
        raise InputError([Problem(results_where, f"the run did not use prompt {prompt.version} (sha256:{prompt.sha256[:12]}); rerun it with this version of the task")])

    replies: dict[str, str | None] = {}
    for number, sample in enumerate(_read_json(samples_path, lines=True), start=1):
        instance_id = _field(sample, "doc", "instance", where=f"{where}:{number}")
        responses = _field(sample, "filtered_resps", where=f"{where}:{number}")
        if instance_id not in INSTANCE_IDS:
            raise InputError([Problem(f"{where}:{number}", f"unknown instance {instance_id!r}")])
        if instance_id in replies:
            raise InputError([Problem(f"{where}:{number}", f"instance {instance_id} appears twice")])
        reply = responses[0] if isinstance(responses, list) and responses else None
        replies[instance_id] = reply if isinstance(reply, str) else None
    missing = [i for i in INSTANCE_IDS if i not in replies]
    if missing:
        raise InputError([Problem(where, f"no sample for instance{'s' * (len(missing) > 1)} {', '.join(missing)} (was the run limited with --limit?)")])

    model = str(_field(results, "model_name", where=results_where))
    model_type = str(_field(results, "config", "model", where=results_where))
    model_args = _field(results, "config", "model_args", where=results_where)
    base_url = model_args.get("base_url") if isinstance(model_args, dict) else None
    host = urllib.parse.urlsplit(base_url).netloc.rpartition("@")[2] or None if isinstance(base_url, str) else None
    version = str(_field(results, "lm_eval_version", where=results_where))
    generation = _field(results, "configs", TASK_NAME, "generation_kwargs", where=results_where)
    settings = {
        "generation_kwargs": json.dumps(generation, sort_keys=True),
        "chat_template_applied": results.get("chat_template") is not None,
        "chat_template_sha256": results.get("chat_template_sha"),
        "system_instruction_sha256": results.get("system_instruction_sha"),
        "fewshot_as_multiturn": bool(results.get("fewshot_as_multiturn")),
    }
    record = RunRecord(
        route="lm-eval",
        model=model,
        endpoint_host=host,
        prompt=PromptRecord(version=prompt.version, sha256=prompt.sha256),
        settings=settings,
        harness=HarnessRecord(name=HARNESS_NAME, version=version, model_type=model_type),
        instances={i: reply_record(replies[i]) for i in INSTANCE_IDS},
    )
    stamp_seconds = results.get("date")
    date = _dt.datetime.fromtimestamp(stamp_seconds, _dt.timezone.utc).date().isoformat() if isinstance(stamp_seconds, (int, float)) else None
    description = " · ".join(filter(None, [
        f"{HARNESS_NAME} {version}",
        f"model type {model_type}",
        f"endpoint host {host}" if host else None,
        f"prompt {prompt.version} (sha256:{prompt.sha256[:12]})",
        f"generation {settings['generation_kwargs']}",
        "chat template applied" if settings["chat_template_applied"] else None,
    ]))
    try:
        system = SystemInfo(name=system_name if system_name is not None else model[:64], model=model, description=description, date=date)
    except ValueError as error:  # pydantic's ValidationError
        raise InputError([Problem("--system-name" if d["loc"][0] == "name" else results_where, d["msg"]) for d in error.errors()]) from None
    predictions = {i: reply_summary(replies[i], i) for i in INSTANCE_IDS}
    return Converted(Submission(schema_version=SCHEMA_VERSION, system=system, predictions=predictions), record)


def write_converted(converted: Converted, output: Path, *, overwrite: bool = False) -> Path:
    """Write the submission to ``output`` and its run record beside it; returns the record's path."""
    if output.exists() and not overwrite:
        raise InputError([Problem(display_path(output), "already exists; pass --replace to overwrite it, or choose another --output")])
    try:
        output.parent.mkdir(parents=True, exist_ok=True)
        atomic_write(output, (converted.submission.model_dump_json(indent=2) + "\n").encode("utf-8"))
    except OSError as error:
        raise InputError([Problem(display_path(output), f"cannot write: {error.strerror or error}")]) from None
    return write_record(converted.record, output)
