"""Run records from `bench run`, and `bench verify` repeating a recorded run, against the loopback server."""

from __future__ import annotations

import json
from pathlib import Path

from benchmark.provenance import record_problems
from benchmark.records import read_record, record_path, sha256_text
from benchmark.runner import load_prompt
from benchmark.schema import INSTANCE_IDS
from benchmark.submission import load_submission
from tests.conftest import REPO_ROOT, run_bench
from tests.openai_server import OpenAIServer, chat_completion

RULES = load_submission(REPO_ROOT / "submissions" / "rules" / "predictions.json")
SECRET_KEY = "sk-test-never-written-0123456789"


def rules_reply(instance_id: str) -> str:
    """The rules baseline's prediction as a fenced reply."""
    return "```json\n" + RULES.predictions[instance_id].model_dump_json(indent=2) + "\n```"


def replies_of(reply_for):
    """A server's respond function answering each instance with ``reply_for(instance)``."""
    return lambda request: chat_completion(reply_for(request.instance))


def bench_run(server: OpenAIServer, output: Path):
    return run_bench("run", "--base-url", server.base_url, "--model", "replay-rules", "--output", str(output), env={"OPENAI_API_KEY": SECRET_KEY})


def test_bench_run_writes_a_run_record_that_accounts_for_the_submission(tmp_path):
    output = tmp_path / "predictions.json"
    with OpenAIServer(replies_of(rules_reply)) as server:
        completed = bench_run(server, output)
    assert completed.returncode == 0, completed.stderr
    path = record_path(output)
    assert path == tmp_path / "predictions.run.json"
    text = path.read_text(encoding="utf-8")
    assert SECRET_KEY not in text and "http" not in text  # the host only, never a URL or a key
    record = read_record(path)
    prompt = load_prompt()
    assert (record.route, record.model, record.endpoint_host, record.harness) == ("bench run", "replay-rules", server.host, None)
    assert (record.prompt.version, record.prompt.sha256) == (prompt.version, prompt.sha256)
    assert record.settings == {"temperature": 0.0, "max_tokens": 2048, "response_format": "json_schema"}
    for instance_id in INSTANCE_IDS:
        entry = record.instances[instance_id]
        assert entry.reply == rules_reply(instance_id) and entry.reply_sha256 == sha256_text(entry.reply)
    assert record_problems(record, load_submission(output).submission, prompt_sha256=prompt.sha256) == []


def test_a_tampered_prediction_no_longer_matches_its_record(tmp_path):
    output = tmp_path / "predictions.json"
    with OpenAIServer(replies_of(rules_reply)) as server:
        assert bench_run(server, output).returncode == 0
    data = json.loads(output.read_text(encoding="utf-8"))
    data["predictions"]["003"]["attendees"] = []
    output.write_text(json.dumps(data), encoding="utf-8")
    problems = record_problems(read_record(record_path(output)), load_submission(output).submission, prompt_sha256=load_prompt().sha256)
    assert [str(p) for p in problems] == ["instances.003.reply: does not parse to the submission's prediction"]

    with OpenAIServer(replies_of(rules_reply)) as server:
        completed = run_bench("verify", str(output), "--base-url", server.base_url)
    assert completed.returncode == 2
    assert completed.stderr.splitlines() == [f"error: {record_path(output)}: instances.003.reply: does not parse to the submission's prediction"]


def test_verify_a_run_whose_replies_match(tmp_path, encoder):
    output = tmp_path / "predictions.json"
    with OpenAIServer(replies_of(rules_reply)) as server:
        assert bench_run(server, output).returncode == 0
    with OpenAIServer(replies_of(rules_reply)) as server:
        completed = run_bench("verify", str(output), "--base-url", server.base_url)
        requests = list(server.requests)
    assert completed.returncode == 0, completed.stderr
    lines = completed.stdout.splitlines()
    assert [line.split(":")[0] for line in lines[:6]] == list(INSTANCE_IDS)
    assert all("reply matches; score " in line for line in lines[:6])
    assert lines[6] == "ok: all 6 replies match the run record"
    # The recorded prompt and settings were sent again.
    assert [r.instance for r in requests] == list(INSTANCE_IDS)
    assert all(r.body["model"] == "replay-rules" and r.body["temperature"] == 0.0 and r.response_format == "json_schema" for r in requests)


def test_verify_a_run_that_differs(tmp_path, encoder):
    output = tmp_path / "predictions.json"
    with OpenAIServer(replies_of(rules_reply)) as server:
        assert bench_run(server, output).returncode == 0

    def changed(instance_id: str) -> str:
        return '{"attendees": [], "venue": null, "time": null, "demands": [], "stakes": []}' if instance_id == "003" else rules_reply(instance_id)

    with OpenAIServer(replies_of(changed)) as server:
        completed = run_bench("verify", str(output), "--base-url", server.base_url, "--model", "another-name")
        requests = list(server.requests)
    assert completed.returncode == 1, completed.stderr
    lines = completed.stdout.splitlines()
    by_instance = dict(line.split(": ", 1) for line in lines[:6])
    assert by_instance["003"].startswith(f"reply differs (recorded sha256 {sha256_text(rules_reply('003'))[:12]}, now ")
    assert by_instance["003"].endswith("recorded, 0.00 now")
    assert all(by_instance[i].startswith("reply matches; score ") for i in INSTANCE_IDS if i != "003")
    assert lines[6] == "differs: 1 of 6 replies differ from the run record; 1 instance score differs"
    assert {r.body["model"] for r in requests} == {"another-name"}


def test_verify_without_a_run_record_is_a_one_line_error():
    completed = run_bench("verify", str(REPO_ROOT / "submissions" / "example" / "predictions.json"), "--base-url", "http://127.0.0.1:9/v1")
    assert completed.returncode == 2
    assert completed.stderr.splitlines() == [
        f"error: {REPO_ROOT / 'submissions' / 'example' / 'predictions.run.json'}: no run record beside the submission;"
        " only runs made by `bench run` or converted with `bench lm-eval-convert` can be verified"
    ]


def test_the_board_marks_rows_reproducible_self_reported_or_reference(tmp_path, encoder):
    output = tmp_path / "run" / "predictions.json"
    with OpenAIServer(replies_of(rules_reply)) as server:
        assert bench_run(server, output).returncode == 0
    submissions = tmp_path / "submissions"
    # A run record must account for the file it comes with: an edited prediction is refused before it is filed.
    tampered = tmp_path / "tampered" / "predictions.json"
    tampered.parent.mkdir()
    data = json.loads(output.read_text(encoding="utf-8"))
    data["predictions"]["000"]["venue"] = None
    tampered.write_text(json.dumps(data), encoding="utf-8")
    record_path(tampered).write_bytes(record_path(output).read_bytes())
    refused = run_bench("submit", str(tampered), "--submissions-dir", str(submissions))
    assert refused.returncode == 2
    assert refused.stderr.splitlines() == [f"error: {record_path(tampered)}: instances.000.reply: does not parse to the submission's prediction"]

    assert run_bench("submit", str(output), "--submissions-dir", str(submissions)).returncode == 0
    assert (submissions / "replay-rules" / "predictions.run.json").read_bytes() == record_path(output).read_bytes()
    hand = tmp_path / "hand.json"
    hand.write_text((REPO_ROOT / "submissions" / "retrieval" / "predictions.json").read_text(encoding="utf-8").replace('"name": "retrieval"', '"name": "by hand"'), encoding="utf-8")
    assert run_bench("submit", str(hand), "--submissions-dir", str(submissions)).returncode == 0
    (submissions / "oracle").mkdir()
    (submissions / "oracle" / "predictions.json").write_bytes((REPO_ROOT / "submissions" / "oracle" / "predictions.json").read_bytes())

    completed = run_bench("leaderboard", "--submissions-dir", str(submissions), "--output-dir", str(tmp_path))
    assert completed.returncode == 0, completed.stderr
    rows = [line.split(" | ") for line in (tmp_path / "LEADERBOARD.md").read_text(encoding="utf-8").splitlines() if line.startswith("| ") and "---" not in line]
    assert rows[0][2] == "Mark"
    assert {row[1]: row[2] for row in rows[1:]} == {"oracle (reference)": "reference", "replay-rules": "reproducible", "by hand": "self-reported"}
