"""Atomic writes and the project lock (issue 6, item 3)."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from benchmark.errors import BenchError
from benchmark.files import LOCK_FILE_NAME, atomic_write, project_lock


def _leftovers(directory: Path) -> list[str]:
    return sorted(p.name for p in directory.iterdir() if p.name.endswith(".tmp"))


def test_atomic_write_creates_and_replaces(tmp_path: Path) -> None:
    target = tmp_path / "results.json"
    atomic_write(target, b"first\n")
    assert target.read_bytes() == b"first\n"
    assert target.stat().st_mode & 0o777 == 0o644
    target.chmod(0o600)
    atomic_write(target, b"second\n")
    assert target.read_bytes() == b"second\n"
    assert target.stat().st_mode & 0o777 == 0o600, "a replaced file keeps its mode"
    assert _leftovers(tmp_path) == []


def test_failed_replace_leaves_the_old_file_whole(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    target = tmp_path / "LEADERBOARD.md"
    target.write_bytes(b"old board\n")

    def crash(source: object, destination: object) -> None:
        raise OSError("simulated crash at the rename")

    monkeypatch.setattr(os, "replace", crash)
    with pytest.raises(OSError, match="simulated crash"):
        atomic_write(target, b"new board\n" * 1000)
    assert target.read_bytes() == b"old board\n"
    assert _leftovers(tmp_path) == [], "the temporary file is removed"


def test_process_killed_mid_write_leaves_the_old_file_whole(tmp_path: Path) -> None:
    """A writer killed after writing part of the new content changes nothing visible."""
    target = tmp_path / "results.json"
    target.write_bytes(b'{"old": true}\n')
    writer = textwrap.dedent(
        f"""
        import os, sys, time
        from pathlib import Path
        import benchmark.files as files

        def slow_fsync(descriptor):
            print("writing", flush=True)
            time.sleep(60)
        files.os.fsync = slow_fsync
        files.atomic_write(Path({str(target)!r}), b"x" * 100_000)
        """
    )
    process = subprocess.Popen([sys.executable, "-c", writer], stdout=subprocess.PIPE, text=True)
    try:
        assert process.stdout.readline().strip() == "writing"
        assert len(_leftovers(tmp_path)) == 1, "the new content is in a temporary file"
        process.kill()
        process.wait(timeout=10)
    finally:
        if process.poll() is None:
            process.kill()
    assert target.read_bytes() == b'{"old": true}\n'


def test_lock_serialises_holders(tmp_path: Path) -> None:
    holder = textwrap.dedent(
        f"""
        import time
        from pathlib import Path
        from benchmark.files import project_lock
        with project_lock(Path({str(tmp_path)!r})):
            print("holding", flush=True)
            time.sleep(60)
        """
    )
    process = subprocess.Popen([sys.executable, "-c", holder], stdout=subprocess.PIPE, text=True)
    try:
        assert process.stdout.readline().strip() == "holding"
        started = time.monotonic()
        with pytest.raises(BenchError, match="another bench command held this lock"):
            with project_lock(tmp_path, timeout=0.3):
                pass
        assert time.monotonic() - started >= 0.3
        # The operating system releases the lock of a killed holder.
        process.kill()
        process.wait(timeout=10)
        with project_lock(tmp_path, timeout=5):
            assert (tmp_path / LOCK_FILE_NAME).exists()
    finally:
        if process.poll() is None:
            process.kill()
