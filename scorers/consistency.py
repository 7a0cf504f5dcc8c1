"""Factual consistency: is each predicted item stated by the instance's source articles?

Every predicted item (each attendee, each filled venue and time component,
each demand and stake) gets a label, a score in [0, 1] and the evidence it
rests on, judged against the instance's sources (its article, or all five
for "event") — not against gold, which may be incomplete:

* ``supported``: a source states the item or directly implies it, in any wording;
* ``contradicted``: a source states something incompatible with it (another
  venue, time or number, the opposite, a person reported as not invited, the
  claim attributed to another party);
* ``unsupported``: neither (the closest sentences found are the evidence).

An item supported by one article of "event" is supported, whatever the
others say; otherwise an article that contradicts it makes it contradicted.
Gold annotations are used as extra evidence only where their evidence
quotes are in the instance's sources.

Decision procedure, per field (typed reading in ``scorers.claims``):

Attendees. The name is the same person as a gold attendee by the rules the
attendee scorer uses (``scorers.names.match_person``; the strongest rule
wins). A sentence names the person when it has the surname
(``scorers.names.same_surname``: equal, equal with transliteration variants
folded — "Zelenskyy"/"Zelensky", "Wittkoff"/"Witkoff" — or rapidfuzz ratio
>= ``config.names.surname_threshold``) and no capitalised given name of
another initial right before it. Every such sentence gives the person the role it
states: excluded (not invited, excluded, did not
invite), photo caption, analyst/expert/institute nearby, a future or
three-way meeting, attendance (meets, holds talks, arrives, delegation,
accompanied by, presence of ... within ``config.sources.attendance_reach``
words of the name or introducing its list), or a plain mention. Presence is supported by an attendance sentence (or by the
matching gold attendee's evidence), contradicted by an exclusion sentence,
and otherwise unsupported. A role is supported when its content words stand
right before the name in a source sentence or agree with the matching gold
attendee's role (``scorers.names.roles_agree``), and contradicted when gold states another role; a
country must equal the party of the gold attendee or the nationality word
before the name. The item's label is the worst of presence, role and country.

Venue. A place is supported when a non-caption sentence introduces it as
the venue ("in"/"at" it, shortly after summit, meeting, talks, held, take
place, scheduled, arrived; the windows are ``config.sources``), or when it equals the gold component (aliases,
party resolution for countries) with evidence in the sources. It is
contradicted when the sources state the component (gold with evidence) and
it differs; a city found only in a photo caption is therefore contradicted
where the sources name the venue city, and unsupported where they do not.

Time. Start times are read from sentences with a summit cue and converted to
UTC (zone offsets; a clock without a zone is the venue's local time, Alaska
= AKDT, UTC-8; a weekday written with the clock moves with it: 5:00 Saturday
AEST = 19:00 Friday UTC). ``time_utc`` and ``weekday`` are supported when
equal to a stated one, contradicted when the sources state another,
unsupported when they state none. A ``date`` must equal a stated date; with
no stated date it is contradicted when its weekday is not the stated
weekday, and unsupported otherwise ("Friday" does not support 2025-08-15).

Demands and stakes. Read by the claim-matching core (``scorers.matching``),
the same reading that decides their field accuracy, against the fact
inventory of the sources: supported when the item states a fact of its
party with no conflict in a typed slot (unsupported instead when it adds a
name or number the sources never give), contradicted when its closest fact
of that party conflicts in a typed slot or in polarity, unsupported
otherwise. The evidence is the matched fact's quotes.

Scores: supported items score 0.5-1, the others below 0.5 (contradicted
lowest), rising with the strength of the evidence, so that the score ranks
items by how well the sources support them. ``bench meta-eval``
(``scorers.metaeval``) measures all of this against annotators on real
system outputs.
"""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Literal

from benchmark.data import Article, facts_of
from benchmark.normalize import CANONICAL_PARTIES, fold, resolve_party
from benchmark.schema import Attendee, GoldAttendee, GoldSummary, PartyItem
from scorers.claims import (
    SourceSentence,
    nationality_near,
    person_mentions,
    place_forms,
    role_near,
    sentences_containing,
    source_sentences,
    stated_times,
    venue_mentions,
)
from scorers.config import ScoringConfig
from scorers.matching import match_claim
from scorers.names import RULE_STRENGTH, Person, match_person, name_tokens, roles_agree, unambiguous_surnames
from scorers.results_schema import ConsistencyLabel, ConsistencyVerdict, EvidenceSentence

MAX_EVIDENCE = 3
"""Source sentences kept as a verdict's evidence (what the report shows; no verdict depends on it)."""


@dataclass(frozen=True)
class ItemConsistency:
    """The consistency verdict of one predicted item.

    Attributes:
        label: supported, unsupported or contradicted.
        score: in [0, 1]; at least 0.5 exactly when supported.
        evidence: (article id, sentence) pairs the verdict rests on; for an
            unsupported item, the closest sentences found.
        reason: one line saying which check decided.
    """

    label: ConsistencyLabel
    score: float
    evidence: tuple[tuple[str, str], ...]
    reason: str

    def to_verdict(self) -> ConsistencyVerdict:
        """As written into the results (score rounded to 4 decimals)."""
        return ConsistencyVerdict(
            label=self.label,
            score=round(self.score, 4),
            evidence=[EvidenceSentence(article=article, sentence=sentence) for article, sentence in self.evidence],
            reason=self.reason,
        )


def verdict(label: ConsistencyLabel, strength: float, evidence: Iterable[SourceSentence], reason: str) -> ItemConsistency:
    """Build a verdict; ``strength`` in [0, 1] is how strongly the evidence points to the label."""
    strength = min(1.0, max(0.0, strength))
    if label == "supported":
        score = 0.5 + 0.5 * strength
    elif label == "unsupported":
        score = 0.15 + 0.3 * strength
    else:
        score = 0.15 * (1.0 - strength)
    pairs = tuple(dict.fromkeys((s.article, s.text) for s in evidence))[:MAX_EVIDENCE]
    return ItemConsistency(label, score, pairs, reason)


def _worst(verdicts: Sequence[ItemConsistency]) -> ItemConsistency:
    rank = {"contradicted": 0, "unsupported": 1, "supported": 2}
    return min(verdicts, key=lambda v: (rank[v.label], v.score))


def _gold_sentences(evidence: Iterable, sources: tuple[Article, ...]) -> list[SourceSentence]:
    """The source sentences holding gold evidence quotes that really are in these sources."""
    return [s for item in evidence for s in _quote_sentences(sources, item.article, item.quote)]


# Looked up for every checked item, and the same few hundred quotes recur.
@functools.cache
def _quote_sentences(sources: tuple[Article, ...], article_id: str, quote: str) -> tuple[SourceSentence, ...]:
    """The sentences of one article of the sources holding a quote; none if the quote is not in that article."""
    article = next((a for a in sources if a.id == article_id), None)
    if article is None or quote not in article.text:
        return ()
    own = tuple(s for s in source_sentences(sources) if s.article == article_id)
    return tuple(sentences_containing(own, quote))


# --- Attendees -----------------------------------------------------------------


def _gold_person(predicted: tuple[str, ...], gold: GoldSummary, threshold: float) -> GoldAttendee | None:
    """The gold attendee a name means, by the attendee scorer's rules: the strongest rule, then the closest spelling, then gold order."""
    people = [Person.of(g.name, g.aliases) for g in gold.attendees]
    unambiguous = unambiguous_surnames(people)
    best, best_rank = None, None
    for attendee, person in zip(gold.attendees, people):
        match = match_person(predicted, person, unambiguous, threshold)
        if match is not None and (best_rank is None or (RULE_STRENGTH[match.rule], match.similarity) > best_rank):
            best, best_rank = attendee, (RULE_STRENGTH[match.rule], match.similarity)
    return best


def check_attendee(attendee: Attendee, *, gold: GoldSummary, sources: tuple[Article, ...], config: ScoringConfig) -> ItemConsistency:
    """Is this person reported at the summit, in this role, for this country?"""
    threshold = config.names.surname_threshold  # people are looked for in the sources by surname
    sentences = source_sentences(sources)
    predicted = name_tokens(attendee.name)
    gold_person = _gold_person(predicted, gold, config.names.fuzzy_threshold)
    forms = tuple(f for f in dict.fromkeys((predicted, *(name_tokens(n) for n in ((gold_person.name, *gold_person.aliases) if gold_person else ())))) if f)
    if not forms:
        return verdict("unsupported", 0.0, [], f"{attendee.name!r} holds no name to look for")
    mentions = person_mentions(forms, sentences, threshold=threshold, reading=config.sources)
    attending = [m.sentence for m in mentions if m.role == "attendee"]
    gold_evidence = _gold_sentences(gold_person.evidence, sources) if gold_person else []
    surname = predicted[-1] if predicted else attendee.name
    present_in = attending or gold_evidence
    if present_in:
        presence = verdict("supported", 1.0, present_in, f"{attendee.name!r} is reported at the summit")
    elif excluded := [m.sentence for m in mentions if m.role == "excluded"]:
        return verdict("contradicted", 1.0, excluded, f"the sources report {attendee.name!r} as not invited or excluded")
    elif mentions:
        roles = sorted({m.role for m in mentions})
        return verdict("unsupported", 0.5, [m.sentence for m in mentions], f"{attendee.name!r} is named only as: {', '.join(roles)}")
    else:
        return verdict("unsupported", 0.0, [], f"no source sentence names {surname!r}")
    checks = [presence]
    if attendee.role:
        if any(role_near(attendee.role, m, forms, threshold) for m in mentions) or (
            gold_person and gold_person.role and roles_agree(attendee.role, gold_person.role)
        ):
            checks.append(verdict("supported", 1.0, present_in, "role stated"))
        elif gold_person and gold_person.role:
            checks.append(
                verdict("contradicted", 0.8, gold_evidence, f"the sources give {gold_person.name} the role {gold_person.role!r}, not {attendee.role!r}")
            )
        else:
            checks.append(verdict("unsupported", 0.5, attending, f"no source gives the role {attendee.role!r}"))
    if attendee.country:
        stated = gold_person.country if gold_person and gold_person.country else None
        stated = stated or next((p for m in mentions if (p := nationality_near(m, forms, threshold))), None)
        claimed = resolve_party(attendee.country)
        if stated is None:
            checks.append(verdict("unsupported", 0.5, attending, f"no source gives the country of {attendee.name!r}"))
        elif fold(stated) == fold(claimed):
            checks.append(verdict("supported", 1.0, present_in, "country stated"))
        else:
            checks.append(verdict("contradicted", 0.8, gold_evidence or attending, f"{attendee.name!r} represents {stated}, not {claimed}"))
    return _worst(checks)


# --- Venue ---------------------------------------------------------------------


def check_venue_component(
    component: str, value: str, *, gold: GoldSummary, sources: tuple[Article, ...], config: ScoringConfig
) -> ItemConsistency:
    """Is this the venue's name, city, region or country according to the sources?"""
    sentences = source_sentences(sources)
    forms = place_forms(value)
    if component == "country" and resolve_party(value) in CANONICAL_PARTIES:
        forms.add(fold(resolve_party(value)))
    as_venue, elsewhere = venue_mentions(forms, sentences, reading=config.sources)
    if as_venue:
        return verdict("supported", 1.0, as_venue, f"{value!r} is named as where the summit is")
    stated = getattr(gold.venue, component) if gold.venue else None
    gold_evidence = _gold_sentences(getattr(gold.venue.evidence, component), sources) if stated else []
    if not gold_evidence:
        where = ", ".join(sorted({"a photo caption" if s.caption else "another role" for s in elsewhere}))
        reason = f"{value!r} appears only in {where}" if elsewhere else f"the sources do not name the venue's {component}"
        return verdict("unsupported", 0.5 if elsewhere else 0.0, elsewhere, reason)
    if component == "country":
        same = fold(resolve_party(value)) == fold(resolve_party(stated))
    else:
        accepted = {f for name in (stated, *(gold.venue.aliases if component == "name" else ())) for f in place_forms(name)}
        same = bool(forms & accepted)
    if same:
        return verdict("supported", 0.9, gold_evidence, f"{value!r} is the venue's {component} stated in the sources")
    return verdict("contradicted", 1.0, [*gold_evidence, *elsewhere], f"the sources give the venue's {component} as {stated!r}")


# --- Time ----------------------------------------------------------------------


def check_time_component(
    component: str, value: str, *, gold: GoldSummary, sources: tuple[Article, ...], config: ScoringConfig
) -> ItemConsistency:
    """Is this the summit's start date, UTC weekday or UTC clock time according to the sources?"""
    stated = stated_times(source_sentences(sources))
    if component == "time_utc":
        known = [t for t in stated if t.clock]
        matching = [t for t in known if t.clock == value]
        described = "start time (UTC)"
        others = sorted({t.clock for t in known})
    elif component == "weekday":
        known = [t for t in stated if t.weekday]
        matching = [t for t in known if t.weekday == value]
        described = "weekday (UTC)"
        others = sorted({t.weekday for t in known})
    else:
        date = dt.date.fromisoformat(value)
        known = [t for t in stated if t.date]
        matching = [t for t in known if t.date[1:] == (date.month, date.day) and t.date[0] in (None, date.year)]
        described = "date"
        others = sorted({"-".join(str(p) for p in t.date if p) for t in known})
        if not known:
            days = [t for t in stated if t.weekday]
            weekday = date.strftime("%A")
            if days and all(t.weekday != weekday for t in days):
                return verdict(
                    "contradicted", 1.0, [t.sentence for t in days], f"{value} is a {weekday}; the sources put the summit on {days[0].weekday}"
                )
            reason = "the sources give no calendar date" + (f", only the weekday {days[0].weekday}" if days else "")
            return verdict("unsupported", 0.5 if days else 0.0, [t.sentence for t in days], reason)
    if matching:
        return verdict("supported", 1.0, [t.sentence for t in matching], f"the sources state the {described} {value}")
    if known:
        return verdict("contradicted", 1.0, [t.sentence for t in known], f"the sources state the {described} as {', '.join(others)}")
    return verdict("unsupported", 0.0, [], f"the sources state no {described}")


# --- Demands and stakes ---------------------------------------------------------


def check_party_item(
    field: Literal["demands", "stakes"], item: PartyItem, *, gold: GoldSummary, sources: tuple[Article, ...], config: ScoringConfig
) -> ItemConsistency:
    """Does a source state this demand or stake, for this party? The reading of ``scorers.matching`` (shared with accuracy)."""
    match = match_claim(item.text, item.party, field, facts=facts_of(sources), sources=sources, config=config.claims)
    if match.fact is None:
        return verdict("unsupported", 0.0, [], match.reason)
    fact = match.fact.fact
    evidence = [s for quote in fact.evidence for s in _quote_sentences(sources, fact.article, quote)]
    similarity = match.fact.similarity
    # Supported items rank by how far above the threshold they are; the others by how close they came.
    threshold = config.claims.match_threshold
    strength = (similarity - threshold) / (1 - threshold) if match.label == "supported" else similarity
    return verdict(match.label, strength, evidence, match.reason)
