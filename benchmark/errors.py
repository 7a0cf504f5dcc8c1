"""The one exception hierarchy of the project.

Library code raises these; only the CLI turns them into messages and exit
codes (``BenchError.exit_code``). A user's mistake is never a traceback.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Problem:
    """One thing wrong with an input, located by a JSON path or file position."""

    where: str
    message: str

    def __str__(self) -> str:
        return f"{self.where}: {self.message}"


class BenchError(Exception):
    """Base class of every error the project raises on purpose."""

    exit_code = 2

    def lines(self) -> list[str]:
        """The error as one-line messages, as the CLI prints them."""
        return [str(self)]


class InputError(BenchError):
    """A user-supplied file or argument is unusable; carries every problem found."""

    def __init__(self, problems: list[Problem]):
        if not problems:
            raise ValueError("InputError needs at least one problem")
        self.problems = problems
        super().__init__("; ".join(str(p) for p in problems))

    def lines(self) -> list[str]:
        return [str(p) for p in self.problems]

    def __reduce__(self):
        # Rebuilt from its problems when it crosses a process boundary (a scoring worker).
        return (type(self), (self.problems,))


class IntegrityError(BenchError):
    """The benchmark's own data (articles, gold) does not match its recorded checksums."""


class RootNotFoundError(BenchError):
    """No project folder (one holding ``submissions/``) where the leaderboard commands looked for it."""


class ScoringError(BenchError):
    """The scoring stack could not run as configured (for example, the model is missing)."""


class StatisticsError(InputError):
    """The board's statistics cannot be computed from these systems' results (``scorers.statistics``); one problem per system."""


class EndpointError(BenchError):
    """A model endpoint stayed unavailable after every retry (``bench run``); progress is saved and a rerun resumes."""

    exit_code = 3
