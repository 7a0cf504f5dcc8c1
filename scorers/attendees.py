"""Attendees: who was reported at the summit, aligned one-to-one with gold.

A predicted name matches a gold person by the rules of ``scorers.names``
(exact, alias, given name and surname, unambiguous surname, fuzzy), whose
threshold is ``config.names.fuzzy_threshold``.

Predicted and gold persons are then aligned one-to-one
(``scipy.optimize.linear_sum_assignment``) so that, in this order of
priority, the most persons are matched, by the strongest rules, with the
highest name similarity, and with the most agreeing roles and countries;
the last two only break ties, so they can never cost a match. Matched pairs
are correct, unmatched predictions spurious, unmatched gold persons missing.

Role and country are secondary figures over matched pairs, counted only
where gold states them (a prediction that leaves them out disagrees):

* role agrees by ``scorers.names.roles_agree``: the content words of one
  role contain those of the other ("President" agrees with "President of
  Russia"; "Secretary of State" does not agree with "Treasury Secretary").
* country agrees when both resolve to the same party
  (``benchmark.normalize.resolve_party``: "USA" = "United States").
"""

from __future__ import annotations

import numpy as np
from scipy.optimize import linear_sum_assignment

from benchmark.data import Article
from benchmark.normalize import fold, resolve_party
from benchmark.schema import Attendee, GoldAttendee, json_path
from scorers.base import Counts, FieldResult, ItemOutcome
from scorers.config import ScoringConfig
from scorers.names import RULE_STRENGTH, NameMatch, Person, match_person, name_tokens, roles_agree, unambiguous_surnames


def countries_agree(predicted: str | None, gold: str | None) -> bool | None:
    """Whether two countries resolve to the same party (``None``: gold states none)."""
    if gold is None:
        return None
    if predicted is None:
        return False
    return fold(resolve_party(predicted)) == fold(resolve_party(gold))


def _gold_view(attendee: GoldAttendee) -> dict:
    return {"name": attendee.name, "role": attendee.role, "country": attendee.country}


def score_attendees(
    *, prediction: list[Attendee], gold: list[GoldAttendee], sources: tuple[Article, ...], config: ScoringConfig
) -> FieldResult:
    """Score predicted attendees against gold attendees of one instance.

    Args:
        prediction: the predicted attendees, in submission order.
        gold: the gold attendees.
        sources: the instance's articles (unused: names are judged against gold only).
        config: the scoring settings (``names.fuzzy_threshold``).

    Returns:
        Counts (correct = matched pairs), one outcome per predicted attendee
        in submission order followed by one per unmatched gold attendee, and
        the secondary figures ``role`` and ``country`` as (agreeing, compared).
        Item paths are relative to the instance (``attendees[2]``): in the
        prediction for predicted items, in gold for missing ones;
        ``scorers.results`` prefixes them with ``predictions.<id>`` or
        ``gold.<id>``.
    """
    del sources
    people = [Person.of(g.name, g.aliases) for g in gold]
    unambiguous = unambiguous_surnames(people)

    tokens = [name_tokens(p.name) for p in prediction]
    matches = [[match_person(t, person, unambiguous, config.names.fuzzy_threshold) for person in people] for t in tokens]
    agreement = [
        [(roles_agree(p.role, g.role), countries_agree(p.country, g.country)) for g in gold] for p in prediction
    ]
    pairs = _align(matches, agreement)

    outcomes: list[ItemOutcome] = []
    role = [0, 0]
    country = [0, 0]
    matched_gold: set[int] = set()
    for i, attendee in enumerate(prediction):
        path = json_path("attendees", i)
        j = pairs.get(i)
        if j is None:
            outcomes.append(ItemOutcome(path, "attendees", "spurious", attendee.model_dump(), None, details=_closest(tokens[i], people, unambiguous)))
            continue
        matched_gold.add(j)
        match = matches[i][j]
        role_agrees, country_agrees = agreement[i][j]
        for tally, agrees in ((role, role_agrees), (country, country_agrees)):
            if agrees is not None:
                tally[0] += agrees
                tally[1] += 1
        details = {"rule": match.rule, "matched": match.matched, "role_agrees": role_agrees, "country_agrees": country_agrees}
        outcomes.append(
            ItemOutcome(path, "attendees", "correct", attendee.model_dump(), _gold_view(gold[j]), match.similarity / 100, details)
        )
    for j, attendee in enumerate(gold):
        if j not in matched_gold:
            outcomes.append(ItemOutcome(json_path("attendees", j), "attendees", "missing", None, _gold_view(attendee)))
    counts = Counts(correct=len(pairs), missing=len(gold) - len(pairs), spurious=len(prediction) - len(pairs))
    return FieldResult("attendees", counts, tuple(outcomes), {"role": (role[0], role[1]), "country": (country[0], country[1])})


def _closest(predicted: tuple[str, ...], people: list[Person], unambiguous: frozenset[str]) -> dict:
    """The gold person whose name came nearest to an unmatched one, to explain the miss."""
    if not people or not predicted:
        return {}
    similarity, position = max((person.similarity(predicted, unambiguous), -j) for j, person in enumerate(people))
    return {"closest": people[-position].name, "closest_similarity": similarity / 100}


def _align(matches: list[list[NameMatch | None]], agreement: list[list[tuple[bool | None, bool | None]]]) -> dict[int, int]:
    """Optimal one-to-one alignment: predicted index -> gold index.

    Each candidate pair gets an integer weight that encodes, lexicographically
    over the sum across pairs: number of pairs, rule strength, name
    similarity (whole points 0-100), role agreement, country agreement. Each
    component's multiplier exceeds the largest possible sum of the
    components below it, so a lower priority can never outweigh a higher one.
    With at most ``MAX_LIST_ITEMS`` (100) predicted persons the largest total
    is about 4e12, far inside the integers a float64 holds exactly (2**53).
    """
    if not matches or not matches[0]:
        return {}
    size = min(len(matches), len(matches[0]))
    country_weight = 1
    role_weight = size + 1
    similarity_weight = role_weight * (size + 1)
    strength_weight = similarity_weight * (100 * size + 1)
    pair_weight = strength_weight * (max(RULE_STRENGTH.values()) * size + 1)
    weights = np.zeros((len(matches), len(matches[0])), dtype=np.float64)
    for i, row in enumerate(matches):
        for j, match in enumerate(row):
            if match is not None:
                role_agrees, country_agrees = agreement[i][j]
                weights[i, j] = (
                    pair_weight
                    + RULE_STRENGTH[match.rule] * strength_weight
                    + round(match.similarity) * similarity_weight
                    + bool(role_agrees) * role_weight
                    + bool(country_agrees) * country_weight
                )
    rows, columns = linear_sum_assignment(weights, maximize=True)
    return {int(i): int(j) for i, j in zip(rows, columns) if weights[i, j] > 0}
