"""The claim-matching core: which fact of the sources a demand or stake states.

Both halves of the scorer read a predicted demand or stake through this one
module: field accuracy (``scorers.texts``: is it a gold item?) and factual
consistency (``scorers.consistency``: do the sources state it?). So an item
can never be credited with a gold item while being called contradicted.

The sources are not read as raw sentences but through their fact inventory
(``gold/facts/``, ``benchmark.schema.Fact``): every claim an article makes,
with its holder, several paraphrases, texts that state its opposite, typed
slots and evidence quotes. Reading a claim goes like this:

1. **Retrieve.** The claim's MiniLM sentence embedding is compared by cosine
   with every statement (canonical text and paraphrases) of every fact of
   the instance's sources; the ``candidate_facts`` closest facts, and as
   many of the claimed party, are read closely.
2. **Measure.** For each candidate, the similarity is the best, over its
   statements, of the mean of that cosine and the BERTScore F1 of the claim
   against the statement. BERTScore F1 counts what the claim says beyond
   the statement (its precision falls), so a pasted paragraph or a list of
   several claims is far from every single fact.
3. **Compare typed slots** (``_slot_conflict``): a quantity of the same kind
   with another value ("30%" against "nearly 20%"); a place, person or
   organisation of the inventory in place of one the fact names; opposite
   polarity, when the claim differs in negations from every close statement
   and is as close to the fact's written opposites as to its statements; a
   stance verb opposite to the fact's annotated polarity ("gains" where the
   fact "loses"). Names and numbers the claim adds that the sources never
   give are added detail, never a conflict. Two readings earn nothing
   without being a conflict: a claim that commits to nothing the fact says
   (``asserts_nothing``: "may or may not", "wants things"), and one that
   presses for what the fact reports only as a fear or a statement
   (overstated).
4. **Relate the party.** The claimed party is the fact's holder, one the
   article reports stating or agreeing to it, for a stake a party the fact
   names, a party named by a fact nobody holds, or another.

Then the verdict (``ClaimMatch``), counting only candidates within
``credit_margin`` of the claim's closest held fact (whoever holds it; one
claim per item) and at least ``match_threshold``:

* **supported**: a candidate of the claimed party with no conflict;
  **unsupported** instead when the claim adds detail the sources do not
  give (the reason names it);
* **contradicted**: no such candidate, and one of the claimed party
  conflicts in a typed slot;
* **supported** without credit: it commits to nothing a stated fact says;
  **unsupported** without credit: it overstates one;
* **supported** without credit: a fact nobody holds states it, for a party
  that fact names;
* **unsupported**: everything else (the reason names the closest fact and its holder).

The facts a claim **asserts** are the stated ones the claimed party holds,
with the party's facts read off the same words (``_siblings``); a claim
earns credit for a gold item only through one of them, and a text of
several sentences stating different facts asserts none.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Literal

import numpy as np

from benchmark.data import Article
from benchmark.normalize import CANONICAL_PARTIES, fold, party_aliases, resolve_party
from benchmark.schema import Fact
from scorers.claims import quantities, quantities_agree
from scorers.config import ClaimMatchConfig
from scorers.sentences import split_sentences

ConsistencyLabel = Literal["supported", "unsupported", "contradicted"]
PartyRelation = Literal["holder", "agrees", "involved", "unheld", "other"]


@dataclass(frozen=True)
class FactReading:
    """How one candidate fact relates to a claim.

    Attributes:
        fact: the inventory fact.
        similarity: best over its statements of mean(cosine, BERTScore F1), in [0, 1].
        statement: the statement that gave ``similarity``.
        opposite: the same measure against the fact's opposites, when it was
            needed (the claim and its close statements differ in negations); else None.
        party: how the claimed party relates to the fact (holder, agrees, other).
        conflict: the typed-slot conflict, described, or None.
        added: names and numbers of the claim that neither the fact nor the sources give.
        noncommittal: the claim commits to nothing the fact says: it states an
            outcome and its opposite as alternatives ("may or may not"), or
            leaves its object unsaid ("wants things"), and the fact does not.
        overstated: the claim says the party presses for ("demands",
            "insists") what the fact only states: a suggestion, a fear, a forecast.
    """

    fact: Fact
    similarity: float
    statement: str
    opposite: float | None
    party: PartyRelation
    conflict: str | None
    added: tuple[str, ...]
    noncommittal: bool
    overstated: bool


@dataclass(frozen=True)
class ClaimMatch:
    """A claim read against the fact inventory of its sources.

    Attributes:
        label: supported, unsupported or contradicted.
        fact: the candidate the label rests on (the stated, conflicting or closest fact), or None with no facts.
        asserted: ids of the facts the claim earns credit for when they are gold items of its party.
        reason: one line saying why, naming the fact.
        candidates: every candidate read, best first.
    """

    label: ConsistencyLabel
    fact: FactReading | None
    asserted: frozenset[str]
    reason: str
    candidates: tuple[FactReading, ...]


@dataclass(frozen=True)
class _FactIndex:
    """Every statement of a tuple of facts, embedded, with the fact each belongs to; what each fact names and where its quotes are."""

    facts: tuple[Fact, ...]
    statements: tuple[str, ...]
    statement_owner: np.ndarray
    statement_embeddings: np.ndarray
    vocabulary: tuple[str, ...]
    """Per fact: its statements, slots and evidence, folded and joined (what the fact itself names)."""
    typed_names: dict[str, str]
    """Folded place, person and organisation names of every fact -> their slot ("places", ...)."""
    spans: dict[str, frozenset[tuple[str, int, int]]]
    """Fact id -> where its evidence quotes are, as (article, start, end)."""


def fact_texts(facts: Sequence[Fact]) -> list[str]:
    """Every text of the facts that scoring embeds (statements and opposites): benchmark data, cached on disk."""
    return [text for fact in facts for text in (*fact.statements, *fact.opposites)]


@functools.lru_cache(maxsize=16)
def _index(facts: tuple[Fact, ...], sources: tuple[Article, ...]) -> _FactIndex:
    from scorers.similarity import load_encoder

    statements = tuple(text for fact in facts for text in fact.statements)
    owner = np.array([n for n, fact in enumerate(facts) for _ in fact.statements], dtype=np.int64)
    encoder = load_encoder()
    encoder.persist(fact_texts(facts))
    embeddings = encoder.sentence_embeddings(list(statements)) if statements else np.zeros((0, 0), dtype=np.float32)
    vocabulary = tuple(
        " " + " ".join(fold(t) for t in (*fact.statements, *fact.evidence, *fact.slots.places, *fact.slots.persons, *fact.slots.organisations, *fact.slots.numbers)) + " "
        for fact in facts
    )
    typed = {fold(name): slot for fact in facts for slot in ("places", "persons", "organisations") for name in getattr(fact.slots, slot)}
    texts = {article.id: article.text for article in sources}
    spans = {
        fact.id: frozenset((fact.article, start, start + len(quote)) for quote in fact.evidence if (start := texts.get(fact.article, "").find(quote)) >= 0)
        for fact in facts
    }
    return _FactIndex(facts, statements, owner, embeddings, vocabulary, typed, spans)


def _party_relation(party: str | None, fact: Fact, field: str, vocabulary: str) -> PartyRelation:
    if party is None:
        return "other"
    if fact.holder is None:
        # Background and analysts' forecasts: a claim may state them for a
        # party they name (supported), but they are no party's to credit.
        return "unheld" if party in _parties_named(vocabulary) else "other"
    if party == fact.holder:
        return "holder"
    if party in fact.agreed_by:
        return "agrees"
    # A stake is what a party stands to gain or lose: a fact that names the
    # party as one it happens to (a summit "involving Zelenskiy") states a
    # stake of that party too. A demand is only ever its holder's.
    if field == "stakes" and party in _parties_named(vocabulary):
        return "involved"
    return "other"


_POSSESSIVE = re.compile(r"[’']s?$")
# A run of capitalised words, initials included ("U.S.", "Joint Base Elmendorf-Richardson").
_PROPER_NAME = re.compile(r"\b[A-Z][\w’'.-]*(?:\s+[A-Z][\w’'.-]*)*")
# Grammatical negation and the verbs of refusal, compared between a claim
# and the statements of the fact it matches (never read on its own).
_NEGATION = frozenset(
    "not no never t cannot nor neither without against refuse refuses refused refusing reject rejects rejected rejecting "
    "deny denies denied oppose opposes opposed opposing".split()
)
_CONTRAST = re.compile(r",\s*(?:and\s+|but\s+)?not\b")
_RULE_OUT = re.compile(r"\brul(?:e|es|ed|ing) out\b")


@functools.lru_cache(maxsize=1 << 15)
def proper_names(text: str) -> tuple[str, ...]:
    """The folded proper names of a text: runs of capitalised words, the text's first word left out unless it names a party.

    Example:
        >>> proper_names("Further U.S. tariffs hit New Delhi and Joint Base Elmendorf-Richardson")
        ('u s', 'new delhi', 'joint base elmendorf richardson')
        >>> proper_names("A truce would help Trump's Nobel Peace Prize bid and Kyiv's case")
        ('trump', 'nobel peace prize', 'kyiv')
    """
    names = []
    for match in _PROPER_NAME.finditer(text):
        words = match.group().split()
        if match.start() == 0 and resolve_party(words[0]) not in CANONICAL_PARTIES:
            words = words[1:]
        # A possessive ends a name: "Trump's Nobel Peace Prize" is two names, "Kyiv's" is Kyiv.
        run: list[str] = []
        for word in words:
            possessive = _POSSESSIVE.search(word)
            run.append(word[: possessive.start()] if possessive else word)
            if possessive:
                names.append(fold(" ".join(run)))
                run = []
        names.append(fold(" ".join(run)))
    return tuple(name for name in names if name)
    return tuple(names)


@functools.lru_cache(maxsize=1 << 15)
def _parties_named(folded: str) -> frozenset[str]:
    """The canonical parties a folded text names by any alias of one to four words."""
    tokens = folded.split()
    return frozenset(
        party
        for size in (1, 2, 3, 4)
        for i in range(len(tokens) - size + 1)
        if (party := resolve_party(" ".join(tokens[i : i + size]))) in CANONICAL_PARTIES
    )


def _in_party_alias(name: str, claim_folded: str) -> bool:
    """Whether a name is part of a longer party alias the claim uses ("Atlantic" in "the Atlantic alliance")."""
    return any(f" {name} " in f" {alias} " for alias in party_aliases() if _contains(claim_folded, alias))


# The stance a claim takes toward what it names, read from its verb; the
# fact's stance is annotated (``FactSlots.polarity``). Only a claim that takes
# one stance is compared, and only with the stance opposite to it.
_STANCES = {
    "wants": re.compile(r"\b(?:wants?|seeks?|seeking|demands?|demanding|insists?|insisting|requires?|presses for|pushes for|pushing for|calls? for|needs?)\b"),
    "refuses": re.compile(r"\b(?:rejects?|rejecting|refuses?|refusing|opposes?|opposing|rules? out)\b"),
    "gains": re.compile(r"\b(?:gains?|stands? to gain|benefits?|would win|wins)\b"),
    "loses": re.compile(r"\b(?:loses?|risks?|faces?|facing|threatened|suffers?|hurt)\b"),
}
_AVOID = re.compile(r"\b(?:wants?|seeks?|seeking|hopes?|hoping|needs?|tries|trying) to (?:avoid|prevent|escape|stop|block)\b")
_CONDITION = re.compile(r"\b(?:if|unless|should|in case)\b.*$")
_OPPOSITE_STANCE = {"wants": "refuses", "refuses": "wants", "gains": "loses", "loses": "gains"}


@functools.lru_cache(maxsize=1 << 15)
def stance(text: str) -> str | None:
    """The one stance a text's verbs take (wants, refuses, gains, loses), or None for none or several.

    Example:
        >>> stance("India stands to gain from tariffs"), stance("Kyiv rejects any concessions"), stance("A truce in Ukraine")
        ('gains', 'refuses', None)
        >>> stance("Russia wants to avoid tougher sanctions") is None
        True
    """
    # A condition ("if Putin refuses to compromise") states no stance of the claim's own.
    folded = _CONDITION.sub(" ", fold(text))
    # Wanting to avoid something is not wanting it: the phrase takes no stance of its own here.
    folded = _AVOID.sub(" ", folded)
    found = [name for name, pattern in _STANCES.items() if pattern.search(folded)]
    return found[0] if len(found) == 1 else None


# Both outcomes joined by "or": "may or may not", "gain or lose", "whether or not".
_DIRECTIONS = (("gain", "lose"), ("win", "lose"), ("benefit", "lose"), ("benefit", "suffer"), ("improve", "worsen"), ("improve", "deteriorate"), ("rise", "fall"), ("help", "hurt"))
_BOTH_WAYS = re.compile(
    r"\b(?:or (?:(?:may|might|could|would|will|can|do|does|did) )?not\b|whether or not\b)"
    + "".join(rf"|\b{a}\w* or (?:\w+ ){{0,2}}{b}\w*|\b{b}\w* or (?:\w+ ){{0,2}}{a}\w*" for a, b in _DIRECTIONS)
)


# An object left unsaid: "wants something about sanctions", "wants things from the talks"
# (not the resumptive ", something Trump agreed to", which refers to what was said).
_PLACEHOLDER = re.compile(r"(?<![,;:—–-])\s(?:something|anything|things|stuff)\b")


@functools.lru_cache(maxsize=1 << 15)
def asserts_nothing(text: str) -> bool:
    """Whether a text commits to no outcome: it states one and its opposite (``both_ways``), or leaves its object unsaid.

    Example:
        >>> asserts_nothing("Russia wants things from the talks"), asserts_nothing("Russia wants sanctions relief")
        (True, False)
    """
    return both_ways(text) or bool(_PLACEHOLDER.search(" " + text.casefold()))


@functools.lru_cache(maxsize=1 << 15)
def both_ways(text: str) -> bool:
    """Whether a text states an outcome and its opposite as alternatives ("may or may not want", "might gain or lose").

    Such a text commits to neither, so it states a fact only when the fact
    itself is two-sided ("relations could improve or deteriorate").

    Example:
        >>> both_ways("Russia may or may not want sanctions relief"), both_ways("Russia wants sanctions relief")
        (True, False)
    """
    return bool(_BOTH_WAYS.search(fold(text)))


@functools.lru_cache(maxsize=1 << 15)
def negations(text: str) -> int:
    """How many negations and refusals a text carries ("cannot afford to reject": two)."""
    # "X, not Y" contrasts two things and negates neither claim ("Putin at the table, not a deal for Ukraine").
    folded = fold(_CONTRAST.sub(" ", text))
    return sum(word in _NEGATION for word in folded.split()) + len(_RULE_OUT.findall(folded))


def _contains(haystack_folded: str, name_folded: str) -> bool:
    return f" {name_folded} " in haystack_folded


def _slot_conflict(text: str, fact: Fact, vocabulary: str, typed_names: dict[str, str], sources: _SourcesRead) -> tuple[str | None, tuple[str, ...]]:
    """The first typed-slot conflict between a claim and a fact, and the details the claim adds that the sources do not give.

    ``vocabulary`` is what the fact (and any equally close fact of the same
    party) names. A conflict is a substitution in one slot: a quantity of a
    kind the fact states, with another value; or a place, person or
    organisation of the inventory that the fact does not name, while the
    claim leaves out one the fact names in that slot. A name or number the
    sources never give is added detail, not a conflict.
    """
    added: list[str] = []
    fact_quantities = [q for t in (*fact.slots.numbers, *fact.statements) for q in quantities(t)]
    for kind, value in quantities(text):
        same_kind = [v for k, v in fact_quantities if k == kind]
        if same_kind and not any(quantities_agree(kind, value, v) for v in same_kind):
            return f"{_quantity(kind, value)} where the fact gives {_quantity(kind, same_kind[0])}", ()
        if not same_kind and not any(k == kind and quantities_agree(kind, value, v) for k, v in sources.quantities):
            added.append(_quantity(kind, value))
    claim_folded = " " + fold(text) + " "
    for name in proper_names(text):
        if resolve_party(name) in CANONICAL_PARTIES or _contains(vocabulary, name) or _in_party_alias(name, claim_folded):
            continue
        slot = typed_names.get(name)
        left_out = [v for v in getattr(fact.slots, slot) if resolve_party(v) not in CANONICAL_PARTIES and not _contains(claim_folded, fold(v))] if slot else []
        if left_out:
            return f"{name!r} where the fact names {', '.join(left_out)}", ()
        if not sources.give(name):
            added.append(name)
    return None, tuple(dict.fromkeys(added))


def _quantity(kind: str, value: float) -> str:
    units = {"percent": "%", "area_km2": " sq km", "years": " years", "hours": " hours", "days": " days", "year": ""}
    return f"{value:g}{units.get(kind, '')}"


@dataclass(frozen=True)
class _SourcesRead:
    folded: str
    """The sources folded, padded with spaces, for whole-name lookups."""
    quantities: tuple[tuple[str, float], ...]
    name_words: frozenset[str]
    """Every word of every proper name in the sources ("Nobel Prize" is given by "Nobel Peace Prize")."""

    def give(self, name: str) -> bool:
        """Whether the sources give a folded name: as written, or every word of it within their proper names."""
        return _contains(self.folded, name) or set(name.split()) <= self.name_words


@functools.lru_cache(maxsize=16)
def _sources_read(sources: tuple[Article, ...]) -> _SourcesRead:
    return _SourcesRead(
        " " + " ".join(fold(a.text) for a in sources) + " ",
        tuple(q for a in sources for q in quantities(a.text)),
        frozenset(word for a in sources for name in proper_names(a.text) for word in name.split()),
    )


@functools.lru_cache(maxsize=1 << 15)
def match_claim(
    text: str, party: str | None, field: str, *, facts: tuple[Fact, ...], sources: tuple[Article, ...], config: ClaimMatchConfig
) -> ClaimMatch:
    """Read one demand or stake against the facts of its instance's sources (procedure: module docstring).

    Args:
        text: the item's text.
        party: the item's party as written (aliases are resolved here).
        field: "demands" or "stakes" (a stake may belong to a party the fact names).
        facts: the inventory facts of the instance's sources.
        sources: the instance's articles (to tell added detail from detail stated elsewhere).
        config: the matching settings.

    Example:
        A claim close to a fact's paraphrases, for the fact's holder, with no
        slot conflict, is supported and asserts that fact; with "30%" where
        the fact says "nearly 20%" it is contradicted and asserts nothing.
    """
    from scorers.similarity import load_encoder

    resolved = resolve_party(party) if party is not None else None
    if not facts:
        return ClaimMatch("unsupported", None, frozenset(), "the sources have no facts", ())
    index = _index(facts, sources)
    encoder = load_encoder()
    embedding = encoder.sentence_embeddings([text])[0]
    cosines = index.statement_embeddings @ embedding
    best_cosine = np.full(len(facts), -1.0, dtype=np.float32)
    np.maximum.at(best_cosine, index.statement_owner, cosines)
    order = [int(n) for n in np.argsort(-best_cosine, kind="stable")]
    relation = {n: _party_relation(resolved, facts[n], field, index.vocabulary[n]) for n in order}
    compatible = [n for n in order if relation[n] != "other"]
    chosen = list(dict.fromkeys(order[: config.candidate_facts] + compatible[: config.candidate_facts]))
    sources_read = _sources_read(sources)
    measured = []
    for n in chosen:
        positions = np.flatnonzero(index.statement_owner == n)
        statements = [index.statements[p] for p in positions]
        f1 = [f for _, _, f in encoder.bertscore([text] * len(statements), statements)]
        combined = [(float(cosines[p]) + f) / 2 for p, f in zip(positions, f1)]
        best = int(np.argmax(combined))
        # The statements about as close as the best: the claim may follow any of them.
        close = [t for t, value in zip(statements, combined) if value >= combined[best] - config.credit_margin]
        measured.append((n, combined[best], statements[best], close))

    def opposite_similarity(fact: Fact) -> float:
        opposites = list(fact.opposites)
        opposite_f1 = [f for _, _, f in encoder.bertscore([text] * len(opposites), opposites)]
        opposite_cosines = encoder.sentence_embeddings(opposites) @ embedding
        return max((float(c) + f) / 2 for c, f in zip(opposite_cosines, opposite_f1))

    readings = []
    for n, similarity, statement, close in measured:
        fact = facts[n]
        # A claim may merge what several articles say of one thing (the event
        # instance): names given by an equally close fact of the same party are no conflict.
        vocabulary = " ".join(
            index.vocabulary[m] for m, other, *_ in measured if m == n or (relation[m] == relation[n] != "other" and other >= similarity - config.credit_margin)
        )
        conflict, added = _slot_conflict(text, fact, vocabulary, index.typed_names, sources_read)
        two_sided = both_ways(text)
        noncommittal = asserts_nothing(text) and not any(asserts_nothing(t) for t in fact.statements)
        claimed_stance = None if two_sided else stance(text)
        # Pressing for what the sources report as a fear or a plain statement
        # (a suggestion, a forecast) overstates it; it is not its opposite.
        overstated = claimed_stance == "wants" and fact.slots.polarity in ("states", "loses")
        # Opposite polarity takes two signs that agree: the claim differs in
        # negations from every statement about as close as the closest
        # ("can afford to reject" against "cannot afford to reject"), and it
        # is about as close to the fact's opposites as to its statements. A
        # two-sided claim states both polarities, so neither is its own.
        # (The opposites are measured only when the negations already differ.)
        opposite = None
        if conflict is None and not two_sided and not overstated and all(negations(text) != negations(t) for t in close):
            opposite = opposite_similarity(fact)
            if opposite >= similarity - config.opposite_margin:
                conflict = f"it states the opposite of “{statement}”"
        if conflict is None and claimed_stance and fact.slots.polarity == _OPPOSITE_STANCE[claimed_stance] and stance(statement) != claimed_stance:
            conflict = f"it says {claimed_stance} where the fact {fact.slots.polarity}: “{statement}”"
        readings.append(FactReading(fact, similarity, statement, opposite, relation[n], conflict, added, noncommittal, overstated))
    readings.sort(key=lambda r: (-r.similarity, r.fact.id))
    match = _decide(tuple(readings), resolved, index, config)
    several = _facts_of_sentences(text, party, field, facts, sources, index, config) if match.asserted else ()
    if len(several) > 1:
        cited = ", ".join(several)
        return replace(match, asserted=frozenset(), reason=f"{match.reason}; but it states several facts ({cited}), and an item earns credit for one claim")
    return match


def _facts_of_sentences(
    text: str, party: str | None, field: str, facts: tuple[Fact, ...], sources: tuple[Article, ...], index: _FactIndex, config: ClaimMatchConfig
) -> tuple[str, ...]:
    """The distinct facts the sentences of a text of several sentences state, each read on its own (one per sentence at most)."""
    sentences = split_sentences(text)
    if len(sentences) < 2:
        return ()
    spans = index.spans
    stated: list[str] = []
    for sentence in sentences:
        reading = match_claim(sentence, party, field, facts=facts, sources=sources, config=config)
        closest = reading.candidates[0] if reading.candidates else None
        if closest is None or closest.similarity < config.match_threshold:
            continue
        if not any(closest.fact.id == other or _siblings(spans[closest.fact.id], spans[other]) for other in stated):
            stated.append(closest.fact.id)
    return tuple(stated)


def _siblings(a: frozenset[tuple[str, int, int]], b: frozenset[tuple[str, int, int]]) -> bool:
    """Two facts read off the same words of an article: evidence spans that overlap by half the shorter one.

    The inventory gives one sentence several facts when it states one
    party's offer and another's stake in it, or one party's demand and its
    stake: they are one claim seen from two sides.
    """
    return any(
        article_a == article_b and min(end_a, end_b) - max(start_a, start_b) >= min(end_a - start_a, end_b - start_b) / 2
        for article_a, start_a, end_a in a
        for article_b, start_b, end_b in b
    )


def _decide(readings: tuple[FactReading, ...], party: str | None, index: _FactIndex, config: ClaimMatchConfig) -> ClaimMatch:
    if not readings:
        return ClaimMatch("unsupported", None, frozenset(), "no fact of the sources is close", readings)
    threshold, margin = config.match_threshold, config.credit_margin
    spans = index.spans
    held = [r for r in readings if r.party in ("holder", "agrees", "involved")]
    # What the claim says is its closest held fact, whoever holds it; a fact
    # of its own party counts only when it is about as close (one claim per
    # item). Another party's fact read off the same words as one of the
    # claimed party's is the same claim seen from another side, not a rival;
    # a fact nobody holds (background, a forecast) is context, not a rival.
    rivals = [r for r in readings if r.party == "other" and r.fact.holder is not None and not any(_siblings(spans[r.fact.id], spans[c.fact.id]) for c in held)]
    best = max([r.similarity for r in held[:1] + rivals[:1]], default=0.0)
    floor = max(threshold, best - margin)
    own = [r for r in held if r.similarity >= floor]
    stating = [r for r in own if r.conflict is None and not r.noncommittal and not r.overstated]
    if stating:
        fact = stating[0]
        # The claimed party's facts read off the same words as a stated fact
        # (its demand and its stake in one sentence; its stake in another's offer) are the same claim.
        asserted = frozenset(
            f.id for f in index.facts if f.holder == party and any(f.id == r.fact.id or _siblings(spans[f.id], spans[r.fact.id]) for r in stating)
        )
        if fact.added:
            details = ", ".join(repr(d) for d in fact.added)
            return ClaimMatch("unsupported", fact, asserted, f"states {_cite(fact)} but adds {details}, which the sources do not give", readings)
        return ClaimMatch("supported", fact, asserted, f"states {_cite(fact)}", readings)
    conflicting = [r for r in own if r.conflict is not None]
    if conflicting:
        return ClaimMatch("contradicted", conflicting[0], frozenset(), f"conflicts with {_cite(conflicting[0])}: {conflicting[0].conflict}", readings)
    if noncommittal := [r for r in own if r.noncommittal]:
        return ClaimMatch("supported", noncommittal[0], frozenset(), f"commits to neither outcome of {_cite(noncommittal[0])}, so it earns no credit", readings)
    if overstated := [r for r in own if r.overstated]:
        fact = overstated[0].fact
        return ClaimMatch("unsupported", overstated[0], frozenset(), f"overstates {_cite(overstated[0])}: the sources report it as a {fact.kind}, not as pressed for", readings)
    # A fact nobody holds supports the claim, for any party, when nothing held is closer.
    unheld = [r for r in readings if r.party == "unheld" and r.conflict is None and not r.noncommittal and r.similarity >= max(threshold, best - margin)]
    if unheld:
        return ClaimMatch("supported", unheld[0], frozenset(), f"states {_cite(unheld[0])}, which the sources give to no party", readings)
    closest = readings[0]
    holder = "no party" if closest.fact.holder is None else closest.fact.holder
    whose = "no party given" if party is None else f"none of {party}'s"
    return ClaimMatch("unsupported", closest, frozenset(), f"no fact of the sources ({whose}) states this; closest {_cite(closest)}, held by {holder}", readings)


def _cite(reading: FactReading) -> str:
    quote = reading.fact.evidence[0]
    quote = quote if len(quote) <= 160 else quote[:157] + "..."
    return f"fact {reading.fact.id} ({reading.similarity:.2f}) “{quote}”"
