"""Reading submission files strictly, and reporting every problem with its path.

Two readers of one file must never see two different submissions, so the JSON
reader here is stricter than ``json.loads``: it refuses duplicate keys (the
standard parser silently keeps the last), NaN and Infinity, numbers that
overflow, trailing data, invalid UTF-8, lone surrogates, files above
``MAX_FILE_BYTES`` (checked before parsing), nesting deeper than the schema,
and objects or lists far larger than it allows. A UTF-8 byte order mark at the
start of the file is accepted and ignored, as many Windows editors write one;
any other encoding is refused as not UTF-8. README "Input rules" lists it all.
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
from benchmark.escape import escape
from benchmark.files import read_capped
from benchmark.schema import INSTANCE_IDS, MAX_LIST_ITEMS, Submission, Summary, json_path

MAX_FILE_BYTES = 4 * 1024 * 1024
# Deepest container nesting a valid submission needs is 4
# (root > predictions > instance > attendees > attendee); allow some slack
# so that the schema, not this guard, explains ordinary shape errors.
MAX_NESTING = 8
# No object in the schema has more than 6 keys. Capping keys and list items
# while parsing keeps the number of problems a file can produce, and the time
# spent validating it, small whatever the file holds.
MAX_OBJECT_KEYS = 32
MAX_NUMBER_DIGITS = 100
_UTF8_BOM = b"\xef\xbb\xbf"


class _Pairs(list):
    """An object's key/value pairs as parsed, before duplicate keys are checked."""


@dataclass(frozen=True)
class _Refused:
    """A JSON value the reader refuses, kept in place until its path is known."""

    message: str


def _refuse_constant(name: str) -> _Refused:
    return _Refused(f"{name} is not valid JSON (NaN and Infinity are refused)")


def _parse_int(digits: str) -> int | _Refused:
    # Checked before conversion: int() of a very long digit string is slow and
    # then fails with a message about Python's own settings.
    if len(digits.lstrip("-")) > MAX_NUMBER_DIGITS:
        return _Refused(f"number with {len(digits.lstrip('-')):,} digits; the limit is {MAX_NUMBER_DIGITS}")
    return int(digits)


# json's messages that would mislead a user, reworded.
_JSON_MESSAGES = {
    "Extra data": "trailing data after the JSON value",
    "Unexpected UTF-8 BOM (decode using utf-8-sig)": "a second byte order mark",
}


def _line_col(text: str, offset: int) -> tuple[int, int]:
    line = text.count("\n", 0, offset) + 1
    return line, offset - (text.rfind("\n", 0, offset) + 1) + 1


def _lone_surrogate(text: str) -> str | None:
    """Describe the first lone surrogate (written as a JSON escape such as \\ud800) in ``text``, if any."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError as error:
        return f"lone surrogate U+{ord(text[error.start]):04X} at character {error.start} (not valid Unicode)"
    return None


def _to_plain(value: Any, parts: tuple[str | int, ...], depth: int, problems: list[Problem]) -> Any:
    """Turn parsed pairs into dicts, reporting duplicate keys, refused values, lone surrogates, size and depth."""
    if isinstance(value, list):  # a JSON array, or an object's pairs
        if depth > MAX_NESTING:
            problems.append(Problem(_where(parts), f"nested deeper than {MAX_NESTING} levels; the schema needs at most 4"))
            return None
        kind, limit = ("object", MAX_OBJECT_KEYS) if isinstance(value, _Pairs) else ("list", MAX_LIST_ITEMS)
        if len(value) > limit:
            unit = "keys" if kind == "object" else "items"
            problems.append(Problem(_where(parts), f"{kind} has {len(value):,} {unit}; the limit is {limit}"))
            return None
    if isinstance(value, _Pairs):
        result: dict[str, Any] = {}
        for key, item in value:
            if surrogate := _lone_surrogate(key):
                problems.append(Problem(json_path(*parts, key), f"key has a {surrogate}"))
            elif key in result:
                problems.append(Problem(json_path(*parts, key), "duplicate key"))
            else:
                result[key] = _to_plain(item, (*parts, key), depth + 1, problems)
        return result
    if isinstance(value, list):
        return [_to_plain(item, (*parts, i), depth + 1, problems) for i, item in enumerate(value)]
    if isinstance(value, _Refused):
        problems.append(Problem(_where(parts), value.message))
    elif isinstance(value, float) and not math.isfinite(value):
        problems.append(Problem(_where(parts), "number out of range"))
    elif isinstance(value, str) and (surrogate := _lone_surrogate(value)):
        problems.append(Problem(_where(parts), surrogate))
    return value


def _where(parts: tuple[str | int, ...]) -> str:
    # Built only for a problem: a path per value made reading a leaderboard's submissions measurably slower.
    return json_path(*parts) if parts else "$"


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
        parsed = json.loads(text, object_pairs_hook=_Pairs, parse_constant=_refuse_constant, parse_int=_parse_int)
    except json.JSONDecodeError as error:
        line, col = _line_col(text, error.pos)
        # json's messages end in " at" or " starting at", followed by a position we print ourselves.
        reason = _JSON_MESSAGES.get(error.msg, error.msg.removesuffix(" starting at").removesuffix(" at"))
        raise InputError([Problem(f"{source}:{line}:{col}", f"not valid JSON: {reason}")]) from None
    except RecursionError:
        raise InputError([Problem(source, f"nested deeper than {MAX_NESTING} levels")]) from None
    problems: list[Problem] = []
    plain = _to_plain(parsed, (), 0, problems)
    if problems:
        raise InputError(problems)
    return plain


def display_path(path: Path) -> str:
    """A file path as one printable line: escaped like a JSON string if it holds anything unprintable (``benchmark.escape``)."""
    return escape(str(path))


def read_file_bytes(path: Path, *, max_bytes: int = MAX_FILE_BYTES) -> bytes:
    """Read a user's file, refusing what is missing, not a regular file (a FIFO, a device), or too large, before reading it."""
    return read_capped(path, max_bytes=max_bytes)


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
        kind = {list: "a JSON list", str: "a JSON string", bool: "JSON true or false", int: "a JSON number", float: "a JSON number"}.get(
            type(data), "JSON null"
        )
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
    _check_claim_budget(ordered)
    return submission.model_copy(update={"predictions": ordered}), missing


def _check_claim_budget(predictions: dict[str, Summary]) -> None:
    """Refuse demands and stakes that would cost more to score than ``MAX_CLAIM_TOKENS`` allows (``benchmark.budget``)."""
    from benchmark.budget import MAX_CLAIM_TOKENS, claim_tokens

    tokens = claim_tokens(item.text for summary in predictions.values() for field in ("demands", "stakes") for item in getattr(summary, field))
    if tokens > MAX_CLAIM_TOKENS:
        raise InputError([Problem(
            "predictions",
            f"the demand and stake texts hold {tokens:,} tokens of the scoring model in all; the limit is {MAX_CLAIM_TOKENS:,} "
            "(real system outputs hold at most about 3,500)",
        )])


def load_submission(path: Path, *, allow_partial: bool = False) -> LoadedSubmission:
    """Read, parse and validate a submission file.

    Args:
        path: the submission JSON file.
        allow_partial: score missing instances as empty summaries instead of refusing the file.

    Raises:
        InputError: every problem, each with its file position or JSON path.
    """
    return load_submission_bytes(read_file_bytes(path), source=display_path(path), allow_partial=allow_partial)


def load_submission_bytes(data: bytes, *, source: str, allow_partial: bool = False) -> LoadedSubmission:
    """Parse and validate a submission from its bytes, hashing the very bytes validated.

    Args:
        data: the file's bytes.
        source: how to name the file in messages.
        allow_partial: score missing instances as empty summaries instead of refusing them.

    Raises:
        InputError: every problem, each with its file position or JSON path.
    """
    submission, missing = validate_submission_data(parse_json_bytes(data, source=source), allow_partial=allow_partial)
    return LoadedSubmission(submission=submission, sha256=hashlib.sha256(data).hexdigest(), missing=missing)
