"""Whether a run record accounts for a submission (``benchmark.records``).

A record *accounts for* a submission when every reply hashes to its recorded
SHA-256, the prompt is the benchmark's, ``system.model`` is the recorded
model, and each reply, parsed as ``bench run`` parses a reply (unusable: an
empty summary, ``reply_summary``), gives exactly the submission's prediction
for its instance. ``bench submit`` files only such a record, and the board
marks a row *reproducible* only with one.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from benchmark.errors import InputError, Problem
from benchmark.records import RunRecord, read_record, record_path, sha256_text
from benchmark.runner import load_prompt, parse_reply
from benchmark.schema import INSTANCE_IDS, Submission, Summary


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
