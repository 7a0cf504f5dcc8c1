"""Can the board tell real systems apart? The old and the new board statistics on the labelled real outputs.

Run from the repository root (about a minute: it scores the 15 systems)::

    python perf/power.py

The 15 system outputs of the labelled set (``gold/judgments/systems/``,
written from prompt v1 by models in 15 styles; ``gold/judgments/README.md``)
are scored with the current scorer and put on one board, ranked by overall
score. It prints, per system, the rank and the p-value against the row
above under both procedures, and then how many of the pairs each procedure
separates:

* old (the board before issue 14): an exact paired randomization test over
  the six instance scores (all 2**6 sign flips), of each system against the
  one directly above; a system starts a new tie group when p < 0.05. For
  the pair count, the same test of every pair with Holm's adjustment;
* new: ``scorers.statistics.board_statistics`` with the board's own
  settings (``BoardStatisticsConfig``): cells resampled within fields, a
  paired bootstrap t-test of every pair, Holm, rank = 1 + the number of
  systems significantly better.

Nothing here changes a score or the board; the README quotes the output.
"""

from __future__ import annotations

import itertools
import json

from benchmark.schema import INSTANCE_IDS
from benchmark.submission import load_submission
from scorers.config import BoardStatisticsConfig, ScoringConfig
from scorers.metaeval import JUDGMENTS_DIR
from scorers.results import score_submissions
from scorers.statistics import board_statistics, holm

ALPHA = BoardStatisticsConfig().significance_level


def exact_sign_flip_p(higher: list[float], lower: list[float]) -> float:
    """Two-sided p-value of the exact paired randomization test of the old board (every sign flip of the differences)."""
    differences = [a - b for a, b in zip(higher, lower, strict=True)]
    observed = abs(sum(differences))
    flips = list(itertools.product((1, -1), repeat=len(differences)))
    at_least = sum(abs(sum(s * d for s, d in zip(signs, differences))) >= observed - 1e-9 for signs in flips)
    return at_least / len(flips)


def main() -> None:
    paths = sorted((JUDGMENTS_DIR / "systems").glob("*.json"))
    loaded = [load_submission(path) for path in paths]
    results = dict(zip((path.stem for path in paths), score_submissions(loaded, config=ScoringConfig(), workers=2), strict=True))
    order = sorted(results, key=lambda name: (-results[name].scores.overall, name))
    instances = {name: results[name].scores.instances for name in order}
    board = board_statistics([instances[name] for name in order], INSTANCE_IDS, names=order, ranked=len(order), config=BoardStatisticsConfig())

    def instance_scores(name: str) -> list[float]:
        return [instances[name][i].overall for i in INSTANCE_IDS]

    print("| system | overall | old rank | old p vs. above | new rank | new p vs. above (Holm) |")
    print("|---|---:|---:|---:|---:|---:|")
    old_rank = 1
    for position, name in enumerate(order):
        old_p = exact_sign_flip_p(instance_scores(order[position - 1]), instance_scores(name)) if position else None
        if old_p is not None and old_p < ALPHA:
            old_rank = position + 1
        new_p = float(board.adjusted[position - 1, position]) if position else None
        print(
            f"| {name} | {results[name].scores.overall:.2f} | {old_rank} | {'' if old_p is None else f'{old_p:.3f}'} "
            f"| {board.ranks[position]} | {'' if new_p is None else f'{new_p:.2g}'} |"
        )
    pairs = list(itertools.combinations(range(len(order)), 2))
    old_all = holm([exact_sign_flip_p(instance_scores(order[a]), instance_scores(order[b])) for a, b in pairs])
    print(
        json.dumps(
            {
                "pairs": len(pairs),
                "old_separated_after_holm": int(sum(p < ALPHA for p in old_all)),
                "new_separated_after_holm": int(sum(board.adjusted[a, b] < ALPHA for a, b in pairs)),
            }
        )
    )


if __name__ == "__main__":
    main()
