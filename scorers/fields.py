"""The table of fields: for each field of a summary, its scorer, its consistency check and how its items are read.

Every per-field loop (scoring an instance, checking its items against the
sources, embedding free texts, the secondary figures) goes through
``FIELD_SPECS``, so a new field is one row here plus its scorer.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from benchmark.data import Article
from benchmark.schema import FIELDS, TIME_COMPONENTS, VENUE_COMPONENTS, GoldSummary, Summary
from scorers.attendees import score_attendees
from scorers.base import FieldName, FieldResult
from scorers.config import ScoringConfig
from scorers.consistency import ItemConsistency, check_attendee, check_party_item, check_time_component, check_venue_component
from scorers.slots import score_time, score_venue
from scorers.texts import score_demands, score_stakes

PredictedItem = tuple[tuple[str | int, ...], str | None, Any]
"""A predicted item: (its path after the instance, its component for venue and time, its value)."""


@dataclass(frozen=True)
class FieldSpec:
    """One field of a summary.

    Attributes:
        name: the field's name in the schema.
        score: the field scorer, called with ``prediction``, ``gold``,
            ``sources`` and ``config`` by keyword.
        check: the consistency check of one predicted item, called with its
            component (``None`` outside venue and time) and value, and
            ``gold``, ``sources``, ``config`` by keyword.
        components: the components of a one-value field (venue, time);
            ``None`` for a list field.
        free_text: items are written claims (demands, stakes), read by the
            claim-matching core and embedded before scoring.
    """

    name: FieldName
    score: Callable[..., FieldResult]
    check: Callable[..., ItemConsistency]
    components: tuple[str, ...] | None = None
    free_text: bool = False

    def predicted_items(self, prediction: Summary) -> list[PredictedItem]:
        """The field's predicted items in schema order: list entries, or the filled components."""
        value = getattr(prediction, self.name)
        if self.components is None:
            return [((self.name, i), None, item) for i, item in enumerate(value)]
        if value is None:
            return []
        return [((self.name, c), c, getattr(value, c)) for c in self.components if getattr(value, c) is not None]


def _check_attendee(component: None, value: Any, *, gold: GoldSummary, sources: tuple[Article, ...], config: ScoringConfig) -> ItemConsistency:
    return check_attendee(value, gold=gold, sources=sources, config=config)


def _check_demand(component: None, value: Any, *, gold: GoldSummary, sources: tuple[Article, ...], config: ScoringConfig) -> ItemConsistency:
    return check_party_item("demands", value, gold=gold, sources=sources, config=config)


def _check_stake(component: None, value: Any, *, gold: GoldSummary, sources: tuple[Article, ...], config: ScoringConfig) -> ItemConsistency:
    return check_party_item("stakes", value, gold=gold, sources=sources, config=config)


FIELD_SPECS: dict[FieldName, FieldSpec] = {
    spec.name: spec
    for spec in (
        FieldSpec("attendees", score_attendees, _check_attendee),
        FieldSpec("venue", score_venue, check_venue_component, components=VENUE_COMPONENTS),
        FieldSpec("time", score_time, check_time_component, components=TIME_COMPONENTS),
        FieldSpec("demands", score_demands, _check_demand, free_text=True),
        FieldSpec("stakes", score_stakes, _check_stake, free_text=True),
    )
}
if tuple(FIELD_SPECS) != FIELDS:  # the schema's field order is the results' order
    raise RuntimeError(f"FIELD_SPECS {tuple(FIELD_SPECS)} do not follow the schema's fields {FIELDS}")

FREE_TEXT_FIELDS: tuple[FieldName, ...] = tuple(name for name, spec in FIELD_SPECS.items() if spec.free_text)
