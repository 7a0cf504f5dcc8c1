"""Worker processes that never outlive their parent, and clean ends on SIGTERM.

``bench leaderboard`` forks scoring workers that each hold the model and
every embedding (hundreds of megabytes). If the parent is killed, or exits
early on an error without waiting for them, they must go too:

* each worker asks the kernel to kill it when its parent dies
  (``prctl(PR_SET_PDEATHSIG, SIGKILL)`` on Linux), and checks once that the
  parent did not die before the request took effect;
* each worker closes the read ends of every result pipe it inherited (its
  own and those of the workers forked before it), so that once the parent
  is gone nobody can read a pipe and a worker blocked writing to it gets
  EPIPE instead of waiting forever;
* workers ignore SIGINT (a Ctrl-C reaches the whole terminal's process
  group; the parent handles it and ends them) and take SIGTERM's default
  action, not the parent's handler. The parent blocks both signals while it
  forks, and a worker unblocks them only once its own dispositions are set:
  otherwise a SIGTERM sent while the child still runs the fork hooks with
  the parent's handler is swallowed there ("exception ignored"), and the
  worker scores on while the parent waits for it (seen once in about five
  SIGTERMs in CI);
* ``WorkerPool`` ends every worker in ``finally``, whatever happened, and
  kills (SIGKILL) any that has not ended a few seconds after SIGTERM.

``terminate_cleanly`` makes SIGTERM unwind the parent like an exception, so
that ``finally`` blocks run: temporary files are removed, the lock released
and workers ended.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import os
import signal
import sys
from collections.abc import Callable
from typing import Any

_PR_SET_PDEATHSIG = 1
_HELD_DURING_FORK = {signal.SIGTERM, signal.SIGINT}
# How long an ended worker may take to go before it is killed; one that takes SIGTERM's default action goes at once.
_TERMINATE_GRACE_SECONDS = 5.0


def die_with_parent(parent_pid: int) -> None:
    """Have the kernel SIGKILL this process when its parent dies (Linux; elsewhere nothing).

    If the parent is already gone when this runs (it died between the fork
    and here), the process ends at once.
    """
    if not sys.platform.startswith("linux"):
        return
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or None, use_errno=True)
        libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
    except (OSError, AttributeError):  # no prctl: the closed pipes still end a blocked worker
        pass
    if os.getppid() != parent_pid:
        os._exit(1)


class Terminated(SystemExit):
    """Raised in the main thread when SIGTERM arrives (``terminate_cleanly``); exit code 143 as for a killed process."""

    def __init__(self) -> None:
        super().__init__(128 + signal.SIGTERM)


def _raise_terminated(signum: int, frame: Any) -> None:
    raise Terminated()


def terminate_cleanly() -> None:
    """Turn SIGTERM into ``Terminated`` in this process, so that it unwinds through every ``finally``."""
    signal.signal(signal.SIGTERM, _raise_terminated)


def _worker_main(parent_pid: int, inherited: list, target: Callable[..., None], sender: Any, args: tuple) -> None:
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    # Blocked since the fork (WorkerPool.start); a SIGTERM already pending now takes its default action.
    signal.pthread_sigmask(signal.SIG_UNBLOCK, _HELD_DURING_FORK)
    die_with_parent(parent_pid)
    for receiver in inherited:
        receiver.close()
    target(sender, *args)


class WorkerPool:
    """Forked worker processes, each sending its results to the parent through its own pipe.

    Use as a context manager: every worker started in the ``with`` block is
    ended (terminated, then joined) and every pipe closed when the block
    ends, normally or not.

    Example:
        >>> with WorkerPool() as pool:                          # doctest: +SKIP
        ...     receiver = pool.start(work, submissions, group)  # work(sender, submissions, group)
        ...     first = receiver.recv()
    """

    def __init__(self) -> None:
        import multiprocessing

        # fork, not spawn: a spawned worker would import torch and load the model again, seconds each.
        self._context = multiprocessing.get_context("fork")
        self._workers: list[tuple[Any, Any]] = []

    def start(self, target: Callable[..., None], *args: Any):
        """Fork a worker running ``target(sender, *args)``; return the receiving end of its pipe."""
        receiver, sender = self._context.Pipe(duplex=False)
        # The worker closes its copies of every read end: its own and the earlier workers'.
        inherited = [r for _, r in self._workers] + [receiver]
        worker = self._context.Process(target=_worker_main, args=(os.getpid(), inherited, target, sender, args), daemon=True)
        # Held until the worker is on the list that __exit__ ends; the child inherits the mask (see the module docstring).
        previous_mask = signal.pthread_sigmask(signal.SIG_BLOCK, _HELD_DURING_FORK)
        try:
            worker.start()
            self._workers.append((worker, receiver))
        finally:
            sender.close()  # the parent only reads
            signal.pthread_sigmask(signal.SIG_SETMASK, previous_mask)
        return receiver

    def __enter__(self) -> WorkerPool:
        return self

    def __exit__(self, *exc_info: object) -> None:
        for worker, receiver in self._workers:
            worker.terminate()
        for worker, receiver in self._workers:
            worker.join(_TERMINATE_GRACE_SECONDS)
            if worker.exitcode is None:
                worker.kill()
                worker.join()
            receiver.close()
        self._workers.clear()
