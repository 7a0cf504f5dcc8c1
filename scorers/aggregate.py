"""From raw counts to published scores: pure functions, exact until the last step.

* A field's F1 on an instance comes from its counts (``Counts.f1``); it is
  undefined (``None``) when the field is empty in both gold and prediction.
* An instance's score is the mean of its defined field F1s.
* The overall score is the mean of the instance scores (every instance
  weighs the same, whatever its number of items), on a 0-100 scale.
* A field's corpus score (micro) comes from its counts summed over instances.

Fractions are kept exact up to ``percent``, which rounds once, so that the
same counts always print the same numbers. Bootstrap confidence intervals
resample instance scores recomputed from the counts stored in a results
file (``instance_scores``), never by re-running a scorer; the headline
score is always the plain mean, never a bootstrap statistic.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from fractions import Fraction

import numpy as np

from benchmark.errors import InputError, Problem
from benchmark.schema import FIELDS
from scorers.base import Counts
from scorers.results_schema import CONSISTENCY_LABELS, ConsistencyLabel, ConsistencyScores, FieldScore, InstanceScore, LabelTally


def mean_defined(values: Iterable[Fraction | None]) -> Fraction | None:
    """The exact mean of the values that are not ``None``; ``None`` if there are none.

    Example:
        >>> mean_defined([Fraction(1), None, Fraction(1, 2)])
        Fraction(3, 4)
    """
    defined = [value for value in values if value is not None]
    return sum(defined, Fraction(0)) / len(defined) if defined else None


def instance_score(field_counts: Mapping[str, Counts]) -> Fraction | None:
    """An instance's score (0-1): the mean F1 of its fields, undefined fields left out."""
    return mean_defined(counts.f1 for counts in field_counts.values())


def overall_score(instance_counts: Mapping[str, Mapping[str, Counts]]) -> Fraction | None:
    """The overall score (0-1): the mean of the instance scores.

    An instance whose every field is empty on both sides has no score and
    is left out (it cannot happen with the benchmark's gold, which is never
    empty).
    """
    return mean_defined(instance_score(fields) for fields in instance_counts.values())


def field_totals(instance_counts: Mapping[str, Mapping[str, Counts]]) -> dict[str, Counts]:
    """Each field's counts summed over instances, in the canonical field order."""
    totals = {field: Counts() for field in FIELDS}
    for fields in instance_counts.values():
        for field, counts in fields.items():
            totals[field] = totals[field] + counts
    return totals


def percent(value: Fraction | None) -> float | None:
    """A 0-1 fraction as a 0-100 score rounded to 2 decimals (half to even); ``None`` stays ``None``.

    Example:
        >>> percent(Fraction(2, 3)), percent(None)
        (66.67, None)
    """
    return None if value is None else float(round(value * 100, 2))


def counts_report(counts: Counts) -> FieldScore:
    """Precision, recall and F1 (0-100) and the raw counts of one field, as published."""
    return FieldScore(
        precision=percent(counts.precision),
        recall=percent(counts.recall),
        f1=percent(counts.f1),
        correct=counts.correct,
        incorrect=counts.incorrect,
        missing=counts.missing,
        spurious=counts.spurious,
    )


def field_counts(score: FieldScore) -> Counts:
    """The raw counts a published field score was computed from."""
    return Counts(score.correct, score.incorrect, score.missing, score.spurious)


def _tally(labels: Iterable[ConsistencyLabel]) -> LabelTally:
    counts = {label: 0 for label in CONSISTENCY_LABELS}
    for label in labels:
        counts[label] += 1
    total = sum(counts.values())
    return LabelTally(supported_rate=percent(Fraction(counts["supported"], total)) if total else None, **counts)


def consistency_scores(labelled: Sequence[tuple[str, str, ConsistencyLabel]]) -> ConsistencyScores:
    """Aggregate consistency labels of (instance, field, label) triples: overall, per field and per instance.

    ``supported_rate`` (0-100, 2 decimals; null with no items) is the
    headline, "faithfulness": the share of predicted items the sources support.
    """
    instances = list(dict.fromkeys(instance for instance, _, _ in labelled))
    overall = _tally(label for _, _, label in labelled)
    return ConsistencyScores(
        **overall.model_dump(),
        fields={field: _tally(label for _, f, label in labelled if f == field) for field in FIELDS},
        instances={i: _tally(label for instance, _, label in labelled if instance == i) for i in instances},
    )


def instance_scores(instances: Mapping[str, InstanceScore]) -> dict[str, float]:
    """Each instance's score (0-100, unrounded), recomputed from the counts of a results file's ``scores.instances``.

    Args:
        instances: instance id -> its published scores (the counts of its
            fields are read; the rounded F1s printed beside them are not).

    Returns:
        Instance id -> score, in the order of the results; instances without
        a defined score are left out.
    """
    scores: dict[str, float] = {}
    for instance, report in instances.items():
        score = instance_score({field: field_counts(entry) for field, entry in report.fields.items()})
        if score is not None:
            scores[instance] = float(score * 100)
    return scores


def bootstrap_ci(
    instance_values: Sequence[float] | Mapping[str, float], *, seed: int, n_resamples: int, confidence: float
) -> tuple[float, float]:
    """Percentile bootstrap confidence interval of the mean of instance scores.

    Instances are resampled with replacement ``n_resamples`` times with
    ``numpy.random.default_rng(seed)``; the interval is the pair of
    quantiles of the resampled means (numpy's default linear
    interpolation) that leaves ``(1 - confidence) / 2`` out on each side.

    Args:
        instance_values: the instance scores; a mapping is read in sorted
            key order, so the interval does not depend on insertion order.
        seed: seed of the local random generator.
        n_resamples: number of bootstrap resamples (at least 1).
        confidence: the interval's coverage, strictly between 0 and 1.

    Returns:
        (low, high), on the scale of the values.

    Raises:
        InputError: no values, ``n_resamples`` < 1, or ``confidence`` outside (0, 1).
    """
    if isinstance(instance_values, Mapping):
        values = np.array([instance_values[key] for key in sorted(instance_values)], dtype=np.float64)
    else:
        values = np.array(list(instance_values), dtype=np.float64)
    problems = []
    if values.size == 0:
        problems.append(Problem("instance_values", "at least one instance score is needed"))
    if n_resamples < 1:
        problems.append(Problem("n_resamples", f"must be at least 1, got {n_resamples}"))
    if not 0 < confidence < 1:
        problems.append(Problem("confidence", f"must be strictly between 0 and 1, got {confidence}"))
    if problems:
        raise InputError(problems)
    rng = np.random.default_rng(seed)
    picks = rng.integers(0, values.size, size=(n_resamples, values.size))
    means = values[picks].mean(axis=1)
    tail = (1 - confidence) / 2
    low, high = np.quantile(means, [tail, 1 - tail])
    return float(low), float(high)
