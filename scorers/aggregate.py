"""From raw counts to published scores: pure functions, exact until the last step.

* A field's F1 on an instance comes from its counts (``Counts.f1``); it is
  undefined (``None``) when the field is empty in both gold and prediction.
* An instance's score is the mean of its defined field F1s.
* The overall score is the mean of the instance scores (every instance
  weighs the same, whatever its number of items), on a 0-100 scale.
* A field's corpus score (micro) comes from its counts summed over instances.

Fractions are kept exact up to ``percent``, which rounds once, so that the
same counts always print the same numbers. The leaderboard's intervals and
tests (``scorers.statistics``) recompute scores from the counts stored in a
results file, never by re-running a scorer; the headline score is always
the plain mean, never a bootstrap statistic.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from fractions import Fraction


from benchmark.schema import FIELDS
from scorers.base import Counts
from scorers.results_schema import CONSISTENCY_LABELS, ConsistencyLabel, ConsistencyScores, FieldScore, LabelTally


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
