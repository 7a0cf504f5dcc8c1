"""Every setting a score depends on, in one frozen object, nested per scorer.

A score is reproducible only together with the settings that produced it,
so each one lives here and is written into the score signature
(``scorers.signature.build_signature`` flattens this object, so a new
setting can never be left out). Change a default and the signature changes
with it. Version numbers (``scorers.signature.SCORERS_VERSION``,
``CONSISTENCY_VERSION``) are for changes of code only.

This module imports nothing of the project: a signature is computed
without importing a scorer.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

CONSISTENCY_VERSION = "2"
"""Version of the consistency rules in ``scorers.consistency``, ``scorers.claims`` and ``scorers.matching``.

Bump it when a rule there changes: it is part of the score signature.
Thresholds and windows are not rules: they are settings below, in the
signature themselves.
"""


class NameMatchConfig(BaseModel):
    """Settings of person-name matching (``scorers.names``), shared by the attendee scorer and the consistency checks.

    Attributes:
        fuzzy_threshold: the least rapidfuzz ``token_sort_ratio`` (0-100, on
            folded names with titles stripped) at which a predicted name that
            matches no name, alias or surname of a gold person still names
            that person. 90 accepts one- or two-letter spelling variants of the same name
            ("Zelenskiy"/"Zelensky" 94.1, "Steve Wittkoff"/"Steve Witkoff"
            96.3, "Sergey"/"Sergei Lavrov" 92.3) and rejects different people
            whose names look alike ("Mario Rubino"/"Marco Rubio" 87.0,
            "Vladimir Potanin"/"Vladimir Putin" 86.7, "Donald Trump
            Jr"/"Donald Trump" 88.9, "Mark Rubio"/"Marco Rubio" 85.7). The
            cost: a misspelling that changes more than about one letter in
            ten ("Scott Besant", 88.0) earns no credit.
        surname_threshold: the least rapidfuzz ``ratio`` (0-100) at which a
            word of a source sentence is a person's surname, once
            transliteration variants are folded (``scorers.names.same_surname``;
            used by the consistency checks). It is the same 90 as
            ``fuzzy_threshold`` and was not chosen separately; it accepts, for
            example, "Rubino" for "Rubio" (90.9).
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    fuzzy_threshold: float = Field(default=90.0, ge=0, le=100)
    surname_threshold: float = Field(default=90.0, ge=0, le=100)


class ClaimMatchConfig(BaseModel):
    """Settings of the claim-matching core (``scorers.matching``) that reads demands and stakes.

    Chosen on the development part of the real-output set only
    (``bench meta-eval --choose``; README "How the thresholds were chosen").

    Attributes:
        match_threshold: the least similarity (mean of MiniLM cosine and
            BERTScore F1 against a fact's best statement) at which a claim
            states an inventory fact.
        credit_margin: how far below the claim's closest fact another fact
            may be and still count as what the claim says.
        opposite_margin: how much closer to a fact's opposites than to its
            statements a claim must be to state the opposite.
        candidate_facts: facts read closely per claim (closest by cosine,
            overall and of the claimed party).
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    match_threshold: float = Field(default=0.54, ge=0, le=1)
    credit_margin: float = Field(default=0.06, ge=0, le=1)
    opposite_margin: float = Field(default=0.0, ge=-1, le=1)
    candidate_facts: int = Field(default=6, ge=1)


class SourceReadingConfig(BaseModel):
    """Word windows of the consistency checks that read the articles for attendees and the venue (``scorers.claims``).

    Attributes:
        attendance_reach: words between an attendance cue ("meets",
            "delegation", "arrived") and a person's name for the sentence to
            report the person at the summit.
        place_window: words from a venue cue ("summit", "held") to the
            "in"/"at" that introduces a place.
        place_reach: words from that "in"/"at" to the place itself.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    attendance_reach: int = Field(default=10, ge=0)
    place_window: int = Field(default=8, ge=0)
    place_reach: int = Field(default=3, ge=1)


class ScoringConfig(BaseModel):
    """Settings of the field scorers and the consistency checks.

    Attributes:
        names: person-name matching (attendees, and people in the sources).
        claims: the claim-matching core for demands and stakes.
        sources: the word windows of the consistency checks.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    names: NameMatchConfig = Field(default_factory=NameMatchConfig)
    claims: ClaimMatchConfig = Field(default_factory=ClaimMatchConfig)
    sources: SourceReadingConfig = Field(default_factory=SourceReadingConfig)


class BoardStatisticsConfig(BaseModel):
    """Statistics of the leaderboard (``benchmark.leaderboard``, computed by ``scorers.statistics``).

    They change the board's intervals, p-values and tie groups, never a
    score, so they are not in a results file's signature; the board prints
    them after it (``scorers.signature.board_signature``). A value that
    ``scorers.statistics`` does not implement stops the board.

    Attributes:
        unit: what is resampled: the 30 (instance, field) cells, drawn with
            replacement, the same draws for every system (paired); each
            resample recomputes every overall score from the drawn cells.
        strata: cells are drawn within each field (six of a field's six
            cells), so every resample has the test set's mix of fields.
        resamples: resamples drawn (shared by the intervals and the tests).
        seed: seed of the local random generator that draws them.
        interval: how a system's confidence interval is read from its
            resampled overall scores: percentile bootstrap.
        confidence: the interval's coverage.
        test: how two ranked systems are compared: the observed difference
            over its paired bootstrap standard error (corrected by n / (n - 1)
            for the six cells drawn per field), two-sided p-value of
            Student's t with 5 x (6 - 1) = 25 degrees of freedom (not
            floored by the number of resamples).
        correction: how the p-values of every pair of ranked systems are
            adjusted for their number: Holm's step-down.
        significance_level: below this adjusted p-value one system is
            significantly better than another.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    unit: Literal["instance-field-cell"] = "instance-field-cell"
    strata: Literal["field"] = "field"
    resamples: int = Field(default=10_000, ge=2)
    seed: int = Field(default=20250815, ge=0)
    interval: Literal["percentile-bootstrap"] = "percentile-bootstrap"
    confidence: float = Field(default=0.95, gt=0, lt=1)
    test: Literal["paired-bootstrap-t"] = "paired-bootstrap-t"
    correction: Literal["holm"] = "holm"
    significance_level: float = Field(default=0.05, gt=0, lt=1)
