"""What scoring one submission may cost, bounded before it is scored.

Scoring time and memory grow with the tokens of the demands and stakes: each
is embedded token by token by the scoring model (its token embeddings are
kept for BERTScore), and what a string costs in tokens depends on what it
holds: plain English runs at about one token per four or five characters,
digit groups, rare words and punctuation at up to one token per character.
Caps on items and characters alone would therefore either refuse honest
files or let a file within every cap cost minutes and gigabytes (a red-team
file of 1,200 claims of digit groups, 168,000 tokens, took 100 s and 3.3 GB).

So the demands and stakes of a submission are counted in the scoring model's
own tokens (its fast tokenizer, in milliseconds and without loading the
model), and a submission over ``MAX_CLAIM_TOKENS`` is refused with the
other input errors, before any scoring. The cap is about 5 times the
largest real system output in ``gold/judgments/`` (3,481 tokens) and above
every red-team file in ``tests/data/redteam/`` (18,522 at most);
``perf/perf.py`` measures a file at the cap (README "Performance").
"""

from __future__ import annotations

import functools
from collections.abc import Iterable

MAX_CLAIM_TOKENS = 20_000
"""Tokens of the scoring model's tokenizer in all demand and stake texts of one submission (special tokens not counted)."""


@functools.cache
def _tokenizer():
    from tokenizers import Tokenizer

    from benchmark.files import read_capped
    from scorers.model import model_path

    tokenizer = Tokenizer.from_str(read_capped(model_path() / "tokenizer.json").decode("utf-8"))
    # The model's file pads and truncates to 128 tokens; a count needs neither.
    tokenizer.no_padding()
    tokenizer.no_truncation()
    return tokenizer


def claim_tokens(texts: Iterable[str]) -> int:
    """How many tokens the scoring model's tokenizer makes of ``texts``, in all.

    Raises:
        ScoringError: the model package (which holds the tokenizer) is missing.
    """
    texts = list(texts)
    if not texts:
        return 0
    return sum(len(encoding.ids) for encoding in _tokenizer().encode_batch(texts, add_special_tokens=False))
