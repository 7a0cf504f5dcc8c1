"""Venue and time scoring: MUC verdicts per component, on hand-made gold."""

from __future__ import annotations

from fractions import Fraction

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from benchmark.schema import Evidence, GoldTime, GoldVenue, Time, TimeEvidence, Venue, VenueEvidence
from scorers.base import Counts
from scorers.config import ScoringConfig
from scorers.slots import score_time, score_venue

CONFIG = ScoringConfig()
_QUOTE = [Evidence(article="004", quote="a quote")]

JBER = GoldVenue(
    name="Joint Base Elmendorf-Richardson",
    city="Anchorage",
    region="Alaska",
    country="United States",
    aliases=["JBER", "Elmendorf Air Force Base"],
    evidence=VenueEvidence(name=_QUOTE, city=_QUOTE, region=_QUOTE, country=_QUOTE),
)
ALASKA_ONLY = GoldVenue(region="Alaska", country="United States", evidence=VenueEvidence(region=_QUOTE, country=_QUOTE))
FRIDAY_1900 = GoldTime(weekday="Friday", time_utc="19:00", evidence=TimeEvidence(weekday=_QUOTE, time_utc=_QUOTE))


def venue(prediction: Venue | None, gold: GoldVenue | None = JBER):
    return score_venue(prediction=prediction, gold=gold, sources=(), config=CONFIG)


def time(prediction: Time | None, gold: GoldTime | None = FRIDAY_1900):
    return score_time(prediction=prediction, gold=gold, sources=(), config=CONFIG)


def test_venue_hand_computed():
    # name correct (alias), city incorrect, region missing, country correct.
    result = venue(Venue(name="JBER", city="Juneau", country="USA"))
    assert result.counts == Counts(correct=2, incorrect=1, missing=1)
    assert result.counts.precision == Fraction(2, 3)
    assert result.counts.recall == Fraction(2, 4)
    assert result.counts.f1 == Fraction(4, 7)
    assert [(item.path, item.verdict) for item in result.items] == [
        ("venue.name", "correct"),
        ("venue.city", "incorrect"),
        ("venue.country", "correct"),
        ("venue.region", "missing"),
    ]
    assert result.items[0].details == {"rule": "alias"}
    assert (result.items[1].value, result.items[1].gold) == ("Juneau", "Anchorage")


@pytest.mark.parametrize(
    "name",
    [
        "Joint Base Elmendorf-Richardson",
        "joint base elmendorf richardson",
        "the Joint Base Elmendorf–Richardson",
        "JBER",
        "Elmendorf Air Force Base",
        "Joint Base Elmendorf-Richardson (JBER)",
        "Elmendorf AFB (JBER)",
    ],
)
def test_venue_names_match_through_aliases(name):
    assert venue(Venue(name=name)).items[0].verdict == "correct"


@pytest.mark.parametrize("name", ["Elmendorf", "Anchorage", "a Cold War-era air force base", "Fort Wainwright"])
def test_other_venue_names_are_incorrect(name):
    assert venue(Venue(name=name)).items[0].verdict == "incorrect"


@pytest.mark.parametrize("country", ["United States", "USA", "U.S.", "the United States of America", "america"])
def test_venue_country_through_the_party_resolver(country):
    assert venue(Venue(country=country), ALASKA_ONLY).counts == Counts(correct=1, missing=1)


def test_component_null_in_gold_but_predicted_is_spurious():
    result = venue(Venue(name="JBER", city="Anchorage", region="Alaska", country="United States"), ALASKA_ONLY)
    assert result.counts == Counts(correct=2, spurious=2)
    assert [item.verdict for item in result.items] == ["spurious", "spurious", "correct", "correct"]
    assert result.counts.f1 == Fraction(2 * 2, 4 + 2)


def test_time_hand_computed():
    # date spurious (gold leaves it null), weekday correct in any case, time incorrect.
    result = time(Time(date="2025-08-15", weekday="friday", time_utc="11:00"))
    assert result.counts == Counts(correct=1, incorrect=1, spurious=1)
    assert result.counts.precision == Fraction(1, 3)
    assert result.counts.recall == Fraction(1, 2)
    assert result.counts.f1 == Fraction(2, 5)
    assert [(item.path, item.verdict) for item in result.items] == [
        ("time.date", "spurious"),
        ("time.weekday", "correct"),
        ("time.time_utc", "incorrect"),
    ]


def test_time_date_and_clock_compared_as_values():
    gold = GoldTime(date="2025-08-15", time_utc="19:00", evidence=TimeEvidence(date=_QUOTE, time_utc=_QUOTE))
    assert time(Time(date="2025-08-15", time_utc="19:00"), gold).counts == Counts(correct=2)
    assert time(Time(date="2025-08-16", time_utc="07:00"), gold).counts == Counts(incorrect=2)


@pytest.mark.parametrize(
    ("prediction", "gold", "counts", "f1"),
    [
        (None, JBER, Counts(missing=4), Fraction(0)),
        (Venue(), JBER, Counts(missing=4), Fraction(0)),
        (Venue(city="Anchorage"), None, Counts(spurious=1), Fraction(0)),
        (None, None, Counts(), None),
        (Venue(), None, Counts(), None),
    ],
)
def test_venue_degenerate_cases(prediction, gold, counts, f1):
    result = venue(prediction, gold)
    assert result.counts == counts
    assert result.counts.f1 == f1


def test_time_degenerate_cases():
    assert time(None).counts == Counts(missing=2)
    assert time(Time(weekday="Friday"), None).counts == Counts(spurious=1)
    assert time(None, None).counts.f1 is None


_VALUES = st.one_of(st.none(), st.sampled_from(["JBER", "Anchorage", "Alaska", "USA", "Juneau", "Russia"]))


@settings(max_examples=100, deadline=None)
@given(name=_VALUES, city=_VALUES, region=_VALUES, country=_VALUES)
def test_every_gold_component_is_counted_exactly_once(name, city, region, country):
    counts = venue(Venue(name=name, city=city, region=region, country=country)).counts
    assert counts.expected == 4
    assert counts.predicted == sum(value is not None for value in (name, city, region, country))
