"""The board's statistics (``scorers.statistics``): hand-computed cases, golden values and properties."""

from __future__ import annotations

import math
from fractions import Fraction

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from benchmark.errors import StatisticsError
from benchmark.schema import FIELDS, INSTANCE_IDS
from scorers.aggregate import counts_report, overall_score
from scorers.base import Counts
from scorers.config import BoardStatisticsConfig
from scorers.results_schema import InstanceScore
from scorers.statistics import (
    board_statistics,
    cell_f1,
    cell_weights,
    holm,
    observed_overall,
    paired_p_values,
    percentile_intervals,
    resampled_overall,
    significance_ranks,
    student_t_two_sided,
)


def published(counts: dict[str, dict[str, Counts]]) -> dict[str, InstanceScore]:
    """Counts as a results file's ``scores.instances`` (the rounded F1s beside them are never read)."""
    return {i: InstanceScore(overall=None, fields={f: counts_report(c) for f, c in fields.items()}) for i, fields in counts.items()}


# --- Tiny hand-computed cases ------------------------------------------------------------


def test_holm_by_hand() -> None:
    # Sorted: 0.01 x 3 = 0.03; 0.03 x 2 = 0.06; 0.04 x 1 = 0.04, raised to 0.06 (step-down keeps the order).
    assert holm([0.01, 0.04, 0.03]).tolist() == pytest.approx([0.03, 0.06, 0.06])
    # Capped at 1; equal p-values get equal adjusted values.
    assert holm([0.5, 0.5, 0.001]).tolist() == pytest.approx([1.0, 1.0, 0.003])
    assert holm([]).tolist() == []


def test_cells_and_the_plain_overall_by_hand() -> None:
    # "a": attendees F1 = 2*2/(3+4) = 4/7, venue 1, time empty on both sides (undefined, left out) -> (4/7 + 1)/2 = 11/14.
    # "b": attendees 0 (all spurious), venue 2*1/(2+2) = 1/2 -> 1/4. Overall (11/14 + 1/4)/2 = 29/56.
    counts = {
        "a": {"attendees": Counts(correct=2, missing=2, spurious=1), "venue": Counts(correct=2), "time": Counts()},
        "b": {"attendees": Counts(spurious=3), "venue": Counts(correct=1, incorrect=1)},
    }
    f1, defined = cell_f1([published(counts)], ["a", "b"])
    assert f1[0, 0, :2].tolist() == pytest.approx([400 / 7, 100.0])
    assert defined[0].tolist() == [[True, True, False, False, False], [True, True, False, False, False]]
    assert observed_overall(f1, defined)[0] == pytest.approx(float(Fraction(29, 56) * 100))
    assert overall_score(counts) == Fraction(29, 56)


def test_resampling_keeps_six_cells_per_field_and_is_seeded() -> None:
    weights = cell_weights(6, 5, resamples=50, seed=3)
    assert weights.shape == (50, 6, 5)
    assert (weights.sum(axis=1) == 6).all(), "each field draws six of its six cells"
    assert np.array_equal(weights, cell_weights(6, 5, resamples=50, seed=3))
    assert not np.array_equal(weights, cell_weights(6, 5, resamples=50, seed=4))


def _one_field(scores: list[list[int]]) -> tuple[np.ndarray, np.ndarray]:
    """Systems scored on instances with only an attendees cell: F1 = c / 4 from c correct of 4 (scores given as c)."""
    systems = [
        published({str(i): {"attendees": Counts(correct=c, missing=4 - c, spurious=4 - c)} for i, c in enumerate(row)}) for row in scores
    ]
    return cell_f1(systems, [str(i) for i in range(len(scores[0]))])


def test_student_t_by_hand() -> None:
    # One degree of freedom is Cauchy: P(|T| >= t) = 1 - 2 atan(t) / pi. Two: 1 - t / sqrt(2 + t^2).
    t = np.array([0.0, 1.0, 2.0, 7.0, np.inf])
    assert student_t_two_sided(t, 1).tolist() == pytest.approx([1.0, 0.5, 1 - 2 * math.atan(2) / math.pi, 1 - 2 * math.atan(7) / math.pi, 0.0])
    assert student_t_two_sided(t, 2).tolist() == pytest.approx([1.0, 1 - 1 / math.sqrt(3), 1 - 2 / math.sqrt(6), 1 - 7 / math.sqrt(51), 0.0])
    # 25 degrees of freedom (the board's): the 97.5% quantile of t(25) is 2.0595 (printed tables).
    assert student_t_two_sided(np.array(2.0595), 25) == pytest.approx(0.05, abs=1e-4)
    with pytest.raises(ValueError):
        student_t_two_sided(t, 0)


def test_two_system_toy_with_a_known_standard_error() -> None:
    # Two instances, one field: a resample draws instance 0 twice, 1 twice, or each once (probabilities 1/4, 1/4, 1/2),
    # so the resampled difference is d0, d1 or (d0 + d1) / 2. With instance differences d = (75, 25) (F1 points):
    # variance (d0 - d1)^2 / 8 = 312.5, times n / (n - 1) = 2: se 25; observed 50, t = 2 with 1 x (2 - 1) = 1
    # degree of freedom, p = 1 - 2 atan(2) / pi = 0.2952.
    f1, defined = _one_field([[3, 1], [0, 0]])
    observed = observed_overall(f1, defined)
    assert observed.tolist() == [50.0, 0.0]
    resampled = resampled_overall(f1, defined, resamples=200_000, seed=1)
    assert np.var(resampled[0] - resampled[1]) == pytest.approx(312.5, rel=0.02)
    p_value = paired_p_values(observed, resampled, stratum_size=2, strata=1)[0, 1]
    assert p_value == pytest.approx(1 - 2 * math.atan(2) / math.pi, rel=0.02)


def test_degenerate_differences() -> None:
    # Identical systems: p = 1. Better by the same amount on every cell: no resample varies the difference, p = 0.
    f1, defined = _one_field([[3, 1, 2], [3, 1, 2], [2, 0, 1]])
    observed, resampled = observed_overall(f1, defined), resampled_overall(f1, defined, resamples=100, seed=0)
    p_values = paired_p_values(observed, resampled, stratum_size=3, strata=1)
    assert p_values[0, 1] == 1.0 and p_values[0, 2] == 0.0
    assert np.diag(p_values).tolist() == [1.0, 1.0, 1.0]
    with pytest.raises(ValueError):
        paired_p_values(observed, resampled, stratum_size=1, strata=1)


def test_ranks_count_the_significantly_better_systems() -> None:
    observed = np.array([80.0, 79.0, 60.0, 59.0])
    adjusted = np.ones((4, 4))
    for a, b in [(0, 2), (0, 3), (1, 3)]:  # significant pairs; 1 vs 2 and 2 vs 3 are not
        adjusted[a, b] = adjusted[b, a] = 0.01
    # "C" (60) has one system significantly better (A): rank 2; "D" has two (A, B): rank 3.
    assert significance_ranks(observed, adjusted, 0.05) == [1, 1, 2, 3]
    # A rank never falls below the one above: D's one better system would give 2, but C above it has 3.
    adjusted = np.ones((4, 4))
    for a, b in [(0, 2), (1, 2), (0, 3)]:
        adjusted[a, b] = adjusted[b, a] = 0.01
    assert significance_ranks(observed, adjusted, 0.05) == [1, 1, 3, 3]


def test_a_board_without_systems_or_without_ranked_ones() -> None:
    empty = board_statistics([], INSTANCE_IDS, names=[], ranked=0, config=BoardStatisticsConfig())
    assert empty.intervals.shape == (0, 2) and empty.ranks == []
    oracle = published({i: {f: Counts(correct=2) for f in FIELDS} for i in INSTANCE_IDS})
    only_references = board_statistics([oracle], INSTANCE_IDS, names=['oracle'], ranked=0, config=BoardStatisticsConfig())
    assert np.allclose(only_references.intervals, [[100.0, 100.0]]) and only_references.ranks == []


def test_results_that_a_resample_could_leave_undefined_stop_the_board() -> None:
    # "odd" is scored only on attendees of instance 000 (every other cell empty on both sides, which the gold never is):
    # a resample that does not draw that cell has no overall score. One line per such system, not a traceback.
    whole = published({i: {f: Counts(missing=1) for f in FIELDS} for i in INSTANCE_IDS})
    odd = published({i: {f: Counts(correct=1) if (i, f) == (INSTANCE_IDS[0], "attendees") else Counts() for f in FIELDS} for i in INSTANCE_IDS})
    with pytest.raises(StatisticsError) as raised:
        board_statistics([whole, odd], INSTANCE_IDS, names=["whole", "odd"], ranked=2, config=BoardStatisticsConfig())
    assert raised.value.lines() == ["odd: its results have no field scored on every instance, so the board cannot resample them; delete its results.json and run bench leaderboard to rescore it"]


@pytest.mark.parametrize("setting", ["unit", "strata", "interval", "test", "correction"])
def test_an_unimplemented_setting_stops_the_board(setting: str) -> None:
    config = BoardStatisticsConfig.model_construct(**{**BoardStatisticsConfig().model_dump(), setting: "something-else"})
    with pytest.raises(ValueError, match=setting):
        board_statistics([published({"0": {"attendees": Counts(correct=1)}})], ["0"], names=["a"], ranked=1, config=config)


# --- Golden values -------------------------------------------------------------------------


def test_golden_board_statistics() -> None:
    """Pinned values of the default settings on three hand-made systems.

    Produced by this module (numpy 2, ``default_rng(20250815)``, 10,000
    resamples) and checked for plausibility by hand: the observed overalls
    are exact (c / 4 per cell, means of means); "a" has the same cells on
    every instance, so resampling within fields cannot move it (a point);
    "b" differs from "a" by one cell only, so it is not set apart (p 0.33),
    while "c" is far below both (p 0 to double precision).
    """
    rows = {
        "a": [[4, 3, 4, 2, 1]] * 6,
        "b": [[4, 3, 4, 2, 1]] * 5 + [[4, 3, 4, 2, 0]],
        "c": [[2, 1, 3, 1, 0]] * 3 + [[1, 1, 2, 0, 0]] * 3,
    }
    systems = [
        published({i: {f: Counts(correct=c, missing=4 - c, spurious=4 - c) for f, c in zip(FIELDS, cells)} for i, cells in zip(INSTANCE_IDS, row)})
        for row in rows.values()
    ]
    board = board_statistics(systems, INSTANCE_IDS, names=['a', 'b', 'c'], ranked=3, config=BoardStatisticsConfig())
    assert board.observed.tolist() == pytest.approx([70.0, 70.0 - 25 / 30, (35.0 + 20.0) / 2])
    assert board.ranks == [1, 1, 3]
    assert board.intervals.round(4).tolist() == GOLDEN_INTERVALS
    assert board.p_values[0, 1] == pytest.approx(GOLDEN_P_AB, rel=1e-6)
    # The largest of the three p-values: Holm multiplies it by 1.
    assert board.adjusted[0, 1] == pytest.approx(GOLDEN_P_AB, rel=1e-6)


GOLDEN_INTERVALS = [[70.0, 70.0], [67.5, 70.0], [24.1667, 30.8333]]
GOLDEN_P_AB = 0.32877229996733537


# --- Properties --------------------------------------------------------------------------------

_cell = st.tuples(st.integers(0, 5), st.integers(0, 3), st.integers(1, 5), st.integers(0, 5))  # at least one expected: defined


def _systems(draw_cells: list) -> list[dict[str, InstanceScore]]:
    return [
        published({i: {f: Counts(*draw_cells[s][k * len(FIELDS) + j]) for j, f in enumerate(FIELDS)} for k, i in enumerate(INSTANCE_IDS)})
        for s in range(len(draw_cells))
    ]


_board = st.lists(st.lists(_cell, min_size=30, max_size=30), min_size=2, max_size=4)
_CONFIG = BoardStatisticsConfig(resamples=300)


@settings(max_examples=25, deadline=None)
@given(_board)
def test_p_values_are_probabilities_symmetric_and_reproducible(cells: list) -> None:
    systems = _systems(cells)
    board = board_statistics(systems, INSTANCE_IDS, names=[str(n) for n in range(len(systems))], ranked=len(systems), config=_CONFIG)
    assert ((board.p_values >= 0) & (board.p_values <= 1)).all()
    assert np.array_equal(board.p_values, board.p_values.T)
    again = board_statistics(systems, INSTANCE_IDS, names=[str(n) for n in range(len(systems))], ranked=len(systems), config=_CONFIG)
    assert np.array_equal(board.p_values, again.p_values) and np.array_equal(board.intervals, again.intervals)
    # Swapping two systems' labels swaps their rows and columns, nothing else.
    swapped = board_statistics([systems[1], systems[0], *systems[2:]], INSTANCE_IDS, names=[str(n) for n in range(len(systems))], ranked=len(systems), config=_CONFIG)
    order = [1, 0, *range(2, len(systems))]
    assert np.allclose(swapped.p_values, board.p_values[np.ix_(order, order)], rtol=1e-9, atol=1e-12)
    assert np.array_equal(swapped.intervals, board.intervals[order])
    assert (board.intervals[:, 0] <= board.intervals[:, 1]).all()


@settings(max_examples=25, deadline=None)
@given(st.lists(_cell, min_size=30, max_size=30), st.integers(2, 4))
def test_identical_systems_are_never_separated(cells: list, copies: int) -> None:
    board = board_statistics(_systems([cells] * copies), INSTANCE_IDS, names=[str(n) for n in range(copies)], ranked=copies, config=_CONFIG)
    assert (board.p_values == 1).all() and board.ranks == [1] * copies


@given(st.lists(st.floats(0, 1), max_size=40))
def test_holm_is_at_least_raw_at_most_one_and_keeps_the_order(p_values: list[float]) -> None:
    adjusted = holm(p_values)
    raw = np.array(p_values)
    assert (adjusted >= raw).all() and (adjusted <= 1).all()
    order = np.argsort(raw, kind="stable")
    assert (np.diff(adjusted[order]) >= 0).all()


@settings(max_examples=25, deadline=None)
@given(st.lists(st.floats(0, 100), min_size=5, max_size=30), st.floats(0.05, 0.95))
def test_wider_coverage_gives_a_wider_interval(values: list[float], confidence: float) -> None:
    resampled = np.array([values])
    narrow, wide = percentile_intervals(resampled, confidence)[0], percentile_intervals(resampled, min(0.99, confidence + 0.04))[0]
    assert wide[0] <= narrow[0] + 1e-9 and narrow[1] <= wide[1] + 1e-9
