"""Aggregation from counts: instance and overall scores, micro field scores."""

from __future__ import annotations

from fractions import Fraction

from hypothesis import given, settings
from hypothesis import strategies as st

from scorers.aggregate import (
    counts_report,
    field_totals,
    instance_score,
    mean_defined,
    overall_score,
    percent,
)
from scorers.base import Counts

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
