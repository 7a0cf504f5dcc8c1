"""Reading and writing the project's files safely.

Reading: every file the project reads from the repository, a cache or a
user (``read_capped``) is checked to be a regular file and read with a size
cap, opened so that a FIFO or a device can neither block the reader nor feed
it forever.

Writing: a single file is replaced in one step (``atomic_write``), never
through a symbolic link, and commands that write several related files
(``bench submit``, ``bench leaderboard``) take turns (``project_lock``), so
that neither loses the other's work. The lock file must be a regular file
that bench created (``prepare_lock``); anything else in its place is refused
before any work starts.
"""

from __future__ import annotations

import os
import stat
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from filelock import FileLock, Timeout

from benchmark.errors import BenchError, InputError, Problem
from benchmark.escape import escape

# Repository data files (gold, facts, articles, judgments, the board) are
# tens of kilobytes; this is far above any of them and far below what could
# exhaust memory.
MAX_DATA_FILE_BYTES = 16 * 1024 * 1024

LOCK_FILE_NAME = ".lock"
# Long enough for another command to score every submission with the model;
# short enough that a lock left by a crashed machine is reported, not waited on forever.
LOCK_TIMEOUT_SECONDS = 900.0


def read_capped(path: Path, *, max_bytes: int = MAX_DATA_FILE_BYTES, missing_ok: bool = False) -> bytes | None:
    """The bytes of the regular file at ``path``, refused when anything else or larger than ``max_bytes``.

    Symbolic links are followed, but what they lead to must be a regular
    file: a FIFO would block the reader and a device such as /dev/zero
    would feed it forever. The file is opened without blocking (a FIFO
    swapped in after the first check does not hang the open) and checked
    again on the open descriptor; at most ``max_bytes + 1`` bytes are read.

    Args:
        path: the file.
        max_bytes: the size cap.
        missing_ok: return ``None`` for a file that does not exist instead of refusing it.

    Raises:
        InputError: one problem naming the file (escaped): missing, not a
            regular file, over the cap, or unreadable.
    """
    source = escape(str(path))
    try:
        if not stat.S_ISREG(os.stat(path).st_mode):
            raise InputError([Problem(source, "not a regular file")])
        descriptor = os.open(path, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0))
    except FileNotFoundError:
        if missing_ok:
            return None
        raise InputError([Problem(source, "no such file")]) from None
    except OSError as error:
        raise InputError([Problem(source, f"cannot read: {error.strerror or error}")]) from None
    try:
        status = os.fstat(descriptor)
        if not stat.S_ISREG(status.st_mode):
            raise InputError([Problem(source, "not a regular file")])
        if status.st_size > max_bytes:
            raise InputError([Problem(source, f"file is {status.st_size:,} bytes; the limit is {max_bytes:,}")])
        chunks, size = [], 0
        while size <= max_bytes:
            chunk = os.read(descriptor, min(1 << 20, max_bytes + 1 - size))
            if not chunk:
                break
            chunks.append(chunk)
            size += len(chunk)
    except OSError as error:
        raise InputError([Problem(source, f"cannot read: {error.strerror or error}")]) from None
    finally:
        os.close(descriptor)
    data = b"".join(chunks)
    if len(data) > max_bytes:  # the file grew after fstat()
        raise InputError([Problem(source, f"file is over {max_bytes:,} bytes; the limit is {max_bytes:,}")])
    return data


def refuse_symlink(path: Path) -> None:
    """Refuse to write to ``path`` when it is a symbolic link (even a dangling one).

    ``atomic_write`` would replace the link itself with a regular file; a
    link such as /dev/stdout or one into another folder means the user (or a
    hostile repository) expected the write to go elsewhere.

    Raises:
        InputError: naming the path.
    """
    if Path(path).is_symlink():
        raise InputError([Problem(escape(str(path)), "is a symbolic link; bench writes only regular files, so give the path of the file itself")])


def check_output_path(path: Path) -> None:
    """Refuse, before any slow work, an output path that ``atomic_write`` could not write.

    A command that writes several files (``bench score --output --html``)
    checks them all first, so that a mistake in the second is not found
    after the first was written.

    Raises:
        InputError: ``path`` is a symbolic link, a folder, or its folder does not exist.
    """
    path = Path(path)
    refuse_symlink(path)
    if path.is_dir():
        raise InputError([Problem(escape(str(path)), "is a folder; give the path of a file")])
    if not path.parent.is_dir():
        raise InputError([Problem(escape(str(path)), f"cannot be written: its folder {escape(str(path.parent))} does not exist")])


def atomic_write(path: Path, data: bytes) -> None:
    """Replace ``path`` with ``data`` in one step.

    The bytes go to a temporary file in the same directory (same file
    system, so ``os.replace`` is atomic), are flushed to disk, and the
    temporary file then takes the place of ``path``. A crash or a concurrent
    reader sees either the old file or the new one, never a truncated mix.

    Args:
        path: the file to write; its directory must exist.
        data: the complete new content.

    Raises:
        InputError: ``path`` is a symbolic link (``refuse_symlink``).
        OSError: the file system refused the write; nothing was changed.
    """
    path = Path(path)
    refuse_symlink(path)
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


def publish(path: Path, data: bytes) -> None:
    """Write a file the user asked for or the board publishes (``atomic_write``); a file system refusal is an ``InputError``.

    Raises:
        InputError: ``path`` is a symbolic link, or the file system refused (naming the path).
    """
    try:
        atomic_write(path, data)
    except OSError as error:
        raise InputError([Problem(escape(str(path)), f"cannot write: {error.strerror or error}")]) from None


def prepare_lock(directory: Path) -> Path:
    """Make sure ``directory/.lock`` is a regular file bench can lock, before any work starts.

    The folder is created if missing, and the lock file too (never through a
    link: ``O_NOFOLLOW``). A lock path that is a symbolic link, a folder, a
    FIFO or a device, or a folder bench cannot write in, is refused here, so
    that ``bench submit`` fails before minutes of scoring rather than after.

    Returns:
        The lock file's path.

    Raises:
        InputError: one problem naming the folder or the lock path.
    """
    where = escape(str(directory))
    try:
        directory.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise InputError([Problem(where, f"cannot create the folder: {error.strerror or error}")]) from None
    lock_path = directory / LOCK_FILE_NAME
    try:
        descriptor = os.open(lock_path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0), 0o644)
    except FileExistsError:
        pass
    except OSError as error:
        raise InputError([Problem(escape(str(lock_path)), f"cannot create the lock file: {error.strerror or error}")]) from None
    else:
        os.close(descriptor)
    try:
        status = os.lstat(lock_path)
    except OSError as error:
        raise InputError([Problem(escape(str(lock_path)), f"cannot inspect the lock file: {error.strerror or error}")]) from None
    if not stat.S_ISREG(status.st_mode):
        raise InputError([Problem(
            escape(str(lock_path)),
            "is not a regular file (a link, folder, FIFO or device); it is not bench's lock: remove it and run the command again",
        )])
    if not os.access(directory, os.W_OK | os.X_OK) or not os.access(lock_path, os.W_OK):
        raise InputError([Problem(where, "bench cannot write in this folder (permission denied)")])
    return lock_path


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
        InputError: the lock path is not a regular file bench can lock (``prepare_lock``).
        BenchError: the lock stayed held for ``timeout`` seconds.
    """
    lock_path = prepare_lock(directory)
    lock = FileLock(lock_path, timeout=timeout)
    try:
        lock.acquire()
    except Timeout:
        raise BenchError(f"{escape(str(lock_path))}: another bench command held this lock for {timeout:g} s; try again when it has finished") from None
    except OSError as error:
        raise InputError([Problem(escape(str(lock_path)), f"cannot take the lock: {error.strerror or error}")]) from None
    try:
        yield
    finally:
        lock.release()
