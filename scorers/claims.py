"""Typed reading of the source articles for the consistency scorer.

Everything here is plain text processing (no model): the articles as
sentences with their role (caption, list item under an introducing line),
where a person is mentioned and in what role, what the articles say about the
venue and the start time, and the quantities a text states (which the
claim-matching core, ``scorers.matching``, compares for demands and stakes).
``scorers.consistency`` combines these with the gold annotations; its module
docstring states the decision procedure.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from functools import cache
from typing import Literal

from benchmark.data import Article
from benchmark.normalize import CANONICAL_PARTIES, fold, resolve_party
from benchmark.schema import WEEKDAYS
from scorers.config import SourceReadingConfig
from scorers.names import role_words, same_surname
from scorers.sentences import is_list_item, split_sentences

# --- Sentences ---------------------------------------------------------------

# Photo captions describe another moment than the article's event.
_CAPTION = re.compile(r"^(?:file )?(?:photo|picture|image|caption)\b")


@dataclass(frozen=True)
class SourceSentence:
    """One sentence of a source article.

    Attributes:
        article: the article id.
        text: the sentence as written.
        folded: ``fold(text)``.
        caption: a photo caption ("File photo: ..."), which describes another occasion.
        context: for a list item, the line that introduces the list
            ("The official delegation includes:"); otherwise empty.
    """

    article: str
    text: str
    folded: str
    caption: bool
    context: str = ""

    @property
    def tokens(self) -> tuple[str, ...]:
        return tuple(self.folded.split())


@cache
def source_sentences(sources: tuple[Article, ...]) -> tuple[SourceSentence, ...]:
    """The sentences of the sources in article order (``scorers.sentences.split_sentences``, line by line)."""
    sentences: list[SourceSentence] = []
    for article in sources:
        introduction = ""
        for line in article.text.splitlines():
            if not line.strip():
                continue
            is_item = is_list_item(line)
            if not is_item:
                introduction = line.strip() if line.rstrip().endswith(":") else ""
            for text in split_sentences(line):
                folded = fold(text)
                sentences.append(SourceSentence(article.id, text, folded, bool(_CAPTION.match(folded)), introduction if is_item else ""))
    return tuple(sentences)


def sentences_containing(sentences: tuple[SourceSentence, ...], quote: str) -> list[SourceSentence]:
    """The sentences that share the most words with a quote (for gold evidence quotes that span or cut sentences)."""
    words = set(fold(quote).split())
    if not words:
        return []
    scored = [(len(words & set(s.tokens)) / len(words), s) for s in sentences]
    best = max((score for score, _ in scored), default=0.0)
    return [s for score, s in scored if score == best and score >= 0.5][:1]


def _has_phrase(tokens: tuple[str, ...] | list[str], phrase: str) -> bool:
    words = phrase.split()
    return any(list(tokens[i : i + len(words)]) == words for i in range(len(tokens) - len(words) + 1))


# --- Persons -------------------------------------------------------------------

# Cues are folded word sequences. A "passive" exclusion cue follows the person
# ("Zelenskiy, not invited,"), an "active" one precedes them ("did not invite Zelensky").
_EXCLUDED_AFTER = ("not invited", "excluded from", "uninvited", "not attend", "not attending", "not present", "absent", "stayed away", "not take part", "left out")
_EXCLUDED_BEFORE = ("not invite", "excluded", "excluding", "without", "not including")
_NON_ATTENDEE_NEAR = frozenset(
    "analyst analysts economist expert experts professor researcher scholar fellow commentator columnist center centre institute university".split()
)
_FUTURE_MEETING = ("three way", "follow up", "subsequent", "future", "peace conference", "would participate", "next step", "before any final")
_ATTENDANCE = re.compile(
    r"\b(?:meet|meets|met|to meet|will meet|meeting with|meeting between|talks with|talks between|held (?:\w+ )?talks|summit with"
    r"|delegation|accompanied|accompanying|presence of|arrived|arrives|welcomed|counterpart|drove|visiting)\b"
)
_LIST_CUE = re.compile(r"\b(?:delegation includes|delegation including|accompanied by|including|includes)\b")
PersonRole = Literal["excluded", "caption", "analyst", "future", "attendee", "mentioned"]
_ROLE_PRIORITY: tuple[PersonRole, ...] = ("excluded", "caption", "analyst", "future", "attendee", "mentioned")


@dataclass(frozen=True)
class Mention:
    """A sentence that mentions a person, and the role it gives them."""

    sentence: SourceSentence
    role: PersonRole


def person_mentions(
    forms: tuple[tuple[str, ...], ...], sentences: tuple[SourceSentence, ...], *, threshold: float, reading: SourceReadingConfig
) -> list[Mention]:
    """Every sentence that mentions the person (by surname), with the role that sentence gives them.

    A surname preceded by a different given name ("Marco Rubio" for "Mark
    Rubio") is another person. Roles, strongest first: ``excluded`` (not
    invited, excluded, did not invite ...), ``caption``, ``analyst`` (an
    analyst, economist, expert or institute within six words), ``future``
    (a three-way, follow-up or future meeting in the sentence), ``attendee``
    (the sentence, or the line introducing its list, says the person meets,
    holds talks, arrives, is in the delegation, is present ..., within
    ``reading.attendance_reach`` words of the name), else ``mentioned``.
    Surnames are compared by ``scorers.names.same_surname`` at ``threshold``.
    """
    # A one-letter "surname" is an initial or the "s" of a folded possessive, never a name to look for.
    surnames = {form[-1] for form in forms if len(form[-1]) >= 2}
    given = {form[0][0] for form in forms if len(form) >= 2}
    found: list[Mention] = []
    for sentence in sentences:
        tokens = sentence.tokens
        capitalised = {fold(word) for word in _CAPITALISED.findall(sentence.text)}
        positions = [
            i
            for i, token in enumerate(tokens)
            if any(same_surname(token, surname, threshold) for surname in surnames)
            and not (given and i > 0 and _is_given_name(tokens[i - 1], capitalised) and tokens[i - 1][0] not in given)
        ]
        if positions:
            found.append(Mention(sentence, _role_in(sentence, positions, reading.attendance_reach)))
    return found


# Words that may stand right before a surname without being a given name.
_NOT_GIVEN_NAMES = frozenset(
    "president secretary director minister envoy leader chancellor premier prime foreign state treasury commerce special cia "
    "mr mrs ms dr and with of the by to as that said says from for".split()
)


_CAPITALISED = re.compile(r"\b[A-Z][a-z]+\b")


def _is_given_name(token: str, capitalised: set[str]) -> bool:
    """Whether a word before a surname reads as a given name: capitalised in the sentence, longer than an initial, not a title."""
    return len(token) > 2 and token in capitalised and token not in _NOT_GIVEN_NAMES and resolve_party(token) not in CANONICAL_PARTIES


def _role_in(sentence: SourceSentence, positions: list[int], reach: int) -> PersonRole:
    tokens = sentence.tokens
    roles = set()
    for i in positions:
        after, before = tokens[i + 1 : i + 7], tokens[max(0, i - 5) : i]
        if any(_has_phrase(after, cue) for cue in _EXCLUDED_AFTER) or any(_has_phrase(before, cue) for cue in _EXCLUDED_BEFORE):
            roles.add("excluded")
        if _NON_ATTENDEE_NEAR & set(tokens[max(0, i - 6) : i + 7]):
            roles.add("analyst")
    if sentence.caption:
        roles.add("caption")
    if any(_has_phrase(tokens, cue) for cue in _FUTURE_MEETING):
        roles.add("future")
    if sentence.context and _ATTENDANCE.search(fold(sentence.context)):
        roles.add("attendee")
    for i in positions:
        # The cue must be near the name, or introduce a list the name is in
        # ("Trump's delegation includes ..., and CIA Director John Ratcliffe").
        near = " ".join(tokens[max(0, i - reach) : i + reach + 1])
        if _ATTENDANCE.search(near) or _LIST_CUE.search(" ".join(tokens[:i])):
            roles.add("attendee")
    return next((role for role in _ROLE_PRIORITY if role in roles), "mentioned")


def role_near(predicted: str, mention: Mention, forms: tuple[tuple[str, ...], ...], threshold: float) -> bool:
    """Whether the role's content words stand right before the person's name in the sentence ("CIA Director John Ratcliffe")."""
    words = role_words(predicted)
    if not words:
        return False
    tokens = mention.sentence.tokens
    surnames = {f[-1] for f in forms}
    for i, token in enumerate(tokens):
        if any(same_surname(token, s, threshold) for s in surnames) and words <= set(tokens[max(0, i - 6) : i]):
            return True
    return False


def nationality_near(mention: Mention, forms: tuple[tuple[str, ...], ...], threshold: float) -> str | None:
    """The party named by the nationality word closest before the person's name, within four words ("Russian President Vladimir Putin")."""
    tokens = mention.sentence.tokens
    names = {w for f in forms for w in f}
    surnames = {f[-1] for f in forms}
    for i, token in enumerate(tokens):
        if any(same_surname(token, s, threshold) for s in surnames):
            for j in range(i - 1, max(-1, i - 5), -1):
                if tokens[j] in names:
                    continue
                for candidate in (" ".join(tokens[j - 1 : j + 1]) if j else "", tokens[j]):
                    party = resolve_party(candidate) if candidate else None
                    if party in CANONICAL_PARTIES:
                        return party
    return None


# --- Venue -------------------------------------------------------------------

_VENUE_CUE = re.compile(r"\b(?:summit|meeting|meet|talks|held|hold|take place|takes place|taking place|scheduled|venue|location|arrived)\b")


def place_forms(value: str) -> set[str]:
    """A predicted place as folded phrases: as written, without a leading article, its bracketed parts and the rest."""
    forms = set()
    for part in (value, re.sub(r"\([^()]*\)", " ", value), *re.findall(r"\(([^()]*)\)", value)):
        folded = fold(part)
        for article in ("the ", "a ", "an "):
            if folded.startswith(article):
                folded = folded[len(article) :]
        if folded:
            forms.add(folded)
    return forms


def venue_mentions(
    forms: set[str], sentences: tuple[SourceSentence, ...], *, reading: SourceReadingConfig
) -> tuple[list[SourceSentence], list[SourceSentence]]:
    """Sentences naming the place as where the summit is, and the other sentences naming it.

    The place is the venue in a sentence that is not a caption, when it comes
    at most ``reading.place_reach`` (3) words after an "in" or "at" that
    itself comes at most ``reading.place_window`` (8) words after a venue cue (summit, meeting, talks, held, take place,
    scheduled, arrived ...): "scheduled to take place in Anchorage",
    "held at the Joint Base Elmendorf-Richardson (JBER) in Anchorage".
    """
    as_venue, other = [], []
    for sentence in sentences:
        tokens = sentence.tokens
        spans = [i for form in forms for i in _phrase_positions(tokens, form.split())]
        if not spans:
            continue
        if not sentence.caption and any(_introduced_as_venue(tokens, i, reading) for i in spans):
            as_venue.append(sentence)
        else:
            other.append(sentence)
    return as_venue, other


def _phrase_positions(tokens: tuple[str, ...], words: list[str]) -> list[int]:
    return [i for i in range(len(tokens) - len(words) + 1) if list(tokens[i : i + len(words)]) == words]


def _introduced_as_venue(tokens: tuple[str, ...], start: int, reading: SourceReadingConfig) -> bool:
    for preposition in range(start - 1, max(-1, start - reading.place_reach - 1), -1):
        if tokens[preposition] in ("in", "at"):
            cue_zone = " ".join(tokens[max(0, preposition - reading.place_window) : preposition])
            if _VENUE_CUE.search(cue_zone):
                return True
    return False


# --- Time ---------------------------------------------------------------------

# UTC offsets in hours of the zones news articles use for this event.
ZONE_OFFSETS: dict[str, float] = {
    "gmt": 0, "utc": 0, "z": 0, "bst": 1, "cet": 1, "cest": 2, "msk": 3, "ist": 5.5, "aest": 10, "aedt": 11,
    "akdt": -8, "akst": -9, "pdt": -7, "pst": -8, "mdt": -6, "cdt": -5, "edt": -4, "est": -5, "et": -4,
}
# The local zone of a venue region, for clock times given without a zone.
# Alaska in summer (the summit was held in August): AKDT, UTC-8.
LOCAL_ZONES: dict[str, float] = {"alaska": -8}

_DAY = "|".join(WEEKDAYS)
_ZONE = "|".join(sorted(ZONE_OFFSETS, key=len, reverse=True))
_CLOCK = re.compile(
    rf"(?P<clock>\b\d{{1,2}}(?::\d{{2}})?\s*[ap]\.?m\b\.?|\b\d{{1,2}}:\d{{2}}\b|\b\d{{3,4}}(?=\s*(?:GMT|UTC)\b))"
    rf"(?:\s+on\s+(?P<day>{_DAY}))?(?:\s+(?P<zone>{_ZONE})\b)?(?:\s+on\s+(?P<day_after>{_DAY}))?",
    re.IGNORECASE,
)
_SUMMIT_CUE = re.compile(r"\b(?:summit|meeting|meet|meets|talks|negotiations|begin|begins|take place|takes place|held)\b", re.IGNORECASE)
_BARE_DAY = re.compile(rf"\b(?P<day>{_DAY})\b(?P<possessive>[’']s\s+(?:meeting|summit|talks|negotiations))?")
_MONTHS = ("january", "february", "march", "april", "may", "june", "july", "august", "september", "october", "november", "december")
_MONTH = r"(?P<month>January|February|March|April|May|June|July|August|September|October|November|December|Jan|Feb|Mar|Apr|Jun|Jul|Aug|Sep|Sept|Oct|Nov|Dec)\.?"
_DATES = (
    re.compile(rf"\b{_MONTH}\s+(?P<day>\d{{1,2}})(?:st|nd|rd|th)?\b(?:,?\s+(?P<year>\d{{4}}))?", re.IGNORECASE),
    re.compile(rf"\b(?P<day>\d{{1,2}})(?:st|nd|rd|th)?\s+{_MONTH}(?:\s+(?P<year>\d{{4}}))?", re.IGNORECASE),
    re.compile(r"\b(?P<year>\d{4})-(?P<month>\d{2})-(?P<day>\d{2})\b"),
)


@dataclass(frozen=True)
class StatedTime:
    """A start time an article states for the summit, in UTC.

    Attributes:
        weekday: the UTC weekday, when the article gives a day.
        clock: "HH:MM" in UTC, when it gives a clock time whose zone is known.
        date: (year or None, month, day) of a stated calendar date.
        sentence: where it is stated.
    """

    weekday: str | None
    clock: str | None
    date: tuple[int | None, int, int] | None
    sentence: SourceSentence


def stated_times(sentences: tuple[SourceSentence, ...]) -> list[StatedTime]:
    """Every start time, weekday and date the sources state for the summit, converted to UTC.

    Only sentences with a summit cue (summit, meeting, meet, talks, begin,
    take place, held) count, so "On Wednesday, he reassured Ukraine" states no
    summit day. A clock time with a zone (1900 GMT, 5:00 on Saturday AEST) is
    converted with the zone's offset; one without a zone is the venue's local
    time (``LOCAL_ZONES``: Alaska = AKDT, UTC-8), or is not used when the
    venue's zone is unknown. A weekday written with the clock moves with the
    conversion (05:00 Saturday AEST = 19:00 Friday UTC). A bare weekday must
    follow a summit cue in its sentence ("held talks ... on Friday", "will
    meet Friday") or be the possessive of one ("Friday's meeting") and is
    taken as the UTC day.
    """
    local_offset = next((offset for region, offset in LOCAL_ZONES.items() if any(region in s.tokens for s in sentences if not s.caption)), None)
    stated: list[StatedTime] = []
    for sentence in sentences:
        cue = _SUMMIT_CUE.search(sentence.text)
        if sentence.caption or not cue:
            continue
        covered: list[tuple[int, int]] = []
        for match in _CLOCK.finditer(sentence.text):
            covered.append(match.span())
            day = match.group("day") or match.group("day_after")
            zone = match.group("zone")
            offset = ZONE_OFFSETS[zone.lower()] if zone else local_offset
            minutes = _clock_minutes(match.group("clock"))
            if minutes is None:
                continue
            if offset is None:
                continue
            utc = minutes - round(offset * 60)
            day_shift, utc = divmod(utc, 24 * 60)
            weekday = WEEKDAYS[(WEEKDAYS.index(day.capitalize()) + day_shift) % 7] if day else None
            stated.append(StatedTime(weekday, f"{utc // 60:02d}:{utc % 60:02d}", None, sentence))
        for match in _BARE_DAY.finditer(sentence.text):
            if any(start <= match.start() < end for start, end in covered):
                continue
            if match.group("possessive") or _SUMMIT_CUE.search(sentence.text[: match.start()]):
                stated.append(StatedTime(match.group("day"), None, None, sentence))
        for pattern in _DATES:
            for match in pattern.finditer(sentence.text):
                if _SUMMIT_CUE.search(sentence.text[: match.start()]):
                    date = _date_parts(match)
                    if date:
                        stated.append(StatedTime(None, None, date, sentence))
    return stated


def _clock_minutes(clock: str) -> int | None:
    text = clock.lower().replace(".", "").replace(" ", "")
    if text.endswith(("am", "pm")):
        hours, _, minutes_text = text[:-2].partition(":")
        hours, minutes = int(hours), int(minutes_text or 0)
        if not 1 <= hours <= 12:
            return None
        hours = hours % 12 + (12 if text.endswith("pm") else 0)
    elif ":" in text:
        hours, minutes = (int(part) for part in text.split(":"))
    else:
        hours, minutes = divmod(int(text), 100)
    if hours > 23 or minutes > 59:
        return None
    return hours * 60 + minutes


def _date_parts(match: re.Match) -> tuple[int | None, int, int] | None:
    month_text = match.group("month")
    month = int(month_text) if month_text.isdigit() else next(i for i, m in enumerate(_MONTHS, 1) if m.startswith(month_text.lower()[:3]))
    day = int(match.group("day"))
    year = int(match.group("year")) if match.group("year") else None
    try:
        dt.date(year or 2000, month, day)  # 2000 is a leap year, so 29 February is accepted without a year
    except ValueError:
        return None
    return year, month, day


# --- Free-text claims: quantities, polarity, entities, parties ------------------

_SMALL_NUMBERS = {
    w: n
    for n, w in enumerate(
        "zero one two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen sixteen seventeen eighteen nineteen twenty".split()
    )
}
_SMALL_NUMBERS.update({"thirty": 30, "forty": 40, "fifty": 50, "a": 1, "an": 1, "twenty-four": 24, "forty-eight": 48})
_FRACTION_WORDS = {"half": 2, "third": 3, "thirds": 3, "quarter": 4, "quarters": 4, "fifth": 5, "fifths": 5, "tenth": 10, "tenths": 10}
_NUMBER = r"\d[\d,]*(?:\.\d+)?"
_WORD_NUMBER = r"(?:" + "|".join(sorted(_SMALL_NUMBERS, key=len, reverse=True)) + r")"
_QUANTITY_PATTERNS: tuple[tuple[str, re.Pattern], ...] = (
    # Durations first, so that the "a half" of "three-and-a-half years" is not read as 50%.
    ("years", re.compile(rf"\b(?P<n>{_NUMBER}|{_WORD_NUMBER})(?P<half>(?:[\s-]and[\s-]a[\s-]half)?)[\s-]+years?\b")),
    ("hours", re.compile(rf"\b(?P<n>{_NUMBER}|{_WORD_NUMBER})[\s-]+hours?\b")),
    ("days", re.compile(rf"\b(?P<n>{_NUMBER}|{_WORD_NUMBER})[\s-]+days?\b")),
    ("percent", re.compile(rf"(?P<n>{_NUMBER})\s*(?:%|percent\b|per cent\b)")),
    ("percent", re.compile(rf"\b(?P<w>{_WORD_NUMBER})[\s-](?P<f>{'|'.join(_FRACTION_WORDS)})\b")),
    ("area_km2", re.compile(rf"(?P<n>{_NUMBER})\s*(?P<u>sq\.?\s*km|square\s+kilomet(?:er|re)s?|km2|km²|square\s+miles?|sq\.?\s*mi(?:les?)?)")),
    ("year", re.compile(r"\b(?P<n>1[89]\d\d|20\d\d)\b")),
)


def quantities(text: str) -> list[tuple[str, float]]:
    """The quantities a text states, typed and normalised.

    Percentages and fractions are percent ("one-fifth" = "20%" = 20.0),
    areas are km² (square miles converted), durations keep their unit
    ("three-and-a-half years" = 3.5 years), and four-digit years are years.

    Example:
        >>> quantities("nearly 20% of Ukraine, about one-fifth, 21,000 sq km")
        [('percent', 20.0), ('percent', 20.0), ('area_km2', 21000.0)]
    """
    return [(kind, value) for kind, value, _ in _quantities_with_ends(text)]


def _quantities_with_ends(text: str) -> list[tuple[str, float, int]]:
    # Replacements keep every length, so match ends are positions in ``text``.
    lowered = text.lower().replace("‐", "-").replace("–", "-")
    found: list[tuple[int, str, float, int]] = []
    taken: list[tuple[int, int]] = []
    for kind, pattern in _QUANTITY_PATTERNS:
        for match in pattern.finditer(lowered):
            if any(start < match.end() and match.start() < end for start, end in taken):
                continue
            value = _quantity_value(kind, match)
            if value is not None:
                taken.append(match.span())
                found.append((match.start(), kind, value, match.end()))
    return [(kind, value, end) for _, kind, value, end in sorted(found)]


def _quantity_value(kind: str, match: re.Match) -> float | None:
    groups = match.groupdict()
    if groups.get("f"):
        numerator = _SMALL_NUMBERS.get(groups["w"])
        return None if numerator is None else round(100 * numerator / _FRACTION_WORDS[groups["f"]], 1)
    raw = groups["n"]
    number = _SMALL_NUMBERS[raw] if raw in _SMALL_NUMBERS else float(raw.replace(",", ""))
    if groups.get("half"):
        number += 0.5
    if kind == "area_km2" and "mi" in groups["u"]:
        number *= 2.58999
    return float(number)


def quantities_agree(kind: str, a: float, b: float) -> bool:
    """Two quantities of one kind agree: years exactly, others within 5% ("about", "nearly")."""
    if kind == "year":
        return a == b
    return abs(a - b) <= 0.05 * max(abs(a), abs(b))
