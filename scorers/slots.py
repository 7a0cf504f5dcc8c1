"""Venue and time: fixed slots, each component judged on its own (MUC verdicts).

For each component (venue: name, city, region, country; time: date,
weekday, time_utc):

* gold filled, prediction equal: ``correct``;
* gold filled, prediction filled but different: ``incorrect``;
* gold filled, prediction null: ``missing``;
* gold null, prediction filled: ``spurious``;
* both null: left out (it neither earns nor costs anything).

A null venue or time, on either side, counts as all of its components null.

Equality per component:

* venue ``name``: folded (``benchmark.normalize.fold``) and without a leading
  "the", equal to the gold name or one of its aliases; a bracketed part of
  the prediction may stand for the whole or be left out ("Joint Base
  Elmendorf-Richardson (JBER)" matches through "JBER" or through the name).
* ``city`` and ``region``: folded and without a leading "the", equal.
* venue ``country``: the same party after ``resolve_party`` ("USA" =
  "United States").
* ``date``: the same calendar date; ``weekday``: the same day, any case;
  ``time_utc``: the same clock time (minutes since midnight).
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable

from benchmark.data import Article
from benchmark.normalize import fold, resolve_party
from benchmark.schema import TIME_COMPONENTS, VENUE_COMPONENTS, GoldTime, GoldVenue, Time, Venue, json_path
from scorers.base import Counts, FieldName, FieldResult, ItemOutcome, Verdict
from scorers.config import ScoringConfig

_BRACKETED = re.compile(r"\(([^()]*)\)")


def _place(text: str) -> str:
    folded = fold(text)
    return folded[4:] if folded.startswith("the ") else folded


def _venue_name_forms(text: str) -> set[str]:
    """A predicted venue name, plus its bracketed parts and what remains without them."""
    forms = {_place(text), _place(_BRACKETED.sub(" ", text))}
    forms.update(_place(inner) for inner in _BRACKETED.findall(text))
    forms.discard("")
    return forms


def _same_place(predicted: str, gold: str) -> bool:
    return _place(predicted) == _place(gold)


def _same_country(predicted: str, gold: str) -> bool:
    return fold(resolve_party(predicted)) == fold(resolve_party(gold))


def _same_date(predicted: str, gold: str) -> bool:
    return dt.date.fromisoformat(predicted) == dt.date.fromisoformat(gold)


def _same_weekday(predicted: str, gold: str) -> bool:
    return predicted.casefold() == gold.casefold()


def _minutes(clock: str) -> int:
    hours, minutes = clock.split(":")
    return int(hours) * 60 + int(minutes)


def _same_clock(predicted: str, gold: str) -> bool:
    return _minutes(predicted) == _minutes(gold)


def _score_components(
    field: FieldName,
    predicted: dict[str, str | None],
    gold: dict[str, str | None],
    same: dict[str, Callable[[str, str], bool | str]],
) -> FieldResult:
    outcomes: list[ItemOutcome] = []
    missing: list[ItemOutcome] = []
    tally = {"correct": 0, "incorrect": 0, "missing": 0, "spurious": 0}
    for component, compare in same.items():
        value, expected = predicted[component], gold[component]
        if value is None and expected is None:
            continue
        path = json_path(field, component)
        if value is None:
            tally["missing"] += 1
            missing.append(ItemOutcome(path, field, "missing", None, expected))
            continue
        details: dict = {}
        verdict: Verdict
        if expected is None:
            verdict = "spurious"
        else:
            agreement = compare(value, expected)
            verdict = "correct" if agreement else "incorrect"
            if isinstance(agreement, str):
                details["rule"] = agreement
        tally[verdict] += 1
        outcomes.append(ItemOutcome(path, field, verdict, value, expected, details=details))
    return FieldResult(field, Counts(**tally), tuple(outcomes + missing))


def score_venue(*, prediction: Venue | None, gold: GoldVenue | None, sources: tuple[Article, ...], config: ScoringConfig) -> FieldResult:
    """Score a predicted venue component by component.

    Args:
        prediction: the predicted venue, or ``None``.
        gold: the gold venue, or ``None``.
        sources: the instance's articles (unused: components are judged against gold).
        config: the scoring settings (no venue setting; taken for a uniform interface).

    Returns:
        Counts over the components, and one outcome per filled predicted
        component (component order) followed by one per missing gold
        component. Paths are relative to the instance (``venue.city``).
    """
    del sources, config

    def same_name(predicted: str, expected: str) -> bool | str:
        forms = _venue_name_forms(predicted)
        if _place(expected) in forms:
            return "exact"
        return "alias" if forms & {_place(alias) for alias in gold.aliases} else False

    return _score_components(
        "venue",
        {c: getattr(prediction, c) if prediction else None for c in VENUE_COMPONENTS},
        {c: getattr(gold, c) if gold else None for c in VENUE_COMPONENTS},
        {"name": same_name, "city": _same_place, "region": _same_place, "country": _same_country},
    )


def score_time(*, prediction: Time | None, gold: GoldTime | None, sources: tuple[Article, ...], config: ScoringConfig) -> FieldResult:
    """Score a predicted start time component by component.

    Args:
        prediction: the predicted time, or ``None``.
        gold: the gold time, or ``None``.
        sources: the instance's articles (unused: components are judged against gold).
        config: the scoring settings (no time setting; taken for a uniform interface).

    Returns:
        Counts over the components, and one outcome per filled predicted
        component followed by one per missing gold component. Paths are
        relative to the instance (``time.time_utc``).
    """
    del sources, config
    return _score_components(
        "time",
        {c: getattr(prediction, c) if prediction else None for c in TIME_COMPONENTS},
        {c: getattr(gold, c) if gold else None for c in TIME_COMPONENTS},
        {"date": _same_date, "weekday": _same_weekday, "time_utc": _same_clock},
    )
