"""Types shared by every field scorer: verdicts, per-item outcomes, raw counts.

Every field is counted the MUC way (correct, incorrect, missing, spurious), so
that list fields and slot fields aggregate the same way:

* precision = correct / (correct + incorrect + spurious)
* recall    = correct / (correct + incorrect + missing)
* F1        = their harmonic mean

For list fields (attendees, demands, stakes) an aligned pair is correct, an
unaligned prediction spurious and an unaligned gold item missing; incorrect
stays 0. For slot fields (venue, time components) both sides filled but
different is incorrect.

Degenerate cases: a field with nothing in gold and nothing predicted has no
score (``f1`` is ``None``) and is left out of the instance mean; nothing in
gold but something predicted scores 0; something in gold and nothing
predicted scores 0.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any, Literal

Verdict = Literal["correct", "incorrect", "missing", "spurious"]
FieldName = Literal["attendees", "venue", "time", "demands", "stakes"]


@dataclass(frozen=True)
class Counts:
    """Raw MUC counts of one field on one instance (or summed over a corpus)."""

    correct: int = 0
    incorrect: int = 0
    missing: int = 0
    spurious: int = 0

    def __add__(self, other: Counts) -> Counts:
        return Counts(
            self.correct + other.correct,
            self.incorrect + other.incorrect,
            self.missing + other.missing,
            self.spurious + other.spurious,
        )

    @property
    def predicted(self) -> int:
        return self.correct + self.incorrect + self.spurious

    @property
    def expected(self) -> int:
        return self.correct + self.incorrect + self.missing

    @property
    def precision(self) -> Fraction | None:
        """Exact precision; ``None`` when nothing was predicted."""
        return Fraction(self.correct, self.predicted) if self.predicted else None

    @property
    def recall(self) -> Fraction | None:
        """Exact recall; ``None`` when gold expects nothing."""
        return Fraction(self.correct, self.expected) if self.expected else None

    @property
    def f1(self) -> Fraction | None:
        """Exact F1, or ``None`` when the field is empty on both sides (left out of means)."""
        if not self.predicted and not self.expected:
            return None
        denominator = self.predicted + self.expected
        return Fraction(2 * self.correct, denominator)


@dataclass(frozen=True)
class ItemOutcome:
    """Why one predicted item (or one unmatched gold item) won or lost its point.

    Attributes:
        path: where the item is in the submission (``predictions.003.attendees[2]``);
            for a missing gold item, where gold keeps it (``gold.003.attendees[1]``).
        field: the field it belongs to.
        verdict: correct, incorrect, missing or spurious.
        value: the predicted value (``None`` for missing).
        gold: the gold value it was aligned with (``None`` for spurious).
        similarity: the similarity that decided the match, when one was computed
            (name similarity 0-100 scaled to 0-1, or BERTScore F1).
        details: secondary evidence (ROUGE-L, role/country agreement, match rule).
    """

    path: str
    field: FieldName
    verdict: Verdict
    value: Any
    gold: Any
    similarity: float | None = None
    details: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class FieldResult:
    """The outcome of scoring one field of one instance: counts plus explanations."""

    field: FieldName
    counts: Counts
    items: tuple[ItemOutcome, ...]
    secondary: dict[str, tuple[int, int]] = field(default_factory=dict)
    """Secondary figures as (agreeing, compared), e.g. ``{"role": (2, 3)}``."""
