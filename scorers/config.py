"""Every setting a score depends on, in one frozen object.

A score is reproducible only together with the settings that produced it,
so each one lives here and is written into the score signature
(``scorers.signature.build_signature``). Change a default and the signature
changes with it.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

CONSISTENCY_VERSION = "2"
"""Version of the consistency rules in ``scorers.consistency``, ``scorers.claims`` and ``scorers.matching``.

Bump it when a rule there changes: it is part of the score signature.
Thresholds are not rules: they are settings below, in the signature
themselves. It lives here, not beside the rules, so that computing a
signature (as a warm ``bench leaderboard`` does) does not import the scorers.
"""


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


class ScoringConfig(BaseModel):
    """Settings of the field scorers.

    Attributes:
        name_fuzzy_threshold: the least rapidfuzz ``token_sort_ratio`` (0-100,
            on folded names with titles stripped) at which a predicted name
            that matches no name, alias or surname of a gold person still
            counts as that person. 90 accepts one- or two-letter spelling
            variants of the same name ("Zelenskiy"/"Zelensky" 94.1,
            "Steve Wittkoff"/"Steve Witkoff" 96.3, "Sergey"/"Sergei Lavrov"
            92.3) and rejects different people whose names look alike
            ("Mario Rubino"/"Marco Rubio" 87.0, "Vladimir Potanin"/"Vladimir
            Putin" 86.7, "Donald Trump Jr"/"Donald Trump" 88.9, "Mark
            Rubio"/"Marco Rubio" 85.7). The cost: a misspelling that changes
            more than about one letter in ten ("Scott Besant", 88.0) earns
            no credit.
        claims: the settings of the claim-matching core for demands and stakes.
        num_layers: the encoder layer whose token embeddings BERTScore uses
            (all-MiniLM-L6-v2 has six; the last one).
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    name_fuzzy_threshold: float = Field(default=90.0, ge=0, le=100)
    claims: ClaimMatchConfig = Field(default_factory=ClaimMatchConfig)
    num_layers: int = Field(default=6, ge=1)
