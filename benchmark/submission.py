"""Reading submission files strictly, and reporting every problem with its path.

Two readers of one file must never see two different submissions, so the JSON
reader here is stricter than ``json.loads``: it refuses duplicate keys (the
standard parser silently keeps the last), NaN and Infinity, trailing data,
invalid UTF-8, files above ``MAX_FILE_BYTES`` (checked before parsing) and
nesting deeper than the schema. A UTF-8 byte order mark at the start of the
file is accepted and ignored, as many Windows editors write one.
"""

from __future__ import annotations

import hashlib
import json
import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from benchmark.errors import InputError, Problem
from benchmark.schema import INSTANCE_IDS, Submission, Summary, json_path

MAX_FILE_BYTES = 4 * 1024 * 1024
# Deepest container nesting a valid submission needs is 4
# (root > predictions > instance > attendees > attendee); allow some slack
# so that the schema, not this guard, explains ordinary shape errors.
MAX_NESTING = 8
_UTF8_BOM = b"\xef\xbb\xbf"


class _Pairs(list):
    """An object's key/value pairs as parsed, before duplicate keys are checked."""


def _reject_constant(name: str) -> Any:
    raise ValueError(f"{name} is not valid JSON (NaN and Infinity are refused)")


def _line_col(text: str, offset: int) -> tuple[int, int]:
    line = text.count("\n", 0, offset) + 1
    return line, offset - (text.rfind("\n", 0, offset) + 1) + 1


def _to_plain(value: Any, parts: tuple[str | int, ...], depth: int, problems: list[Problem]) -> Any:
    """Turn parsed pairs into dicts, reporting duplicate keys, lone surrogates and depth."""
    where = json_path(*parts) if parts else "$"
    if isinstance(value, (_Pairs, list)) and depth > MAX_NESTING:
        problems.append(Problem(where, f"nested deeper than {MAX_NESTING} levels; the schema needs at most 4"))
        return None
    if isinstance(value, _Pairs):
        result: dict[str, Any] = {}
        for key, item in value:
            if key in result:
                problems.append(Problem(json_path(*parts, key), "duplicate key"))
                continue
            result[key] = _to_plain(item, (*parts, key), depth + 1, problems)
        return result
    if isinstance(value, list):
        return [_to_plain(item, (*parts, i), depth + 1, problems) for i, item in enumerate(value)]
    if isinstance(value, float) and not math.isfinite(value):
        problems.append(Problem(where, "number out of range"))
    return value


def parse_json_bytes(data: bytes, *, source: str, max_bytes: int = MAX_FILE_BYTES) -> Any:
    """Parse JSON strictly.

    Args:
        data: the file's bytes.
        source: how to name the file in messages.
        max_bytes: size cap, checked before decoding.

    Returns:
        The parsed value, objects as dicts.

    Raises:
        InputError: with one problem per defect found.
    """
    if len(data) > max_bytes:
        raise InputError([Problem(source, f"file is {len(data):,} bytes; the limit is {max_bytes:,}")])
    if data.startswith(_UTF8_BOM):
        data = data[len(_UTF8_BOM):]
    if not data.strip():
        raise InputError([Problem(source, "file is empty")])
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as error:
        raise InputError([Problem(source, f"not UTF-8 (invalid byte at offset {error.start})")]) from None
    try:
        parsed = json.loads(text, object_pairs_hook=_Pairs, parse_constant=_reject_constant)
    except json.JSONDecodeError as error:
        line, col = _line_col(text, error.pos)
        reason = "trailing data after the JSON value" if error.msg == "Extra data" else error.msg
        raise InputError([Problem(f"{source}:{line}:{col}", f"not valid JSON: {reason}")]) from None
    except ValueError as error:
        raise InputError([Problem(source, str(error))]) from None
    except RecursionError:
        raise InputError([Problem(source, f"nested deeper than {MAX_NESTING} levels")]) from None
    problems: list[Problem] = []
    plain = _to_plain(parsed, (), 0, problems)
    if problems:
        raise InputError(problems)
    return plain


def read_file_bytes(path: Path, *, max_bytes: int = MAX_FILE_BYTES) -> bytes:
    """Read a user's file, refusing what is missing, not a file, or too large (before reading it)."""
    source = str(path)
    if not path.exists():
        raise InputError([Problem(source, "no such file")])
    if not path.is_file():
        raise InputError([Problem(source, "not a regular file")])
    size = path.stat().st_size
    if size > max_bytes:
        raise InputError([Problem(source, f"file is {size:,} bytes; the limit is {max_bytes:,}")])
    try:
        return path.read_bytes()
    except OSError as error:
        raise InputError([Problem(source, f"cannot read: {error.strerror}")]) from None


def _pydantic_message(error: dict) -> str:
    kind = error["type"]
    if kind == "missing":
        return "field required"
    if kind == "extra_forbidden":
        return "unknown key (not in the schema)"
    message = error["msg"]
    if message.startswith("Value error, "):
        message = message[len("Value error, "):]
    return message[0].lower() + message[1:] if message else kind


@dataclass(frozen=True)
class LoadedSubmission:
    """A validated submission with every instance present."""

    submission: Submission
    sha256: str
    missing: tuple[str, ...]
    """Instances absent from the file and scored as empty summaries (only with ``allow_partial``)."""

    @property
    def predictions(self) -> dict[str, Summary]:
        return dict(self.submission.predictions)


def validate_submission_data(data: Any, *, allow_partial: bool = False) -> tuple[Submission, tuple[str, ...]]:
    """Validate parsed JSON as a submission.

    Returns:
        The submission with every instance present, and the ids that were
        missing (filled with empty summaries; only possible with ``allow_partial``).

    Raises:
        InputError: one problem per violation, each with its JSON path.
    """
    if not isinstance(data, dict):
        kind = type(data).__name__ if data is not None else "null"
        kind = {"list": "a JSON list", "str": "a JSON string", "dict": "an object"}.get(kind, f"JSON {kind}")
        raise InputError([Problem("$", f"expected a JSON object with schema_version, system and predictions; got {kind}")])
    problems: list[Problem] = []
    predictions = data.get("predictions")
    missing: tuple[str, ...] = ()
    if isinstance(predictions, dict):
        unknown = [key for key in predictions if key not in INSTANCE_IDS]
        for key in unknown:
            problems.append(Problem(json_path("predictions", key), f"unknown instance id; allowed: {', '.join(INSTANCE_IDS)}"))
        missing = tuple(i for i in INSTANCE_IDS if i not in predictions)
        if missing and not allow_partial:
            for instance in missing:
                problems.append(Problem(json_path("predictions", instance), "instance missing (pass --allow-partial to score it as an empty summary)"))
        data = {**data, "predictions": {k: v for k, v in predictions.items() if k in INSTANCE_IDS}}
    try:
        submission = Submission.model_validate(data)
    except ValidationError as error:
        for detail in error.errors():
            problems.append(Problem(json_path(*detail["loc"]) or "$", _pydantic_message(detail)))
        raise InputError(problems) from None
    if problems:
        raise InputError(problems)
    # Instances in canonical order whatever the file's order, so that reports are stable.
    ordered = {i: submission.predictions.get(i, Summary()) for i in INSTANCE_IDS}
    return submission.model_copy(update={"predictions": ordered}), missing


def load_submission(path: Path, *, allow_partial: bool = False) -> LoadedSubmission:
    """Read, parse and validate a submission file.

    Args:
        path: the submission JSON file.
        allow_partial: score missing instances as empty summaries instead of refusing the file.

    Raises:
        InputError: every problem, each with its file position or JSON path.
    """
    data = read_file_bytes(path)
    parsed = parse_json_bytes(data, source=str(path))
    submission, missing = validate_submission_data(parsed, allow_partial=allow_partial)
    return LoadedSubmission(submission=submission, sha256=hashlib.sha256(data).hexdigest(), missing=missing)
