"""Integrity and reproducibility: checksummed data, identical results, no network.

Scoring must refuse to run on articles or gold that no longer match their
recorded SHA-256; the same submission must give byte-identical results
whatever PYTHONHASHSEED is and whether the embedding cache is cold or warm;
and scoring must not open a network connection.
"""

from __future__ import annotations

import http.server
import os
import shutil
import subprocess
import sys
import threading
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import pytest

import benchmark.data as data
from benchmark.data import verify_integrity
from benchmark.errors import IntegrityError
from tests.conftest import EXAMPLE_SUBMISSION, REPO_ROOT, run_bench

# Runs a command with every IP connection and DNS lookup refused. An attempt is
# also written to stderr, so that one swallowed by a library (which might then
# fall back to its cache) still shows.
NO_NETWORK = """
import os, socket, sys

def _refuse(*args, **kwargs):
    os.write(2, b"NETWORK ATTEMPT\\n")
    raise OSError("network access is blocked in this test")

_connect = socket.socket.connect
def _connect_local_only(self, address):
    if self.family in (socket.AF_INET, socket.AF_INET6):
        _refuse()
    return _connect(self, address)

socket.socket.connect = _connect_local_only
socket.socket.connect_ex = _connect_local_only
socket.getaddrinfo = _refuse
socket.gethostbyname = _refuse
socket.create_connection = _refuse
sys.argv = ["bench", *sys.argv[1:]]
if sys.argv[1] == "--probe":
    import urllib.request
    urllib.request.urlopen(sys.argv[2], timeout=5)
else:
    from benchmark.cli import main
    main()
"""


# --- checksums ---------------------------------------------------------------------


@pytest.fixture
def data_copy(tmp_path, monkeypatch) -> Path:
    """The articles and gold copied to a temporary directory that ``benchmark.data`` reads instead."""
    shutil.copytree(data.ARTICLES_DIR, tmp_path / "articles")
    shutil.copytree(data.GOLD_DIR, tmp_path / "gold")
    monkeypatch.setattr(data, "ARTICLES_DIR", tmp_path / "articles")
    monkeypatch.setattr(data, "GOLD_DIR", tmp_path / "gold")
    monkeypatch.setattr(data, "FACTS_DIR", tmp_path / "gold" / "facts")
    return tmp_path


def _flip_one_byte(path: Path, offset: int = 100) -> None:
    content = bytearray(path.read_bytes())
    content[offset] ^= 0x01
    path.write_bytes(bytes(content))


def test_the_shipped_data_matches_its_checksums():
    hashes = verify_integrity()
    assert sorted(hashes) == sorted(
        [f"articles/{p.name}" for p in data.ARTICLES_DIR.glob("*.txt")]
        + [f"gold/{p.name}" for p in data.GOLD_DIR.glob("*.json")]
        + [f"facts/{p.name}" for p in data.FACTS_DIR.glob("*.json")]
    )


@pytest.mark.parametrize("relative", ["articles/002_2d14343db5d1649d.txt", "gold/003.json", "gold/event.json", "gold/facts/004.json"])
def test_one_changed_byte_is_refused(data_copy, relative):
    path = data_copy / relative
    _flip_one_byte(path)
    with pytest.raises(IntegrityError) as caught:
        verify_integrity()
    (line,) = caught.value.lines()
    assert line.startswith(f"{path}: SHA-256 ") and line.endswith("; the benchmark data was changed")


def test_a_missing_file_an_extra_file_and_a_broken_list_are_refused(data_copy):
    (data_copy / "gold" / "005.json").write_text("{}", encoding="utf-8")
    with pytest.raises(IntegrityError, match=r"005\.json: not in SHA256SUMS; the benchmark data was changed"):
        verify_integrity()
    (data_copy / "gold" / "005.json").unlink()
    (data_copy / "gold" / "004.json").unlink()
    with pytest.raises(IntegrityError, match=r"004\.json: missing; the benchmark data is incomplete"):
        verify_integrity()
    (data_copy / "articles" / "SHA256SUMS").write_text("not a checksum line\n", encoding="utf-8")
    with pytest.raises(IntegrityError, match=r"SHA256SUMS:1: not a 'sha256  name' line"):
        verify_integrity()
    (data_copy / "articles" / "SHA256SUMS").unlink()
    with pytest.raises(IntegrityError, match="checksum list missing"):
        verify_integrity()


def test_an_article_that_is_not_utf8_is_an_integrity_error(data_copy):
    path = data_copy / "articles" / "000_21f459cc5e7ccde3.txt"
    path.write_bytes(path.read_bytes() + b"\xff")
    data.load_articles.cache_clear()
    try:
        with pytest.raises(IntegrityError, match=r"000_21f459cc5e7ccde3\.txt: not UTF-8 \(invalid byte at offset \d+\)"):
            data.load_articles()
    finally:
        data.load_articles.cache_clear()


def test_bench_score_refuses_changed_gold_with_one_line(tmp_path):
    # A copy of the code and data: `python -m` imports the package from the
    # working directory, so this run reads the copy's gold, not the repo's.
    for part in ("benchmark", "scorers", "gold"):
        shutil.copytree(REPO_ROOT / part, tmp_path / part, ignore=shutil.ignore_patterns("__pycache__"))
    changed = tmp_path / "gold" / "001.json"
    _flip_one_byte(changed)
    result = run_bench("score", str(EXAMPLE_SUBMISSION), "--output", "results.json", cwd=tmp_path)
    assert result.returncode == 2, result.stderr
    assert result.stdout == "" and "Traceback" not in result.stderr
    (line,) = result.stderr.splitlines()
    assert line.startswith(f"error: {changed}: SHA-256 ") and line.endswith("; the benchmark data was changed")
    assert not (tmp_path / "results.json").exists()


# --- reproducibility and no network --------------------------------------------------


@dataclass(frozen=True)
class ScoreRun:
    result: subprocess.CompletedProcess
    output: Path


@dataclass(frozen=True)
class ScoreRuns:
    warm: ScoreRun
    offline: ScoreRun
    offline_cache: Path


@pytest.fixture(scope="module")
def score_runs(tmp_path_factory) -> ScoreRuns:
    """`bench score --output` of the example, two ways, side by side.

    ``warm`` runs as a user would, with PYTHONHASHSEED=0. ``offline`` runs
    with PYTHONHASHSEED=12345, every IP connection and DNS lookup refused,
    and an empty embedding cache, so that the model has to compute every
    embedding in the blocked process.
    """
    workdir = tmp_path_factory.mktemp("scores")
    empty_cache = tmp_path_factory.mktemp("empty-cache")

    def score(label: str) -> ScoreRun:
        # The same relative output path in each run's own directory, so that stdout can be compared too.
        rundir = workdir / label
        rundir.mkdir()
        args = ("score", str(EXAMPLE_SUBMISSION), "--output", "results.json")
        if label == "warm":
            result = run_bench(*args, cwd=rundir, env={"PYTHONHASHSEED": "0"})
        else:
            result = subprocess.run(
                [sys.executable, "-c", NO_NETWORK, *args],
                cwd=rundir,
                capture_output=True,
                text=True,
                timeout=600,
                env=_env(PYTHONHASHSEED="12345", BENCH_CACHE_DIR=str(empty_cache), HF_HUB_OFFLINE=None, TRANSFORMERS_OFFLINE=None),
            )
        return ScoreRun(result, rundir / "results.json")

    with ThreadPoolExecutor(max_workers=2) as pool:
        warm, offline = pool.map(score, ("warm", "offline"))
    return ScoreRuns(warm, offline, empty_cache)


def _env(**changes: str | None) -> dict[str, str]:
    env = dict(os.environ)
    for key, value in changes.items():
        if value is None:
            env.pop(key, None)
        else:
            env[key] = value
    return env


def test_results_are_identical_across_hash_seeds_and_caches(score_runs):
    warm, offline = score_runs.warm, score_runs.offline
    assert warm.result.returncode == 0, warm.result.stderr
    assert offline.result.returncode == 0, offline.result.stderr
    assert warm.output.read_bytes() == offline.output.read_bytes()
    assert warm.result.stdout == offline.result.stdout


def test_scoring_needs_no_network(score_runs):
    offline = score_runs.offline
    assert offline.result.returncode == 0, offline.result.stderr
    assert "NETWORK ATTEMPT" not in offline.result.stderr
    # The cache started empty: the model really ran inside the blocked process.
    assert any(path.suffix == ".npy" for path in score_runs.offline_cache.rglob("*"))


class _OkHandler(http.server.BaseHTTPRequestHandler):
    def do_GET(self) -> None:  # noqa: N802 (the name http.server calls)
        self.send_response(200)
        self.send_header("Content-Length", "2")
        self.end_headers()
        self.wfile.write(b"ok")

    def log_message(self, *args) -> None:
        pass


def test_the_network_guard_really_blocks_a_loopback_server():
    # Without this, a guard that patched the wrong function would pass the test above.
    server = http.server.HTTPServer(("127.0.0.1", 0), _OkHandler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        url = f"http://127.0.0.1:{server.server_address[1]}/"
        unguarded = subprocess.run([sys.executable, "-c", f"import urllib.request; urllib.request.urlopen({url!r}, timeout=5)"],
                                   capture_output=True, text=True, timeout=60)
        assert unguarded.returncode == 0, unguarded.stderr
        guarded = subprocess.run([sys.executable, "-c", NO_NETWORK, "--probe", url], capture_output=True, text=True, timeout=60)
        assert guarded.returncode != 0
        assert "NETWORK ATTEMPT" in guarded.stderr and "network access is blocked" in guarded.stderr
    finally:
        server.shutdown()
        server.server_close()
