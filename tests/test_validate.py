"""`bench validate` and `bench schema`: the contract as a user meets it."""

from __future__ import annotations

import json
import sys

import pytest

from benchmark.errors import InputError
from benchmark.schema import INSTANCE_IDS, Summary, json_path
from benchmark.submission import load_submission, parse_json_bytes
from tests.conftest import EXAMPLE_SUBMISSION, run_bench


def _write(tmp_path, content, name="submission.json"):
    path = tmp_path / name
    path.write_bytes(content if isinstance(content, bytes) else content.encode("utf-8"))
    return path


def test_example_submission_validates():
    result = run_bench("validate", str(EXAMPLE_SUBMISSION))
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("ok: ")
    assert "6 instances" in result.stdout


def test_json_path_notation():
    assert json_path("predictions", "003", "attendees", 2, "name") == "predictions.003.attendees[2].name"
    assert json_path("predictions", "003", "venue", "city") == "predictions.003.venue.city"
    assert json_path("predictions", "event", "demands", 0) == "predictions.event.demands[0]"


def _mutated(example, mutate):
    mutate(example)
    return json.dumps(example)


HOSTILE = [
    ("empty", b"", "submission.json: file is empty"),
    ("binary", bytes(range(256)), "submission.json: not UTF-8"),
    ("json list", b"[1, 2]", "$: expected a JSON object"),
    ("not json", b"{schema_version: 1}", "submission.json:1:2: not valid JSON"),
    ("duplicate key", b'{"schema_version": "1", "schema_version": "1"}', "schema_version: duplicate key"),
    ("nan", b'{"schema_version": NaN}', "NaN is not valid JSON"),
    ("trailing data", b"{} []", "trailing data after the JSON value"),
]


@pytest.mark.parametrize("label,content,expected", HOSTILE, ids=[h[0] for h in HOSTILE])
def test_unreadable_files_are_refused_with_one_line(tmp_path, label, content, expected):
    path = _write(tmp_path, content)
    result = run_bench("validate", str(path), cwd=tmp_path)
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and expected in lines[0], result.stderr
    assert "Traceback" not in result.stderr


SHAPE_ERRORS = [
    ("string where a list belongs", lambda s: s["predictions"]["000"].__setitem__("attendees", "Trump"),
     "predictions.000.attendees: input should be a valid list"),
    ("unknown key", lambda s: s["predictions"]["001"]["venue"].__setitem__("planet", "Earth"),
     "predictions.001.venue.planet: unknown key"),
    ("unknown instance", lambda s: s["predictions"].__setitem__("005", {}),
     "predictions.005: unknown instance id"),
    ("missing instance", lambda s: s["predictions"].pop("003"),
     "predictions.003: instance missing"),
    ("missing name", lambda s: s["predictions"]["003"]["attendees"][2].pop("name"),
     "predictions.003.attendees[2].name: field required"),
    ("bad clock time", lambda s: s["predictions"]["000"]["time"].__setitem__("time_utc", "7pm"),
     "predictions.000.time.time_utc: string should match pattern"),
    ("impossible date", lambda s: s["predictions"]["003"]["time"].__setitem__("date", "2025-02-30"),
     "predictions.003.time.date: '2025-02-30' is not a calendar date"),
    ("bidi override in a name", lambda s: s["predictions"]["000"]["attendees"][0].__setitem__("name", "Trump\u202e"),
     "predictions.000.attendees[0].name: invisible or bidirectional control character U+202E"),
    ("whitespace-only text", lambda s: s["predictions"]["000"]["demands"][0].__setitem__("text", "   "),
     "predictions.000.demands[0].text: must not be empty"),
    ("system name too long", lambda s: s["system"].__setitem__("name", "x" * 65),
     "system.name: string should have at most 64 characters"),
    ("wrong schema version", lambda s: s.__setitem__("schema_version", "2"),
     "schema_version: input should be '1'"),
]


@pytest.mark.parametrize("label,mutate,expected", SHAPE_ERRORS, ids=[s[0] for s in SHAPE_ERRORS])
def test_shape_errors_name_their_path(tmp_path, example_submission, label, mutate, expected):
    mutate(example_submission)
    path = _write(tmp_path, json.dumps(example_submission))
    with pytest.raises(InputError) as caught:
        load_submission(path)
    assert any(line.startswith(expected) for line in caught.value.lines()), caught.value.lines()


def test_cli_reports_one_line_per_problem(tmp_path, example_submission):
    example_submission["predictions"]["000"]["attendees"][0].pop("name")
    example_submission["predictions"]["000"]["venue"]["planet"] = "Earth"
    path = _write(tmp_path, json.dumps(example_submission))
    result = run_bench("validate", str(path))
    assert result.returncode == 2
    assert result.stderr.splitlines() == [
        "error: predictions.000.attendees[0].name: field required",
        "error: predictions.000.venue.planet: unknown key (not in the schema)",
    ]


def test_missing_file_and_directory(tmp_path):
    for target, expected in ((tmp_path / "nope.json", "no such file"), (tmp_path, "not a regular file")):
        result = run_bench("validate", str(target))
        assert result.returncode == 2
        assert expected in result.stderr and "Traceback" not in result.stderr


def test_allow_partial_fills_missing_instances_with_empty_summaries(tmp_path, example_submission):
    example_submission["predictions"].pop("004")
    path = _write(tmp_path, json.dumps(example_submission))
    loaded = load_submission(path, allow_partial=True)
    assert loaded.missing == ("004",)
    assert loaded.submission.predictions["004"] == Summary()
    assert tuple(loaded.submission.predictions) == INSTANCE_IDS


def test_byte_order_mark_is_accepted(tmp_path):
    path = _write(tmp_path, b"\xef\xbb\xbf" + EXAMPLE_SUBMISSION.read_bytes())
    assert load_submission(path).submission.system.name == "example"


def test_weekday_is_case_insensitive_and_stored_canonically(example_submission, tmp_path):
    example_submission["predictions"]["000"]["time"]["weekday"] = "fRiDaY"
    loaded = load_submission(_write(tmp_path, json.dumps(example_submission)))
    assert loaded.submission.predictions["000"].time.weekday == "Friday"


def test_every_field_may_be_absent():
    assert Summary.model_validate({}) == Summary(attendees=[], venue=None, time=None, demands=[], stakes=[])


def test_duplicate_keys_are_found_at_any_depth():
    with pytest.raises(InputError) as caught:
        parse_json_bytes(b'{"a": {"b": [{"c": 1, "c": 2}]}}', source="f")
    assert caught.value.lines() == ["a.b[0].c: duplicate key"]


def test_schema_command_prints_the_generated_json_schema():
    result = run_bench("schema")
    assert result.returncode == 0
    schema = json.loads(result.stdout)
    assert set(schema["required"]) == {"schema_version", "system", "predictions"}
    assert schema["additionalProperties"] is False
    summary = schema["$defs"]["Summary"]
    assert set(summary["properties"]) == {"attendees", "venue", "time", "demands", "stakes"}


def test_validate_and_schema_do_not_import_the_scoring_stack(tmp_path):
    probe = (
        "import sys\n"
        "from benchmark.cli import app\n"
        "from typer.testing import CliRunner\n"
        f"r = CliRunner().invoke(app, ['validate', {str(EXAMPLE_SUBMISSION)!r}])\n"
        "assert r.exit_code == 0, r.output\n"
        "CliRunner().invoke(app, ['schema'])\n"
        "print(sorted(m for m in ('torch', 'transformers', 'datasets', 'bert_score') if m in sys.modules))\n"
    )
    import subprocess

    result = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "[]"
