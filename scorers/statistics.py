"""The leaderboard's statistics: one shared bootstrap over (instance, field) cells, paired tests of all pairs, Holm.

The overall score is the mean over the instances of each instance's mean
field F1, and each field F1 comes from the counts of one (instance, field)
cell (``scorers.aggregate``). Resampling the six instances, as the board
first did, has little power: an exact paired test over six instances sets a
system apart only when it is lower on all six. The unit here is the cell
(six instances x five fields = 30 cells), and every resample recomputes the
overall score from the resampled cells' counts, the way a corpus metric is
recomputed from resampled segments in a paired bootstrap (Koehn 2004) or
approximate randomization (Riezler and Maxwell 2005):

* ``cell_f1``: every system's cell F1s (0-100) and which cells are defined,
  as (systems x instances x fields) arrays, from the counts that a cached
  ``results.json`` keeps per instance and field (no items needed).
* ``resampled_overall``: one resampling of the cells, drawn once from the
  seeded local generator and shared by every system (paired). A resample
  is stratified by field: for each of the five fields it draws six of that
  field's six cells with replacement, so that every resample keeps the test
  set's design (fields differ much in difficulty; each keeps its six cells)
  and varies which instances the cells come from. The overall score is a
  weighted mean of cell F1s (each cell's share is one over the number of
  instances times its instance's defined cells, ``cell_shares``); a
  resample's overall is the same weighted mean over the drawn cells (a cell
  drawn twice counts twice), which is the plain overall when every cell is
  drawn once. For all systems at once this is two matrix products,
  (systems x cells) times (cells x resamples), for the weighted sums and
  for the weights. Row ``s`` is system ``s``'s bootstrap distribution.
* ``percentile_intervals``: each system's percentile bootstrap interval
  (Efron and Tibshirani 1993, ch. 13) from its row.
* ``paired_p_values``: a two-sided test of every pair of systems from the
  same matrix. The difference of two systems' resampled overalls is paired
  (same cells in every resample); its standard deviation over the resamples
  is the bootstrap standard error of the observed difference (Efron and
  Tibshirani 1993, ch. 6 and 16), corrected by ``n / (n - 1)`` for the six
  cells drawn per field; ``|observed| / se`` is referred to Student's t with
  5 x (6 - 1) = 25 degrees of freedom (a normal reference rejected about 9%
  of null pairs at the 5% level; this one 5.3-5.8%, README). All pairs'
  standard errors come from one covariance matrix of the rows. Unlike a
  Monte-Carlo count of resamples, this p-value is not floored at
  ``1 / (resamples + 1)``, which matters once Holm multiplies the smallest
  p-value by the number of pairs (4,950 for a board of 100); the price is
  the t approximation in the far tail.
* ``holm``: Holm's (1979) step-down adjustment of all the pairs' p-values.
* ``significance_ranks``: a system's rank is 1 + the number of systems
  significantly better than it after Holm (kept non-decreasing down the
  board); systems sharing a rank are tied.

How to read them: they compare systems on this test set. The resampling
varies which cells a difference rests on; a small p-value says the
difference is not carried by a few (instance, field) cells of these six
instances. It does not say that the difference would hold on other
articles or other events.

Every function is deterministic: randomness comes only from
``numpy.random.default_rng(seed)``.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from benchmark.errors import Problem, StatisticsError
from benchmark.schema import FIELDS
from scorers.config import BoardStatisticsConfig
from scorers.results_schema import InstanceScore

# Overall scores equal in exact arithmetic may differ in their last bits as floats.
_TOLERANCE = 1e-9


def cell_f1(systems: Sequence[Mapping[str, InstanceScore]], instance_ids: Sequence[str]) -> tuple[np.ndarray, np.ndarray]:
    """Each system's cell F1s and which cells are defined, from the counts of a results file's ``scores.instances``.

    Args:
        systems: per system, instance id -> its published scores (their
            counts are read, never the rounded F1s).
        instance_ids: the instances, in order.

    Returns:
        ``(f1, defined)``, both of shape (systems, instances, fields): F1 on
        0-100 (0 where undefined) and whether the cell has an F1 (something
        predicted or expected). An instance missing from the results has no
        defined cell.
    """
    counts = np.zeros((len(systems), len(instance_ids), len(FIELDS), 4), dtype=np.float64)
    for s, instances in enumerate(systems):
        for i, instance in enumerate(instance_ids):
            report = instances.get(instance)
            if report is None:
                continue
            for f, field in enumerate(FIELDS):
                entry = report.fields.get(field)
                if entry is not None:
                    counts[s, i, f] = (entry.correct, entry.incorrect, entry.missing, entry.spurious)
    correct, incorrect, missing, spurious = np.moveaxis(counts, -1, 0)
    denominator = 2 * correct + 2 * incorrect + missing + spurious  # predicted + expected
    defined = denominator > 0
    f1 = np.where(defined, 200 * correct / np.where(defined, denominator, 1), 0.0)
    return f1, defined


def cell_shares(defined: np.ndarray) -> np.ndarray:
    """Each cell's share of the overall score (systems x instances x fields): 1 / (instances with a score x defined cells of its instance), 0 if undefined.

    The overall score is the mean of these shares times the cell F1s: each
    instance weighs the same, and within it each defined field.
    """
    per_instance = defined.sum(axis=2, keepdims=True)
    scored_instances = (per_instance > 0).sum(axis=1, keepdims=True)
    return np.where(defined, 1.0 / np.maximum(per_instance * scored_instances, 1), 0.0)


def _overall(f1: np.ndarray, defined: np.ndarray, weights: np.ndarray) -> np.ndarray:
    """Overall scores (systems x resamples): the share-weighted mean F1 of the drawn cells, cell multiplicities given per resample (resamples x instances x fields)."""
    systems, instances, fields = f1.shape
    shares = cell_shares(defined).reshape(systems, instances * fields)
    drawn = weights.reshape(weights.shape[0], instances * fields).T  # cells x resamples
    totals = (shares * f1.reshape(systems, instances * fields)) @ drawn
    sizes = shares @ drawn
    if not (sizes > 0).all():
        raise ValueError("a resample drew no defined cell for some system; its overall score is undefined")
    return totals / sizes


def observed_overall(f1: np.ndarray, defined: np.ndarray) -> np.ndarray:
    """Each system's overall score (0-100, unrounded) recomputed from its cells: every cell drawn once."""
    return _overall(f1, defined, np.ones((1, *f1.shape[1:])))[:, 0]


def cell_weights(instances: int, fields: int, *, resamples: int, seed: int) -> np.ndarray:
    """How often each cell is drawn in each resample (resamples x instances x fields), stratified by field.

    For each field, ``instances`` cells are drawn with replacement from that
    field's cells, so every resample keeps the test set's design (as many
    cells of each field) and varies which instances they come from. The
    same for every system (the resampling is paired); drawn with
    ``numpy.random.default_rng(seed)``.
    """
    picks = np.random.default_rng(seed).integers(0, instances, size=(resamples, fields, instances))
    cells = instances * fields
    offsets = cells * np.arange(resamples)[:, None, None] + fields * picks + np.arange(fields)[None, :, None]
    return np.bincount(offsets.ravel(), minlength=resamples * cells).reshape(resamples, instances, fields).astype(np.float64)


def resampled_overall(f1: np.ndarray, defined: np.ndarray, *, resamples: int, seed: int) -> np.ndarray:
    """Every system's overall score in every resample of the cells (systems x resamples)."""
    _, instances, fields = f1.shape
    return _overall(f1, defined, cell_weights(instances, fields, resamples=resamples, seed=seed))


def percentile_intervals(resampled: np.ndarray, confidence: float) -> np.ndarray:
    """Each row's percentile interval (systems x 2): the quantiles leaving ``(1 - confidence) / 2`` out on each side (numpy's linear interpolation)."""
    tail = (1 - confidence) / 2
    return np.quantile(resampled, [tail, 1 - tail], axis=1).T


def student_t_two_sided(t: np.ndarray, df: int) -> np.ndarray:
    """Two-sided tail probability ``P(|T| >= |t|)`` of Student's t with ``df`` (a positive integer) degrees of freedom.

    The finite cosine series of Abramowitz and Stegun (1964), 26.7.3-26.7.4,
    so that no scipy import slows the board. Exact but for rounding: values
    below about 1e-15 come out as 0. ``t`` may be infinite (p = 0).

    Example:
        >>> round(float(student_t_two_sided(np.array(1.0), 1)), 12)  # Cauchy: 1 - 2 atan(1) / pi
        0.5
    """
    if df < 1:
        raise ValueError(f"Student's t needs at least 1 degree of freedom, got {df}")
    theta = np.arctan(np.abs(t) / math.sqrt(df))
    sin, cos2 = np.sin(theta), np.cos(theta) ** 2
    if df % 2:
        term, series = np.cos(theta), np.zeros_like(theta)
        for k in range((df - 1) // 2):
            series = series + term
            term = term * cos2 * (2 * k + 2) / (2 * k + 3)
        inside = 2 / math.pi * (theta + sin * series)
    else:
        term, series = np.ones_like(theta), np.zeros_like(theta)
        for k in range(df // 2):
            series = series + term
            term = term * cos2 * (2 * k + 1) / (2 * k + 2)
        inside = sin * series
    return np.clip(1.0 - inside, 0.0, 1.0)


def paired_p_values(observed: np.ndarray, resampled: np.ndarray, *, stratum_size: int, strata: int) -> np.ndarray:
    """Two-sided p-values of the paired bootstrap t-test for every pair of systems (a symmetric matrix, 1 on the diagonal).

    The variance of a difference is the variance of its resampled values
    times ``n / (n - 1)`` (``n`` cells drawn per stratum: the bootstrap's
    plug-in variance is that much too small), and ``|observed| / se`` is
    referred to Student's t with ``strata * (n - 1)`` degrees of freedom,
    as for a stratified sample's mean. (Under the null hypothesis of cells
    exchangeable between two systems this held its level: the README
    gives the measurement.) A difference of zero (within float noise) has
    p = 1; a nonzero difference that no resample varies (every resampled
    cell moves it by the same amount) has p = 0.
    """
    if stratum_size < 2:
        raise ValueError(f"a paired bootstrap t-test needs at least 2 cells per stratum, got {stratum_size}")
    centred = resampled - resampled.mean(axis=1, keepdims=True)
    covariance = centred @ centred.T / max(resampled.shape[1] - 1, 1) * stratum_size / (stratum_size - 1)
    variance = np.diag(covariance)
    difference_variance = np.maximum(variance[:, None] + variance[None, :] - 2 * covariance, 0.0)
    difference = np.abs(observed[:, None] - observed[None, :])
    se = np.sqrt(difference_variance)
    t = np.where(se > _TOLERANCE, difference / np.where(se > _TOLERANCE, se, 1), np.inf)
    p_values = student_t_two_sided(t, strata * (stratum_size - 1))
    p_values[difference <= _TOLERANCE] = 1.0
    return p_values


def holm(p_values: Sequence[float] | np.ndarray) -> np.ndarray:
    """Holm's step-down adjustment, in the given order.

    The j-th smallest of m p-values (j from 1) is multiplied by m - j + 1,
    capped at 1, and raised to the adjusted value before it if smaller.

    Example:
        >>> holm([0.01, 0.04, 0.03]).tolist()
        [0.03, 0.06, 0.06]
    """
    values = np.asarray(p_values, dtype=np.float64)
    order = np.argsort(values, kind="stable")
    factors = values.size - np.arange(values.size)
    adjusted = np.empty_like(values)
    adjusted[order] = np.maximum.accumulate(np.minimum(1.0, factors * values[order]))
    return adjusted


def significance_ranks(observed: np.ndarray, adjusted: np.ndarray, alpha: float) -> list[int]:
    """Ranks of systems listed best first: 1 + the number of systems significantly better, never less than the rank above.

    Args:
        observed: the systems' overall scores, in board order (non-increasing).
        adjusted: the Holm-adjusted p-values of every pair (systems x systems).
        alpha: below this adjusted p-value a difference is significant.
    """
    better = (observed[:, None] > observed[None, :] + _TOLERANCE) & (adjusted < alpha)
    ranks = 1 + better.sum(axis=0)
    return [int(rank) for rank in np.maximum.accumulate(ranks)] if ranks.size else []


@dataclass(frozen=True)
class BoardStatistics:
    """What the board shows of its statistics, for ranked systems and references alike.

    Attributes:
        observed: overall scores recomputed from the cells (systems).
        intervals: (low, high) per system.
        p_values: raw p-value of every pair of ranked systems (ranked x ranked).
        adjusted: the same after Holm over all pairs of ranked systems.
        ranks: the ranked systems' ranks (``significance_ranks``).
    """

    observed: np.ndarray
    intervals: np.ndarray
    p_values: np.ndarray
    adjusted: np.ndarray
    ranks: list[int]


def board_statistics(
    systems: Sequence[Mapping[str, InstanceScore]],
    instance_ids: Sequence[str],
    *,
    names: Sequence[str],
    ranked: int,
    config: BoardStatisticsConfig,
) -> BoardStatistics:
    """Intervals for every system, and tests, Holm and ranks for the first ``ranked`` (listed best first; references after them).

    Args:
        systems: per system, its published instance scores.
        instance_ids: the instances, in order.
        names: the systems' names, in the same order, for error messages.
        ranked: how many of the systems (the first ones) are ranked.
        config: the board's statistical settings.

    Raises:
        StatisticsError: a system has no field scored on every instance. A
            resample could then draw none of its scored cells, and its overall
            score would be undefined. The benchmark's gold has attendees
            and a venue in every instance, so only results that scoring did
            not produce can be like this.
        ValueError: a setting this module does not implement (never falls back to another method).
    """
    implemented = {"unit": "instance-field-cell", "strata": "field", "interval": "percentile-bootstrap", "test": "paired-bootstrap-t", "correction": "holm"}
    for name, value in implemented.items():
        if getattr(config, name) != value:
            raise ValueError(f"board statistics: {name} {getattr(config, name)!r} is not implemented (only {value!r})")
    f1, defined = cell_f1(systems, instance_ids)
    # A resample draws each field's cells from that field alone: one field scored on every instance keeps every resample defined.
    unresamplable = [name for name, whole in zip(names, defined.all(axis=1).any(axis=1), strict=True) if not whole]
    if unresamplable:
        raise StatisticsError(
            [Problem(name, "its results have no field scored on every instance, so the board cannot resample them; delete its results.json and run bench leaderboard to rescore it") for name in unresamplable]
        )
    observed = observed_overall(f1, defined)
    resampled = resampled_overall(f1, defined, resamples=config.resamples, seed=config.seed)
    _, instances, fields = f1.shape
    p_values = paired_p_values(observed[:ranked], resampled[:ranked], stratum_size=instances, strata=fields)
    pairs = np.triu_indices(ranked, k=1)
    adjusted = np.ones_like(p_values)
    adjusted[pairs] = holm(p_values[pairs])
    adjusted.T[pairs] = adjusted[pairs]
    return BoardStatistics(
        observed=observed,
        intervals=percentile_intervals(resampled, config.confidence),
        p_values=p_values,
        adjusted=adjusted,
        ranks=significance_ranks(observed[:ranked], adjusted, config.significance_level),
    )
