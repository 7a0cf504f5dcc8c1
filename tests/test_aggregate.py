"""Aggregation from counts: instance and overall scores, micro field scores, bootstrap intervals."""

from __future__ import annotations

from fractions import Fraction

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from benchmark.errors import InputError
from scorers.aggregate import (
    bootstrap_ci,
    counts_report,
    field_totals,
    instance_score,
    instance_scores,
    mean_defined,
    overall_score,
    percent,
)
from scorers.base import Counts
from scorers.results_schema import InstanceScore

# Two instances, hand-computed:
# "a": attendees F1 = 2*2/(3+4) = 4/7, venue F1 = 1, time undefined (left out) -> (4/7 + 1)/2 = 11/14
# "b": attendees F1 = 0 (all spurious), venue F1 = 2*1/(2+2) = 1/2 -> 1/4
INSTANCES = {
    "a": {"attendees": Counts(correct=2, missing=2, spurious=1), "venue": Counts(correct=2), "time": Counts()},
    "b": {"attendees": Counts(spurious=3), "venue": Counts(correct=1, incorrect=1)},
}


def test_instance_score_leaves_undefined_fields_out():
    assert instance_score(INSTANCES["a"]) == Fraction(11, 14)
    assert instance_score(INSTANCES["b"]) == Fraction(1, 4)
    assert instance_score({"time": Counts()}) is None


def test_overall_is_the_mean_of_instance_scores():
    assert overall_score(INSTANCES) == (Fraction(11, 14) + Fraction(1, 4)) / 2
    assert overall_score({"a": {"time": Counts()}, "b": INSTANCES["b"]}) == Fraction(1, 4)


def test_field_totals_sum_counts_micro():
    totals = field_totals(INSTANCES)
    assert list(totals) == ["attendees", "venue", "time", "demands", "stakes"]
    assert totals["attendees"] == Counts(correct=2, missing=2, spurious=4)
    assert totals["attendees"].f1 == Fraction(2 * 2, 6 + 4)  # 6 predicted, 4 expected
    assert totals["venue"] == Counts(correct=3, incorrect=1)
    assert totals["demands"].f1 is None


def test_percent_rounds_once_half_to_even():
    assert percent(Fraction(2, 3)) == 66.67
    assert percent(Fraction(1, 800)) == 0.12  # 0.125 -> 0.12
    assert percent(Fraction(3, 800)) == 0.38  # 0.375 -> 0.38
    assert percent(Fraction(1)) == 100.0
    assert percent(None) is None


def test_counts_report():
    assert counts_report(Counts(correct=2, incorrect=1, missing=1)).model_dump() == {
        "precision": 66.67, "recall": 50.0, "f1": 57.14, "correct": 2, "incorrect": 1, "missing": 1, "spurious": 0,
    }
    assert counts_report(Counts()).f1 is None


def _published(instances: dict) -> dict[str, InstanceScore]:
    return {i: InstanceScore(overall=0.0, fields={f: counts_report(c) for f, c in fields.items()}) for i, fields in instances.items()}


def test_instance_scores_recomputed_from_counts_not_from_rounded_f1():
    scores = instance_scores(_published(INSTANCES))
    assert scores == {"a": float(Fraction(11, 14) * 100), "b": 25.0}


def test_bootstrap_is_reproducible_and_brackets_the_mean():
    values = {"000": 40.0, "001": 55.0, "002": 70.0, "003": 62.5, "004": 80.0, "event": 90.0}
    low, high = bootstrap_ci(values, seed=7, n_resamples=2000, confidence=0.95)
    assert low < sum(values.values()) / len(values) < high
    assert min(values.values()) <= low and high <= max(values.values())
    assert bootstrap_ci(values, seed=7, n_resamples=2000, confidence=0.95) == (low, high)
    reordered = dict(reversed(list(values.items())))
    assert bootstrap_ci(reordered, seed=7, n_resamples=2000, confidence=0.95) == (low, high)
    assert bootstrap_ci(values, seed=8, n_resamples=2000, confidence=0.95) != (low, high)
    narrow = bootstrap_ci(values, seed=7, n_resamples=2000, confidence=0.5)
    assert low <= narrow[0] <= narrow[1] <= high


def test_bootstrap_of_equal_values_is_a_point():
    assert bootstrap_ci([50.0, 50.0, 50.0], seed=0, n_resamples=100, confidence=0.9) == (50.0, 50.0)


@pytest.mark.parametrize(
    ("values", "n_resamples", "confidence", "where"),
    [([], 10, 0.9, "instance_values"), ([1.0], 0, 0.9, "n_resamples"), ([1.0], 10, 1.0, "confidence")],
)
def test_bootstrap_refuses_bad_arguments(values, n_resamples, confidence, where):
    with pytest.raises(InputError) as error:
        bootstrap_ci(values, seed=0, n_resamples=n_resamples, confidence=confidence)
    assert error.value.problems[0].where == where


counts_strategy = st.builds(
    Counts, *(st.integers(min_value=0, max_value=6) for _ in range(4))
)
instance_strategy = st.dictionaries(st.sampled_from(["attendees", "venue", "time", "demands", "stakes"]), counts_strategy, min_size=1)


@settings(max_examples=200, deadline=None)
@given(st.dictionaries(st.sampled_from(["000", "001", "002", "003", "004", "event"]), instance_strategy, min_size=1))
def test_overall_lies_between_the_worst_and_best_instance(instances):
    defined = [s for s in (instance_score(fields) for fields in instances.values()) if s is not None]
    overall = overall_score(instances)
    if not defined:
        assert overall is None
    else:
        assert min(defined) <= overall <= max(defined)
        assert 0 <= overall <= 1
        assert overall == mean_defined(defined)
