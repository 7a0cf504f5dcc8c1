"""Attendees: who was reported at the summit, aligned one-to-one with gold.

Names are compared after folding (``benchmark.normalize.fold``: NFKC,
accents removed, case-folded, punctuation to spaces) and after stripping
titles and honorifics at either end ("US President", "Secretary of State",
"Mr.", "CIA Director"); text after a comma or in brackets is ignored when
what comes before it is a name ("Marco Rubio (Secretary of State)").

A predicted name matches a gold person by the first of these rules that
holds, strongest first:

1. ``exact``: the name equals the gold name.
2. ``alias``: the name equals one of the gold person's aliases.
3. ``given-and-surname``: the name starts with the given name and ends
   with the surname of the gold name or of a multi-word alias, with
   anything in between ("Donald J. Trump", "Vladimir V. Putin").
4. ``surname``: the name is a single word equal to the surname of the gold
   person ("Putin"), and no other gold person of the instance has that
   surname. A given name alone ("Vladimir") never matches.
5. ``fuzzy``: the rapidfuzz ``token_sort_ratio`` between the name and the
   gold name, an alias, or (for one-word names) an unambiguous surname is
   at least ``config.name_fuzzy_threshold``.

Predicted and gold persons are then aligned one-to-one
(``scipy.optimize.linear_sum_assignment``) so that, in this order of
priority, the most persons are matched, by the strongest rules, with the
highest name similarity, and with the most agreeing roles and countries;
the last two only break ties, so they can never cost a match. Matched pairs
are correct, unmatched predictions spurious, unmatched gold persons missing.

Role and country are secondary figures over matched pairs, counted only
where gold states them (a prediction that leaves them out disagrees):

* role agrees when the content words of one role contain those of the
  other, ignoring "of", "the" and words naming a party. "President" agrees
  with "President of Russia", "Secretary of State" with "US Secretary of
  State", "Director of the CIA" with "CIA Director"; "Secretary of State"
  does not agree with "Treasury Secretary".
* country agrees when both resolve to the same party
  (``benchmark.normalize.resolve_party``: "USA" = "United States").
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np
from rapidfuzz import fuzz
from scipy.optimize import linear_sum_assignment

from benchmark.data import Article
from benchmark.normalize import CANONICAL_PARTIES, fold, resolve_party
from benchmark.schema import Attendee, GoldAttendee, json_path
from scorers.base import Counts, FieldResult, ItemOutcome
from scorers.config import ScoringConfig

# Words of titles, honorifics and nationalities, in folded form. They are
# stripped only at the ends of a name, so a name is never cut in the middle.
_TITLE_WORDS = frozenset(
    """
    mr mrs ms miss dr sir madam lord lady
    president vice prime minister chancellor premier king prince
    secretary state treasury commerce defense defence foreign affairs interior
    director cia fbi nsa special envoy peace ambassador adviser advisor
    national security chief staff deputy assistant counselor spokesman
    spokeswoman spokesperson press aide leader head senator sen
    representative rep general gen admiral colonel
    of the to for and
    u s us usa united states america american kremlin white house
    russia russian federation ukraine ukrainian
    """.split()
)
_NAME_SEPARATORS = re.compile(r"[,;()\[\]]")
_ROLE_FUNCTION_WORDS = frozenset("of the and for to a an u s".split())

# Rule strengths: a higher number is a more trustworthy match.
_RULE_STRENGTH = {"exact": 4, "alias": 3, "given-and-surname": 2, "surname": 2, "fuzzy": 1}


def _strip_titles(tokens: list[str]) -> list[str]:
    start, end = 0, len(tokens)
    while start < end and tokens[start] in _TITLE_WORDS:
        start += 1
    while end > start and tokens[end - 1] in _TITLE_WORDS:
        end -= 1
    return tokens[start:end]


def name_tokens(name: str) -> tuple[str, ...]:
    """A person's name as folded words, titles and honorifics stripped.

    The first comma- or bracket-separated segment that still holds a name
    after stripping is used; a name that is nothing but titles stays as
    written (folded), so it can match nothing by accident.

    Example:
        >>> name_tokens("U.S. Secretary of State Marco Rubio")
        ('marco', 'rubio')
        >>> name_tokens("Putin, Vladimir")
        ('putin',)
    """
    for segment in _NAME_SEPARATORS.split(name):
        stripped = _strip_titles(fold(segment).split())
        if stripped:
            return tuple(stripped)
    return tuple(fold(name).split())


@dataclass(frozen=True)
class _GoldPerson:
    name: str
    forms: dict[tuple[str, ...], str]
    """Name tokens -> the spelling they come from: the gold name first, then each alias."""

    @classmethod
    def of(cls, attendee: GoldAttendee) -> _GoldPerson:
        forms: dict[tuple[str, ...], str] = {}
        for written in (attendee.name, *attendee.aliases):
            forms.setdefault(name_tokens(written), written)
        forms.pop((), None)
        return cls(attendee.name, forms)

    @property
    def surnames(self) -> frozenset[str]:
        return frozenset(form[-1] for form in self.forms if len(form) >= 2)

    def similarity(self, predicted: tuple[str, ...], unambiguous_surnames: frozenset[str]) -> float:
        """Best ``token_sort_ratio`` (0-100) of a name against this person's forms.

        A one-word name is also compared with the person's surnames, when no
        other gold person shares them.
        """
        targets = [" ".join(form) for form in self.forms]
        if len(predicted) == 1:
            targets += sorted(self.surnames & unambiguous_surnames)
        joined = " ".join(predicted)
        return max((fuzz.token_sort_ratio(joined, target) for target in targets), default=0.0)


@dataclass(frozen=True)
class _Match:
    rule: str
    matched: str
    """The gold spelling (name, alias or surname) that the rule matched."""
    similarity: float
    """Best name similarity, 0-100."""


def _match(predicted: tuple[str, ...], person: _GoldPerson, unambiguous_surnames: frozenset[str], threshold: float) -> _Match | None:
    if not predicted or not person.forms:
        return None
    similarity = person.similarity(predicted, unambiguous_surnames)
    if predicted in person.forms:
        written = person.forms[predicted]
        return _Match("exact" if written == person.name else "alias", written, similarity)
    if len(predicted) >= 2:
        for form, written in person.forms.items():
            if len(form) >= 2 and predicted[0] == form[0] and predicted[-1] == form[-1]:
                return _Match("given-and-surname", written, similarity)
    if len(predicted) == 1 and predicted[0] in person.surnames & unambiguous_surnames:
        return _Match("surname", predicted[0], similarity)
    if similarity >= threshold:
        return _Match("fuzzy", person.name, similarity)
    return None


def _role_words(role: str) -> frozenset[str]:
    return frozenset(
        word for word in fold(role).split() if word not in _ROLE_FUNCTION_WORDS and resolve_party(word) not in CANONICAL_PARTIES
    )


def roles_agree(predicted: str | None, gold: str | None) -> bool | None:
    """Whether a predicted role agrees with the gold role (``None``: gold states none).

    Example:
        >>> roles_agree("President", "President of Russia"), roles_agree("Secretary of State", "Treasury Secretary")
        (True, False)
    """
    if gold is None:
        return None
    if predicted is None:
        return False
    predicted_words, gold_words = _role_words(predicted), _role_words(gold)
    if not predicted_words or not gold_words:
        return fold(predicted) == fold(gold)
    return predicted_words <= gold_words or gold_words <= predicted_words


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
        config: the scoring settings (``name_fuzzy_threshold``).

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
    people = [_GoldPerson.of(g) for g in gold]
    surname_owners: dict[str, int] = {}
    for person in people:
        for surname in person.surnames:
            surname_owners[surname] = surname_owners.get(surname, 0) + 1
    unambiguous = frozenset(s for s, owners in surname_owners.items() if owners == 1)

    tokens = [name_tokens(p.name) for p in prediction]
    matches = [[_match(t, person, unambiguous, config.name_fuzzy_threshold) for person in people] for t in tokens]
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


def _closest(predicted: tuple[str, ...], people: list[_GoldPerson], unambiguous_surnames: frozenset[str]) -> dict:
    """The gold person whose name came nearest to an unmatched one, to explain the miss."""
    if not people or not predicted:
        return {}
    similarity, position = max((person.similarity(predicted, unambiguous_surnames), -j) for j, person in enumerate(people))
    return {"closest": people[-position].name, "closest_similarity": similarity / 100}


def _align(matches: list[list[_Match | None]], agreement: list[list[tuple[bool | None, bool | None]]]) -> dict[int, int]:
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
    pair_weight = strength_weight * (max(_RULE_STRENGTH.values()) * size + 1)
    weights = np.zeros((len(matches), len(matches[0])), dtype=np.float64)
    for i, row in enumerate(matches):
        for j, match in enumerate(row):
            if match is not None:
                role_agrees, country_agrees = agreement[i][j]
                weights[i, j] = (
                    pair_weight
                    + _RULE_STRENGTH[match.rule] * strength_weight
                    + round(match.similarity) * similarity_weight
                    + bool(role_agrees) * role_weight
                    + bool(country_agrees) * country_weight
                )
    rows, columns = linear_sum_assignment(weights, maximize=True)
    return {int(i): int(j) for i, j in zip(rows, columns) if weights[i, j] > 0}
