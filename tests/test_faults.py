"""The fault corpus of issue 16: hostile repositories, killed processes and heavy valid files.

One test (or a few) per class of break the red team found; each says what it
tries and what must happen. Everything is real: the ``bench`` CLI in its own
process where the user would see it, real signals, FIFOs, links to /dev/zero,
a real loopback HTTP server, a real file-size limit for a full disk. Tests
marked ``heavy`` (scoring runs that are killed) run only when ``CI=true``.

| class | what it tries | expected |
|---|---|---|
| 1 forged chart | edit LEADERBOARD.svg and put its new SHA-256 in the record line | `--check` exit 1 naming both files |
| 2 orphans | SIGKILL / SIGTERM `bench leaderboard` while its workers score; a results.json write that fails mid-run | every worker gone within seconds; SIGTERM exit 143 without temporary files |
| 2 SIGTERM | SIGTERM while a file is being written | exit 143, no `.*.tmp` left, the old file whole |
| 3 bounded reads | LEADERBOARD.md or .svg a link to /dev/zero; results.json a FIFO | exit 2, one line "not a regular file", no hang, no memory growth |
| 4 heavy valid files | 1,200 claims of digit groups (168,000 tokens), within every other rule | refused up front, exit 2, one line; a file at the budget is accepted |
| 5 lock | `.lock` a folder or a symbolic link | exit 2, one line, before any scoring; the link's target untouched |
| 6 cache | a forged entry with its own checksum; a crafted array header; a FIFO entry | not used, recomputed with a warning, no crash, no hang |
| 7 submit | the disk fills (RLIMIT_FSIZE) while filing | nothing filed, exit 2; a retry files both files |
| 8 bench run | a server trickling its body; a reply nested 200,000 deep | exit 3 after `--timeout`; refused as invalid, no traceback |
| 9 injection | escapes, newlines and overrides in file names, folder names, server messages and refusals | printed escaped, one line each |
| 10 smaller | an output path that is a link; a cached results.json with fields of the wrong type | refused, target untouched; rescored, no traceback |
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import json
import os
import resource
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

from benchmark.cli import app
from benchmark.errors import InputError
from benchmark.files import atomic_write
from benchmark.leaderboard import publish_leaderboard, stale_board_files
from benchmark.schema import INSTANCE_IDS, MAX_CLAIM_CHARS
from benchmark.submission import validate_submission_data
from scorers import similarity
from tests.conftest import EXAMPLE_SUBMISSION, REPO_ROOT
from tests.openai_server import CannedReply, OpenAIServer, error_reply
from tests.test_leaderboard import _blank_submission, scored_submissions, submissions  # noqa: F401, F811 (fixtures)
from tests.test_similarity import _fresh_encoder

TERMINAL_TRICKS = "\x1b[2J\u202e\nerror: all good"
"""An escape sequence (clear screen), a right-to-left override and a forged line."""


def _clean(text: str) -> bool:
    return "\x1b" not in text and "\u202e" not in text and "Traceback" not in text


def _bench(*args: str, cwd: Path | None = None, env: dict | None = None, timeout: float = 120, limits: dict | None = None) -> subprocess.CompletedProcess:
    """The real CLI in its own process, with resource limits (``resource.RLIMIT_*`` -> bytes) if asked."""

    def apply_limits() -> None:
        for which, value in (limits or {}).items():
            resource.setrlimit(which, (value, value))

    return subprocess.run(
        [sys.executable, "-m", "benchmark.cli", *args], cwd=cwd or REPO_ROOT, capture_output=True, text=True,
        timeout=timeout, env=_environment(env), preexec_fn=apply_limits if limits else None,
    )


def _environment(extra: dict | None = None) -> dict:
    """The test process's environment, with this checkout first on the path (whatever the working directory, this code runs)."""
    path = os.pathsep.join(filter(None, [str(REPO_ROOT), os.environ.get("PYTHONPATH")]))
    return {**os.environ, "PYTHONPATH": path, **(extra or {})}


def _temporaries(*folders: Path) -> list[Path]:
    return [path for folder in folders for path in folder.rglob("*.tmp")]


# --- 1. A forged chart ---------------------------------------------------------------


def test_forged_chart_with_its_own_checksum_fails_the_check(submissions: Path, tmp_path: Path) -> None:
    publish_leaderboard(submissions, tmp_path)
    chart, board = tmp_path / "LEADERBOARD.svg", tmp_path / "LEADERBOARD.md"
    honest = hashlib.sha256(chart.read_bytes()).hexdigest()
    forged = chart.read_bytes().replace(b"</svg>", b"<!-- the bars were edited by hand -->\n</svg>")
    chart.write_bytes(forged)
    board.write_bytes(board.read_bytes().replace(honest.encode(), hashlib.sha256(forged).hexdigest().encode()))
    assert stale_board_files(submissions, tmp_path) == ["LEADERBOARD.md", "LEADERBOARD.svg"]
    check = CliRunner().invoke(app, ["leaderboard", "--check", "--submissions-dir", str(submissions), "--output-dir", str(tmp_path)])
    assert check.exit_code == 1 and "LEADERBOARD.svg" in check.stderr
    assert chart.read_bytes() == forged, "--check writes nothing"


# --- 2. No orphans ---------------------------------------------------------------------


def _live_children(pid: int) -> set[int]:
    found = set()
    with contextlib.suppress(OSError):
        for task in Path(f"/proc/{pid}/task").iterdir():
            with contextlib.suppress(OSError):
                found.update(int(child) for child in (task / "children").read_text().split())
    return {child for child in found if _alive(child)}


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (OSError, IndexError):
        return False
    return state not in ("Z", "X")


@pytest.fixture(scope="session")
def shared_cache(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    """One embedding cache for the scoring processes of this module (the first run fills it)."""
    return {similarity.CACHE_DIR_ENV: str(tmp_path_factory.mktemp("fault-cache"))}


def _several_to_score(root: Path) -> Path:
    """Six copies of the example: enough work that the workers are still scoring, or blocked sending, seconds after the parent is gone."""
    folder = root / "submissions"
    for slug in ("alpha", "beta", "gamma", "delta", "epsilon", "zeta"):
        (folder / slug).mkdir(parents=True)
        shutil.copy(EXAMPLE_SUBMISSION, folder / slug / "predictions.json")
    return folder


@pytest.mark.heavy
@pytest.mark.parametrize("ending", ["SIGKILL", "SIGTERM", "error mid-run"])
def test_no_scoring_worker_outlives_the_board(tmp_path: Path, shared_cache: dict, ending: str) -> None:
    """Workers are found while they score; the parent is killed, or fails to write a results.json (a file-size limit); no worker may remain."""
    folder = _several_to_score(tmp_path)
    limit = {resource.RLIMIT_FSIZE: 32 * 1024} if ending == "error mid-run" else {}

    def apply_limits() -> None:
        for which, value in limit.items():
            resource.setrlimit(which, (value, value))

    parent = subprocess.Popen(
        [sys.executable, "-m", "benchmark.cli", "leaderboard", "--submissions-dir", str(folder), "--output-dir", str(tmp_path)],
        cwd=REPO_ROOT, env=_environment(shared_cache), stdout=subprocess.PIPE, stderr=subprocess.PIPE, preexec_fn=apply_limits,
    )
    seen: set[int] = set()
    deadline = time.monotonic() + 300
    while parent.poll() is None and time.monotonic() < deadline:
        seen |= _live_children(parent.pid)
        if len(seen) >= 2 and ending != "error mid-run":
            parent.send_signal(getattr(signal, ending))
            break
        time.sleep(0.02)
    parent.wait(timeout=120)
    assert len(seen) >= 2, "the board forked its workers"
    gone_by = time.monotonic() + 10
    while any(_alive(pid) for pid in seen) and time.monotonic() < gone_by:
        time.sleep(0.1)
    assert not [pid for pid in seen if _alive(pid)], f"workers left after {ending}"
    stderr = parent.stderr.read().decode("utf-8", "replace")
    parent.stdout.close()
    parent.stderr.close()
    if ending == "SIGTERM":
        assert parent.returncode == 143, stderr
    if ending == "error mid-run":
        assert parent.returncode == 2 and stderr.splitlines()[-1].startswith("error: "), stderr
        assert "Traceback" not in stderr
    assert not _temporaries(folder, tmp_path)


def test_a_worker_ended_while_it_starts_goes_at_once(tmp_path: Path) -> None:
    """The pool ends a worker still in the fork hooks (made slow here); it must not swallow SIGTERM with the parent's handler and run on.

    Before signals were held during the fork, the child raised the parent's
    ``Terminated`` inside a fork hook, where it is ignored, and the parent
    waited for its 60-second task (CI saw this as a board that never ended).
    """
    program = (
        "import os, sys, time\n"
        "from benchmark.procs import WorkerPool, terminate_cleanly\n"
        "terminate_cleanly()\n"
        "os.register_at_fork(after_in_child=lambda: time.sleep(1.0))\n"
        "def task(sender):\n"
        "    time.sleep(60)\n"
        "started = time.monotonic()\n"
        "with WorkerPool() as pool:\n"
        "    pool.start(task)\n"
        "print(f'{time.monotonic() - started:.2f}')\n"
    )
    finished = subprocess.run([sys.executable, "-c", program], cwd=REPO_ROOT, env=_environment(), capture_output=True, text=True, timeout=90)
    assert finished.returncode == 0, finished.stderr
    assert "Exception ignored" not in finished.stderr
    # About 1 s of fork hook; SIGKILL after the 5-second grace would also end it, so the bound is below that.
    assert float(finished.stdout) < 4.0, finished.stdout


def test_sigterm_mid_write_removes_the_temporary_file(tmp_path: Path) -> None:
    """SIGTERM arrives while a file is being written (its flush to disk made slow); the process unwinds instead of dying on the spot."""
    output = tmp_path / "empty.json"
    output.write_bytes(b"the previous version\n")
    program = (
        "import os, sys, time\n"
        "os.fsync = lambda descriptor: time.sleep(60)\n"
        "from benchmark.cli import main\n"
        f"sys.argv = ['bench', 'baseline', 'empty', '--output', {str(output)!r}]\n"
        "main()\n"
    )
    process = subprocess.Popen([sys.executable, "-c", program], cwd=REPO_ROOT, env=_environment(), stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 60
    while not _temporaries(tmp_path) and time.monotonic() < deadline:
        time.sleep(0.02)
    assert _temporaries(tmp_path), "the write started"
    process.send_signal(signal.SIGTERM)
    _, stderr = process.communicate(timeout=30)
    assert process.returncode == 143, stderr
    assert not _temporaries(tmp_path)
    assert output.read_bytes() == b"the previous version\n"


# --- 3. Bounded reads ------------------------------------------------------------------


@pytest.mark.parametrize("name", ["LEADERBOARD.md", "LEADERBOARD.svg"])
def test_board_file_linked_to_dev_zero_is_refused_not_read(submissions: Path, tmp_path: Path, name: str) -> None:
    publish_leaderboard(submissions, tmp_path)
    (tmp_path / name).unlink()
    (tmp_path / name).symlink_to("/dev/zero")
    # Memory capped, so that an endless read fails quickly instead of reaching the OOM killer.
    result = _bench("leaderboard", "--check", "--submissions-dir", str(submissions), "--output-dir", str(tmp_path),
                    limits={resource.RLIMIT_AS: 3 * 1024**3}, timeout=120)
    assert result.returncode == 2, result.stderr
    assert result.stderr == f"error: {tmp_path / name}: not a regular file\n"


@pytest.mark.parametrize("command", [["leaderboard", "--check"], ["leaderboard"]])
def test_results_json_that_is_a_fifo_is_refused_without_hanging(submissions: Path, tmp_path: Path, command: list[str]) -> None:
    results = submissions / "blank" / "results.json"
    results.unlink()
    os.mkfifo(results)
    result = _bench(*command, "--submissions-dir", str(submissions), "--output-dir", str(tmp_path), timeout=60)
    assert result.returncode == 2, result.stderr
    assert result.stderr == f"error: {results}: not a regular file\n"
    assert not (tmp_path / "LEADERBOARD.md").exists()


# --- 4. Heavy valid files ----------------------------------------------------------------


def _digit_groups(length: int, seed: int) -> str:
    numbers, text = seed, []
    while len(" ".join(text)) < length:
        numbers = (numbers * 1103515245 + 12345) % 2**31
        text.append(str(100 + numbers % 99900))
    return " ".join(text)[:length].strip()


def _heavy_submission(items: int = 100) -> dict:
    """The red team's file: every list at its 100-item cap, strings at their length caps, texts of digit groups."""
    predictions = {}
    for n, instance in enumerate(INSTANCE_IDS):
        claims = [{"party": _digit_groups(1000, n * 1000 + i), "text": _digit_groups(300, n * 1000 + i + 500)} for i in range(items)]
        predictions[instance] = {
            "attendees": [{"name": _digit_groups(1000, i), "role": _digit_groups(1000, i + 1), "country": _digit_groups(1000, i + 2)} for i in range(items)],
            "venue": {"name": _digit_groups(1000, 7), "city": _digit_groups(1000, 8), "region": _digit_groups(1000, 9), "country": _digit_groups(1000, 10)},
            "time": {"date": "2025-08-15", "weekday": "Friday", "time_utc": "19:00"},
            "demands": claims,
            "stakes": claims[::-1],
        }
    return {"schema_version": "1", "system": {"name": "heavy"}, "predictions": predictions}


def test_a_file_within_every_other_rule_but_costing_minutes_is_refused_up_front(tmp_path: Path) -> None:
    from benchmark.budget import MAX_CLAIM_TOKENS

    heavy = tmp_path / "heavy.json"
    heavy.write_text(json.dumps(_heavy_submission()), encoding="utf-8")
    assert heavy.stat().st_size < 4 * 1024 * 1024
    for command in ("validate", "score"):
        started = time.monotonic()
        result = _bench(command, str(heavy))
        assert result.returncode == 2, result.stderr
        assert result.stderr.count("\n") == 1
        assert result.stderr.startswith("error: predictions: the demand and stake texts hold ") and f"the limit is {MAX_CLAIM_TOKENS:,}" in result.stderr
        assert time.monotonic() - started < 30, "refused before scoring"


def test_the_claim_budget_is_exact() -> None:
    """Claims are added until one more would pass the budget: that file is accepted, one more claim refused."""
    from benchmark.budget import MAX_CLAIM_TOKENS, claim_tokens

    submission = {"schema_version": "1", "system": {"name": "edge"}, "predictions": {i: {"demands": [], "stakes": []} for i in INSTANCE_IDS}}
    lists = [submission["predictions"][i][field] for i in INSTANCE_IDS for field in ("demands", "stakes")]
    total, n = 0, 0
    while True:
        claim = {"party": "Russia", "text": _digit_groups(300, n)}
        cost = claim_tokens([claim["text"]])
        if total + cost > MAX_CLAIM_TOKENS:
            break
        lists[n % len(lists)].append(claim)
        total, n = total + cost, n + 1
    assert MAX_CLAIM_TOKENS - cost < total <= MAX_CLAIM_TOKENS
    validate_submission_data(submission)
    lists[n % len(lists)].append(claim)
    with pytest.raises(InputError, match=f"hold {total + cost:,} tokens"):
        validate_submission_data(submission)


def test_every_file_of_the_repository_is_within_the_budget() -> None:
    """Filed submissions, labelled system outputs and the red-team files that the tests score are all within the budget."""
    from benchmark.budget import MAX_CLAIM_TOKENS, claim_tokens

    files = [
        *sorted((REPO_ROOT / "submissions").glob("*/predictions.json")),
        *sorted((REPO_ROOT / "gold" / "judgments" / "systems").glob("*.json")),
        *sorted((REPO_ROOT / "tests" / "data" / "redteam").glob("*.json")),
    ]
    refused = []
    for path in files:
        data = json.loads(path.read_bytes())
        texts = [item["text"] for summary in data["predictions"].values() for field in ("demands", "stakes") for item in summary.get(field) or []]
        if max(map(len, texts), default=0) > MAX_CLAIM_CHARS:
            continue  # refused for its pasted paragraphs already (tests/test_redteam.py)
        if claim_tokens(texts) > MAX_CLAIM_TOKENS:
            refused.append(path.name)
    assert len(files) > 30 and refused == []


# --- 5. The lock ------------------------------------------------------------------------


def test_a_lock_that_is_a_folder_stops_submit_before_scoring(tmp_path: Path) -> None:
    folder = tmp_path / "submissions"
    (folder / ".lock").mkdir(parents=True)
    blank = tmp_path / "blank.json"
    blank.write_bytes(_blank_submission("Blank"))
    result = _bench("submit", str(blank), "--submissions-dir", str(folder))
    assert result.returncode == 2, result.stderr
    assert result.stderr.startswith(f"error: {folder / '.lock'}: is not a regular file") and result.stderr.count("\n") == 1
    assert "scoring instance" not in result.stderr, "refused before scoring"
    assert sorted(p.name for p in folder.iterdir()) == [".lock"]


def test_a_lock_that_is_a_link_is_refused_and_its_target_untouched(submissions: Path, tmp_path: Path) -> None:
    precious = tmp_path / "precious.txt"
    precious.write_bytes(b"keep me\n")
    lock = submissions / ".lock"
    lock.unlink(missing_ok=True)
    lock.symlink_to(precious)
    result = _bench("leaderboard", "--submissions-dir", str(submissions), "--output-dir", str(tmp_path))
    assert result.returncode == 2, result.stderr
    assert result.stderr.startswith(f"error: {lock}: is not a regular file") and result.stderr.count("\n") == 1
    assert precious.read_bytes() == b"keep me\n"
    assert not (tmp_path / "LEADERBOARD.md").exists()


# --- 6. The embedding cache ------------------------------------------------------------------

CACHED_TEXT = "Russia demands that Ukraine withdraw from the Donbas before any ceasefire"


def _write_entry(encoder, mac_of, header: str | None = None) -> Path:
    """Put a forged ``sentence`` entry for ``CACHED_TEXT`` where the encoder looks, its first 32 bytes ``mac_of(payload)``."""
    path = encoder._cache_file("sentence", CACHED_TEXT)
    path.parent.mkdir(parents=True, exist_ok=True)
    if header is None:  # a well-formed array of other vectors
        buffer = io.BytesIO()
        np.save(buffer, np.full(similarity.EMBEDDING_DIM, 1 / np.sqrt(similarity.EMBEDDING_DIM), dtype=np.float32), allow_pickle=False)
        payload = buffer.getvalue()
    else:
        padded = header + " " * (-(10 + len(header) + 1) % 64) + "\n"
        payload = b"\x93NUMPY\x01\x00" + len(padded).to_bytes(2, "little") + padded.encode("latin1") + bytes(64)
    path.write_bytes(mac_of(payload) + payload)
    return path


def _honest_embedding() -> np.ndarray:
    return _fresh_encoder().sentence_embeddings([CACHED_TEXT])[0]


HUGE_HEADER = "{'descr': '<f4', 'fortran_order': False, 'shape': (100000000, 384), }"


@pytest.mark.parametrize("forgery", ["other vectors, own checksum", "huge header, own checksum"])
def test_forged_cache_entry_is_detected_and_recomputed(encoder, tmp_path, monkeypatch, capsys, forgery) -> None:
    monkeypatch.setenv(similarity.CACHE_DIR_ENV, str(tmp_path / "reference"))
    expected = _honest_embedding()
    monkeypatch.setenv(similarity.CACHE_DIR_ENV, str(tmp_path / "poisoned"))
    reader = _fresh_encoder()
    _write_entry(reader, lambda payload: hashlib.sha256(payload).digest(), None if forgery.startswith("other") else HUGE_HEADER)
    reader.persist([CACHED_TEXT])
    np.testing.assert_array_equal(reader.sentence_embeddings([CACHED_TEXT])[0], expected)
    assert "recomputed, not used" in capsys.readouterr().err


def test_cache_entry_with_a_valid_key_but_a_crafted_header_is_not_loaded(encoder, tmp_path, monkeypatch, capsys) -> None:
    """Even under the cache's own key, the array header is checked before anything is allocated."""
    monkeypatch.setenv(similarity.CACHE_DIR_ENV, str(tmp_path))
    expected = _honest_embedding()
    reader = _fresh_encoder()
    key = similarity.cache_key()
    _write_entry(reader, lambda payload: reader._cache_mac(key, "sentence", CACHED_TEXT, payload), HUGE_HEADER)
    reader.persist([CACHED_TEXT])
    np.testing.assert_array_equal(reader.sentence_embeddings([CACHED_TEXT])[0], expected)
    assert "not the expected float32 array" in capsys.readouterr().err


def test_cache_entry_that_is_a_fifo_does_not_hang_scoring(encoder, tmp_path, monkeypatch, capsys) -> None:
    monkeypatch.setenv(similarity.CACHE_DIR_ENV, str(tmp_path))
    expected = _honest_embedding()
    reader = _fresh_encoder()
    path = reader._cache_file("sentence", CACHED_TEXT)
    path.parent.mkdir(parents=True, exist_ok=True)
    os.mkfifo(path)
    reader.persist([CACHED_TEXT])
    outcome: list[np.ndarray] = []
    worker = threading.Thread(target=lambda: outcome.append(reader.sentence_embeddings([CACHED_TEXT])[0]), daemon=True)
    worker.start()
    worker.join(timeout=60)
    assert outcome, "reading the cache blocked on a FIFO"
    np.testing.assert_array_equal(outcome[0], expected)
    assert "not a regular file" in capsys.readouterr().err


# --- 7. bench submit files both files or neither ---------------------------------------------


def test_a_full_disk_files_nothing_and_a_retry_files_both(tmp_path: Path, shared_cache: dict) -> None:
    """The file-size limit lets predictions.json (6 KB) through and stops results.json (over 100 KB), as a disk filling up would."""
    folder = tmp_path / "submissions"
    full = _bench("submit", str(EXAMPLE_SUBMISSION), "--submissions-dir", str(folder), env=shared_cache,
                  limits={resource.RLIMIT_FSIZE: 32 * 1024}, timeout=300)
    assert full.returncode == 2, full.stderr
    assert full.stderr.splitlines()[-1].startswith(f"error: {folder / 'example'}: cannot write") and _clean(full.stderr)
    assert [p.name for p in folder.iterdir() if not p.name.startswith(".")] == []
    assert not list(folder.glob(".example.*")), "the staging folder is removed"
    retry = _bench("submit", str(EXAMPLE_SUBMISSION), "--submissions-dir", str(folder), env=shared_cache, timeout=300)
    assert retry.returncode == 0, retry.stderr
    assert (folder / "example" / "predictions.json").read_bytes() == EXAMPLE_SUBMISSION.read_bytes()
    assert json.loads((folder / "example" / "results.json").read_bytes())["system"]["name"] == "example"


# --- 8. bench run -----------------------------------------------------------------------------


class TrickleServer:
    """A loopback HTTP server that answers 200 with a long body sent one byte every ``interval`` seconds."""

    def __init__(self, interval: float = 0.05):
        self.interval = interval
        self._listener = socket.create_server(("127.0.0.1", 0))
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._serve, daemon=True)

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self._listener.getsockname()[1]}/v1"

    def _serve(self) -> None:
        self._listener.settimeout(0.1)
        while not self._stop.is_set():
            try:
                connection, _ = self._listener.accept()
            except OSError:
                continue
            threading.Thread(target=self._answer, args=(connection,), daemon=True).start()

    def _answer(self, connection: socket.socket) -> None:
        with connection, contextlib.suppress(OSError):
            request = b""
            while b"\r\n\r\n" not in request:
                request += connection.recv(65536)
            head, body = request.split(b"\r\n\r\n", 1)
            length = next(int(line.split(b":")[1]) for line in head.split(b"\r\n") if line.lower().startswith(b"content-length"))
            while len(body) < length:
                body += connection.recv(65536)
            connection.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 1000000\r\n\r\n")
            while not self._stop.is_set():
                connection.sendall(b" ")
                time.sleep(self.interval)

    def __enter__(self) -> TrickleServer:
        self._thread.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self._stop.set()
        self._thread.join()
        self._listener.close()


RUN_ENV = {"OPENAI_API_KEY": "", "NO_PROXY": "127.0.0.1,localhost", "no_proxy": "127.0.0.1,localhost"}


def _bench_run(base_url: str, output: Path, *args: str) -> subprocess.CompletedProcess:
    return _bench("run", "--base-url", base_url, "--model", "m", "--output", str(output), "--instances", "000",
                  "--retry-delay", "0.01", *args, env=RUN_ENV, timeout=60)


def test_a_server_trickling_its_body_is_cut_off_at_the_timeout(tmp_path: Path) -> None:
    with TrickleServer() as server:
        started = time.monotonic()
        result = _bench_run(server.base_url, tmp_path / "out.json", "--timeout", "1", "--max-retries", "1")
        elapsed = time.monotonic() - started
    assert result.returncode == 3, result.stderr
    assert "no complete response within 1 s (--timeout)" in result.stderr and _clean(result.stderr)
    assert elapsed < 15, f"two requests of 1 s each took {elapsed:.1f} s"


def test_a_reply_nested_200000_deep_is_refused_like_any_invalid_reply(tmp_path: Path) -> None:
    deep = CannedReply(body=b"[" * 200_000 + b"]" * 200_000, headers=(("Content-Type", "application/json"),))
    with OpenAIServer(lambda request: deep) as server:
        result = _bench_run(server.base_url, tmp_path / "out.json", "--max-retries", "1")
    assert result.returncode == 3, result.stderr
    assert "response nested deeper than 32 levels" in result.stderr and _clean(result.stderr)


# --- 9. Output injection ------------------------------------------------------------------------


def test_server_messages_are_printed_escaped(tmp_path: Path) -> None:
    with OpenAIServer(lambda request: error_reply(401, f"bad key{TERMINAL_TRICKS}")) as server:
        result = _bench_run(server.base_url, tmp_path / "out.json")
    assert result.returncode == 2
    errors = [line for line in result.stderr.splitlines() if not line.startswith("note: ")]
    assert len(errors) == 1 and _clean(result.stderr), result.stderr
    assert "\\u001b[2J\\u202e" in errors[0]


def test_a_refusal_is_printed_escaped(tmp_path: Path) -> None:
    body = {"choices": [{"index": 0, "message": {"role": "assistant", "content": None, "refusal": f"no{TERMINAL_TRICKS}"}, "finish_reason": "stop"}]}
    refusing = CannedReply(body=json.dumps(body).encode("utf-8"), headers=(("Content-Type", "application/json"),))
    with OpenAIServer(lambda request: refusing) as server:
        result = _bench_run(server.base_url, tmp_path / "out.json", "--max-retries", "1")
    assert result.returncode == 1, result.stderr
    assert _clean(result.stderr + result.stdout)
    assert not any(line.startswith("error: all good") for line in (result.stderr + result.stdout).splitlines())
    assert "refusal: \"no\\u001b[2J\\u202e\\nerror: all good\"" in result.stderr


def test_the_file_name_on_the_ok_line_is_escaped(tmp_path: Path) -> None:
    name = f"valid{TERMINAL_TRICKS}.json"
    shutil.copy(EXAMPLE_SUBMISSION, tmp_path / name)
    result = _bench("validate", name, cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert result.stdout.count("\n") == 1 and _clean(result.stdout), result.stdout
    assert result.stdout.startswith('ok: "valid\\u001b[2J\\u202e\\nerror: all good.json": system ')


def test_an_output_file_name_is_escaped(tmp_path: Path) -> None:
    name = f"empty{TERMINAL_TRICKS}.json"
    result = _bench("baseline", "empty", "--output", name, cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert result.stdout.count("\n") == 1 and _clean(result.stdout), result.stdout
    assert (tmp_path / name).is_file()


def test_a_folder_name_in_an_error_is_escaped(submissions: Path, tmp_path: Path) -> None:
    hostile = submissions / f"bad{TERMINAL_TRICKS}"
    hostile.mkdir()
    (hostile / "predictions.json").write_bytes(_blank_submission("Hostile"))
    result = _bench("leaderboard", "--submissions-dir", str(submissions), "--output-dir", str(tmp_path))
    assert result.returncode == 2
    assert result.stderr.count("\n") == 1 and _clean(result.stderr), result.stderr
    assert "\\u001b[2J\\u202e\\nerror: all good" in result.stderr


def test_a_submissions_folder_name_on_the_filed_line_is_escaped(tmp_path: Path, shared_cache: dict) -> None:
    folder = tmp_path / f"subs{TERMINAL_TRICKS}"
    blank = tmp_path / "blank.json"
    blank.write_bytes(_blank_submission("Blank"))
    result = _bench("submit", str(blank), "--submissions-dir", str(folder), env=shared_cache, timeout=300)
    assert result.returncode == 0, result.stderr
    assert result.stdout.count("\n") == 1 and _clean(result.stdout + result.stderr), result.stdout
    assert (folder / "blank" / "results.json").is_file()


# --- 10. Smaller breaks -------------------------------------------------------------------------


def test_atomic_write_refuses_a_symbolic_link_and_leaves_its_target(tmp_path: Path) -> None:
    target = tmp_path / "target.txt"
    target.write_bytes(b"keep\n")
    link = tmp_path / "out.json"
    link.symlink_to(target)
    with pytest.raises(InputError, match="is a symbolic link"):
        atomic_write(link, b"new\n")
    assert link.is_symlink() and target.read_bytes() == b"keep\n"
    result = _bench("baseline", "empty", "--output", str(link))
    assert result.returncode == 2 and result.stderr == f"error: {link}: is a symbolic link; bench writes only regular files, so give the path of the file itself\n"
    assert link.is_symlink() and target.read_bytes() == b"keep\n"


def test_cached_results_with_fields_of_the_wrong_type_are_rescored(submissions: Path, tmp_path: Path) -> None:
    path = submissions / "example" / "results.json"
    results = json.loads(path.read_bytes())
    results["scores"]["overall"] = "ninety-nine"
    results["scores"]["fields"]["venue"]["f1"] = [100]
    path.write_text(json.dumps(results), encoding="utf-8")
    result = CliRunner().invoke(app, ["leaderboard", "--submissions-dir", str(submissions), "--output-dir", str(tmp_path)])
    assert result.exit_code == 0, result.output
    assert "rescored 1 (example)" in result.stdout
    rescored = json.loads(path.read_bytes())["scores"]
    assert isinstance(rescored["overall"], float) and isinstance(rescored["fields"]["venue"]["f1"], float)
