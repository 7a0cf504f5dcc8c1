"""The score signature: everything a score depends on, in one comparable string.

Like sacrebleu's signature, it names the benchmark and scorer versions, the
versions of the scoring stack, the model and the checksum of its weights,
every setting of ``ScoringConfig`` (flattened: ``claims.match-threshold``),
the version of the consistency rules, and the checksums of the party
aliases, the gold, the articles and the fact inventory. Two scores are comparable exactly when their signature strings are
equal. It is computed without importing torch or transformers (versions come
from the installed package metadata, the model checksum from the weights
file), so checking the signatures of many results is cheap.
"""

from __future__ import annotations

import hashlib
from functools import cache
from importlib import metadata

from benchmark.data import verify_integrity
from benchmark.errors import ScoringError
from benchmark.normalize import party_table_sha256
from scorers.config import CONSISTENCY_VERSION, BoardStatisticsConfig, ScoringConfig
from scorers.model import MODEL_NAME, MODEL_PACKAGE, NUM_LAYERS, model_sha256

SCORERS_VERSION = "2"
"""Bumped whenever a scorer changes in a way that can change a score."""

_STACK = ("bert-score", "rouge-score", "torch", "transformers", "tokenizers")


# Reading package metadata takes milliseconds, and a leaderboard run builds a
# signature per submission; what is installed does not change under a process.
@cache
def _version(distribution: str) -> str:
    try:
        return metadata.version(distribution)
    except metadata.PackageNotFoundError:
        raise ScoringError(f"package {distribution!r} is not installed; reinstall the benchmark with `pip install -e .`") from None


def _data_digest(data_hashes: dict[str, str], label: str) -> str:
    """SHA-256 of a data directory's checksum list, in ``sha256sum`` format sorted by file name."""
    prefix = f"{label}/"
    lines = "".join(f"{digest}  {name[len(prefix):]}\n" for name, digest in sorted(data_hashes.items()) if name.startswith(prefix))
    return hashlib.sha256(lines.encode("utf-8")).hexdigest()


def _setting(value: object) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _flat(settings: dict, prefix: str = "") -> list[tuple[str, object]]:
    """Nested settings as (dotted name, value) pairs: ``claims.match_threshold``."""
    pairs: list[tuple[str, object]] = []
    for name, value in settings.items():
        if isinstance(value, dict):
            pairs += _flat(value, f"{prefix}{name}.")
        else:
            pairs.append((f"{prefix}{name}", value))
    return pairs


def build_signature(config: ScoringConfig, *, data_hashes: dict[str, str] | None = None) -> dict:
    """The signature of scores computed with ``config`` on the installed benchmark.

    Args:
        config: the scoring settings.
        data_hashes: the data files' checksums as returned by
            ``benchmark.data.verify_integrity`` (verified now when not given).

    Returns:
        ``{"string": "alaska-summit-bench:0.1.0|scorers:1|model:...", "parts": {...}}``;
        the string carries 12-digit prefixes of the checksums, the parts
        carry them in full.

    Raises:
        IntegrityError: the articles or gold do not match their checksums.
        ScoringError: a package of the scoring stack or the model is missing.
    """
    if data_hashes is None:
        data_hashes = verify_integrity()
    parts: dict[str, object] = {
        "benchmark": _version("alaska-summit-bench"),
        "scorers": SCORERS_VERSION,
        "model": MODEL_NAME,
        "model_package": f"{MODEL_PACKAGE} {_version(MODEL_PACKAGE)}",
        "model_sha256": model_sha256(),
    }
    parts.update((name, _version(name)) for name in _STACK)
    settings = config.model_dump()
    parts.update(settings)
    parts["consistency"] = CONSISTENCY_VERSION
    parts["parties"] = party_table_sha256()
    parts["gold"] = _data_digest(data_hashes, "gold")
    parts["articles"] = _data_digest(data_hashes, "articles")
    parts["facts"] = _data_digest(data_hashes, "facts")

    fields = [
        f"alaska-summit-bench:{parts['benchmark']}",
        f"scorers:{SCORERS_VERSION}",
        f"model:{MODEL_NAME}/L{NUM_LAYERS}@{parts['model_sha256'][:12]}",
        *(f"{name}:{parts[name]}" for name in _STACK),
        *(f"{name.replace('_', '-')}:{_setting(value)}" for name, value in _flat(settings)),
        f"consistency:{parts['consistency']}",
        f"parties:{parts['parties'][:12]}",
        f"gold:{parts['gold'][:12]}",
        f"articles:{parts['articles'][:12]}",
        f"facts:{parts['facts'][:12]}",
    ]
    return {"string": "|".join(fields), "parts": parts}


def board_signature(scoring_signature: str, statistics: BoardStatisticsConfig) -> str:
    """The signature a leaderboard prints: the scores' signature, then every statistical setting of the board (``board.confidence:0.95``)."""
    settings = (f"board.{name.replace('_', '-')}:{_setting(value)}" for name, value in _flat(statistics.model_dump()))
    return "|".join((scoring_signature, *settings))
