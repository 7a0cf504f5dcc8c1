"""Every setting a score depends on, in one frozen object.

A score is reproducible only together with the settings that produced it,
so each one lives here and is written into the score signature
(``scorers.signature.build_signature``). Change a default and the signature
changes with it.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

CONSISTENCY_VERSION = "1"
"""Version of the consistency rules in ``scorers.consistency`` and ``scorers.claims``.

Bump it when a rule or threshold there changes: it is part of the score
signature. It lives here, not beside the rules, so that computing a signature
(as a warm ``bench leaderboard`` does) does not import the scorers.
"""


def _default_text_match_threshold() -> float:
    # Imported when a config is built, not when this module is: the text
    # scorer owns the threshold (chosen on its labelled dev pairs), and its
    # module loads the model only when asked to score.
    from scorers.texts import TEXT_MATCH_THRESHOLD

    return TEXT_MATCH_THRESHOLD


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
        text_match_threshold: the least BERTScore F1 at which a predicted
            demand or stake counts as the gold item it is aligned with
            (chosen by the text scorer on labelled dev pairs; see
            ``scorers.texts.TEXT_MATCH_THRESHOLD``).
        num_layers: the encoder layer whose token embeddings BERTScore uses
            (all-MiniLM-L6-v2 has six; the last one).
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    name_fuzzy_threshold: float = Field(default=90.0, ge=0, le=100)
    text_match_threshold: float = Field(default_factory=_default_text_match_threshold, ge=0, le=1)
    num_layers: int = Field(default=6, ge=1)
