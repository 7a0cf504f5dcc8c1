"""The ``rules`` baseline: hand-written patterns and small gazetteers, no learning.

What it does, field by field (every rule reads only the articles):

* Lines are split into sentences (``scorers.sentences.split_sentences``,
  the project's one sentence splitter). Photo captions (lines starting "File photo"
  or "Photo:") and cross-links ("ALSO READ:") are about other stories and are
  skipped; a list item keeps the line that introduced the list as context.
* **Attendees.** People are found as a title followed by a capitalised name
  ("Treasury Secretary Scott Bessent"), the word before the title giving the
  country ("Russian President ..."), or as a capitalised name starting with a
  common given name ("Donald Trump"). A person attends when some clause
  mentions them together with a presence cue (meet, talks, delegation,
  accompanied, arrived, presence of ...) and no hypothetical cue (three-way,
  follow-up, future ...). A person is dropped when any mention marks them as
  outside the meeting: "not invited", "excluded", "did not invite X", a
  profession that marks a commentator ("economist X", "analyst X"), or
  "said X of the ...".
* **Venue.** The region is the US state most often named after "in", "to" or
  "of"; the city is a gazetteer city in that state named after "in" or "at";
  the name is a capitalised military installation ("... Air Force Base",
  "Joint Base ..."); the country is the United States when the state or
  city is a US one.
* **Time.** Clock times in a sentence about the meeting: "HH:MM [on
  Weekday] [ZONE]" and "HHMM GMT". A zone abbreviation converts directly; a
  time without a zone is read as local time at the venue, using the summer
  (daylight saving) offset of the state. Assumption, stated: the articles
  are from August 2025, so Alaska keeps AKDT, UTC-8. The weekday is
  shifted along with the time ("5:00 on Saturday AEST" is Friday 19:00
  UTC). Without a clock time, the weekday named next to a meeting word
  ("talks ... on Friday", "Friday's meeting") is taken as the UTC weekday.
  A date is filled only from an explicit "Month D, YYYY" or "D Month YYYY".
* **Demands.** A clause with a demand cue (demands, insists, wants, requires,
  urged, calls for, set forth conditions, pushing for, rejected, depends
  on, must ...) gives one item: the text after the cue, and the party of the
  clause's subject (the first country, capital or leader before the cue,
  resolved by ``benchmark.normalize.resolve_party``; a pronoun takes the
  subject of the previous sentence; a commentator's advice is no demand).
* **Stakes.** A clause with a stake cue gives one item: the cue and what
  follows. For "stands to", "to bolster", "opportunity to", "faces",
  "risk", "threat of", "concern" the party is the nearest one before the
  cue ("India and China may face" gives both); for "implications for",
  "pressure on", "tariffs on" it is the first one after.

The ``event`` instance runs the same rules over all five articles at once,
so mentions and votes add up across articles.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass


from benchmark.data import Article
from benchmark.normalize import CANONICAL_PARTIES, fold, resolve_party
from benchmark.schema import WEEKDAYS, Attendee, PartyItem, Summary, Time, Venue
from scorers.names import same_surname
from scorers.sentences import LIST_MARKER, is_list_item, split_sentences

DESCRIPTION = (
    "Rule-based extractor: title and given-name patterns for people, gazetteers of US states, cities and "
    "military bases for the venue, clock times with time zones converted to UTC, and cue verbs and phrases "
    "for demands and stakes, the party taken from the clause's subject."
)
MODEL = "rules v1"

# --- Sentences ---------------------------------------------------------------

_SKIPPED_LINE = re.compile(r"^(?:File photo|Photo:|ALSO READ:)", re.IGNORECASE)


@dataclass(frozen=True)
class Sentence:
    """One sentence of an article, with the heading line of the list it is an item of."""

    article: str
    text: str
    list_context: str = ""
    is_heading: bool = False


def split_article(article: Article) -> list[Sentence]:
    """Split an article into sentences, skipping captions and cross-links.

    A line without final punctuation that is not a list item is a heading;
    headings give no demands or stakes. A line ending in a colon opens a
    list; its items keep that line as ``list_context``.
    """
    sentences: list[Sentence] = []
    list_context = ""
    for raw_line in article.text.splitlines():
        line = raw_line.strip()
        if not line:
            continue
        if _SKIPPED_LINE.match(line):
            continue
        is_item = is_list_item(line)
        if is_item:
            line = LIST_MARKER.sub("", line)
        else:
            list_context = ""
        is_heading = not is_item and not re.search(r"[.!?:…”\"]$", line)
        for text in split_sentences(line):
            sentences.append(Sentence(article.id, text, list_context if is_item else "", is_heading))
        if not is_item and line.endswith(":"):
            list_context = line
    return sentences


# Clauses: parts of a sentence that can carry their own subject.
_CLAUSE_BREAK = re.compile(r"\s*(?:;|\s—\s|\s–\s|\s-\s|,\s+(?:while|but|whereas)\s|\s+amid\s|\s+but\s)\s*")
# A leading subordinate clause ("As Trump headed to Alaska, ...") is not the subject.
_LEADING_SUBORDINATE = re.compile(r"^(?:As|While|When|Although|Though|After|Before|If|Since|Ahead of)\b[^,]*,\s*")


def clauses(text: str) -> list[str]:
    """Split a sentence into clauses at semicolons, dashes and contrastive conjunctions."""
    return [clause for clause in _CLAUSE_BREAK.split(text) if clause.strip()]


# --- Parties -------------------------------------------------------------------

_WORD = re.compile(r"[A-Za-z][\w.’'\-]*")
_POSSESSIVE = re.compile(r"(?:’s|'s|’|')$")
_PRONOUN_START = re.compile(r"^(?:He|She|They|It|His|Her|Their)\b")
# Words that mark a commentator rather than a party or a participant.
_COMMENTATOR_WORDS = r"analysts?|economists?|experts?|observers?|professors?|scholars?|commentators?"
_COMMENTATOR = re.compile(rf"\b(?:{_COMMENTATOR_WORDS})\b", re.IGNORECASE)


@dataclass(frozen=True)
class PartyMention:
    start: int
    end: int
    party: str


def party_mentions(text: str) -> list[PartyMention]:
    """Every mention of a canonical party: countries, capitals, institutions, leaders.

    Spans of up to four words starting with a capital are tried longest first,
    possessives dropped ("Russia’s" is Russia), and kept when
    ``resolve_party`` knows them.
    """
    words = list(_WORD.finditer(text))
    mentions: list[PartyMention] = []
    index = 0
    while index < len(words):
        if not words[index].group()[0].isupper():
            index += 1
            continue
        for length in range(min(4, len(words) - index), 0, -1):
            span = words[index:index + length]
            if any(text[a.end():b.start()].strip() for a, b in zip(span, span[1:])):
                continue  # the words are not adjacent (a comma or dash between them)
            phrase = _POSSESSIVE.sub("", text[span[0].start():span[-1].end()].rstrip("."))
            party = resolve_party(phrase)
            if party in CANONICAL_PARTIES:
                mentions.append(PartyMention(span[0].start(), span[-1].end(), party))
                index += length
                break
        else:
            index += 1
    return mentions


def subject_party(sentence: str) -> str | None:
    """The party a sentence is about: its first party mention, unless a commentator speaks first."""
    body = _LEADING_SUBORDINATE.sub("", sentence)
    mentions = party_mentions(body)
    commentator = _COMMENTATOR.search(body)
    if commentator and (not mentions or commentator.start() < mentions[0].start):
        return None
    return mentions[0].party if mentions else None


# --- Attendees -------------------------------------------------------------------

# Title as written -> the role reported. Longest first, so "Secretary of
# State" wins over a bare "Secretary".
_TITLES: dict[str, str] = {
    "Secretary of State": "Secretary of State",
    "Treasury Secretary": "Treasury Secretary",
    "Commerce Secretary": "Commerce Secretary",
    "Defense Secretary": "Defense Secretary",
    "CIA Director": "CIA Director",
    "Special Envoy": "Special Envoy",
    "National Security Adviser": "National Security Adviser",
    "Foreign Minister": "Foreign Minister",
    "Defence Minister": "Defence Minister",
    "Prime Minister": "Prime Minister",
    "Vice President": "Vice President",
    "Chancellor": "Chancellor",
    "President": "President",
}
# Titles that exist in the US government only, so they name a US official
# even without "US" in front.
_US_ONLY_TITLES = frozenset({"Secretary of State", "Treasury Secretary", "Commerce Secretary", "CIA Director", "Special Envoy", "National Security Adviser"})
# Common given names (English, Russian, Ukrainian, other European), to find
# people mentioned without a title.
_GIVEN_NAMES = frozenset(
    """Alexander Alexei Andrei Anna Antony Boris Charles Dmitry Donald Elizabeth Emmanuel Friedrich George Giorgia
    Howard Ivan James Jeffrey Joe John Joseph Kamala Keir Kevin Kirill Lindsey Marco Maria Mark Michael Mike Nikolai
    Olaf Oleksandr Pete Peter Robert Sam Scott Sergei Sergey Steve Steven Tulsi Ursula Viktor Vladimir Volodymyr
    Yuri""".split()
)
_NAME_WORD = r"[A-Z][a-z]+(?:-[A-Z][a-z]+)?"
_PERSON_NAME = rf"{_NAME_WORD}(?:\s+[A-Z]\.)?(?:\s+{_NAME_WORD})*"
_TITLED = re.compile(
    rf"(?:(?P<nationality>United States|U\.S\.|[A-Z][\w’']*)\s+)?(?P<title>{'|'.join(_TITLES)})\s+(?P<name>{_PERSON_NAME})"
)
_UNTITLED = re.compile(rf"\b(?P<name>(?:{'|'.join(sorted(_GIVEN_NAMES))})(?:\s+[A-Z]\.)?(?:\s+{_NAME_WORD})+)")

_PRESENCE = re.compile(
    r"\b(?:meet|meets|meeting|met|talks|summit|delegation|accompanied|arrived|arrives|presence of|attend\w*|"
    r"travell?ed to|headed to|welcomed)\b",
    re.IGNORECASE,
)
_HYPOTHETICAL = re.compile(
    r"\b(?:three-way|trilateral|follow-up|future|subsequent|would participate|could participate|peace conference)\b",
    re.IGNORECASE,
)
_EXCLUDED_BEFORE = re.compile(
    rf"(?:\b(?:did not invite|not invite|excluding|{_COMMENTATOR_WORDS})\s+(?:\w+\s+)?)$",
    re.IGNORECASE,
)
_EXCLUDED_AFTER = re.compile(r"^[\s,]+(?:(?:is|was|has been|had been|were)\s+)?(?:not invited|excluded|uninvited)\b", re.IGNORECASE)
_SAID_BEFORE = re.compile(r"\bsaid\s+$")
_OF_THE_AFTER = re.compile(r"^\s+of\s+the\b")
# Spellings of one surname across articles (Zelensky, Zelenskiy, Zelenskyy)
# are the same person (``scorers.names.same_surname``) above this similarity:
# lower than the scorer's, since a baseline that merges two people only loses
# points, while one that splits a person files a spurious attendee.
_SURNAME_SIMILARITY = 85


@dataclass
class _Person:
    name: str
    surname: str
    roles: Counter
    countries: Counter
    present: bool = False
    excluded: bool = False


def _surname_key(name: str) -> str:
    return fold(name.split()[-1])


def _find_person(people: list[_Person], name: str) -> _Person | None:
    key = _surname_key(name)
    for person in people:
        if same_surname(person.surname, key, _SURNAME_SIMILARITY):
            return person
    return None


def _collect_people(sentences: list[Sentence]) -> list[_Person]:
    """Every titled or given-name person, in order of first mention, with roles and countries seen."""
    people: list[_Person] = []
    for sentence in sentences:
        found: list[tuple[str, str | None, str | None]] = []
        for match in _TITLED.finditer(sentence.text):
            title = _TITLES[match.group("title")]
            nationality = resolve_party(match.group("nationality")) if match.group("nationality") else None
            country = nationality if nationality in CANONICAL_PARTIES else ("United States" if title in _US_ONLY_TITLES else None)
            found.append((match.group("name"), title, country))
        for match in _UNTITLED.finditer(sentence.text):
            found.append((match.group("name"), None, None))
        for name, role, country in found:
            person = _find_person(people, name)
            if person is None:
                if len(name.split()) < 2:
                    continue  # a bare surname only refers back to someone already named in full
                person = _Person(name, _surname_key(name), Counter(), Counter())
                people.append(person)
            elif len(name.split()) > len(person.name.split()):
                person.name = name
            if role:
                person.roles[role] += 1
            if country:
                person.countries[country] += 1
    return people


def _mentions(person: _Person, text: str) -> list[tuple[int, int]]:
    """Where a person is mentioned in a text, by full name or by (a spelling of) the surname."""
    spans = []
    for match in re.finditer(rf"{_NAME_WORD}", text):
        if same_surname(fold(match.group()), person.surname, _SURNAME_SIMILARITY):
            spans.append((match.start(), match.end()))
    return spans


def _is_excluded_at(text: str, start: int, end: int) -> bool:
    # A surname may be preceded by a given name, an initial and a title: look before all of them.
    before = text[:start]
    full_start = re.search(rf"(?:{_NAME_WORD}\s+(?:[A-Z]\.\s+)?)?$", before)
    before = before[: full_start.start()] if full_start else before
    title = re.search(rf"(?:{'|'.join(_TITLES)})\s+$", before)
    before = before[: title.start()] if title else before
    after = text[end:]
    return bool(
        _EXCLUDED_BEFORE.search(before)
        or _EXCLUDED_AFTER.match(after)
        or (_SAID_BEFORE.search(before) and _OF_THE_AFTER.match(after))
    )


def extract_attendees(sentences: list[Sentence]) -> list[Attendee]:
    """People reported present at the meeting or in a delegation to it."""
    people = _collect_people(sentences)
    for sentence in sentences:
        for clause in clauses(sentence.text):
            # A list item ("- Special Envoy ...") is in the context its heading sets ("The delegation includes:").
            context = f"{sentence.list_context} {clause}"
            present_here = bool(_PRESENCE.search(context)) and not _HYPOTHETICAL.search(clause)
            for person in people:
                for start, end in _mentions(person, clause):
                    if _is_excluded_at(clause, start, end):
                        person.excluded = True
                    elif present_here:
                        person.present = True
    return [_as_attendee(person) for person in people if person.present and not person.excluded]


def named_people(sentences: list[Sentence]) -> list[Attendee]:
    """Every person named in the sentences, present or not, with the role and country seen most."""
    return [_as_attendee(person) for person in _collect_people(sentences)]


def _as_attendee(person: _Person) -> Attendee:
    if person.countries:
        country = _most_common(person.countries)
    else:
        # Leaders stand for their country in the party resolver ("Donald Trump" -> United States).
        party = resolve_party(person.name)
        country = party if party in CANONICAL_PARTIES else None
    return Attendee(name=person.name, role=_most_common(person.roles), country=country)


def _most_common(counter: Counter) -> str | None:
    # Counter keeps first-insertion order among equal counts, so ties go to the first mention.
    return counter.most_common(1)[0][0] if counter else None


# --- Venue -------------------------------------------------------------------------

US_STATES: tuple[str, ...] = (
    "Alabama", "Alaska", "Arizona", "Arkansas", "California", "Colorado", "Connecticut", "Delaware", "Florida",
    "Georgia", "Hawaii", "Idaho", "Illinois", "Indiana", "Iowa", "Kansas", "Kentucky", "Louisiana", "Maine",
    "Maryland", "Massachusetts", "Michigan", "Minnesota", "Mississippi", "Missouri", "Montana", "Nebraska",
    "Nevada", "New Hampshire", "New Jersey", "New Mexico", "New York", "North Carolina", "North Dakota", "Ohio",
    "Oklahoma", "Oregon", "Pennsylvania", "Rhode Island", "South Carolina", "South Dakota", "Tennessee", "Texas",
    "Utah", "Vermont", "Virginia", "West Virginia", "Wisconsin", "Wyoming",
)
# "Washington" is left out on purpose: in news text it is far more often the
# US government than the state.

US_CITIES: dict[str, str] = {
    "Anchorage": "Alaska", "Fairbanks": "Alaska", "Juneau": "Alaska", "Sitka": "Alaska", "Nome": "Alaska",
    "Honolulu": "Hawaii", "Phoenix": "Arizona", "Los Angeles": "California", "San Francisco": "California",
    "Denver": "Colorado", "Miami": "Florida", "Atlanta": "Georgia", "Chicago": "Illinois", "Boston": "Massachusetts",
    "Detroit": "Michigan", "Las Vegas": "Nevada", "New York": "New York", "Philadelphia": "Pennsylvania",
    "Dallas": "Texas", "Houston": "Texas", "Seattle": "Washington", "Camp David": "Maryland",
}
# Summer (daylight saving) UTC offsets in hours of the states whose local
# times the rules convert; other states leave a zone-less time unconverted.
SUMMER_UTC_OFFSET: dict[str, int] = {"Alaska": -8, "Hawaii": -10, "California": -7, "New York": -4, "Maryland": -4}

_STATE_MENTION = re.compile(rf"\b(?:in|to|of|at)\s+(?:the\s+)?(?P<state>{'|'.join(US_STATES)})\b")
_CITY_MENTION = re.compile(rf"\b(?:in|at)\s+(?P<city>{'|'.join(US_CITIES)})\b")
_BASE_NAME = re.compile(
    rf"\b(?P<name>(?:Joint Base|Naval Air Station|Fort|Camp)(?:\s+{_NAME_WORD})+"
    rf"|(?:{_NAME_WORD}\s+)+(?:Air Force Base|Air Base|Naval Base|Army Base|Space Force Base))\b"
)


def extract_venue(sentences: list[Sentence]) -> Venue | None:
    """The venue: base name, city, state and country by votes over the mentions."""
    states: Counter = Counter()
    cities: Counter = Counter()
    names: Counter = Counter()
    for sentence in sentences:
        states.update(match.group("state") for match in _STATE_MENTION.finditer(sentence.text))
        cities.update(match.group("city") for match in _CITY_MENTION.finditer(sentence.text))
        names.update(match.group("name") for match in _BASE_NAME.finditer(sentence.text))
    region = _most_common(states)
    city = _most_common(Counter({c: n for c, n in cities.items() if region is None or US_CITIES[c] == region}))
    if region is None and city is not None:
        region = US_CITIES[city]
    name = _most_common(names)
    country = "United States" if region in US_STATES or city in US_CITIES else None
    if not (name or city or region or country):
        return None
    return Venue(name=name, city=city, region=region, country=country)


# --- Time ----------------------------------------------------------------------------

ZONE_UTC_OFFSET_MINUTES: dict[str, int] = {
    "GMT": 0, "UTC": 0, "BST": 60, "CET": 60, "CEST": 120, "MSK": 180, "EET": 120, "EEST": 180,
    "AEST": 600, "AEDT": 660, "JST": 540, "EDT": -240, "EST": -300, "CDT": -300, "CST": -360,
    "MDT": -360, "MST": -420, "PDT": -420, "PST": -480, "AKDT": -480, "AKST": -540, "HST": -600,
}
_WEEKDAY = "|".join(WEEKDAYS)
_ZONE = "|".join(ZONE_UTC_OFFSET_MINUTES)
_CLOCK = re.compile(
    rf"\b(?P<hour>[01]?\d|2[0-3]):(?P<minute>[0-5]\d)(?:\s*(?P<ampm>[ap]\.?m\.?))?"
    rf"(?:\s+on\s+(?P<weekday>{_WEEKDAY}))?(?:\s+(?P<zone>{_ZONE})\b)?"
)
_MILITARY_CLOCK = re.compile(rf"\b(?P<hour>[01]\d|2[0-3])(?P<minute>[0-5]\d)\s+(?P<zone>GMT|UTC)\b(?:\s+on\s+(?P<weekday>{_WEEKDAY}))?")
_MEETING = re.compile(
    r"\b(?:meet|meets|meeting|met|talks|summit|negotiations|begin|begins|start|starts|take place|takes place|held)\b",
    re.IGNORECASE,
)
_WEEKDAY_WORD = re.compile(rf"\b(?P<weekday>{_WEEKDAY})\b")
# A weekday belongs to the meeting when a meeting word is this many words away at most.
_WEEKDAY_WINDOW_WORDS = 8
_MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August", "September", "October", "November", "December")
_DATE = re.compile(
    rf"\b(?:(?P<month1>{'|'.join(_MONTHS)})\s+(?P<day1>\d{{1,2}}),\s+(?P<year1>\d{{4}})"
    rf"|(?P<day2>\d{{1,2}})\s+(?P<month2>{'|'.join(_MONTHS)})\s+(?P<year2>\d{{4}}))\b"
)


@dataclass(frozen=True)
class ClockReading:
    """A start time read from the text and converted to UTC."""

    time_utc: str
    weekday_utc: str | None
    explicit_zone: bool


def _to_utc(hour: int, minute: int, weekday: str | None, offset_minutes: int) -> tuple[str, str | None]:
    minutes = hour * 60 + minute - offset_minutes
    day_shift, minutes = divmod(minutes, 24 * 60)
    weekday_utc = WEEKDAYS[(WEEKDAYS.index(weekday) + day_shift) % 7] if weekday else None
    return f"{minutes // 60:02d}:{minutes % 60:02d}", weekday_utc


def clock_readings(text: str, *, local_offset_minutes: int | None) -> list[ClockReading]:
    """Clock times in a text converted to UTC; zone-less times use ``local_offset_minutes`` when known."""
    readings: list[ClockReading] = []
    for match in [*_CLOCK.finditer(text), *_MILITARY_CLOCK.finditer(text)]:
        hour, minute = int(match.group("hour")), int(match.group("minute"))
        ampm = (match.groupdict().get("ampm") or "").replace(".", "").lower()
        if ampm == "pm" and hour < 12:
            hour += 12
        elif ampm == "am" and hour == 12:
            hour = 0
        zone = match.group("zone")
        offset = ZONE_UTC_OFFSET_MINUTES[zone] if zone else local_offset_minutes
        if offset is None:
            continue
        time_utc, weekday_utc = _to_utc(hour, minute, match.group("weekday"), offset)
        readings.append(ClockReading(time_utc, weekday_utc, zone is not None))
    return readings


def _meeting_weekdays(text: str) -> list[str]:
    weekdays = []
    for match in _WEEKDAY_WORD.finditer(text):
        before = text[: match.start()].split()[-_WEEKDAY_WINDOW_WORDS:]
        after = text[match.end():].split()[:_WEEKDAY_WINDOW_WORDS]
        if _MEETING.search(" ".join(before + after)):
            weekdays.append(match.group("weekday"))
    return weekdays


def extract_time(sentences: list[Sentence], venue: Venue | None) -> Time | None:
    """When the meeting starts, in UTC, by votes over clock times and weekdays in meeting sentences."""
    local_offset = SUMMER_UTC_OFFSET.get(venue.region) if venue and venue.region else None
    local_offset_minutes = local_offset * 60 if local_offset is not None else None
    readings: list[ClockReading] = []
    weekdays: Counter = Counter()
    dates: Counter = Counter()
    for sentence in sentences:
        if not _MEETING.search(sentence.text):
            continue
        readings.extend(clock_readings(sentence.text, local_offset_minutes=local_offset_minutes))
        weekdays.update(_meeting_weekdays(sentence.text))
        for match in _DATE.finditer(sentence.text):
            month = match.group("month1") or match.group("month2")
            day = int(match.group("day1") or match.group("day2"))
            year = match.group("year1") or match.group("year2")
            dates[f"{year}-{_MONTHS.index(month) + 1:02d}-{day:02d}"] += 1
    # A reading with its zone written out is worth more than one that assumes the venue's zone.
    preferred = [r for r in readings if r.explicit_zone] or readings
    time_utc = _most_common(Counter(r.time_utc for r in preferred))
    clock_weekdays = Counter(r.weekday_utc for r in preferred if r.time_utc == time_utc and r.weekday_utc)
    weekday = _most_common(clock_weekdays) or _most_common(weekdays)
    date = _most_common(dates)
    if not (time_utc or weekday or date):
        return None
    return Time(date=date, weekday=weekday, time_utc=time_utc)


# --- Demands and stakes ---------------------------------------------------------------

_DEMAND_CUE = re.compile(
    r"\b(?:demands?(?:\s+for)?|demanded|insists?(?:\s+that)?|insisted(?:\s+that)?|wants?|wanted|requires?|required|"
    r"urged|urges|calls?\s+for|called\s+for|set\s+forth\s+(?:\w+\s+)?conditions(?:\s+for)?|pushing\s+for|push(?:es)?\s+for|"
    r"rejected|rejects|depends\s+on|seeking|seeks|stressed(?:\s+that)?|emphasi[sz](?:ed|ing)\s+(?:that|the\s+importance\s+of))\b",
    re.IGNORECASE,
)
# "X must ...": the demand is the whole clause from X on, when X is a party.
_MUST = re.compile(r"\bmust\b")
# "Demands ... include X": the demand is X.
_INCLUDE = re.compile(r"\binclude[sd]?\s+")
_OBJECT_PRONOUN = re.compile(r"^(?:him|her|them|it|us)\s+to\s+")
_STAKE_CUE_BEFORE = re.compile(
    r"\b(?:stands?\s+to\s+(?:gain|lose)|to\s+bolster|bolstering|to\s+boost|opportunity\s+to|(?:would|could|may|will)\s+face|faces|"
    r"risks?|at\s+stake|threat\s+of|concerns?\s+(?:that|about)|hopes?\s+to)\b",
    re.IGNORECASE,
)
_STAKE_CUE_AFTER = re.compile(
    r"(?:^Facing\b|\b(?:implications\s+for|pressure\s+on|tariffs?\s+on|consequences\s+for|threat\s+to))",
)
_MAX_ITEM_WORDS = 40


def _trim(text: str) -> str:
    text = text.strip().strip(",;:").strip()
    words = text.split()
    if len(words) > _MAX_ITEM_WORDS:
        text = " ".join(words[:_MAX_ITEM_WORDS])
    return text.rstrip(".,;: ")


def _demand_in_clause(clause: str, previous_subject: str | None) -> PartyItem | None:
    body = _LEADING_SUBORDINATE.sub("", clause)
    must = _MUST.search(body)
    cue = _DEMAND_CUE.search(body)
    first_cue = min((match.start() for match in (must, cue) if match), default=None)
    if first_cue is None or _COMMENTATOR.search(body[:first_cue]):
        return None  # no cue, or a commentator's advice rather than a party's demand
    if must:
        before = party_mentions(body[: must.start()])
        if before and not body[before[-1].end: must.start()].strip(" ’'s"):
            text = _trim(body[before[-1].start:])
            return PartyItem(party=before[-1].party, text=text) if text else None
    if not cue:
        return None
    prefix = body[: cue.start()]
    mentions = party_mentions(prefix)
    if mentions:
        party = mentions[0].party
    elif _PRONOUN_START.match(prefix.strip()) and previous_subject:
        party = previous_subject
    else:
        return None
    complement = body[cue.end():]
    include = _INCLUDE.search(complement)
    if include:
        complement = complement[include.end():]
    complement = _OBJECT_PRONOUN.sub("", complement.strip())
    text = _trim(complement)
    return PartyItem(party=party, text=text) if len(text.split()) >= 2 else None


def _conjoined(mentions: list[PartyMention], clause: str) -> list[str]:
    """The last party mention and any joined to it by "and" or a comma ("India and China")."""
    parties = [mentions[-1].party]
    for earlier, later in zip(reversed(mentions[:-1]), reversed(mentions)):
        if clause[earlier.end: later.start].strip() in {"and", ",", ", and"}:
            parties.insert(0, earlier.party)
        else:
            break
    return list(dict.fromkeys(parties))


def _stakes_in_clause(clause: str) -> list[PartyItem]:
    before_cue = _STAKE_CUE_BEFORE.search(clause)
    after_cue = _STAKE_CUE_AFTER.search(clause)
    cue = min((c for c in (before_cue, after_cue) if c), key=lambda c: c.start(), default=None)
    if cue is None or _COMMENTATOR.search(clause[: cue.start()]):
        return []
    text = clause[cue.start():]
    if cue.group().startswith("Facing"):
        text = text.split(",", 1)[0]  # the participle phrase ends where the main clause starts
    text = _trim(text)
    if cue is before_cue:
        mentions = party_mentions(clause[: cue.start()])
        parties = _conjoined(mentions, clause) if mentions else []
    else:
        mentions = party_mentions(clause[cue.end():])
        parties = [mentions[0].party] if mentions else []
    if len(text.split()) < 3:
        return []
    return [PartyItem(party=party, text=text) for party in parties]


def _add_unique(items: list[PartyItem], new: list[PartyItem], seen: set[tuple[str | None, str]]) -> None:
    for item in new:
        key = (item.party, fold(item.text))
        if key not in seen:
            seen.add(key)
            items.append(item)


def extract_demands_and_stakes(sentences: list[Sentence]) -> tuple[list[PartyItem], list[PartyItem]]:
    """Demands and stakes from cue phrases, one demand and the stakes of each clause."""
    demands: list[PartyItem] = []
    stakes: list[PartyItem] = []
    seen_demands: set[tuple[str | None, str]] = set()
    seen_stakes: set[tuple[str | None, str]] = set()
    previous_subject: str | None = None
    previous_article = ""
    for sentence in sentences:
        if sentence.article != previous_article:
            previous_subject, previous_article = None, sentence.article  # a pronoun never reaches into another article
        if sentence.is_heading:
            continue
        for clause in clauses(sentence.text):
            demand = _demand_in_clause(clause, previous_subject)
            _add_unique(demands, [demand] if demand else [], seen_demands)
            _add_unique(stakes, _stakes_in_clause(clause), seen_stakes)
        previous_subject = subject_party(sentence.text)
    return demands, stakes


# --- The system ----------------------------------------------------------------------


def summarize(instance_id: str, sources: tuple[Article, ...]) -> Summary:
    """Summarise the articles of one instance with the rules above."""
    del instance_id  # the rules read the text only
    sentences = [sentence for article in sources for sentence in split_article(article)]
    venue = extract_venue(sentences)
    demands, stakes = extract_demands_and_stakes(sentences)
    return Summary(
        attendees=extract_attendees(sentences),
        venue=venue,
        time=extract_time(sentences, venue),
        demands=demands,
        stakes=stakes,
    )
