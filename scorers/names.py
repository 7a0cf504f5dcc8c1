"""Person names and roles: the one reading of who a name means, and whether two roles agree.

Used by the attendee scorer (``scorers.attendees``), the consistency checks
(``scorers.consistency``, ``scorers.claims``) and the rules baseline.

Names are compared after folding (``benchmark.normalize.fold``: NFKC,
accents removed, case-folded, punctuation to spaces) and after stripping
titles and honorifics at either end ("US President", "Secretary of State",
"Mr.", "CIA Director"); text after a comma or in brackets is ignored when
what comes before it is a name ("Marco Rubio (Secretary of State)").

A name matches a known person (``match_person``) by the first of these rules
that holds, strongest first:

1. ``exact``: the name equals the person's name.
2. ``alias``: the name equals one of the person's aliases.
3. ``given-and-surname``: the name starts with the given name and ends
   with the surname of the name or of a multi-word alias, with anything in
   between ("Donald J. Trump", "Vladimir V. Putin").
4. ``surname``: the name is a single word equal to the person's surname
   ("Putin"), and no other person in view has that surname. A given name
   alone ("Vladimir") never matches.
5. ``fuzzy``: the rapidfuzz ``token_sort_ratio`` between the name and the
   person's name, an alias, or (for one-word names) an unambiguous surname
   is at least ``NameMatchConfig.fuzzy_threshold``.

In running text a person is found by surname (``same_surname``): equal,
equal once transliteration variants are folded ("Zelenskyy"/"Zelenskiy"),
or with a rapidfuzz ``ratio`` of at least ``NameMatchConfig.surname_threshold``.

Two roles agree (``roles_agree``) when the content words of one contain
those of the other, ignoring "of", "the" and words naming a party:
"President" agrees with "President of Russia", "Director of the CIA" with
"CIA Director"; "Secretary of State" does not agree with "Treasury
Secretary". A generic word for a leader ("leader", "head of state") agrees
with any head-of-government title ("President").
"""

from __future__ import annotations

import functools
import re
from collections.abc import Sequence
from dataclasses import dataclass

from rapidfuzz import fuzz

from benchmark.normalize import CANONICAL_PARTIES, fold, resolve_party

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

RULE_STRENGTH = {"exact": 4, "alias": 3, "given-and-surname": 2, "surname": 2, "fuzzy": 1}
"""How trustworthy each rule of ``match_person`` is: a higher number is a stronger match."""


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


@functools.lru_cache(maxsize=65536)
def _transliteration_key(word: str) -> str:
    """A surname with the usual transliteration variants folded: doubled letters once, a final -iy/-yy/-ij as -y."""
    collapsed = re.sub(r"(.)\1+", r"\1", word)
    return re.sub(r"(?:iy|ij|yi)$", "y", collapsed)


# Called for every token of every source sentence against every surname, so
# memoised: a pure function of short strings.
@functools.lru_cache(maxsize=262144)
def same_surname(a: str, b: str, threshold: float) -> bool:
    """Whether two folded words are the same surname: equal, equal once transliteration variants are folded, or ``fuzz.ratio`` >= ``threshold`` (words of 4 letters or more)."""
    if a == b:
        return True
    if len(a) < 4 or len(b) < 4:
        return False
    return _transliteration_key(a) == _transliteration_key(b) or fuzz.ratio(a, b) >= threshold


@dataclass(frozen=True)
class Person:
    """A known person (a gold attendee) as the name forms a prediction may use."""

    name: str
    forms: dict[tuple[str, ...], str]
    """Name tokens -> the spelling they come from: the name first, then each alias."""

    @classmethod
    def of(cls, name: str, aliases: Sequence[str] = ()) -> Person:
        forms: dict[tuple[str, ...], str] = {}
        for written in (name, *aliases):
            forms.setdefault(name_tokens(written), written)
        forms.pop((), None)
        return cls(name, forms)

    @property
    def surnames(self) -> frozenset[str]:
        return frozenset(form[-1] for form in self.forms if len(form) >= 2)

    def similarity(self, predicted: tuple[str, ...], unambiguous_surnames: frozenset[str]) -> float:
        """Best ``token_sort_ratio`` (0-100) of a name against this person's forms.

        A one-word name is also compared with the person's surnames, when no
        other person in view shares them.
        """
        targets = [" ".join(form) for form in self.forms]
        if len(predicted) == 1:
            targets += sorted(self.surnames & unambiguous_surnames)
        joined = " ".join(predicted)
        return max((fuzz.token_sort_ratio(joined, target) for target in targets), default=0.0)


def unambiguous_surnames(people: Sequence[Person]) -> frozenset[str]:
    """The surnames that exactly one of these people has."""
    owners: dict[str, int] = {}
    for person in people:
        for surname in person.surnames:
            owners[surname] = owners.get(surname, 0) + 1
    return frozenset(surname for surname, count in owners.items() if count == 1)


@dataclass(frozen=True)
class NameMatch:
    rule: str
    matched: str
    """The spelling (name, alias or surname) that the rule matched."""
    similarity: float
    """Best name similarity, 0-100."""


def match_person(predicted: tuple[str, ...], person: Person, unambiguous: frozenset[str], threshold: float) -> NameMatch | None:
    """The strongest rule by which a name (``name_tokens``) names a person, or None (rules: module docstring)."""
    if not predicted or not person.forms:
        return None
    similarity = person.similarity(predicted, unambiguous)
    if predicted in person.forms:
        written = person.forms[predicted]
        return NameMatch("exact" if written == person.name else "alias", written, similarity)
    if len(predicted) >= 2:
        for form, written in person.forms.items():
            if len(form) >= 2 and predicted[0] == form[0] and predicted[-1] == form[-1]:
                return NameMatch("given-and-surname", written, similarity)
    if len(predicted) == 1 and predicted[0] in person.surnames & unambiguous:
        return NameMatch("surname", predicted[0], similarity)
    if similarity >= threshold:
        return NameMatch("fuzzy", person.name, similarity)
    return None


# --- Roles -----------------------------------------------------------------------

_ROLE_FUNCTION_WORDS = frozenset("of the and for to a an u s".split())
# Generic words for a head of government, which agree with any such title.
_LEADER_WORDS = frozenset({"leader", "head", "chief"})
_HEAD_TITLES = frozenset({"president", "premier", "chancellor", "king"})


def role_words(role: str) -> frozenset[str]:
    """The content words of a role: no function words, no words naming a party ("US", "Russian")."""
    return frozenset(w for w in fold(role).split() if w not in _ROLE_FUNCTION_WORDS and resolve_party(w) not in CANONICAL_PARTIES)


def roles_agree(predicted: str | None, stated: str | None) -> bool | None:
    """Whether a predicted role says what a stated role says (``None``: none is stated; a missing prediction disagrees).

    Example:
        >>> roles_agree("President", "President of Russia"), roles_agree("Secretary of State", "Treasury Secretary")
        (True, False)
    """
    if stated is None:
        return None
    if predicted is None:
        return False
    ours, theirs = role_words(predicted), role_words(stated)
    if not ours or not theirs:
        return fold(predicted) == fold(stated)
    if ours <= _LEADER_WORDS | {"state", "government"}:
        return bool(theirs & _HEAD_TITLES) or ours <= theirs
    return ours <= theirs or theirs <= ours
