"""Writing the files the project publishes, so that a reader never sees half of one.

Two guarantees: a single file is replaced in one step (``atomic_write``), and
commands that write several related files (``bench submit``, ``bench
leaderboard``) take turns (``project_lock``), so that neither loses the
other's work.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from filelock import FileLock, Timeout

from benchmark.errors import BenchError

LOCK_FILE_NAME = ".lock"
# Long enough for another command to score every submission with the model;
# short enough that a lock left by a crashed machine is reported, not waited on forever.
LOCK_TIMEOUT_SECONDS = 900.0


def atomic_write(path: Path, data: bytes) -> None:
    """Replace ``path`` with ``data`` in one step.

    The bytes go to a temporary file in the same directory (same file
    system, so ``os.replace`` is atomic), are flushed to disk, and the
    temporary file then takes the place of ``path``. A crash or a concurrent
    reader sees either the old file or the new one, never a truncated mix.

    Args:
        path: the file to write; its directory must exist.
        data: the complete new content.
    """
    path = Path(path)
    descriptor, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        # mkstemp creates the file private (0600); a published file keeps the
        # mode of the file it replaces, or is world-readable when new.
        os.chmod(temporary, path.stat().st_mode & 0o777 if path.exists() else 0o644)
        with os.fdopen(descriptor, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


@contextmanager
def project_lock(directory: Path, *, timeout: float = LOCK_TIMEOUT_SECONDS) -> Iterator[None]:
    """Hold the lock that serialises the commands writing under ``directory``.

    The lock is an OS file lock on ``directory/.lock`` (git-ignored); the
    operating system drops it when its holder exits, even when killed.

    Args:
        directory: the folder whose files the caller is about to write
            (created if missing).
        timeout: seconds to wait for another holder before giving up.

    Raises:
        BenchError: the lock stayed held for ``timeout`` seconds.
    """
    lock_path = directory / LOCK_FILE_NAME
    try:
        directory.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise BenchError(f"{directory}: cannot create the folder: {error.strerror or error}") from None
    lock = FileLock(lock_path, timeout=timeout)
    try:
        lock.acquire()
    except Timeout:
        raise BenchError(f"{lock_path}: another bench command held this lock for {timeout:g} s; try again when it has finished") from None
    try:
        yield
    finally:
        lock.release()
