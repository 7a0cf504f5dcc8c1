"""The ``empty`` baseline: an empty summary for every instance, the floor of the board."""

from __future__ import annotations

from benchmark.data import Article
from benchmark.schema import Summary

DESCRIPTION = "Predicts nothing: an empty summary for every instance. The floor every system should beat."
MODEL = None


def summarize(instance_id: str, sources: tuple[Article, ...]) -> Summary:
    """Return an empty summary, whatever the articles say."""
    del instance_id, sources
    return Summary()
