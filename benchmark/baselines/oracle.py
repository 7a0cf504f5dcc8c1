"""The ``oracle`` reference: the gold summaries themselves, the ceiling of the board.

It is the one baseline that reads ``gold/``; the leaderboard shows it as a
reference and does not rank it.
"""

from __future__ import annotations

from benchmark.data import Article, load_gold
from benchmark.schema import Summary

DESCRIPTION = "reference: the gold summaries; not ranked. The ceiling of every score."
MODEL = None


def summarize(instance_id: str, sources: tuple[Article, ...]) -> Summary:
    """Return the gold summary of the instance, annotations dropped."""
    del sources
    return load_gold(instance_id).to_summary()
