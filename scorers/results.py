"""Scoring a whole submission into its results.

``score_submission`` checks the benchmark data against its checksums, runs
the field scorers (``scorers.fields.FIELD_SPECS``) and the consistency
checks on every instance, and assembles the typed results
(``scorers.results_schema.Results``; README "Scoring"): the signature, the
system, the scores (overall, per field, per instance, secondary figures,
consistency) and one entry per predicted item and per unmatched gold item,
each with its verdict and the reason.
Everything in it is a function of the submission bytes, the data and the
signature, so the same input gives the same bytes (``write_results``).

``score_submissions`` scores many at once (a leaderboard): one embedding
pass for all their texts, then the instances shared out to worker processes,
with results identical to ``score_submission``'s, byte for byte.
"""

from __future__ import annotations

import contextlib
import math
import sys
from collections.abc import Callable, Iterator, Mapping, Sequence
from fractions import Fraction
from pathlib import Path
from typing import Any

from pydantic import BaseModel

from benchmark.data import Article, Instance, load_instances, verify_integrity
from benchmark.errors import InputError, Problem
from benchmark.files import atomic_write
from benchmark.normalize import resolve_party
from benchmark.schema import GoldSummary, Summary, SystemInfo, json_path
from benchmark.submission import LoadedSubmission
from scorers.aggregate import consistency_scores, counts_report, field_totals, instance_score, overall_score, percent
from scorers.base import FieldResult, ItemOutcome
from scorers.config import ScoringConfig
from scorers.consistency import ItemConsistency
from scorers.fields import FIELD_SPECS, FREE_TEXT_FIELDS
from scorers.results_schema import (
    AgreementRate,
    ConsistencyScores,
    InstanceScore,
    ItemDetails,
    ItemResult,
    MeanSimilarity,
    Results,
    Scores,
    Signature,
    SubmissionRecord,
)
from scorers.signature import build_signature

SIMILARITY_DECIMALS = 4
# A submission with this many attendees, demands and stakes or more is scored
# by worker processes even alone (``score_submission``): reading its claims
# is then most of the time. No real system output comes near it (the largest
# in gold/judgments/ has about 200); the largest valid files have 1,800.
PARALLEL_MIN_ITEMS = 400


def _item_count(submission: LoadedSubmission) -> int:
    return sum(len(getattr(summary, field)) for summary in submission.predictions.values() for field in ("attendees", *FREE_TEXT_FIELDS))


def score_instance(prediction: Summary, instance: Instance, *, config: ScoringConfig) -> dict[str, FieldResult]:
    """Run every field scorer on one instance, in the schema's field order."""
    gold, sources = instance.gold, instance.sources
    return {
        name: spec.score(prediction=getattr(prediction, name), gold=getattr(gold, name), sources=sources, config=config)
        for name, spec in FIELD_SPECS.items()
    }


# A verdict is a pure function of the item, the gold, the sources and the
# config, and a leaderboard checks the same items for many submissions; kept
# per process, up to a bound that only a very large board reaches.
_VERDICTS: dict[tuple, ItemConsistency] = {}
_MAX_VERDICTS = 200_000


def _verdict_key(field: str, component: str | None, value: Any) -> tuple:
    """What an item's verdict depends on: a demand or stake is judged by its text and resolved party only ("Kremlin" is "Russia")."""
    if FIELD_SPECS[field].free_text:
        return (field, value.text, resolve_party(value.party) if value.party else None)
    return (field, component, value)


def check_summary_consistency(
    *, prediction: Summary, gold: GoldSummary, sources: tuple[Article, ...], config: ScoringConfig
) -> dict[str, ItemConsistency]:
    """Label every predicted item of one instance supported, unsupported or contradicted by its sources (``scorers.consistency``).

    Args:
        prediction: the predicted summary.
        gold: the instance's gold (its id names the instance; its evidence
            counts only where the quotes are in ``sources``).
        sources: the instance's articles. With none, every item is unsupported.
        config: the scoring settings.

    Returns:
        Item path (``predictions.003.venue.city``) -> verdict, in schema order;
        empty for an empty prediction.

    Texts not embedded yet are embedded as the checks meet them; scoring
    embeds all of a submission's texts in one pass first
    (``embed_submissions``), which is faster and gives the same verdicts.
    """
    gold_key = gold.model_dump_json()
    checked: dict[str, ItemConsistency] = {}
    for field, spec in FIELD_SPECS.items():
        for parts, component, value in spec.predicted_items(prediction):
            key = (*_verdict_key(field, component, value), gold_key, sources, config)
            found = _VERDICTS.get(key)
            if found is None:
                found = spec.check(component, value, gold=gold, sources=sources, config=config)
                if len(_VERDICTS) >= _MAX_VERDICTS:
                    _VERDICTS.clear()
                _VERDICTS[key] = found
            checked[json_path("predictions", gold.id, *parts)] = found
    return checked


def embed_submissions(submissions: Sequence[LoadedSubmission]) -> None:
    """Embed every text that scoring these submissions will compare, in one batched pass.

    The texts are the statements and opposites of every inventory fact
    (benchmark data, also cached on disk) and the submissions' demands and
    stakes. Scores do not depend on it: the scorers embed what
    they need anyway, only in many more, smaller batches.
    """
    from scorers.matching import fact_texts
    from scorers.similarity import load_encoder

    encoder = load_encoder()
    benchmark_texts = list(dict.fromkeys(fact_texts(load_instances()["event"].facts)))
    encoder.persist(benchmark_texts)
    predicted = [
        item.text
        for submission in submissions
        for summary in submission.predictions.values()
        for field in FREE_TEXT_FIELDS
        for item in getattr(summary, field)
    ]
    encoder.embed([*benchmark_texts, *predicted])


def score_submissions(submissions: Sequence[LoadedSubmission], *, config: ScoringConfig, workers: int = 1) -> Iterator[Results]:
    """Score many submissions: their texts embedded in one pass, then each scored, by several processes if asked.

    Args:
        submissions: validated submissions.
        config: the scoring settings.
        workers: processes scoring at once. Above 1 (and on Linux only), the
            instances are shared out to worker processes forked after the
            embedding pass, which find the model and every embedding already
            in memory. Each worker scores its instances of every submission,
            so what it learns about a text (closest sentences, gold matches,
            verdicts) serves all submissions; this process assembles the results.

    Yields:
        Each submission's results, in the order given: exactly what
        ``score_submission`` returns for it.

    Raises:
        IntegrityError, ScoringError: as ``score_submission``, from whichever
            process met them.
    """
    data_hashes = verify_integrity()
    signature = build_signature(config, data_hashes=data_hashes)
    instances = load_instances()
    embed_submissions(submissions)
    groups = _instance_groups(submissions, list(instances), workers)
    heavy = len(submissions) == 1 and _item_count(submissions[0]) >= PARALLEL_MIN_ITEMS
    if len(groups) < 2 or (len(submissions) < 2 and not heavy) or sys.platform != "linux":
        for submission in submissions:
            yield _assemble(submission, {i: _score_instance(submission, i, config) for i in instances}, signature)
        return
    from benchmark.procs import WorkerPool

    # Workers die with this process, whether it is killed or leaves early (benchmark.procs).
    with WorkerPool() as pool:
        receivers = [pool.start(_score_instance_group, submissions, group, config) for group in groups]
        for submission in submissions:
            scored: dict[str, tuple] = {}
            for receiver in receivers:
                message = receiver.recv()
                if isinstance(message, BaseException):
                    raise message
                scored.update(message)
            yield _assemble(submission, {i: scored[i] for i in instances}, signature)


def _instance_groups(submissions: Sequence[LoadedSubmission], instance_ids: list[str], workers: int) -> list[list[str]]:
    """Instances shared out to at most ``workers`` groups of about equal work (predicted items, largest first to the lightest group)."""
    load = {
        instance_id: sum(1 + sum(len(getattr(s.predictions[instance_id], f)) for f in ("attendees", *FREE_TEXT_FIELDS)) for s in submissions if instance_id in s.predictions)
        for instance_id in instance_ids
    }
    groups: list[list[str]] = [[] for _ in range(max(1, min(workers, len(instance_ids))))]
    totals = [0] * len(groups)
    for instance_id in sorted(instance_ids, key=load.__getitem__, reverse=True):
        lightest = totals.index(min(totals))
        groups[lightest].append(instance_id)
        totals[lightest] += load[instance_id]
    return [group for group in groups if group]


def _score_instance_group(sender, submissions: Sequence[LoadedSubmission], instance_ids: list[str], config: ScoringConfig) -> None:
    """A worker process: score these instances of every submission, sending each submission's scores as they come."""
    from scorers.similarity import keep_to_one_thread

    # GNU OpenMP does not survive a fork: a worker must never start threads.
    keep_to_one_thread()
    try:
        for submission in submissions:
            sender.send({i: _score_instance(submission, i, config) for i in instance_ids})
    except BaseException as error:  # handed to the parent, which raises it
        try:
            sender.send(error)
        except OSError:  # the parent is gone (interrupted): nobody to tell
            pass
    finally:
        sender.close()


def _score_instance(loaded: LoadedSubmission, instance_id: str, config: ScoringConfig) -> tuple[dict[str, FieldResult], dict[str, ItemConsistency]]:
    """One instance of a submission: the five field results and the consistency verdicts."""
    instance = load_instances()[instance_id]
    prediction = loaded.predictions.get(instance_id, Summary())
    fields = score_instance(prediction, instance, config=config)
    return fields, check_summary_consistency(prediction=prediction, gold=instance.gold, sources=instance.sources, config=config)


def score_submission(
    loaded: LoadedSubmission, *, config: ScoringConfig, progress: Callable[[str], None] | None = None
) -> Results:
    """Score a validated submission against the benchmark's gold.

    Args:
        loaded: the submission, as returned by ``benchmark.submission.load_submission``.
        config: the scoring settings.
        progress: called with a short message as each instance is scored
            (the CLI prints these on stderr).

    Returns:
        The results (see the module docstring).

    Raises:
        IntegrityError: the articles or gold no longer match their checksums.
        ScoringError: the scoring stack or model cannot run.
    """
    from scorers.similarity import available_cores

    if _item_count(loaded) >= PARALLEL_MIN_ITEMS and available_cores() > 1 and sys.platform == "linux":
        # The instances shared out to worker processes, as a board does: the same results, byte for byte.
        if progress:
            progress(f"scoring the six instances in {min(available_cores(), len(load_instances()))} worker processes ({_item_count(loaded)} items)")
        with contextlib.closing(score_submissions([loaded], config=config, workers=available_cores())) as results:
            return next(results)
    data_hashes = verify_integrity()
    instances = load_instances()
    signature = build_signature(config, data_hashes=data_hashes)
    embed_submissions([loaded])
    scored = {}
    for position, instance_id in enumerate(instances, start=1):
        if progress:
            progress(f"scoring instance {instance_id} ({position}/{len(instances)})")
        scored[instance_id] = _score_instance(loaded, instance_id, config)
    return _assemble(loaded, scored, signature)


def _assemble(
    loaded: LoadedSubmission, scored: Mapping[str, tuple[dict[str, FieldResult], dict[str, ItemConsistency]]], signature: dict
) -> Results:
    """The results of a submission from its instances' field results and verdicts (in instance order)."""
    results_by_instance = {instance_id: fields for instance_id, (fields, _) in scored.items()}
    consistency = {path: label for _, verdicts in scored.values() for path, label in verdicts.items()}
    items = [
        _item(outcome, instance_id, consistency)
        for instance_id, fields in results_by_instance.items()
        for result in fields.values()
        for outcome in _ordered(result.items)
    ]
    labelled = [(item.instance, item.field, item.consistency.label) for item in items if item.consistency is not None]
    return Results(
        signature=Signature(**signature),
        # Every key written, null where the submission left it out.
        system=SystemInfo.model_validate(loaded.submission.system.model_dump()),
        submission=SubmissionRecord(sha256=loaded.sha256, missing_instances=list(loaded.missing)),
        scores=accuracy_scores(results_by_instance, consistency=consistency_scores(labelled)),
        items=items,
    )


def write_results(results: Results, path: Path) -> None:
    """Write results (``Results.to_json_bytes``) atomically.

    Raises:
        InputError: the file cannot be written (for example, its directory does not exist).
    """
    try:
        atomic_write(Path(path), results.to_json_bytes())
    except OSError as error:
        raise InputError([Problem(str(path), f"cannot write results: {error.strerror or error}")]) from None


def accuracy_scores(results_by_instance: Mapping[str, Mapping[str, FieldResult]], *, consistency: ConsistencyScores) -> Scores:
    """The scores of the results: overall, per field, per instance, secondary, and the given consistency scores.

    Args:
        results_by_instance: instance id -> field -> the field scorer's result
            (``score_instance``), in canonical instance order.
        consistency: the consistency scores (``scorers.aggregate.consistency_scores``).
    """
    counts = {i: {f: result.counts for f, result in fields.items()} for i, fields in results_by_instance.items()}
    return Scores(
        overall=percent(overall_score(counts)),
        fields={field: counts_report(total) for field, total in field_totals(counts).items()},
        instances={
            instance_id: InstanceScore(
                overall=percent(instance_score(fields)),
                fields={field: counts_report(field_counts) for field, field_counts in fields.items()},
            )
            for instance_id, fields in counts.items()
        },
        secondary=_secondary(results_by_instance),
        consistency=consistency,
    )


def _secondary(results_by_instance: Mapping[str, Mapping[str, FieldResult]]) -> dict[str, AgreementRate | MeanSimilarity]:
    """Agreement rates summed over instances, then the mean similarity of matched text items."""
    tallies: dict[str, list[int]] = {}
    similarities: dict[str, list[float]] = {field: [] for field in FREE_TEXT_FIELDS}
    for fields in results_by_instance.values():
        for field, result in fields.items():
            for name, (agree, compared) in result.secondary.items():
                tally = tallies.setdefault(f"{field}.{name}_accuracy", [0, 0])
                tally[0] += agree
                tally[1] += compared
            if field in similarities:
                similarities[field] += [o.similarity for o in result.items if o.verdict == "correct" and o.similarity is not None]
    report: dict[str, AgreementRate | MeanSimilarity] = {
        name: AgreementRate(value=percent(Fraction(agree, compared)) if compared else None, agree=agree, compared=compared)
        for name, (agree, compared) in tallies.items()
    }
    for field, values in similarities.items():
        # fsum is exact, so the mean does not depend on the order of the items.
        mean = round(math.fsum(values) / len(values), SIMILARITY_DECIMALS) if values else None
        report[f"{field}.mean_similarity"] = MeanSimilarity(value=mean, matched=len(values))
    return report


def _ordered(outcomes: tuple[ItemOutcome, ...]) -> list[ItemOutcome]:
    # Predicted items in submission order, then the gold items nothing matched.
    return sorted(outcomes, key=lambda outcome: outcome.verdict == "missing")


def _item(outcome: ItemOutcome, instance_id: str, consistency: Mapping[str, ItemConsistency]) -> ItemResult:
    path = outcome.path
    if not path.startswith(("predictions.", "gold.")):
        # Scorers name items relative to the instance; missing items live in gold.
        path = f"{json_path('gold' if outcome.verdict == 'missing' else 'predictions', instance_id)}.{path}"
    entry: dict[str, Any] = {
        "path": path,
        "instance": instance_id,
        "field": outcome.field,
        "verdict": outcome.verdict,
        "value": _plain(outcome.value),
        "gold": _plain(outcome.gold),
        "similarity": _plain(outcome.similarity),
        "details": ItemDetails(**_plain(outcome.details)),
    }
    if path in consistency:  # predicted items only: nothing was predicted for a missing one
        entry["consistency"] = consistency[path].to_verdict()
    return ItemResult(**entry)


def _plain(value: Any) -> Any:
    """A JSON-ready copy: models as dicts (gold evidence left out), floats rounded."""
    if isinstance(value, BaseModel):
        return _plain(value.model_dump(mode="json", exclude={"evidence"}))
    if isinstance(value, Mapping):
        return {str(key): _plain(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(item) for item in value]
    if isinstance(value, bool) or value is None or isinstance(value, (int, str)):
        return value
    if isinstance(value, (float, Fraction)) or hasattr(value, "__float__"):
        return round(float(value), SIMILARITY_DECIMALS)
    raise TypeError(f"cannot write {type(value).__name__} into results")
