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

Attendees. The name is folded and stripped of titles; it is the same person
as a gold attendee when the surnames agree (equal, equal with
transliteration variants folded — "Zelenskyy"/"Zelensky", "Wittkoff"/
"Witkoff" — or rapidfuzz ratio >= ``config.name_fuzzy_threshold``) and
given names, where both exist, share their first letter. A sentence names
the person when it has the surname and no capitalised given name of another
initial right before it. Every such sentence gives the person the role it
states: excluded (not invited, excluded, did not
invite), photo caption, analyst/expert/institute nearby, a future or
three-way meeting, attendance (meets, holds talks, arrives, delegation,
accompanied by, presence of ... near the name or introducing its list), or a
plain mention. Presence is supported by an attendance sentence (or by the
matching gold attendee's evidence), contradicted by an exclusion sentence,
and otherwise unsupported. A role is supported when its content words stand
right before the name in a source sentence or agree with the matching gold
attendee's role (one's content words within the other's; "leader" agrees
with a president), and contradicted when gold states another role; a
country must equal the party of the gold attendee or the nationality word
before the name. The item's label is the worst of presence, role and country.

Venue. A place is supported when a non-caption sentence introduces it as
the venue ("in"/"at" it, shortly after summit, meeting, talks, held, take
place, scheduled, arrived), or when it equals the gold component (aliases,
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

Demands and stakes. Candidate sentences are retrieved by MiniLM cosine
(``Encoder.sentence_embeddings``); each of the top ``TOP_SENTENCES`` gets a
support value, the mean of that cosine and the BERTScore precision of the
claim against the sentence (how much of the claim the sentence covers). Gold
demands and stakes whose evidence is in the sources are compared the same
way (cosine and BERTScore F1). ``support`` is the best of the sentence values
and of the values of gold items of the claimed party. Then, in order:

1. support < ``RELATED`` -> unsupported;
2. gold items of other parties match (>= ``GOLD_MATCH``) and none of the
   claimed party does -> contradicted (wrong party);
3. a quantity differs from the evidence ("one-third" vs "one-fifth";
   "one-fifth" = "20%") -> contradicted;
4. the claim and the evidence clause disagree on negation or refusal, or
   use an opposite word -> contradicted;
5. a named entity of the claim is absent from the evidence -> contradicted;
6. support >= ``SUPPORTED`` and the claimed party is named in the evidence
   (or the matched gold item has that party) -> supported; otherwise unsupported.

Scores: supported items score 0.5-1, the others below 0.5 (contradicted
lowest), rising with the strength of the evidence, so that the score ranks
items by how well the sources support them. ``meta_evaluate`` measures all
of this on the labelled set ``tests/data/consistency_dev.jsonl``.
"""

from __future__ import annotations

import datetime as dt
import functools
import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path
from typing import Any, Literal

import numpy as np

from benchmark.data import Article
from benchmark.errors import InputError, Problem
from benchmark.normalize import CANONICAL_PARTIES, fold, resolve_party
from benchmark.schema import FIELDS, Attendee, GoldSummary, PartyItem, Summary, json_path
from scorers.attendees import name_tokens
from scorers.claims import (
    COMMON_WORDS,
    SourceSentence,
    antonym_clash,
    entities,
    entity_in,
    nationality_near,
    number_check,
    parties_in,
    person_matches,
    person_mentions,
    place_forms,
    polarity_clash,
    role_agrees,
    role_near,
    sentences_containing,
    source_sentences,
    stated_times,
    venue_mentions,
)
from scorers.config import ScoringConfig

ConsistencyLabel = Literal["supported", "unsupported", "contradicted"]
LABELS: tuple[ConsistencyLabel, ...] = ("supported", "unsupported", "contradicted")

TOP_SENTENCES = 3
"""Candidate sentences retrieved per free-text claim."""
RELATED = 0.55
"""Least support at which a claim is about something the sources say (below: unsupported)."""
SUPPORTED = 0.66
"""Least support at which a claim that passes every typed check is supported."""
GOLD_MATCH = 0.70
"""Least support between a claim and a gold item for them to be the same claim."""
MAX_EVIDENCE = 3


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

    def to_json(self) -> dict:
        return {
            "label": self.label,
            "score": round(self.score, 4),
            "evidence": [{"article": article, "sentence": sentence} for article, sentence in self.evidence],
            "reason": self.reason,
        }


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


def check_attendee(attendee: Attendee, *, gold: GoldSummary, sources: tuple[Article, ...], config: ScoringConfig) -> ItemConsistency:
    """Is this person reported at the summit, in this role, for this country?"""
    threshold = config.name_fuzzy_threshold
    sentences = source_sentences(sources)
    predicted = name_tokens(attendee.name)
    gold_person = next(
        (g for g in gold.attendees if any(person_matches(predicted, name_tokens(n), threshold) for n in (g.name, *g.aliases))), None
    )
    forms = tuple(f for f in dict.fromkeys((predicted, *(name_tokens(n) for n in ((gold_person.name, *gold_person.aliases) if gold_person else ())))) if f)
    if not forms:
        return verdict("unsupported", 0.0, [], f"{attendee.name!r} holds no name to look for")
    mentions = person_mentions(forms, sentences, threshold)
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
            gold_person and gold_person.role and role_agrees(attendee.role, gold_person.role)
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
    as_venue, elsewhere = venue_mentions(forms, sentences)
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


@dataclass(frozen=True)
class _Candidate:
    sentence: SourceSentence
    support: float


def check_party_item(
    field: Literal["demands", "stakes"], item: PartyItem, *, gold: GoldSummary, sources: tuple[Article, ...], config: ScoringConfig
) -> ItemConsistency:
    """Does a source state this demand or stake, for this party?"""
    noun = "demand" if field == "demands" else "stake"
    sentences, _ = _retrieval_index(sources)
    if not sentences:
        return verdict("unsupported", 0.0, [], "the sources are empty")
    candidates = sorted(
        (_Candidate(sentences[i], (cosine + precision) / 2) for i, cosine, precision in _closest_sentences(item.text, sources)),
        key=lambda c: -c.support,
    )
    party = resolve_party(item.party) if item.party else None
    gold_matches = _gold_matches(item, gold, sources)
    same_party = [(support, g) for support, g in gold_matches if party is None or resolve_party(g.party) == party]
    other_party = [(support, g) for support, g in gold_matches if party is not None and resolve_party(g.party) != party]
    best_sentence = candidates[0]
    support = max(best_sentence.support, max((s for s, _ in same_party), default=0.0))
    evidence = [c.sentence for c in candidates]
    matched_evidence = [s for support_value, g in same_party[:2] if support_value >= GOLD_MATCH for s in _gold_sentences(g.evidence, sources)[:2]]
    evidence = list(dict.fromkeys(matched_evidence + evidence))
    if support < RELATED:
        return verdict("unsupported", support / RELATED, evidence, f"no source sentence states this {noun} (best support {support:.2f})")
    if not any(s >= GOLD_MATCH for s, _ in same_party) and other_party and other_party[0][0] >= GOLD_MATCH:
        owner = resolve_party(other_party[0][1].party)
        return verdict("contradicted", other_party[0][0], _gold_sentences(other_party[0][1].evidence, sources), f"the sources attribute this {noun} to {owner}, not {party}")
    evidence_texts = [s.text for s in evidence]
    status, quantity = number_check(item.text, evidence_texts)
    if status == "differ":
        return verdict("contradicted", support, evidence, f"the sources state another quantity than {quantity[1]:g} ({quantity[0]})")
    closest = _most_overlapping(item.text, evidence)
    clashes = [(closest, polarity_clash(item.text, closest.text))]
    # An opposite word counts in any evidence sentence about the same things (two content words shared).
    clashes += [(s, antonym_clash(item.text, s.text)) for s in evidence if len(_stems(item.text) & _stems(s.text)) >= 2]
    clashing = next(((s, clash) for s, clash in clashes if clash), None)
    if clashing:
        return verdict("contradicted", support, [clashing[0], *evidence], f"the sources say otherwise: {clashing[1].strip()!r}")
    evidence_folded = " ".join(s.folded for s in evidence)
    missing = [e for e in entities(item.text) if not entity_in(e, evidence_folded)]
    if missing:
        return verdict("contradicted", support, evidence, f"{missing[0]!r} is not in the sentences that state the rest")
    if support < SUPPORTED:
        return verdict("unsupported", support, evidence, f"the closest sentences do not state this {noun} (support {support:.2f})")
    if party is not None and not any(s >= GOLD_MATCH for s, _ in same_party):
        named = parties_in(evidence_folded) | parties_in(_previous_sentence(evidence[0], sentences).folded)
        if party not in named:
            return verdict("unsupported", 0.8, evidence, f"the sentences that state this {noun} do not name {party}")
    return verdict("supported", (support - SUPPORTED) / (1 - SUPPORTED), evidence, f"stated in the sources (support {support:.2f})")


def _gold_matches(item: PartyItem, gold: GoldSummary, sources: tuple[Article, ...]) -> list[tuple[float, Any]]:
    """Gold demands and stakes with evidence in the sources, by support against the claim, best first."""
    gold_items = (*gold.demands, *gold.stakes)
    described = tuple((g.text, tuple((e.article, e.quote) for e in g.evidence)) for g in gold_items)
    scored = [(support, gold_items[i]) for support, i in _gold_support(item.text, described, sources)]
    return sorted(scored, key=lambda pair: -pair[0])


# Below, what depends only on a claim's text, not its party, is kept per
# process: a leaderboard meets the same texts under several parties and in
# many submissions, and the values are computed exactly as on first sight.


@functools.lru_cache(maxsize=1 << 15)
def _closest_sentences(text: str, sources: tuple[Article, ...]) -> tuple[tuple[int, float, float], ...]:
    """The ``TOP_SENTENCES`` sentences of ``_retrieval_index`` closest to a claim by cosine: (position, cosine, BERTScore precision)."""
    from scorers.similarity import load_encoder

    sentences, sentence_embeddings = _retrieval_index(sources)
    encoder = load_encoder()
    cosines = sentence_embeddings @ encoder.sentence_embeddings([text])[0]
    top = [int(i) for i in np.argsort(-cosines, kind="stable")[:TOP_SENTENCES]]
    precisions = [p for p, _, _ in encoder.bertscore([text] * len(top), [sentences[i].text for i in top])]
    return tuple((i, float(cosines[i]), precision) for i, precision in zip(top, precisions))


@functools.lru_cache(maxsize=1 << 15)
def _gold_support(
    text: str, gold_items: tuple[tuple[str, tuple[tuple[str, str], ...]], ...], sources: tuple[Article, ...]
) -> tuple[tuple[float, int], ...]:
    """Support of a claim by each gold item with evidence in the sources: (mean of cosine and BERTScore precision, position)."""
    from scorers.similarity import load_encoder

    positions, embeddings = _gold_claim_index(gold_items, sources)
    if not positions:
        return ()
    encoder = load_encoder()
    texts = [gold_items[i][0] for i in positions]
    cosines = embeddings @ encoder.sentence_embeddings([text])[0]
    precisions = [p for p, _, _ in encoder.bertscore([text] * len(texts), texts)]
    return tuple((float(c + p) / 2, i) for c, p, i in zip(cosines, precisions, positions))


# The two indexes below are the same for every item of an instance, and every
# submission: built once per process (a handful of source sets and golds).
@functools.cache
def _retrieval_index(sources: tuple[Article, ...]) -> tuple[tuple[SourceSentence, ...], np.ndarray]:
    """``_claim_sentences`` of the sources, and their sentence embeddings."""
    from scorers.similarity import load_encoder

    sentences = _claim_sentences(sources)
    if not sentences:
        return sentences, np.zeros((0, 0), dtype=np.float32)
    encoder = load_encoder()
    texts = [s.text for s in sentences]
    encoder.persist(texts)
    return sentences, encoder.sentence_embeddings(texts)


def _claim_sentences(sources: tuple[Article, ...]) -> tuple[SourceSentence, ...]:
    """The sources' sentences a free-text claim is checked against: all but photo captions, which describe another occasion."""
    return tuple(s for s in source_sentences(sources) if not s.caption)


@functools.lru_cache(maxsize=64)
def _gold_claim_index(gold_items: tuple[tuple[str, tuple[tuple[str, str], ...]], ...], sources: tuple[Article, ...]) -> tuple[tuple[int, ...], np.ndarray]:
    """Positions of the gold items, given as (text, evidence (article, quote) pairs), with evidence in the sources, and their sentence embeddings."""
    from scorers.similarity import load_encoder

    positions = tuple(i for i, (_, evidence) in enumerate(gold_items) if any(_quote_sentences(sources, a, q) for a, q in evidence))
    if not positions:
        return positions, np.zeros((0, 0), dtype=np.float32)
    encoder = load_encoder()
    texts = [gold_items[i][0] for i in positions]
    encoder.persist(texts)
    return positions, encoder.sentence_embeddings(texts)


@functools.lru_cache(maxsize=1 << 16)
def _stems(text: str) -> frozenset[str]:
    """Content words cut to five letters, so that "economy" meets "economic"."""
    return frozenset(w[:5] for w in fold(text).split() if w not in COMMON_WORDS)


def _most_overlapping(claim: str, sentences: Sequence[SourceSentence]) -> SourceSentence:
    """The sentence sharing the most content words with the claim; the earliest (best supported) of ties."""
    words = set(fold(claim).split()) - COMMON_WORDS
    return max(sentences, key=lambda s: len(words & set(s.tokens)))


def _previous_sentence(sentence: SourceSentence, sentences: tuple[SourceSentence, ...]) -> SourceSentence:
    """The sentence before, in the same article (for "He has also insisted ...")."""
    position = sentences.index(sentence)
    before = sentences[position - 1] if position else sentence
    return before if before.article == sentence.article else sentence


# --- A whole summary -------------------------------------------------------------


def check_item(
    field: str, component: str | None, value: Any, *, gold: GoldSummary, sources: tuple[Article, ...], config: ScoringConfig
) -> ItemConsistency:
    """Check one predicted item of any field (``component`` names the venue or time component)."""
    if field == "attendees":
        return check_attendee(value, gold=gold, sources=sources, config=config)
    if field == "venue":
        return check_venue_component(component, value, gold=gold, sources=sources, config=config)
    if field == "time":
        return check_time_component(component, value, gold=gold, sources=sources, config=config)
    return check_party_item(field, value, gold=gold, sources=sources, config=config)


def _items(prediction: Summary) -> list[tuple[tuple[str | int, ...], str, str | None, Any]]:
    """Every predicted item as (path parts after the instance, field, component, value), in schema order."""
    items: list[tuple[tuple[str | int, ...], str, str | None, Any]] = []
    items += [(("attendees", i), "attendees", None, a) for i, a in enumerate(prediction.attendees)]
    for field in ("venue", "time"):
        slot = getattr(prediction, field)
        for component in type(slot).model_fields if slot else ():
            if getattr(slot, component) is not None:
                items.append(((field, component), field, component, getattr(slot, component)))
    for field in ("demands", "stakes"):
        items += [((field, i), field, None, item) for i, item in enumerate(getattr(prediction, field))]
    return items


def claim_texts(sources: tuple[Article, ...]) -> list[str]:
    """The texts of ``_claim_sentences`` (benchmark data: cache their embeddings on disk)."""
    return [s.text for s in _claim_sentences(sources)]


def warm_up(texts: Sequence[str], sources: tuple[Article, ...]) -> None:
    """Embed claims and source sentences in one batched pass before the per-item checks, which then hit the encoder's cache."""
    if not texts or not sources:
        return
    from scorers.similarity import load_encoder

    encoder = load_encoder()
    sentences = claim_texts(sources)
    encoder.persist(sentences)
    encoder.embed([*sentences, *texts])


# A verdict is a pure function of the item, the gold, the sources and the
# config, and a leaderboard checks the same items for many submissions; kept
# per process, up to a bound that only a very large board reaches.
_VERDICTS: dict[tuple, ItemConsistency] = {}
_MAX_VERDICTS = 200_000


def _verdict_key(field: str, component: str | None, value: Any) -> tuple:
    """What an item's verdict depends on: a demand or stake is judged by its text and resolved party only ("Kremlin" is "Russia")."""
    if field in ("demands", "stakes"):
        return (field, value.text, resolve_party(value.party) if value.party else None)
    return (field, component, value)


def check_summary_consistency(
    *, prediction: Summary, gold: GoldSummary, sources: tuple[Article, ...], config: ScoringConfig
) -> dict[str, ItemConsistency]:
    """Label every predicted item of one instance supported, unsupported or contradicted by its sources.

    Args:
        prediction: the predicted summary.
        gold: the instance's gold (its id names the instance; its evidence
            counts only where the quotes are in ``sources``).
        sources: the instance's articles. With none, every item is unsupported.
        config: the scoring settings (``name_fuzzy_threshold`` is used for names).

    Returns:
        Item path (``predictions.003.venue.city``) -> verdict, in schema order;
        empty for an empty prediction.

    Texts not embedded yet are embedded as the checks meet them; scoring
    embeds all of a submission's texts in one pass first
    (``scorers.results.embed_submissions``), which is faster and gives the
    same verdicts.
    """
    items = _items(prediction)
    gold_key = gold.model_dump_json()
    checked: dict[str, ItemConsistency] = {}
    for parts, field, component, value in items:
        key = (*_verdict_key(field, component, value), gold_key, sources, config)
        found = _VERDICTS.get(key)
        if found is None:
            found = check_item(field, component, value, gold=gold, sources=sources, config=config)
            if len(_VERDICTS) >= _MAX_VERDICTS:
                _VERDICTS.clear()
            _VERDICTS[key] = found
        checked[json_path("predictions", gold.id, *parts)] = found
    return checked


def _tally(labels: Iterable[ConsistencyLabel]) -> dict:
    counts = {label: 0 for label in LABELS}
    for label in labels:
        counts[label] += 1
    total = sum(counts.values())
    from scorers.aggregate import percent

    return {"supported_rate": percent(Fraction(counts["supported"], total)) if total else None, **counts}


def consistency_scores(labelled: Sequence[tuple[str, str, ConsistencyLabel]]) -> dict:
    """Aggregate labels of (instance, field, label) triples: overall, per field and per instance.

    ``supported_rate`` (0-100, 2 decimals; null with no items) is the
    headline, "faithfulness": the share of predicted items the sources support.
    """
    instances = list(dict.fromkeys(instance for instance, _, _ in labelled))
    return {
        **_tally(label for _, _, label in labelled),
        "fields": {field: _tally(label for _, f, label in labelled if f == field) for field in FIELDS},
        "instances": {i: _tally(label for instance, _, label in labelled if instance == i) for i in instances},
    }


# --- Meta-evaluation ---------------------------------------------------------------

DEV_SET = Path(__file__).resolve().parent.parent / "tests" / "data" / "consistency_dev.jsonl"
ErrorKind = Literal[
    "wrong_entity", "wrong_predicate", "negation", "wrong_time", "wrong_place", "wrong_party", "wrong_number", "out_of_article", "unstated_true"
]
HELD_OUT_DIGITS = frozenset("789")
"""Dev items whose id ends in 7, 8 or 9 form the held-out part (the rules were developed on the rest)."""


@dataclass(frozen=True)
class LabelledItem:
    """One item of the consistency dev set (format: README "Factual consistency")."""

    id: str
    instance: str
    field: str
    component: str | None
    value: Any
    label: ConsistencyLabel
    error_kind: ErrorKind | None
    note: str

    @property
    def part(self) -> Literal["dev", "held-out"]:
        return "held-out" if self.id[-1] in HELD_OUT_DIGITS else "dev"


def load_labelled_items(path: Path = DEV_SET) -> list[LabelledItem]:
    """Read and validate a labelled set (one JSON object per line).

    Raises:
        InputError: one problem per bad line, with its line number.
    """
    from pydantic import BaseModel, ConfigDict, ValidationError, model_validator

    from benchmark.schema import TIME_COMPONENTS, VENUE_COMPONENTS, Time, Venue
    from benchmark.submission import read_file_bytes

    class _Row(BaseModel):
        model_config = ConfigDict(extra="forbid", frozen=True)
        id: str
        instance: Literal["000", "001", "002", "003", "004", "event"]
        field: Literal["attendees", "venue", "time", "demands", "stakes"]
        component: str | None
        item: Any
        label: ConsistencyLabel
        error_kind: ErrorKind | None
        note: str

        @model_validator(mode="after")
        def _item_fits_field(self) -> _Row:
            if self.field in ("venue", "time"):
                allowed = VENUE_COMPONENTS if self.field == "venue" else TIME_COMPONENTS
                if self.component not in allowed:
                    raise ValueError(f"component must be one of {', '.join(allowed)}")
                (Venue if self.field == "venue" else Time).model_validate({self.component: self.item})
            elif self.component is not None:
                raise ValueError("component must be null for this field")
            return self

    problems: list[Problem] = []
    items: list[LabelledItem] = []
    for number, line in enumerate(read_file_bytes(path).decode("utf-8", errors="replace").splitlines(), start=1):
        if not line.strip():
            continue
        try:
            row = _Row.model_validate(json.loads(line))
            value = row.item
            if row.field == "attendees":
                value = Attendee.model_validate(row.item)
            elif row.field in ("demands", "stakes"):
                value = PartyItem.model_validate(row.item)
        except json.JSONDecodeError as error:
            problems.append(Problem(f"{path}:{number}", f"not valid JSON: {error.msg}"))
            continue
        except ValidationError as error:
            for detail in error.errors():
                where = ".".join(str(part) for part in detail["loc"]) or "item"
                problems.append(Problem(f"{path}:{number}", f"{where}: {detail['msg']}"))
            continue
        items.append(LabelledItem(row.id, row.instance, row.field, row.component, value, row.label, row.error_kind, row.note))
    if problems:
        raise InputError(problems)
    if not items:
        raise InputError([Problem(str(path), "no labelled items")])
    return items


def render_item(field: str, component: str | None, value: Any) -> str:
    """An item as one sentence, for the baselines.

    attendee -> "<name> (<role>, <country>) attended the summit."; venue name
    -> "The summit took place at <name>."; other venue components -> "The
    summit took place in <value>."; date and weekday -> "The summit took
    place on <value>."; time_utc -> "The summit began at <value> UTC.";
    demand -> "<party> demands: <text>"; stake -> "At stake for <party>: <text>".
    """
    if field == "attendees":
        details = ", ".join(part for part in (value.role, value.country) if part)
        return f"{value.name}{f' ({details})' if details else ''} attended the summit."
    if field == "venue":
        return f"The summit took place {'at' if component == 'name' else 'in'} {value}."
    if field == "time":
        return f"The summit began at {value} UTC." if component == "time_utc" else f"The summit took place on {value}."
    if field == "demands":
        return f"{value.party or 'Someone'} demands: {value.text}"
    return f"At stake for {value.party or 'someone'}: {value.text}"


def balanced_accuracy(truth: Sequence[bool], predicted: Sequence[bool]) -> float | None:
    """Mean of the recall of each class (supported, not supported); None if a class is absent."""
    positives = [p for t, p in zip(truth, predicted) if t]
    negatives = [not p for t, p in zip(truth, predicted) if not t]
    if not positives or not negatives:
        return None
    return (sum(positives) / len(positives) + sum(negatives) / len(negatives)) / 2


def roc_auc(truth: Sequence[bool], scores: Sequence[float]) -> float | None:
    """Area under the ROC curve from ranks (Mann-Whitney U, ties get average ranks); None if a class is absent."""
    from scipy.stats import rankdata

    positives = sum(truth)
    negatives = len(truth) - positives
    if not positives or not negatives:
        return None
    ranks = rankdata(scores)
    positive_ranks = sum(rank for rank, t in zip(ranks, truth) if t)
    return float((positive_ranks - positives * (positives + 1) / 2) / (positives * negatives))


def best_threshold(truth: Sequence[bool], scores: Sequence[float]) -> float:
    """The threshold (score >= threshold means supported) that maximises balanced accuracy; the lowest of ties."""
    values = sorted(set(scores))
    candidates = [values[0]] + [(a + b) / 2 for a, b in zip(values, values[1:])] + [values[-1] + 1e-9]
    return max(candidates, key=lambda t: (balanced_accuracy(truth, [s >= t for s in scores]) or 0.0, -t))


def _report(items: Sequence[LabelledItem], predicted: Sequence[ConsistencyLabel], scores: Sequence[float]) -> dict:
    truth = [i.label == "supported" for i in items]
    confusion = {gold: {label: 0 for label in LABELS} for gold in LABELS}
    for item, label in zip(items, predicted):
        confusion[item.label][label] += 1
    return {
        "n": len(items),
        "balanced_accuracy": balanced_accuracy(truth, [p == "supported" for p in predicted]),
        "auc": roc_auc(truth, scores),
        "confusion": confusion,
    }


def meta_evaluate(items: Sequence[LabelledItem], *, config: ScoringConfig) -> dict:
    """Score a labelled set with the scorer and two baselines; report per part, per field and overall.

    Baselines, each with its threshold tuned on the items it is evaluated
    on (to maximise balanced accuracy): ROUGE-1 precision of the rendered
    item (``render_item``) against the best source sentence, and the MiniLM
    cosine of the rendered item to the best source sentence. The scorer's
    ranking score for AUC is ``ItemConsistency.score``.

    Returns:
        ``{"parts": {"all" | "dev" | "held-out": {"overall" | <field>: {"scorer": ..., "rouge1_precision": ..., "minilm_cosine": ...}}},
        "failures": [...]}``; a failure is an item whose supported/not label the scorer gets wrong.
    """
    from benchmark.data import load_instances
    from scorers.similarity import load_encoder

    instances = load_instances()
    encoder = load_encoder()
    rendered = [render_item(i.field, i.component, i.value) for i in items]
    claims = [i.value.text for i in items if i.field in ("demands", "stakes")]
    for instance_id, instance in instances.items():
        warm_up(claims, instance.sources)
    verdicts = [
        check_item(i.field, i.component, i.value, gold=instances[i.instance].gold, sources=instances[i.instance].sources, config=config)
        for i in items
    ]
    embedded = encoder.sentence_embeddings(rendered)
    rouge = _rouge1_scorer()
    baseline_scores: dict[str, list[float]] = {"rouge1_precision": [], "minilm_cosine": []}
    for item, text, vector in zip(items, rendered, embedded):
        sentences = [s.text for s in source_sentences(instances[item.instance].sources)]
        baseline_scores["rouge1_precision"].append(max(rouge.score(s, text)["rouge1"].precision for s in sentences))
        baseline_scores["minilm_cosine"].append(float(np.max(encoder.sentence_embeddings(sentences) @ vector)))
    parts = {}
    for part in ("all", "dev", "held-out"):
        chosen = [n for n, i in enumerate(items) if part == "all" or i.part == part]
        groups = {"overall": chosen, **{f: [n for n in chosen if items[n].field == f] for f in FIELDS}}
        parts[part] = {}
        for group, members in groups.items():
            if not members:
                continue
            subset = [items[n] for n in members]
            entry = {"scorer": _report(subset, [verdicts[n].label for n in members], [verdicts[n].score for n in members])}
            truth = [i.label == "supported" for i in subset]
            for name, scores in baseline_scores.items():
                values = [scores[n] for n in members]
                threshold = best_threshold(truth, values)
                labels: list[ConsistencyLabel] = ["supported" if v >= threshold else "unsupported" for v in values]
                entry[name] = {**_report(subset, labels, values), "threshold": threshold}
            parts[part][group] = entry
    failures = [
        {"id": i.id, "part": i.part, "instance": i.instance, "field": i.field, "label": i.label, "predicted": v.label, "reason": v.reason}
        for i, v in zip(items, verdicts)
        if (i.label == "supported") != (v.label == "supported")
    ]
    return {"parts": parts, "failures": failures}


def _rouge1_scorer():
    from rouge_score import rouge_scorer

    return rouge_scorer.RougeScorer(["rouge1"], use_stemmer=True)


def render_consistency(results: Mapping) -> list[str]:
    """Report lines: supported rate overall and per field, then every unsupported and contradicted item with its reason and evidence."""
    summary = results["scores"].get("consistency")
    if not summary:
        return []

    def rate(entry: Mapping) -> str:
        return "—" if entry["supported_rate"] is None else f"{entry['supported_rate']:.2f}"

    lines = [
        "",
        f"consistency with the sources (supported rate): {rate(summary)} "
        f"({summary['supported']} supported, {summary['unsupported']} unsupported, {summary['contradicted']} contradicted)",
        "  by field: " + "; ".join(f"{field} {rate(entry)}" for field, entry in summary["fields"].items()),
        "  by instance: " + "; ".join(f"{instance} {rate(entry)}" for instance, entry in summary["instances"].items()),
    ]
    flagged = [item for item in results["items"] if item.get("consistency", {}).get("label", "supported") != "supported"]
    if flagged:
        lines += ["unsupported and contradicted items:"]
        for item in flagged:
            verdict = item["consistency"]
            lines.append(f"  {verdict['label']:<12} {item['path']}: {verdict['reason']}")
            lines += [f"      [{e['article']}] {e['sentence']}" for e in verdict["evidence"][:1]]
    return lines


def render_meta_evaluation(report: Mapping) -> str:
    """The meta-evaluation as plain-text tables: balanced accuracy and AUC per part and field, confusion matrices, failures."""

    def number(value: float | None) -> str:
        return "—" if value is None else f"{value:.3f}"

    systems = ("scorer", "rouge1_precision", "minilm_cosine")
    lines = []
    for part, groups in report["parts"].items():
        lines += [
            f"== {part} ({groups['overall']['scorer']['n']} items): balanced accuracy (supported vs not) / ROC AUC",
            f"{'':<10}{'n':>4}  " + "".join(f"{name:>24}" for name in systems),
        ]
        for group, entry in groups.items():
            cells = "".join(f"{number(entry[s]['balanced_accuracy']) + ' / ' + number(entry[s]['auc']):>24}" for s in systems)
            lines.append(f"{group:<10}{entry['scorer']['n']:>4}  {cells}")
        thresholds = ", ".join(f"{s} {groups['overall'][s]['threshold']:.3f}" for s in systems[1:])
        lines.append(f"baseline thresholds (tuned on these {groups['overall']['scorer']['n']} items, overall): {thresholds}")
        for group, entry in groups.items():
            lines.append(f"confusion, scorer, {group} (rows: label; columns: predicted supported / unsupported / contradicted)")
            lines += [f"  {gold:<13}" + "".join(f"{count:>6}" for count in row.values()) for gold, row in entry["scorer"]["confusion"].items()]
        lines.append("")
    lines.append(f"{len(report['failures'])} items on the wrong side of supported / not supported:")
    lines += [f"  {f['id']} ({f['part']}) {f['instance']} {f['field']}: labelled {f['label']}, scored {f['predicted']}: {f['reason']}" for f in report["failures"]]
    return "\n".join(lines)
