"""The ``alaska_summit`` task of lm-evaluation-harness: the benchmark's own prompt, parsing and scoring.

* Documents: one per instance (``000`` … ``004``, ``event``), each ``{"instance": id}``.
* Prompt: ``benchmark/prompts/v1.md`` rendered by ``benchmark.runner.Prompt``,
  the very user message that ``bench run`` sends (with ``--apply_chat_template``
  the harness sends it as the one user message of a chat).
* Reply: parsed by ``benchmark.provenance.reply_summary`` (``bench run``'s parser;
  a ``<think>`` block and a code fence are tolerated); an unusable reply is
  scored as an empty summary.
* Per document, ``process_results`` scores the instance with ``bench score``'s
  field scorers and consistency checks and reports raw counts, so that the
  aggregations below reproduce ``bench score`` exactly: ``overall`` is the
  mean of the instance scores, each field's F1 comes from counts summed over
  instances (micro), ``faithfulness`` is the share of all predicted items
  the articles support, ``contradicted`` their number. The harness's own
  ``mean`` would average per-document F1s instead, which is another number.
* The task's metadata, written into the harness's results JSON under
  ``configs.alaska_summit.metadata``, carries the scorer signature and the
  prompt's version and SHA-256, so that its numbers can be compared with the
  board's (same signature, same numbers).
"""

from __future__ import annotations

from fractions import Fraction
from typing import Any

import datasets
from lm_eval.api.task import ConfigurableTask

from benchmark.data import load_instances, verify_integrity
from benchmark.provenance import reply_summary
from benchmark.runner import load_prompt
from benchmark.schema import FIELDS, INSTANCE_IDS
from scorers.aggregate import overall_score, percent
from scorers.base import Counts
from scorers.config import ScoringConfig
from scorers.results import check_summary_consistency, score_instance
from scorers.signature import build_signature


class AlaskaSummitTask(ConfigurableTask):
    """The configurable task, with the scorer signature and prompt identity added to its metadata."""

    def __init__(self, config: dict[str, Any] | None = None) -> None:
        config = dict(config or {})
        config.pop("class", None)  # the harness's pointer to this class, not a TaskConfig field
        prompt = load_prompt()
        signature = build_signature(ScoringConfig(), data_hashes=verify_integrity())
        config["metadata"] = {
            **(config.get("metadata") or {}),
            "signature": signature["string"],
            "prompt_version": prompt.version,
            "prompt_sha256": prompt.sha256,
        }
        super().__init__(config=config)


def instance_documents(**_metadata: Any) -> datasets.DatasetDict:
    """The six documents, in canonical instance order, as the test split."""
    return datasets.DatasetDict({"test": datasets.Dataset.from_list([{"instance": i} for i in INSTANCE_IDS])})


def doc_to_text(doc: dict[str, str]) -> str:
    """The user message of ``bench run`` for the document's instance."""
    return load_prompt().render(doc["instance"])


def process_results(doc: dict[str, str], results: list[Any]) -> dict[str, Any]:
    """Score one reply; every metric's per-document value holds the raw counts its aggregation needs.

    Returns:
        ``overall``: ``{"instance": id, "counts": {field: [correct, incorrect, missing, spurious]}}``;
        ``<field>_f1``: that field's four counts; ``faithfulness``: ``[supported, unsupported,
        contradicted]``; ``contradicted``: the number of contradicted items.
    """
    instance_id = doc["instance"]
    reply = results[0] if results else None
    prediction = reply_summary(reply, instance_id)
    instance = load_instances()[instance_id]
    config = ScoringConfig()
    fields = score_instance(prediction, instance, config=config)
    verdicts = check_summary_consistency(prediction=prediction, gold=instance.gold, sources=instance.sources, config=config)
    labels = [verdict.label for verdict in verdicts.values()]
    counts = {field: _as_list(result.counts) for field, result in fields.items()}
    tally = [labels.count("supported"), labels.count("unsupported"), labels.count("contradicted")]
    return {
        "overall": {"instance": instance_id, "counts": counts},
        **{f"{field}_f1": counts[field] for field in FIELDS},
        "faithfulness": tally,
        "contradicted": tally[2],
    }


def _as_list(counts: Counts) -> list[int]:
    return [counts.correct, counts.incorrect, counts.missing, counts.spurious]


def aggregate_overall(items: list[dict[str, Any]]) -> float | None:
    """The mean of the instance scores (0-100, 2 decimals), as ``bench score``'s ``scores.overall``."""
    return percent(overall_score({item["instance"]: {f: Counts(*c) for f, c in item["counts"].items()} for item in items}))


def aggregate_field_f1(items: list[list[int]]) -> float | None:
    """A field's F1 (0-100, 2 decimals) from its counts summed over the documents (micro), as ``scores.fields.<field>.f1``."""
    return percent(sum((Counts(*counts) for counts in items), Counts()).f1)


def aggregate_faithfulness(items: list[list[int]]) -> float | None:
    """The share (0-100) of predicted items the articles support; null when nothing was predicted."""
    supported = sum(item[0] for item in items)
    total = sum(sum(item) for item in items)
    return percent(Fraction(supported, total)) if total else None


def aggregate_contradicted(items: list[int]) -> int:
    """How many predicted items the articles contradict."""
    return sum(items)
