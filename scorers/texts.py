"""Demands and stakes: a predicted item earns a gold item when it states one of that item's facts.

Every gold demand and stake names the inventory facts it is (``facts``: one
per article that states it; ``gold/facts/``). A predicted item is read by the
claim-matching core (``scorers.matching.match_claim``), the same reading that
judges its factual consistency, and is eligible for a gold item when:

1. **Same party.** Its party resolves to the gold item's
   (``benchmark.normalize.resolve_party``: "Kremlin", "Moscow" and "Putin"
   are Russia); an item without a party earns nothing.
2. **It commits to its party**: the same text is not filed under more than
   two parties of the field (``MAX_PARTIES_PER_TEXT``).
3. **It asserts one of the gold item's facts**: the fact holder's claim,
   reaching the match threshold, within the credit margin of the item's
   closest fact, and with no conflict in a typed slot (another number,
   place, person or actor, or the opposite polarity).

Predicted and gold items are aligned one-to-one
(``scipy.optimize.linear_sum_assignment``) so that the most pairs match,
and among alignments with that many matches, the one with the highest total
similarity. A matched pair is correct; an unmatched prediction spurious; an
unmatched gold item missing. Each correct item carries the similarity of
the fact it states and ROUGE-L (rouge-score, stemmed) against the gold text
in its details; a spurious item says what the core read it as.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Literal

import numpy as np

from benchmark.data import Article, facts_of
from benchmark.normalize import fold, resolve_party
from benchmark.schema import GoldPartyItem, PartyItem, json_path
from scorers.base import Counts, FieldResult, ItemOutcome
from scorers.config import ScoringConfig
from scorers.matching import ClaimMatch, match_claim

TextField = Literal["demands", "stakes"]

MAX_PARTIES_PER_TEXT = 2
"""The most parties one text may be filed under in a field and still earn credit.

Gold gives a stake stated for two parties to each (gold/GUIDELINES.md
section 6: US–Russia relations), and no gold text is shared by more; a text
filed under three or more parties names no party of its own."""


def _party_key(party: str | None) -> str | None:
    if party is None:
        return None
    return fold(resolve_party(party) or "") or None


def _plain(item: PartyItem) -> dict:
    return {"party": item.party, "text": item.text}


def _credit(match: ClaimMatch, gold_item: GoldPartyItem) -> float | None:
    """The similarity of the best fact of a gold item that the claim asserts, or None."""
    values = [r.similarity for r in match.candidates if r.fact.id in match.asserted and r.fact.id in gold_item.facts]
    return max(values) if values else None


def score_party_items(
    field: TextField,
    *,
    prediction: Sequence[PartyItem],
    gold: Sequence[GoldPartyItem],
    sources: tuple[Article, ...],
    config: ScoringConfig,
) -> FieldResult:
    """Score predicted demands or stakes of one instance against gold (rules: module docstring).

    Args:
        field: "demands" or "stakes".
        prediction: the predicted items, in submission order.
        gold: the gold items.
        sources: the instance's articles (their fact inventory is what items are read against).
        config: the matching settings (``config.claims``).

    Returns:
        Counts (correct, missing, spurious; never incorrect) and one outcome
        per predicted item, then one per unmatched gold item.

    Raises:
        ScoringError: the model cannot be loaded.
    """
    from scipy.optimize import linear_sum_assignment

    from scorers.similarity import rouge_l

    facts = facts_of(sources)
    matches = [match_claim(item.text, item.party, field, facts=facts, sources=sources, config=config.claims) for item in prediction]
    gold_keys = [_party_key(item.party) for item in gold]
    uncommitted = _filed_under_many_parties(prediction)
    credit = np.zeros((len(prediction), len(gold)), dtype=np.float64)
    eligible = np.zeros((len(prediction), len(gold)), dtype=bool)
    for i, (item, match) in enumerate(zip(prediction, matches)):
        if i in uncommitted:
            continue
        key = _party_key(item.party)
        for j, gold_item in enumerate(gold):
            if key is not None and key == gold_keys[j] and (value := _credit(match, gold_item)) is not None:
                eligible[i, j], credit[i, j] = True, value
    # Every match outweighs any total of similarities (each at most 1), so
    # the alignment first maximises the number of matches, then their similarity.
    weight = np.where(eligible, len(prediction) + len(gold) + 1 + credit, 0.0)
    rows, columns = linear_sum_assignment(weight, maximize=True)
    gold_of = {int(i): int(j) for i, j in zip(rows, columns) if eligible[i, j]}
    matched_gold = set(gold_of.values())

    outcomes: list[ItemOutcome] = []
    for i, (item, match) in enumerate(zip(prediction, matches)):
        path = json_path(field, i)
        details: dict = {"party": resolve_party(item.party)}
        if match.fact is not None:
            details["fact"] = {"id": match.fact.fact.id, "similarity": round(match.fact.similarity, 4), "quote": match.fact.fact.evidence[0]}
        if i in gold_of:
            j = gold_of[i]
            details["rouge_l"] = rouge_l(item.text, gold[j].text)
            outcomes.append(ItemOutcome(path, field, "correct", _plain(item), _plain(gold[j]), float(credit[i, j]), details))
            continue
        details["reason"] = (
            f"the same text is filed under more than {MAX_PARTIES_PER_TEXT} parties, so it says whose it is for none"
            if i in uncommitted
            else _spurious_reason(field, item, match, eligible[i])
        )
        outcomes.append(ItemOutcome(path, field, "spurious", _plain(item), None, None, details))
    missing = [j for j in range(len(gold)) if j not in matched_gold]
    outcomes += [ItemOutcome(json_path(field, j), field, "missing", None, _plain(gold[j])) for j in missing]
    counts = Counts(correct=len(gold_of), missing=len(missing), spurious=len(prediction) - len(gold_of))
    return FieldResult(field, counts, tuple(outcomes))


def _filed_under_many_parties(prediction: Sequence[PartyItem]) -> set[int]:
    """Positions of items whose text (folded) is filed under more than ``MAX_PARTIES_PER_TEXT`` parties."""
    parties: dict[str, set[str | None]] = {}
    for item in prediction:
        parties.setdefault(fold(item.text), set()).add(_party_key(item.party))
    return {i for i, item in enumerate(prediction) if len(parties[fold(item.text)]) > MAX_PARTIES_PER_TEXT}


def _spurious_reason(field: str, item: PartyItem, match: ClaimMatch, eligible: np.ndarray) -> str:
    if item.party is None:
        return f"no party given; {field} are matched within a party"
    if eligible.any():
        return "the gold items it states were aligned with other predicted items"
    if match.asserted:
        noun = "demand" if field == "demands" else "stake"
        return f"it states {', '.join(sorted(match.asserted))}, which is no gold {noun} of {resolve_party(item.party)}"
    return match.reason


def score_demands(
    *, prediction: Sequence[PartyItem], gold: Sequence[GoldPartyItem], sources: tuple[Article, ...], config: ScoringConfig
) -> FieldResult:
    """Score the predicted demands of one instance (see ``score_party_items``)."""
    return score_party_items("demands", prediction=prediction, gold=gold, sources=sources, config=config)


def score_stakes(
    *, prediction: Sequence[PartyItem], gold: Sequence[GoldPartyItem], sources: tuple[Article, ...], config: ScoringConfig
) -> FieldResult:
    """Score the predicted stakes of one instance (see ``score_party_items``)."""
    return score_party_items("stakes", prediction=prediction, gold=gold, sources=sources, config=config)
