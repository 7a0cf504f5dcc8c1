"""Demands and stakes: party-constrained one-to-one matching by BERTScore, and the threshold's calibration."""

from __future__ import annotations

import itertools
import re
from fractions import Fraction
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from benchmark.data import REPO_ROOT, load_instances
from benchmark.errors import InputError, ScoringError
from benchmark.schema import Evidence, GoldPartyItem, PartyItem
from scorers.config import ScoringConfig
from scorers.similarity import rouge_l
from scorers.texts import (
    TEXT_MATCH_THRESHOLD,
    calibrate,
    is_text_match,
    load_pairs,
    named_things,
    names_conflict,
    score_demands,
    score_party_items,
    score_stakes,
)
from tests.conftest import run_bench

CONFIG = ScoringConfig()
NATO = "Ukraine must formally abandon its NATO aspirations and declare neutrality"
NATO_REWORDED = "Kyiv should give up on joining NATO and become a neutral state"
GUARANTEES = "Ukraine requires strong security guarantees from the United States"
TWENTY = "A ceasefire that keeps Russian forces in control of nearly 20% of Ukraine"
UNRELATED = ["India could face US tariffs as a buyer of Russian crude oil", "Trump's Nobel Peace Prize bid"]


def gold_item(party: str | None, text: str) -> GoldPartyItem:
    return GoldPartyItem(party=party, text=text, evidence=[Evidence(article="000", quote="Putin")])


def predicted(party: str | None, text: str) -> PartyItem:
    return PartyItem(party=party, text=text)


def demands(prediction, gold, config=CONFIG):
    return score_demands(prediction=prediction, gold=gold, sources=(), config=config)


def test_threshold_is_the_config_default():
    assert CONFIG.text_match_threshold == TEXT_MATCH_THRESHOLD


def test_hand_computed_counts(encoder):
    gold = [gold_item("Russia", NATO), gold_item("Ukraine", GUARANTEES)]
    prediction = [predicted("Russia", NATO), predicted("Russia", UNRELATED[0]), predicted("Ukraine", UNRELATED[1])]
    result = demands(prediction, gold)
    assert (result.counts.correct, result.counts.incorrect, result.counts.missing, result.counts.spurious) == (1, 0, 1, 2)
    assert result.counts.precision == Fraction(1, 3)
    assert result.counts.recall == Fraction(1, 2)
    assert result.counts.f1 == Fraction(2, 5)
    assert [(o.path, o.verdict) for o in result.items] == [
        ("demands[0]", "correct"),
        ("demands[1]", "spurious"),
        ("demands[2]", "spurious"),
        ("demands[1]", "missing"),
    ]
    correct = result.items[0]
    assert correct.similarity == pytest.approx(1.0, abs=1e-6)
    assert correct.value == {"party": "Russia", "text": NATO} and correct.gold == {"party": "Russia", "text": NATO}
    assert correct.details == {"party": "Russia", "rouge_l": 1.0}
    spurious = result.items[2]
    assert spurious.gold is None and spurious.similarity is None
    assert spurious.details["closest"]["text"] == GUARANTEES
    assert "below the threshold" in spurious.details["reason"]
    assert result.items[3].gold == {"party": "Ukraine", "text": GUARANTEES} and result.items[3].value is None


def test_paraphrase_under_a_party_alias_matches(encoder):
    result = demands([predicted("the Kremlin", NATO_REWORDED)], [gold_item("Russia", NATO)])
    assert result.counts.correct == 1
    outcome = result.items[0]
    (f1,) = [f for _, _, f in encoder.bertscore([NATO_REWORDED], [NATO])]
    assert outcome.similarity == pytest.approx(f1, abs=1e-6) and f1 >= TEXT_MATCH_THRESHOLD
    assert outcome.details == {"party": "Russia", "rouge_l": rouge_l(NATO_REWORDED, NATO)}


def test_wrong_party_does_not_match(encoder):
    result = demands([predicted("Ukraine", NATO)], [gold_item("Russia", NATO)])
    assert (result.counts.correct, result.counts.missing, result.counts.spurious) == (0, 1, 1)
    assert result.items[0].details == {"party": "Ukraine", "reason": "no gold demands item with this party"}


def test_item_without_party_matches_only_gold_without_party(encoder):
    result = demands([predicted(None, NATO)], [gold_item("Russia", NATO)])
    assert result.counts.correct == 0
    assert "no party given" in result.items[0].details["reason"]
    assert demands([predicted(None, NATO)], [gold_item(None, NATO)]).counts.correct == 1


def test_substituted_number_does_not_match(encoder):
    fifty = TWENTY.replace("20%", "50%")
    (f1,) = [f for _, _, f in encoder.bertscore([fifty], [TWENTY])]
    assert f1 > 0.95  # BERTScore alone would call it the same claim
    result = demands([predicted("Russia", fifty)], [gold_item("Russia", TWENTY)])
    assert result.counts.correct == 0
    assert "names a party or number" in result.items[0].details["reason"]


def test_threshold_comes_from_config(encoder):
    pair = ([predicted("Russia", NATO_REWORDED)], [gold_item("Russia", NATO)])
    assert demands(*pair, config=ScoringConfig(text_match_threshold=0.99)).counts.correct == 0
    assert demands(*pair, config=ScoringConfig(text_match_threshold=0.3)).counts.correct == 1


def test_alignment_is_one_to_one(encoder):
    result = demands([predicted("Russia", NATO), predicted("Russia", NATO)], [gold_item("Russia", NATO)])
    assert (result.counts.correct, result.counts.spurious, result.counts.missing) == (1, 1, 0)
    assert result.items[1].details["reason"] == "its matching gold items were aligned with other predicted items"


def test_empty_sides():
    gold = [gold_item("Russia", NATO), gold_item("Ukraine", GUARANTEES)]
    empty_prediction = demands([], gold)
    assert (empty_prediction.counts.missing, empty_prediction.counts.precision, empty_prediction.counts.recall, empty_prediction.counts.f1) == (2, None, 0, 0)
    empty_gold = score_stakes(prediction=[predicted("Russia", NATO)], gold=[], sources=(), config=CONFIG)
    assert (empty_gold.counts.spurious, empty_gold.counts.f1, empty_gold.field) == (1, 0, "stakes")
    both = demands([], [])
    assert both.counts.f1 is None and both.items == ()


def test_encoder_layer_must_match_config(encoder):
    with pytest.raises(ScoringError, match="layer 5"):
        demands([predicted("Russia", NATO)], [gold_item("Russia", NATO)], config=ScoringConfig(num_layers=5))


def test_gold_scored_as_prediction_is_perfect(encoder):
    for instance in load_instances().values():
        for field in ("demands", "stakes"):
            gold = getattr(instance.gold, field)
            result = score_party_items(field, prediction=getattr(instance.gold.to_summary(), field), gold=gold, sources=instance.sources, config=CONFIG)
            assert result.counts.correct == len(gold) and result.counts.f1 in (1, None), (instance.id, field)


# --- properties: order never matters, and the alignment is optimal -------

_TEXTS = [NATO, NATO_REWORDED, GUARANTEES, TWENTY, *UNRELATED, "Kyiv wants robust US security guarantees", "Relief from Western sanctions"]
_items = st.lists(st.tuples(st.sampled_from(["Russia", "Moscow", "Ukraine"]), st.sampled_from(_TEXTS)), max_size=4)


@settings(max_examples=30, deadline=None)
@given(prediction=_items, gold=_items, data=st.data())
def test_order_never_changes_a_score(encoder, prediction, gold, data):
    shuffled_prediction = data.draw(st.permutations(prediction))
    shuffled_gold = data.draw(st.permutations(gold))
    first = demands([predicted(*p) for p in prediction], [gold_item(*g) for g in gold])
    second = demands([predicted(*p) for p in shuffled_prediction], [gold_item(*g) for g in shuffled_gold])
    assert first.counts == second.counts
    similarities = sorted(o.similarity for o in first.items if o.verdict == "correct")
    assert sorted(o.similarity for o in second.items if o.verdict == "correct") == pytest.approx(similarities, abs=1e-6)


@settings(max_examples=30, deadline=None)
@given(prediction=_items, gold=_items)
def test_alignment_matches_as_many_pairs_as_possible(encoder, prediction, gold):
    result = demands([predicted(*p) for p in prediction], [gold_item(*g) for g in gold])
    party = {"Russia": "Russia", "Moscow": "Russia", "Ukraine": "Ukraine"}
    similarity = encoder.bertscore_matrix([t for _, t in prediction], [t for _, t in gold]) if prediction and gold else None

    def can_match(i, j):
        return party[prediction[i][0]] == party[gold[j][0]] and is_text_match(
            float(similarity[i, j]), prediction[i][1], gold[j][1], threshold=TEXT_MATCH_THRESHOLD
        )

    # Brute force: the largest set of disjoint matchable pairs.
    best = 0
    for size in range(min(len(prediction), len(gold)), 0, -1):
        if any(all(can_match(i, j) for i, j in zip(rows, columns)) for rows in itertools.combinations(range(len(prediction)), size) for columns in itertools.permutations(range(len(gold)), size)):
            best = size
            break
    assert result.counts.correct == best


# --- names ------------------------------------------------------------------


def test_named_things():
    assert named_things("Kyiv wants U.S. guarantees for 21,000 sq km") == {"Ukraine", "United States", "21000"}
    assert named_things("Trump must avoid unilateral deals with the Kremlin") == {"United States", "Russia"}
    assert named_things("the US–Russia relations and the White House") == {"United States", "Russia"}
    assert named_things("let us talk") == set()  # the pronoun is not the country


def test_names_conflict_is_a_substitution_not_an_omission():
    assert names_conflict(TWENTY.replace("20%", "50%"), TWENTY)
    assert names_conflict("Russian forces must withdraw from Donetsk", "Ukrainian forces must withdraw from Donetsk")
    assert not names_conflict("Kyiv wants robust US security guarantees", "Ukraine requires security guarantees")
    assert not names_conflict("Washington should not cut a deal with the Kremlin", "Trump must avoid unilateral deals with Moscow")


# --- calibration ------------------------------------------------------------


def _readme_section() -> str:
    text = (REPO_ROOT / "README.md").read_text(encoding="utf-8")
    start = text.index("## How demands and stakes are matched")
    end = text.find("\n## ", start + 1)
    return text[start : end if end != -1 else None]


def test_dev_pairs_separate_as_the_readme_states(encoder):
    report = calibrate()
    assert len(report.pairs) >= 60
    assert report.threshold == TEXT_MATCH_THRESHOLD
    section = _readme_section()
    stated = {
        phrase: float(re.search(rf"{phrase} \*\*([0-9.]+)\*\*", section).group(1))
        for phrase in ("threshold", "balanced accuracy", "plain accuracy", "leave-one-out estimate", "BERTScore alone reaches")
    }
    assert stated["threshold"] == report.threshold
    assert stated["balanced accuracy"] == round(report.chosen.balanced_accuracy, 3)
    assert stated["plain accuracy"] == round(report.chosen.accuracy, 3)
    assert stated["leave-one-out estimate"] == round(report.leave_one_out_balanced_accuracy, 3)
    assert stated["BERTScore alone reaches"] == round(report.best_without_guard.balanced_accuracy, 3)
    assert report.chosen.balanced_accuracy >= 0.85
    # The report is consistent with the rule the scorer applies.
    for pair in report.pairs:
        matched = is_text_match(pair.f1, pair.b, pair.a, threshold=report.threshold)
        assert (pair in report.misclassified()) == (matched != pair.paraphrase)
    assert any("<- chosen" in line for line in report.lines())


def test_malformed_pairs_file_is_reported_by_line(tmp_path: Path):
    path = tmp_path / "pairs.jsonl"
    path.write_text('{"id": "x", "a": "A", "b": "B", "label": "paraphrase"}\nnot json\n{"id": "y", "a": "A", "b": "B", "label": "maybe"}\n', encoding="utf-8")
    with pytest.raises(InputError) as error:
        load_pairs(path)
    assert [problem.where for problem in error.value.problems] == [f"{path}:2", f"{path}:3"]
    with pytest.raises(InputError, match="cannot read"):
        load_pairs(tmp_path / "absent.jsonl")
    path.write_text('{"id": "x", "a": "A", "b": "B", "label": "paraphrase"}\n', encoding="utf-8")
    with pytest.raises(InputError, match="at least one paraphrase pair and one other"):
        load_pairs(path)


def test_bench_calibrate_reports_a_bad_pairs_file(tmp_path: Path):
    result = run_bench("calibrate", "--pairs", str(tmp_path / "absent.jsonl"))
    assert result.returncode == 2
    assert result.stderr.startswith(f"error: {tmp_path / 'absent.jsonl'}: cannot read labelled pairs")
    assert "Traceback" not in result.stderr
