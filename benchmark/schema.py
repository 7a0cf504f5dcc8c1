"""The data contract: summaries, submissions and gold, as pydantic models.

Unknown keys are rejected everywhere (``extra="forbid"``). Every field of a
summary may be absent (a list becomes empty, an object null) and every
sub-field may be null. ``bench schema`` prints the JSON Schema generated from
``Submission``, so that users in any language can validate.

Item paths, the notation that names a place in a submission in validation
errors and score reports alike (``predictions.003.attendees[2].name``), are
built by ``json_path`` and nowhere else.
"""

from __future__ import annotations

import datetime as _dt
import functools
import json
import re
import unicodedata
from typing import Annotated, Literal

from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict, Field, StringConstraints

SCHEMA_VERSION = "1"
INSTANCE_IDS: tuple[str, ...] = ("000", "001", "002", "003", "004", "event")
ARTICLE_IDS: tuple[str, ...] = INSTANCE_IDS[:5]
FIELDS: tuple[str, ...] = ("attendees", "venue", "time", "demands", "stakes")
VENUE_COMPONENTS: tuple[str, ...] = ("name", "city", "region", "country")
TIME_COMPONENTS: tuple[str, ...] = ("date", "weekday", "time_utc")
WEEKDAYS: tuple[str, ...] = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")

# Input caps (documented in README "Input rules"). Far above any honest
# summary of these articles, far below what could slow the scorer down.
MAX_STRING_CHARS = 1000
MAX_LIST_ITEMS = 100
# A demand or stake is one claim in one sentence (prompt v1 asks for 5 to 25
# words). 300 characters is over twice the longest item of any real system
# output in gold/judgments/ (179), and stops pasted paragraphs and item texts
# that list many claims at once before they are scored.
MAX_CLAIM_CHARS = 300

InstanceId = Literal["000", "001", "002", "003", "004", "event"]
ArticleId = Literal["000", "001", "002", "003", "004"]
Weekday = Literal["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"]


# Keys printed as they are in a path; any other key (spaces, dots, control
# characters, non-ASCII, very long) is printed quoted and escaped, so that a
# hostile key can neither fake a path nor carry a newline or an escape
# sequence to the terminal.
_PLAIN_KEY = re.compile(r"[A-Za-z0-9_-]{1,64}")
_MAX_KEY_SHOWN = 64


def _path_key(key: str) -> str:
    if _PLAIN_KEY.fullmatch(key):
        return key
    quoted = json.dumps(key[:_MAX_KEY_SHOWN], ensure_ascii=True)
    if len(key) > _MAX_KEY_SHOWN:
        quoted = quoted[:-1] + f'...({len(key):,} characters)"'
    return f"[{quoted}]"


# Pure, and called for every item of every scored submission.
@functools.lru_cache(maxsize=1 << 16, typed=True)
def json_path(*parts: str | int) -> str:
    """Build the path of a place in a submission, in the project's one notation.

    Strings are joined with dots, integers become list indices. A key that is
    not a short ASCII word is shown quoted and escaped in brackets, so every
    path is one printable line.

    Example:
        >>> json_path("predictions", "003", "attendees", 2, "name")
        'predictions.003.attendees[2].name'
        >>> json_path("predictions", "000", "bad\\nkey")
        'predictions.000["bad\\\\nkey"]'
    """
    path = ""
    for part in parts:
        if isinstance(part, int):
            path += f"[{part}]"
            continue
        key = _path_key(part)
        if key.startswith("["):
            path += key
        else:
            path += f".{key}" if path else key
    return path


# Characters that render as nothing, or differently from what they compare as,
# beyond the Unicode categories refused below: variation selectors (which can
# smuggle hidden bytes), the combining grapheme joiner, and letters that draw
# as blank space (Hangul fillers, the blank Braille pattern).
_INVISIBLE = frozenset(
    "\u034f\u115f\u1160\u180b\u180c\u180d\u180f\u2800\u3164\uffa0"
    + "".join(map(chr, range(0xFE00, 0xFE10)))
    + "".join(map(chr, range(0xE0100, 0xE01F0)))
)
_REFUSED_CATEGORIES = {
    "Cc": "control character",
    "Cf": "invisible or bidirectional control character",
    "Cs": "lone surrogate",
    "Co": "private-use character",
    "Cn": "unassigned code point",
    "Zl": "line separator",
    "Zp": "paragraph separator",
}
# Scripts that are legitimately written together within one word.
_SCRIPT_GROUPS = {
    "CJK": "CJK", "HIRAGANA": "CJK", "KATAKANA": "CJK", "KATAKANA-HIRAGANA": "CJK",
    "HANGUL": "CJK", "BOPOMOFO": "CJK", "IDEOGRAPHIC": "CJK",
}


def _script(char: str) -> str | None:
    """The script of a letter after NFKC (full-width and mathematical letters are Latin), or None."""
    for normalized in unicodedata.normalize("NFKC", char):
        category = unicodedata.category(normalized)
        if category[0] == "L" and category != "Lm":
            first_word = unicodedata.name(normalized, "UNKNOWN").split(" ", 1)[0]
            return _SCRIPT_GROUPS.get(first_word, first_word)
    return None


def _check_single_script_words(value: str) -> None:
    """Refuse a word that mixes letters of two scripts, such as 'Putin' with a Cyrillic 'Р'.

    NFKC does not fold look-alikes across scripts, so a mixed word could pass
    for a name while comparing as a different one. Whole words in one script
    (Cyrillic 'Путин') are accepted and compared as written.
    """
    first: tuple[int, str] | None = None  # the current word's first letter: position, script
    for position, char in enumerate(value):
        if unicodedata.category(char)[0] not in "LM":
            first = None
            continue
        script = _script(char)
        if script is None:
            continue
        if first is None:
            first = (position, script)
        elif script != first[1]:
            first_position, first_script = first
            raise ValueError(
                f"mixes {first_script.title()} and {script.title()} letters in one word "
                f"(U+{ord(value[first_position]):04X} at character {first_position}, U+{ord(char):04X} at character {position}); "
                "look-alike letters from another script are refused"
            )


def _check_characters(value: str) -> str:
    if value.isascii():
        # The common case, checked cheaply: only C0 controls and DEL can be wrong.
        for position, char in enumerate(value):
            if char < " " or char == "\x7f":
                raise ValueError(f"control character U+{ord(char):04X} at character {position}")
        return value
    for position, char in enumerate(value):
        kind = _REFUSED_CATEGORIES.get(unicodedata.category(char))
        if kind is None and char in _INVISIBLE:
            kind = "invisible character"
        if kind is not None:
            raise ValueError(f"{kind} U+{ord(char):04X} at character {position}")
    _check_single_script_words(value)
    return value


def _require_visible(value: str) -> str:
    if not value.strip():
        raise ValueError("must not be empty or whitespace only (write null, or leave the key out, when unknown)")
    return value


Text = Annotated[
    str, StringConstraints(max_length=MAX_STRING_CHARS), AfterValidator(_check_characters), AfterValidator(_require_visible)
]
"""Any submitted string: capped in length, visible, no control or invisible
characters, no word mixing scripts. Unknown values are null, never empty."""
ClaimText = Annotated[
    str, StringConstraints(max_length=MAX_CLAIM_CHARS), AfterValidator(_check_characters), AfterValidator(_require_visible)
]
"""The text of a demand or stake: a ``Text`` of at most ``MAX_CLAIM_CHARS`` characters."""


def _weekday_any_case(value: object) -> object:
    # Weekdays are compared case-insensitively, so "friday" is accepted and
    # stored in its canonical spelling.
    if isinstance(value, str):
        for weekday in WEEKDAYS:
            if value.strip().casefold() == weekday.casefold():
                return weekday
    return value


def _iso_date(value: str) -> str:
    try:
        _dt.date.fromisoformat(value)
    except ValueError:
        raise ValueError(f"{value!r} is not a calendar date") from None
    return value


IsoDate = Annotated[
    str,
    StringConstraints(pattern=r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$"),
    AfterValidator(_iso_date),
    Field(description="Calendar date, YYYY-MM-DD.", examples=["2025-08-15"]),
]
ClockTimeUtc = Annotated[
    str,
    StringConstraints(pattern=r"^([01][0-9]|2[0-3]):[0-5][0-9]$"),
    Field(description="24-hour clock time in UTC, HH:MM.", examples=["19:00"]),
]
_HTTP_URL = re.compile(r"^https?://[^\s<>\"'`|\\]+$")


def _http_url(value: str) -> str:
    if not _HTTP_URL.match(value):
        raise ValueError("must be an http:// or https:// URL without spaces or quotes")
    return value


HttpUrl = Annotated[Text, AfterValidator(_http_url)]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, str_strip_whitespace=False)


class Attendee(_Strict):
    """A person reported present at the summit or in a delegation travelling to it."""

    name: Text = Field(description="The person's name, e.g. 'Marco Rubio'.")
    role: Text | None = Field(default=None, description="Their role, e.g. 'Secretary of State'.")
    country: Text | None = Field(default=None, description="The country they represent, e.g. 'United States'.")


class Venue(_Strict):
    """Where the summit takes place."""

    name: Text | None = Field(default=None, description="Proper name of the place, e.g. 'Joint Base Elmendorf-Richardson'.")
    city: Text | None = None
    region: Text | None = Field(default=None, description="State or province, e.g. 'Alaska'.")
    country: Text | None = None


class Time(_Strict):
    """When the summit starts, converted to UTC."""

    date: IsoDate | None = None
    weekday: Annotated[Weekday | None, BeforeValidator(_weekday_any_case)] = Field(
        default=None, description="Weekday in UTC, 'Monday'..'Sunday' (any case accepted)."
    )
    time_utc: ClockTimeUtc | None = None


class PartyItem(_Strict):
    """A demand (party = who demands) or a stake (party = whose stake)."""

    party: Text | None = Field(default=None, description="A country or bloc, e.g. 'Russia'; aliases such as 'Kremlin' are resolved.")
    text: ClaimText = Field(description=f"The demand or stake in one short sentence, at most {MAX_CLAIM_CHARS} characters.")


class Summary(_Strict):
    """A structured summary of one instance."""

    attendees: list[Attendee] = Field(default_factory=list, max_length=MAX_LIST_ITEMS)
    venue: Venue | None = None
    time: Time | None = None
    demands: list[PartyItem] = Field(default_factory=list, max_length=MAX_LIST_ITEMS)
    stakes: list[PartyItem] = Field(default_factory=list, max_length=MAX_LIST_ITEMS)

    def item_counts(self) -> dict[str, int]:
        """Number of predicted items per field (filled components for venue and time)."""
        return {
            "attendees": len(self.attendees),
            "venue": sum(getattr(self.venue, c) is not None for c in VENUE_COMPONENTS) if self.venue else 0,
            "time": sum(getattr(self.time, c) is not None for c in TIME_COMPONENTS) if self.time else 0,
            "demands": len(self.demands),
            "stakes": len(self.stakes),
        }


class SystemInfo(_Strict):
    """Who made the predictions."""

    name: Annotated[
        str, StringConstraints(min_length=1, max_length=64), AfterValidator(_check_characters), AfterValidator(_require_visible)
    ] = Field(description="The system's name as shown on the leaderboard, 1-64 characters.")
    description: Text | None = None
    authors: Text | None = None
    url: HttpUrl | None = None
    model: Text | None = None
    date: IsoDate | None = None


class Submission(_Strict):
    """A file of predictions, one summary per instance."""

    schema_version: Literal["1"]
    system: SystemInfo
    predictions: dict[InstanceId, Summary]


# --- Gold: the summary schema plus annotations ------------------------------


class Evidence(_Strict):
    """A quote from an article that supports a gold item; an exact substring of it."""

    article: ArticleId
    quote: Text


Evidences = Annotated[list[Evidence], Field(min_length=1)]


class GoldAttendee(Attendee):
    aliases: list[Text] = Field(default_factory=list)
    evidence: Evidences


class VenueEvidence(_Strict):
    name: list[Evidence] = Field(default_factory=list)
    city: list[Evidence] = Field(default_factory=list)
    region: list[Evidence] = Field(default_factory=list)
    country: list[Evidence] = Field(default_factory=list)


class TimeEvidence(_Strict):
    date: list[Evidence] = Field(default_factory=list)
    weekday: list[Evidence] = Field(default_factory=list)
    time_utc: list[Evidence] = Field(default_factory=list)


class GoldVenue(Venue):
    aliases: list[Text] = Field(default_factory=list)
    evidence: VenueEvidence


class GoldTime(Time):
    evidence: TimeEvidence


class GoldPartyItem(PartyItem):
    evidence: Evidences
    facts: list[str] = Field(min_length=1, description="Ids of the inventory facts this item is (gold/facts/); one per article that states it.")


class GoldSummary(_Strict):
    """A gold summary: the summary schema, plus aliases and evidence on every item."""

    id: InstanceId
    attendees: list[GoldAttendee] = Field(default_factory=list)
    venue: GoldVenue | None = None
    time: GoldTime | None = None
    demands: list[GoldPartyItem] = Field(default_factory=list)
    stakes: list[GoldPartyItem] = Field(default_factory=list)

    def to_summary(self) -> Summary:
        """The gold as a plain summary, annotations dropped (what a perfect system writes)."""
        return Summary.model_validate(
            self.model_dump(
                exclude={
                    "id": True,
                    "attendees": {"__all__": {"aliases", "evidence"}},
                    "venue": {"aliases", "evidence"},
                    "time": {"evidence"},
                    "demands": {"__all__": {"evidence", "facts"}},
                    "stakes": {"__all__": {"evidence", "facts"}},
                }
            )
        )


# --- The fact inventory: every claim of an article a summary could state ------

PartyName = Literal["United States", "Russia", "Ukraine", "Europe", "NATO", "India", "China"]
FactKind = Literal["demand", "stake", "position", "event", "forecast", "quote", "background"]
Polarity = Literal["wants", "refuses", "warns_against", "gains", "loses", "states"]


class FactSlots(_Strict):
    """The typed parts of a fact that a summary item can get wrong (gold/GUIDELINES.md, "Fact inventory")."""

    numbers: list[Text] = Field(description="Numbers with their units as the article gives them ('nearly 20%', '21,000 sq km').")
    places: list[Text]
    persons: list[Text]
    organisations: list[Text]
    polarity: Polarity


class Fact(_Strict):
    """One claim an article makes, with ways of saying it and the quotes it rests on."""

    id: Annotated[str, StringConstraints(pattern=r"^[0-9]{3}\.f[0-9]{2,3}$")]
    holder: PartyName | None = Field(description="Whose demand, position or stake it is; null when no party holds it.")
    agreed_by: list[PartyName] = Field(description="Other parties the article reports stating or agreeing to it.")
    kind: FactKind
    text: Text
    paraphrases: list[Text] = Field(min_length=5)
    opposites: list[Text] = Field(min_length=2, description="Texts that state the opposite (polarity flipped).")
    slots: FactSlots
    evidence: list[Text] = Field(min_length=1, description="Exact quotes of the article.")

    # Facts are keys of the scorers' caches; equal facts have equal ids, so the id alone is a sound hash.
    def __hash__(self) -> int:
        return hash(self.id)

    @property
    def article(self) -> str:
        return self.id[:3]

    @property
    def statements(self) -> tuple[str, ...]:
        """The canonical text and every paraphrase: the texts a predicted item is compared with."""
        return (self.text, *self.paraphrases)


class FactInventory(_Strict):
    """The inventory of one article: ``gold/facts/<article>.json``."""

    article: ArticleId
    notes: Text
    facts: list[Fact] = Field(min_length=1)


def submission_json_schema() -> dict:
    """The JSON Schema of a submission file, generated from ``Submission``."""
    schema = Submission.model_json_schema()
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["title"] = "Alaska Summit Bench submission (schema_version 1)"
    return schema
