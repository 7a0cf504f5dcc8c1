"""`bench run` against a real OpenAI-compatible HTTP server on loopback.

Every end-to-end test starts ``tests/openai_server.py`` in a thread and runs
the real ``bench`` CLI in a subprocess against it, then checks the files,
the exit code, stderr and the server's request log. The canned summaries
below are written by hand for these tests (not taken from the gold).
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import signal
import string
import subprocess
import sys
import threading
from dataclasses import dataclass
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from typer.testing import CliRunner

from benchmark.cli import app
from benchmark.data import load_articles
from benchmark.errors import InputError
from benchmark.runner import (
    PROMPTS_DIR,
    Endpoint,
    InstanceOutcome,
    Progress,
    extract_json_text,
    parse_reply,
    retry_after_seconds,
)
from benchmark.submission import load_submission
from benchmark.schema import INSTANCE_IDS, Attendee, PartyItem, Summary, Time, Venue
from tests.conftest import run_bench
from tests.openai_server import DROP_CONNECTION, CannedReply, OpenAIServer, RecordedRequest, chat_completion, error_reply

TRUMP = {"name": "Donald Trump", "role": "President of the United States", "country": "United States"}
PUTIN = {"name": "Vladimir Putin", "role": "President of Russia", "country": "Russia"}
ALASKA = {"name": None, "city": None, "region": "Alaska", "country": "United States"}

CANNED: dict[str, dict] = {
    "000": {
        "attendees": [TRUMP, PUTIN, {"name": "Marco Rubio", "role": "Secretary of State", "country": "United States"}],
        "venue": ALASKA,
        "time": {"date": None, "weekday": "Friday", "time_utc": "19:00"},
        "demands": [{"party": "Ukraine", "text": "Security guarantees from the United States"}],
        "stakes": [{"party": "Russia", "text": "A chance to show renewed standing in world diplomacy"}],
    },
    "001": {"attendees": [TRUMP, PUTIN], "venue": ALASKA, "time": {"date": None, "weekday": "Friday", "time_utc": None}},
    "002": {
        "attendees": [TRUMP, PUTIN],
        "venue": ALASKA,
        "demands": [{"party": "United States", "text": "A truce in the war in Ukraine"}],
    },
    "003": {"attendees": [TRUMP, PUTIN], "venue": {"name": None, "city": "Anchorage", "region": "Alaska", "country": "United States"}},
    "004": {"attendees": [TRUMP, PUTIN], "stakes": [{"party": "India", "text": "Further US tariffs on Indian exports"}]},
    "event": {
        "attendees": [TRUMP, PUTIN],
        "venue": {"name": None, "city": "Anchorage", "region": "Alaska", "country": "United States"},
        "time": {"date": None, "weekday": "Friday", "time_utc": "19:00"},
        "demands": [{"party": "Russia", "text": "Relief from Western sanctions"}],
        "stakes": [],
    },
}
FAST = ("--retry-delay", "0.01", "--timeout", "10")
SECRET = "sk-test-9f2c41d07be84a5e8c1d"


def good(request: RecordedRequest) -> CannedReply:
    return chat_completion(json.dumps(CANNED[request.instance]))


@dataclass(frozen=True)
class Ran:
    returncode: int
    stdout: str
    stderr: str


def bench(*args: str, env: dict | None = None, separate_process: bool = False) -> Ran:
    """Run the real CLI, with no API key and no proxy for loopback unless ``env`` says otherwise.

    In this process by default (starting Python for each of the many runs
    would dominate the suite's time); in a new process, as a user runs it,
    where a test is about what the user sees.
    """
    environment = {"OPENAI_API_KEY": "", "NO_PROXY": "127.0.0.1,localhost", "no_proxy": "127.0.0.1,localhost", **(env or {})}
    if separate_process:
        done = run_bench(*args, env=environment, timeout=60)
        return Ran(done.returncode, done.stdout, done.stderr)
    result = CliRunner().invoke(app, list(args), env=environment, catch_exceptions=False)
    return Ran(result.exit_code, result.stdout, result.stderr)


def bench_run(server: OpenAIServer, output: Path, *args: str, env: dict | None = None, separate_process: bool = False) -> Ran:
    """``bench run`` against the test server."""
    return bench("run", "--base-url", server.base_url, "--model", "test-model", "--output", str(output), *FAST, *args,
                 env=env, separate_process=separate_process)


def saved(output: Path) -> dict:
    return json.loads(output.read_text(encoding="utf-8"))


def partial(output: Path) -> Path:
    return output.with_name(output.name + ".partial.json")


def instances_requested(server: OpenAIServer) -> list[str]:
    return [request.instance for request in server.requests]


# --- Clean run ---------------------------------------------------------------


def test_clean_run_writes_a_valid_submission_with_run_metadata(tmp_path):
    output = tmp_path / "out" / "predictions.json"
    with OpenAIServer(good) as server:
        result = bench_run(server, output, separate_process=True)
    assert result.returncode == 0, result.stderr
    assert instances_requested(server) == list(INSTANCE_IDS)
    validated = run_bench("validate", str(output))
    assert validated.returncode == 0, validated.stderr
    submission = saved(output)
    for instance_id, summary in CANNED.items():
        assert submission["predictions"][instance_id] == Summary.model_validate(summary).model_dump(mode="json")
    system = submission["system"]
    template_sha = hashlib.sha256((PROMPTS_DIR / "v1.md").read_bytes()).hexdigest()
    assert system["name"] == "test-model" and system["model"] == "test-model"
    assert system["description"] == (
        f"bench run · endpoint host {server.host} · prompt v1 (sha256:{template_sha[:12]}) · temperature 0"
        " · max_tokens 2048 · response_format json_schema"
    )
    assert not partial(output).exists()
    assert "[6/6] event: ok, 1 request" in result.stderr
    assert result.stdout.startswith(f"ok: {output}: 6 of 6 instances valid, 0 empty; 6 requests")

    first = server.requests[0]
    assert "Authorization" not in first.headers  # no key in the environment: none sent
    assert first.body["model"] == "test-model" and first.body["temperature"] == 0 and first.body["max_tokens"] == 2048
    schema_format = first.body["response_format"]
    assert schema_format["type"] == "json_schema"
    assert schema_format["json_schema"]["schema"] == Summary.model_json_schema()
    articles = load_articles()
    prompt_000 = first.messages[0]["content"]
    assert articles["000"].text.strip() in prompt_000 and articles["001"].text.strip() not in prompt_000
    prompt_event = server.requests[-1].messages[0]["content"]
    assert all(article.text.strip() in prompt_event for article in articles.values())


# --- Unusable replies ----------------------------------------------------------


def test_malformed_and_invalid_replies_are_retried_with_the_problems_fed_back(tmp_path):
    first_bad = {
        "001": "```json\n{\"attendees\": [\n",  # cut-off JSON
        "002": json.dumps({"attendees": [{"role": "President"}], "venue": {"planet": "Earth"}}),  # schema violations
    }

    def respond(request: RecordedRequest) -> CannedReply:
        if len(request.messages) == 1 and request.instance in first_bad:
            return chat_completion(first_bad[request.instance])
        if request.instance == "003":  # fenced, with a reasoning block: accepted at once
            return chat_completion("<think>Only Alaska is named.</think>\n```json\n" + json.dumps(CANNED["003"]) + "\n```")
        return good(request)

    output = tmp_path / "predictions.json"
    with OpenAIServer(respond) as server:
        result = bench_run(server, output)
    assert result.returncode == 0, result.stderr
    assert instances_requested(server) == ["000", "001", "001", "002", "002", "003", "004", "event"]
    retry_001, retry_002 = server.requests[2], server.requests[4]
    assert [m["role"] for m in retry_001.messages] == ["user", "assistant", "user"]
    assert retry_001.messages[1]["content"] == first_bad["001"]
    assert "reply:" in retry_001.messages[2]["content"] and "not valid JSON" in retry_001.messages[2]["content"]
    feedback = retry_002.messages[2]["content"]
    assert "- attendees[0].name: field required" in feedback and "- venue.planet: unknown key" in feedback
    assert saved(output)["predictions"]["003"]["venue"]["city"] == "Anchorage"
    assert "note: 001: unusable reply" in result.stderr


def test_reply_that_never_validates_is_written_empty_and_reported(tmp_path):
    def respond(request: RecordedRequest) -> CannedReply:
        if request.instance == "003":
            return chat_completion(json.dumps({"attendees": "Trump and Putin"}))
        return good(request)

    output = tmp_path / "predictions.json"
    with OpenAIServer(respond) as server:
        result = bench_run(server, output, "--max-retries", "2")
    assert result.returncode == 1, result.stderr
    assert instances_requested(server).count("003") == 3  # first try + 2 retries
    submission = saved(output)
    assert submission["predictions"]["003"] == Summary().model_dump(mode="json")
    assert submission["predictions"]["004"] == Summary.model_validate(CANNED["004"]).model_dump(mode="json")
    assert submission["system"]["description"].endswith("· empty after replies that never validated: 003")
    warnings = [line for line in result.stderr.splitlines() if line.startswith("warning:")]
    assert warnings == [
        "warning: instance 003: no valid reply after 3 requests, written as an empty summary; "
        "last error: attendees: input should be a valid list"
    ]
    assert result.stdout.startswith(f"done: {output}: 5 of 6 instances valid, 1 empty")
    assert load_submission(output).missing == ()


# --- Transient HTTP failures ---------------------------------------------------------


def test_transient_failures_are_retried_and_retry_after_is_honoured(tmp_path):
    failures = {"000": [error_reply(429, "Rate limit reached", headers=(("Retry-After", "1"),))],
                "001": [error_reply(503, "overloaded"), DROP_CONNECTION]}

    def respond(request: RecordedRequest) -> CannedReply:
        pending = failures.get(request.instance)
        return pending.pop(0) if pending else good(request)

    output = tmp_path / "predictions.json"
    with OpenAIServer(respond) as server:
        result = bench_run(server, output)
    assert result.returncode == 0, result.stderr
    assert instances_requested(server) == ["000", "000", "001", "001", "001", "002", "003", "004", "event"]
    waited = server.requests[1].received_at - server.requests[0].received_at
    assert waited >= 1.0  # the server's Retry-After, not the 0.01 s base delay
    assert f"note: {server.host}: HTTP 429 (Rate limit reached); retry 1 of 3 in 1.00 s" in result.stderr
    assert f"note: {server.host}: HTTP 503 (overloaded); retry 1 of 3 in 0.01 s" in result.stderr
    assert f"note: {server.host}: RemoteDisconnected" in result.stderr


def test_interrupted_run_resumes_with_only_the_remaining_requests(tmp_path):
    output = tmp_path / "predictions.json"
    healthy = {"answered": 0}

    def fails_after_two(request: RecordedRequest) -> CannedReply:
        if healthy["answered"] < 2:
            healthy["answered"] += 1
            return good(request)
        return error_reply(500, "internal error")

    with OpenAIServer(fails_after_two) as server:
        first = bench_run(server, output, "--max-retries", "1", separate_process=True)
        assert first.returncode == 3, first.stderr
        assert f"error: {server.host}: HTTP 500 (internal error); gave up after 2 attempts" in first.stderr
        assert "note: 2 of 6 instances saved in" in first.stderr
        assert "Traceback" not in first.stderr
        assert list(saved(output)["predictions"]) == ["000", "001"]
        assert load_submission(output, allow_partial=True).missing == ("002", "003", "004", "event")
        assert partial(output).exists()

        # The same server recovers (a restarted local server keeps its port).
        server.respond = good
        server.requests.clear()
        changed = bench_run(server, output, "--temperature", "0.7")
        assert changed.returncode == 2
        assert "temperature 0.0 (saved) vs 0.7 (now)" in changed.stderr and "--restart" in changed.stderr
        assert server.requests == []
        second = bench_run(server, output)
    assert second.returncode == 0, second.stderr
    assert instances_requested(server) == ["002", "003", "004", "event"]
    assert "[1/6] 000: resumed" in second.stderr
    assert "6 of 6 instances valid, 0 empty (2 resumed from saved progress); 4 requests" in second.stdout
    assert not partial(output).exists()
    assert load_submission(output).missing == ()

    with OpenAIServer(good) as server:
        again = bench_run(server, output)
        assert again.returncode == 2 and "already exists; pass --restart" in again.stderr
        restarted = bench_run(server, output, "--restart")
    assert restarted.returncode == 0, restarted.stderr
    assert instances_requested(server) == list(INSTANCE_IDS)


def test_a_run_of_some_instances_is_completed_by_a_later_run(tmp_path):
    output = tmp_path / "predictions.json"
    with OpenAIServer(good) as server:
        some = bench_run(server, output, "--instances", "003,event")
        assert some.returncode == 0, some.stderr
        assert list(saved(output)["predictions"]) == ["003", "event"]
        rest = bench_run(server, output)
    assert rest.returncode == 0, rest.stderr
    assert instances_requested(server) == ["003", "event", "000", "001", "002", "004"]
    assert list(saved(output)["predictions"]) == list(INSTANCE_IDS)


# --- response_format fallback ----------------------------------------------------


@pytest.mark.parametrize("refused,expected", [
    ({"json_schema"}, ["json_schema", "json_object"] + ["json_object"] * 5),
    ({"json_schema", "json_object"}, ["json_schema", "json_object", "none"] + ["none"] * 5),
])
def test_refused_response_format_falls_back_and_is_remembered(tmp_path, refused, expected):
    def respond(request: RecordedRequest) -> CannedReply:
        if request.response_format in refused:
            return error_reply(400, f"response_format type '{request.response_format}' is not supported by this server")
        return good(request)

    output = tmp_path / "predictions.json"
    with OpenAIServer(respond) as server:
        result = bench_run(server, output)
    assert result.returncode == 0, result.stderr
    assert [r.response_format for r in server.requests] == expected
    assert saved(output)["system"]["description"].endswith(f"response_format {expected[-1]}")


def test_max_completion_tokens_replaces_max_tokens_when_the_server_asks(tmp_path):
    def respond(request: RecordedRequest) -> CannedReply:
        if "max_tokens" in request.body:
            return error_reply(400, "Unsupported parameter: 'max_tokens' is not supported with this model. Use 'max_completion_tokens' instead.")
        return good(request)

    output = tmp_path / "predictions.json"
    with OpenAIServer(respond) as server:
        result = bench_run(server, output, "--instances", "000,001")
    assert result.returncode == 0, result.stderr
    assert [("max_tokens" in r.body, r.body.get("max_completion_tokens")) for r in server.requests] == [(True, None), (False, 2048), (False, 2048)]


def test_a_request_refused_for_another_reason_stops_the_run(tmp_path):
    def respond(request: RecordedRequest) -> CannedReply:
        return error_reply(400, "This model's maximum context length is 512 tokens")

    output = tmp_path / "predictions.json"
    with OpenAIServer(respond) as server:
        result = bench_run(server, output)
    assert result.returncode == 2
    assert len(server.requests) == 1
    assert result.stderr.strip().splitlines()[-1] == (
        f"error: {server.host}: refused the request: HTTP 400: This model's maximum context length is 512 tokens"
        " (check --model, --max-tokens and --temperature for this server)"
    )


# --- Configuration errors and the API key ---------------------------------------------


def test_api_key_is_sent_but_never_written_or_printed(tmp_path):
    output = tmp_path / "predictions.json"
    calls = {"n": 0}

    def respond(request: RecordedRequest) -> CannedReply:
        calls["n"] += 1
        if calls["n"] == 3:
            return error_reply(503, f"upstream rejected key {SECRET}")  # servers do echo keys
        return good(request)

    env = {"BENCH_TEST_KEY": SECRET}
    with OpenAIServer(respond) as server:
        result = bench_run(server, output, "--api-key-env", "BENCH_TEST_KEY", "--instances", "000,001,002", env=env,
                           separate_process=True)
    assert result.returncode == 0, result.stderr
    assert {r.headers["Authorization"] for r in server.requests} == {f"Bearer {SECRET}"}
    assert "upstream rejected key [redacted]" in result.stderr
    written = [p for p in tmp_path.rglob("*") if p.is_file()]
    assert partial(output) in written  # three of six instances: the resume state stays
    for text in [result.stdout, result.stderr, *(p.read_text(encoding="utf-8") for p in written)]:
        assert SECRET not in text


def test_unauthorized_fails_at_once_with_one_line_and_no_key(tmp_path):
    def respond(request: RecordedRequest) -> CannedReply:
        return error_reply(401, f"Incorrect API key provided: {SECRET}.")

    output = tmp_path / "predictions.json"
    with OpenAIServer(respond) as server:
        result = bench_run(server, output, "--api-key-env", "BENCH_TEST_KEY", env={"BENCH_TEST_KEY": SECRET}, separate_process=True)
    assert result.returncode == 2
    assert len(server.requests) == 1
    assert result.stderr.strip().splitlines() == [
        f"error: $BENCH_TEST_KEY: {server.host} answered HTTP 401 (Incorrect API key provided: [redacted].); check the API key"
    ]
    assert SECRET not in result.stdout + result.stderr


@pytest.mark.parametrize("args,expected", [
    (("--api-key-env", "BENCH_TEST_UNSET_VARIABLE"), "error: --api-key-env: environment variable BENCH_TEST_UNSET_VARIABLE is not set or empty"),
    (("--instances", "000,007"), "error: --instances: unknown instance id '007'; allowed: 000, 001, 002, 003, 004, event"),
    (("--system-name", "x" * 65), "error: --system-name: String should have at most 64 characters"),
])
def test_bad_arguments_exit_2_before_any_request(tmp_path, args, expected):
    output = tmp_path / "predictions.json"
    with OpenAIServer(good) as server:
        result = bench_run(server, output, *args)
    assert result.returncode == 2
    assert result.stderr.strip().splitlines()[-1] == expected
    assert server.requests == [] and not output.exists()


def test_wrong_path_is_a_configuration_error(tmp_path):
    output = tmp_path / "predictions.json"
    with OpenAIServer(good) as server:
        result = bench("run", "--base-url", server.base_url.removesuffix("/v1"), "--model", "m", "--output", str(output))
    assert result.returncode == 2
    assert result.stderr.strip().splitlines()[-1] == (
        f"error: --base-url: {server.host} answered HTTP 404 (no route /chat/completions);"
        " check --base-url (it usually ends in /v1) and --model"
    )


def test_unreachable_endpoint_exits_3_after_retries(tmp_path):
    with OpenAIServer(good) as server:
        base_url = server.base_url
    # The server is closed: nothing listens on its port any more.
    result = bench("run", "--base-url", base_url, "--model", "m", "--output", str(tmp_path / "p.json"), "--max-retries", "1", *FAST)
    assert result.returncode == 3
    assert "ConnectionRefusedError" in result.stderr and "gave up after 2 attempts" in result.stderr


def test_ctrl_c_exits_130_and_keeps_what_is_done(tmp_path):
    output = tmp_path / "predictions.json"
    stalled, release = threading.Event(), threading.Event()

    def respond(request: RecordedRequest) -> CannedReply:
        if request.instance == "002":
            stalled.set()
            release.wait(10)
        return good(request)

    environment = {**os.environ, "OPENAI_API_KEY": "", "NO_PROXY": "127.0.0.1,localhost", "no_proxy": "127.0.0.1,localhost"}
    with OpenAIServer(respond) as server:
        process = subprocess.Popen(
            [sys.executable, "-m", "benchmark.cli", "run", "--base-url", server.base_url, "--model", "test-model", "--output", str(output), *FAST],
            cwd=tmp_path, env=environment, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        )
        try:
            assert stalled.wait(20), "the run never reached instance 002"
            process.send_signal(signal.SIGINT)
            stdout, stderr = process.communicate(timeout=20)
        finally:
            release.set()
            if process.poll() is None:
                process.kill()
    assert process.returncode == 130, stderr
    assert stderr.strip().splitlines()[-2:] == [
        f"note: 2 of 6 instances saved in {output}; rerun the same command to resume",
        "error: interrupted; rerun the same command to resume",
    ]
    assert list(saved(output)["predictions"]) == ["000", "001"] and partial(output).exists()


def test_progress_bar_redraws_on_a_terminal():
    class Terminal(io.StringIO):
        def isatty(self) -> bool:
            return True

    terminal = Terminal()
    progress = Progress(terminal, 2)
    progress.advance(InstanceOutcome("000", "ok", Summary(), 1), resumed=True)
    progress.note("something happened")
    progress.advance(InstanceOutcome("001", "empty", Summary(), 4, "attendees: input should be a valid list"))
    shown = terminal.getvalue()
    assert shown == (
        "\r[############............] 1/2 instances  000: resumed\033[K"
        "\r\033[Knote: something happened\n"
        "\r[############............] 1/2 instances"
        "\r[########################] 2/2 instances  001: empty, 4 requests\033[K\n"
    )


# --- End to end with the scorer ----------------------------------------------------------


def test_bench_run_then_bench_score(tmp_path, encoder):
    # `bench score` in this process, so that the suite loads the model once (the `encoder` fixture).
    output, results = tmp_path / "predictions.json", tmp_path / "results.json"
    with OpenAIServer(good) as server:
        assert bench_run(server, output).returncode == 0
    scored = bench("score", str(output), "--output", str(results))
    assert scored.returncode == 0, scored.stderr
    assert "system: test-model" in scored.stdout
    report = json.loads(results.read_text(encoding="utf-8"))
    assert report["submission"]["sha256"] == hashlib.sha256(output.read_bytes()).hexdigest()
    assert report["system"]["description"] == saved(output)["system"]["description"]
    verdicts = {item["path"]: item["verdict"] for item in report["items"]}
    # Trump and Putin attend in every article; Marco Rubio is in 000's delegation.
    assert verdicts["predictions.000.attendees[0]"] == verdicts["predictions.000.attendees[2]"] == "correct"
    assert verdicts["predictions.001.attendees[1]"] == "correct"


def test_readme_example_shows_the_current_prompt_hash():
    readme = (Path(__file__).resolve().parent.parent / "README.md").read_text(encoding="utf-8")
    template_sha = hashlib.sha256((PROMPTS_DIR / "v1.md").read_bytes()).hexdigest()
    assert f"prompt v1 (sha256:{template_sha[:12]})" in readme


# --- Pieces, in process ------------------------------------------------------------------


def test_endpoint_records_the_host_only_and_refuses_credentials():
    endpoint = Endpoint.from_base_url("https://api.example.com:8443/v1/?token=abc")
    assert endpoint.url == "https://api.example.com:8443/v1/chat/completions?token=abc"
    assert endpoint.host == "api.example.com:8443"
    assert endpoint.identity == "https://api.example.com:8443/v1/chat/completions"
    with pytest.raises(InputError, match="must not contain credentials"):
        Endpoint.from_base_url("https://user:sk-123@api.example.com/v1")
    with pytest.raises(InputError, match="http:// or https://"):
        Endpoint.from_base_url("localhost:8000/v1")


def test_retry_after_reads_seconds_and_http_dates():
    assert retry_after_seconds("3") == 3.0
    assert retry_after_seconds("Wed, 21 Oct 2015 07:28:10 GMT", now=1445412480.0) == 10.0
    assert retry_after_seconds("99999") == 120.0
    assert retry_after_seconds("soon") is None and retry_after_seconds(None) is None


def test_reply_parsing_is_as_strict_as_a_submission_file():
    with pytest.raises(InputError, match="duplicate key"):
        parse_reply('{"venue": null, "venue": null}', "000")
    with pytest.raises(InputError, match="trailing data"):
        parse_reply('{"attendees": []} {"attendees": []}', "000")
    with pytest.raises(InputError, match="NaN"):
        parse_reply('{"time": {"date": NaN}}', "000")
    # Prose around the JSON is not guessed away; one fenced block is taken as the reply.
    with pytest.raises(InputError, match="not valid JSON"):
        parse_reply('Here is the summary: {"attendees": []}', "000")
    assert parse_reply('Here it is:\n```json\n{"attendees": []}\n```\nDone.', "000") == Summary()
    assert extract_json_text("```\n{}\n```\n```\n[]\n```") == "```\n{}\n```\n```\n[]\n```"


# Latin letters only: the schema refuses words that mix scripts (look-alikes).
names = st.text(alphabet=string.ascii_letters + string.digits + " .,'’-éüñçø", min_size=1, max_size=30).filter(str.strip)
maybe = st.none() | names
summaries = st.builds(
    Summary,
    attendees=st.lists(st.builds(Attendee, name=names, role=maybe, country=maybe), max_size=4),
    venue=st.none() | st.builds(Venue, name=maybe, city=maybe, region=maybe, country=maybe),
    time=st.none() | st.builds(Time, date=st.none() | st.dates().map(lambda d: d.isoformat()), weekday=st.none() | st.sampled_from(["Friday", "Monday"]),
                               time_utc=st.none() | st.sampled_from(["19:00", "05:30"])),
    demands=st.lists(st.builds(PartyItem, party=maybe, text=names), max_size=4),
    stakes=st.lists(st.builds(PartyItem, party=maybe, text=names), max_size=4),
)


@settings(max_examples=60, deadline=None)
@given(summary=summaries, fenced=st.booleans(), instance_id=st.sampled_from(INSTANCE_IDS))
def test_any_summary_survives_the_round_trip_through_a_reply(summary, fenced, instance_id):
    content = summary.model_dump_json(indent=2)
    if fenced:
        content = f"```json\n{content}\n```"
    assert parse_reply(content, instance_id) == summary
