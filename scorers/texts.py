"""Demands and stakes: free-text items matched to gold by meaning, within the same party.

A predicted item and a gold item state the same fact when all of these hold:

1. **Same party.** Both parties resolve to the same name
   (``benchmark.normalize.resolve_party``: "Kremlin", "Moscow" and "Putin"
   are Russia). An item without a party matches only a gold item without
   one: who demands something is half of the fact ("security guarantees"
   are demanded by Ukraine for itself and by Russia for Moscow), so an item
   that does not say whose it is cannot take the credit of one that does.
2. **Similar wording.** Their BERTScore F1 (``scorers.similarity``; the
   prediction is the candidate, the gold text the reference) is at least
   ``config.text_match_threshold``, by default ``TEXT_MATCH_THRESHOLD``,
   chosen on labelled dev pairs by ``calibrate`` (README "How demands and
   stakes are matched").
3. **No substituted name or number.** Not both texts name a party or a number
   that the other does not (``names_conflict``): "nearly 20%" against
   "nearly 50%", "Ukrainian forces must withdraw" against "Russian forces
   must withdraw". BERTScore rates such near-copies above most real
   paraphrases; an addition or omission on one side only ("Kyiv wants US
   guarantees" against "Ukraine wants guarantees") is no conflict.

Predicted and gold items are aligned one-to-one
(``scipy.optimize.linear_sum_assignment``) so that the most pairs match,
and among alignments with that many matches, the one with the highest total
similarity. A matched pair is correct; an unmatched prediction spurious; an
unmatched gold item missing. Each correct item carries its BERTScore F1 as
``similarity`` and ROUGE-L (rouge-score, stemmed) in its details; a spurious
item names its closest gold item of the same party and why it did not
match.
"""

from __future__ import annotations

import functools
import json
import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Literal, get_args

import numpy as np

from benchmark.data import REPO_ROOT, Article
from benchmark.errors import InputError, Problem, ScoringError
from benchmark.normalize import CANONICAL_PARTIES, fold, resolve_party
from benchmark.schema import GoldPartyItem, PartyItem, json_path
from scorers.base import Counts, FieldResult, ItemOutcome
from scorers.config import ScoringConfig

TEXT_MATCH_THRESHOLD = 0.432
"""Least BERTScore F1 for a match; chosen by ``calibrate`` on ``DEV_PAIRS`` (README states how)."""

DEV_PAIRS = REPO_ROOT / "tests" / "data" / "similarity_pairs.jsonl"
PairLabel = Literal["paraphrase", "different_fact", "same_topic_different_claim"]
PAIR_LABELS: tuple[str, ...] = get_args(PairLabel)
TextField = Literal["demands", "stakes"]

_NUMBER = re.compile(r"\d(?:[\d,.]*\d)?")
_WORD = re.compile(r"\w+")
_LONGEST_PARTY_ALIAS_WORDS = 4  # "united states of america"


@functools.lru_cache(maxsize=4096)
def named_things(text: str) -> frozenset[str]:
    """The parties and numbers a text names.

    Parties are found as runs of one to four words starting with a capital
    letter that ``resolve_party`` knows ("Kyiv", "the Kremlin", "U.S.",
    "White House"), recorded under their canonical name. Numbers are digit
    runs, thousands separators dropped ("21,000" is "21000").

    Example:
        >>> sorted(named_things("Kyiv wants U.S. guarantees for 21,000 sq km"))
        ['21000', 'Ukraine', 'United States']
    """
    found = {number.replace(",", "") for number in _NUMBER.findall(text)}
    words = _WORD.findall(text)
    position = 0
    while position < len(words):
        step = 1
        if words[position][0].isupper():
            for length in range(min(_LONGEST_PARTY_ALIAS_WORDS, len(words) - position), 0, -1):
                party = resolve_party(" ".join(words[position : position + length]))
                if party in CANONICAL_PARTIES:
                    found.add(party)
                    step = length
                    break
        position += step
    return frozenset(found)


def names_conflict(prediction_text: str, gold_text: str) -> bool:
    """Whether each text names a party or number the other does not (a substitution, not an omission)."""
    predicted, expected = named_things(prediction_text), named_things(gold_text)
    return bool(predicted - expected) and bool(expected - predicted)


def is_text_match(similarity: float, prediction_text: str, gold_text: str, *, threshold: float) -> bool:
    """The text half of the match rule (the party is checked by the caller): similar enough, no substitution."""
    return similarity >= threshold and not names_conflict(prediction_text, gold_text)


def _party_key(party: str | None) -> str | None:
    if party is None:
        return None
    return fold(resolve_party(party) or "") or None


def _plain(item: PartyItem) -> dict:
    return {"party": item.party, "text": item.text}


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
        sources: the instance's articles (unused: items are compared with gold only).
        config: the threshold (``text_match_threshold``) and encoder layer.

    Returns:
        Counts (correct, missing, spurious; never incorrect) and one outcome
        per predicted item, then one per unmatched gold item.

    Raises:
        ScoringError: the model cannot be loaded, or ``config`` asks for an
            encoder layer this model does not provide.
    """
    from scipy.optimize import linear_sum_assignment

    from scorers.similarity import load_encoder, rouge_l

    threshold = config.text_match_threshold
    predicted_keys = [_party_key(item.party) for item in prediction]
    gold_keys = [_party_key(item.party) for item in gold]
    same_party = np.array([[p == g for g in gold_keys] for p in predicted_keys], dtype=bool).reshape(len(prediction), len(gold))
    similarity = np.zeros(same_party.shape, dtype=np.float32)
    if same_party.any():
        encoder = load_encoder()
        if config.num_layers != encoder.num_layers:
            raise ScoringError(f"config asks for encoder layer {config.num_layers}, but BERTScore is defined on layer {encoder.num_layers}")
        encoder.persist(item.text for item in gold)
        similarity = encoder.bertscore_matrix([item.text for item in prediction], [item.text for item in gold])
    matches = np.array(
        [
            [bool(same_party[i, j]) and is_text_match(float(similarity[i, j]), p.text, g.text, threshold=threshold) for j, g in enumerate(gold)]
            for i, p in enumerate(prediction)
        ],
        dtype=bool,
    ).reshape(same_party.shape)
    # Every match outweighs any total of similarities (each at most 1), so
    # the alignment first maximises the number of matches, then their similarity.
    weight = np.where(matches, len(prediction) + len(gold) + 1 + similarity, 0.0)
    rows, columns = linear_sum_assignment(weight, maximize=True)
    gold_of = {int(i): int(j) for i, j in zip(rows, columns) if matches[i, j]}
    matched_gold = set(gold_of.values())

    outcomes: list[ItemOutcome] = []
    for i, item in enumerate(prediction):
        path = json_path(field, i)
        if i in gold_of:
            j = gold_of[i]
            details = {"party": resolve_party(item.party), "rouge_l": rouge_l(item.text, gold[j].text)}
            outcomes.append(ItemOutcome(path, field, "correct", _plain(item), _plain(gold[j]), float(similarity[i, j]), details))
            continue
        details = {"party": resolve_party(item.party)}
        candidates = np.flatnonzero(same_party[i])
        if candidates.size == 0:
            details["reason"] = f"no gold {field} item with this party" if item.party is not None else f"no party given; {field} are matched within a party"
        else:
            j = int(candidates[np.argmax(similarity[i, candidates])])
            closest = float(similarity[i, j])
            details["closest"] = {**_plain(gold[j]), "similarity": closest, "rouge_l": rouge_l(item.text, gold[j].text)}
            if closest < threshold:
                details["reason"] = f"closest gold item of this party scores {closest:.4f}, below the threshold {threshold}"
            elif names_conflict(item.text, gold[j].text):
                details["reason"] = "names a party or number the closest gold item does not, and omits one it names"
            else:
                details["reason"] = "its matching gold items were aligned with other predicted items"
        outcomes.append(ItemOutcome(path, field, "spurious", _plain(item), None, None, details))
    missing = [j for j in range(len(gold)) if j not in matched_gold]
    outcomes += [ItemOutcome(json_path(field, j), field, "missing", None, _plain(gold[j])) for j in missing]
    counts = Counts(correct=len(gold_of), missing=len(missing), spurious=len(prediction) - len(gold_of))
    return FieldResult(field, counts, tuple(outcomes))


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


# --- Choosing the threshold ------------------------------------------------


@dataclass(frozen=True)
class ScoredPair:
    """One labelled dev pair with the measures the match rule uses."""

    id: str
    a: str
    b: str
    label: PairLabel
    f1: float
    rouge_l: float
    names_conflict: bool

    @property
    def paraphrase(self) -> bool:
        return self.label == "paraphrase"


@dataclass(frozen=True)
class ThresholdRow:
    """How a match rule classifies the dev pairs at one threshold.

    Attributes:
        threshold: the least BERTScore F1 of a match.
        guard: whether ``names_conflict`` vetoes matches (the rule in use) or
            not (BERTScore alone).
        accuracy: share of pairs classified right (paraphrase or not).
        balanced_accuracy: mean of the share of paraphrases matched and the
            share of other pairs rejected.
    """

    threshold: float
    guard: bool
    accuracy: float
    balanced_accuracy: float


@dataclass(frozen=True)
class CalibrationReport:
    """The chosen threshold and the evidence for it.

    Attributes:
        pairs: every dev pair with its scores.
        threshold: the chosen threshold (see ``calibrate``).
        chosen: the dev-set figures of the match rule at ``threshold``.
        best_without_guard: the best BERTScore alone reaches (no ``names_conflict``).
        leave_one_out_balanced_accuracy: each pair classified at the threshold
            chosen on the other pairs: an estimate free of choosing the
            threshold on the very pairs it is judged on.
        table: rows at round thresholds, for reading the trade-off.
    """

    pairs: tuple[ScoredPair, ...]
    threshold: float
    chosen: ThresholdRow
    best_without_guard: ThresholdRow
    leave_one_out_balanced_accuracy: float
    table: tuple[ThresholdRow, ...]

    def misclassified(self) -> list[ScoredPair]:
        """Pairs the rule gets wrong at the chosen threshold."""
        return [pair for pair in self.pairs if _predict(pair, self.threshold) != pair.paraphrase]

    def lines(self) -> list[str]:
        """The report as the CLI prints it."""
        count = {label: sum(pair.label == label for pair in self.pairs) for label in PAIR_LABELS}
        out = [
            f"{len(self.pairs)} dev pairs: " + ", ".join(f"{label} {n}" for label, n in count.items()),
            "",
            "BERTScore F1 and ROUGE-L by label (min / median / max):",
        ]
        for label in PAIR_LABELS:
            f1 = [pair.f1 for pair in self.pairs if pair.label == label]
            rouge = [pair.rouge_l for pair in self.pairs if pair.label == label]
            conflicts = sum(pair.names_conflict for pair in self.pairs if pair.label == label)
            out.append(
                f"  {label:<27} F1 {min(f1):.4f} / {float(np.median(f1)):.4f} / {max(f1):.4f}"
                f"   ROUGE-L {min(rouge):.3f} / {float(np.median(rouge)):.3f} / {max(rouge):.3f}   name conflicts {conflicts}/{len(f1)}"
            )
        out += ["", "             match rule (F1 + names)    BERTScore F1 alone", f"{'threshold':>9}  {'accuracy':>8}  {'balanced':>8}    {'accuracy':>8}  {'balanced':>8}"]
        rows = {(row.threshold, row.guard): row for row in self.table}
        for threshold in sorted({row.threshold for row in self.table}):
            rule, alone = rows[threshold, True], rows[threshold, False]
            mark = "  <- chosen" if threshold == self.threshold else ""
            out.append(
                f"{threshold:>9.4g}  {rule.accuracy:>8.4f}  {rule.balanced_accuracy:>8.4f}    {alone.accuracy:>8.4f}  {alone.balanced_accuracy:>8.4f}{mark}"
            )
        out += [
            "",
            f"chosen threshold {self.threshold}: accuracy {self.chosen.accuracy:.4f}, balanced accuracy {self.chosen.balanced_accuracy:.4f}"
            + ("" if self.threshold == TEXT_MATCH_THRESHOLD else f" (the scorer uses {TEXT_MATCH_THRESHOLD})"),
            f"BERTScore alone at best: balanced accuracy {self.best_without_guard.balanced_accuracy:.4f} at {self.best_without_guard.threshold:.4g}",
            f"leave-one-out balanced accuracy: {self.leave_one_out_balanced_accuracy:.4f}",
            "",
            "misclassified at the chosen threshold:",
        ]
        for pair in self.misclassified():
            out.append(f"  {pair.id} {pair.label:<27} F1 {pair.f1:.4f}  {pair.a!r} / {pair.b!r}")
        return out


def load_pairs(path: Path) -> list[tuple[str, str, str, PairLabel]]:
    """Read labelled pairs: JSON lines with ``id``, ``a``, ``b`` and ``label`` (one of ``PAIR_LABELS``).

    Raises:
        InputError: the file cannot be read or a line is malformed (every bad line is reported).
    """
    try:
        text = Path(path).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise InputError([Problem(str(path), f"cannot read labelled pairs: {getattr(error, 'strerror', None) or error}")]) from None
    pairs, problems = [], []
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        where = f"{path}:{number}"
        try:
            row = json.loads(line)
        except json.JSONDecodeError as error:
            problems.append(Problem(where, f"not JSON: {error.msg}"))
            continue
        if not isinstance(row, dict):
            problems.append(Problem(where, "expected an object with id, a, b and label"))
            continue
        fields_ok = all(isinstance(row.get(key), str) and row[key].strip() for key in ("id", "a", "b"))
        if not fields_ok:
            problems.append(Problem(where, "id, a and b must be non-empty strings"))
        elif row.get("label") not in PAIR_LABELS:
            problems.append(Problem(where, f"label must be one of {', '.join(PAIR_LABELS)}, not {row.get('label')!r}"))
        else:
            pairs.append((row["id"], row["a"], row["b"], row["label"]))
    if not problems and not (any(label == "paraphrase" for *_, label in pairs) and any(label != "paraphrase" for *_, label in pairs)):
        problems.append(Problem(str(path), "needs at least one paraphrase pair and one other pair"))
    if problems:
        raise InputError(problems)
    return pairs


def _predict(pair: ScoredPair, threshold: float, *, guard: bool = True) -> bool:
    return pair.f1 >= threshold and not (guard and pair.names_conflict)


def _row(pairs: Sequence[ScoredPair], threshold: float, *, guard: bool = True) -> ThresholdRow:
    truth = np.array([pair.paraphrase for pair in pairs])
    predicted = np.array([_predict(pair, threshold, guard=guard) for pair in pairs])
    return ThresholdRow(threshold, guard, float((predicted == truth).mean()), _balanced_accuracy(predicted, truth))


def _balanced_accuracy(predicted: np.ndarray, truth: np.ndarray) -> float:
    return float(((predicted & truth).sum() / truth.sum() + (~predicted & ~truth).sum() / (~truth).sum()) / 2)


def _shortest_decimal_within(low: float, high: float) -> float:
    """The midpoint of (low, high], rounded to the fewest decimals that keep it inside."""
    middle = (low + high) / 2
    for decimals in range(1, 10):
        rounded = round(middle, decimals)
        if low < rounded <= high:
            return rounded
    return middle


def _choose_threshold(pairs: Sequence[ScoredPair], *, guard: bool = True) -> float:
    """The threshold of highest balanced accuracy; ties go to the widest gap, then the lowest.

    Every threshold between two neighbouring F1 values classifies the pairs
    alike, so only those gaps are candidates; the threshold is the middle of
    the chosen gap (rounded while it stays inside).
    """
    truth = np.array([pair.paraphrase for pair in pairs])
    vetoed = np.array([guard and pair.names_conflict for pair in pairs])
    scores = np.array([pair.f1 for pair in pairs])
    levels = np.unique(scores)
    bounds = [(levels[0] - 1.0, levels[0])] + list(zip(levels[:-1], levels[1:])) + [(levels[-1], levels[-1] + 1.0)]
    best_key, best_gap = None, bounds[0]
    for low, high in bounds:
        predicted = (scores >= high) & ~vetoed
        key = (_balanced_accuracy(predicted, truth), high - low, -high)
        if best_key is None or key > best_key:
            best_key, best_gap = key, (low, high)
    return _shortest_decimal_within(*best_gap)


def _round_thresholds() -> tuple[float, ...]:
    return tuple(round(0.30 + 0.05 * step, 2) for step in range(13))


def calibrate(pairs_path: Path = DEV_PAIRS) -> CalibrationReport:
    """Choose the text-match threshold on labelled pairs: paraphrase against everything else.

    Each pair is scored with BERTScore F1 (b as candidate, a as reference),
    ROUGE-L and ``names_conflict``; the match rule (F1 at least the
    threshold, no conflict) is evaluated at every threshold that changes its
    verdicts, and the threshold of highest balanced accuracy is chosen (ties:
    the widest gap between neighbouring scores, then the lowest).

    Raises:
        InputError: the pairs file is missing or malformed.
        ScoringError: the model cannot be loaded.
    """
    from scorers.similarity import load_encoder, rouge_l

    rows = load_pairs(pairs_path)
    scores = load_encoder().bertscore([b for _, _, b, _ in rows], [a for _, a, _, _ in rows])
    pairs = tuple(
        ScoredPair(pair_id, a, b, label, f1, rouge_l(b, a), names_conflict(b, a))
        for (pair_id, a, b, label), (_, _, f1) in zip(rows, scores)
    )
    threshold = _choose_threshold(pairs)
    held_out = []
    for index, pair in enumerate(pairs):
        others = pairs[:index] + pairs[index + 1 :]
        held_out.append(_predict(pair, _choose_threshold(others)))
    leave_one_out = _balanced_accuracy(np.array(held_out), np.array([pair.paraphrase for pair in pairs]))
    return CalibrationReport(
        pairs=pairs,
        threshold=threshold,
        chosen=_row(pairs, threshold),
        best_without_guard=_row(pairs, _choose_threshold(pairs, guard=False), guard=False),
        leave_one_out_balanced_accuracy=leave_one_out,
        table=tuple(_row(pairs, t, guard=guard) for t in (*_round_thresholds(), threshold) for guard in (True, False)),
    )
