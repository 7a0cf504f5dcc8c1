"""Demands and stakes: credit through the facts a claim asserts, aligned one-to-one within a party (real model, real gold)."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from benchmark.data import load_instances
from benchmark.schema import PartyItem
from scorers.config import ScoringConfig
from scorers.similarity import rouge_l
from scorers.texts import score_demands, score_stakes

CONFIG = ScoringConfig()
# Gold of instance 000: demands[1] is Russia's "abandon its NATO aspirations and declare neutrality",
# demands[3] Ukraine's "strong security guarantees from the United States".
NATO_REWORDED = "Kyiv should give up on joining NATO and become a neutral state"
GUARANTEES = "Ukraine needs robust security guarantees from Washington"


@pytest.fixture(scope="module")
def instance():
    return load_instances()["000"]


def demands(instance, items, config=CONFIG):
    return score_demands(prediction=[PartyItem(party=p, text=t) for p, t in items], gold=instance.gold.demands, sources=instance.sources, config=config)


def test_hand_computed_counts(encoder, instance):
    # 6 gold demands; the two paraphrases earn two of them; the Nobel stake is no demand; the NATO claim under Ukraine is not Ukraine's.
    result = demands(instance, [("Russia", NATO_REWORDED), ("Ukraine", GUARANTEES), ("United States", "A truce could bolster Trump's bid for the Nobel Peace Prize"), ("Ukraine", NATO_REWORDED)])
    assert (result.counts.correct, result.counts.incorrect, result.counts.missing, result.counts.spurious) == (2, 0, 4, 2)
    verdicts = [o.verdict for o in result.items]
    assert verdicts[:4] == ["correct", "correct", "spurious", "spurious"]
    first = result.items[0]
    assert first.gold["text"] == instance.gold.demands[1].text
    assert first.details["fact"]["id"] in instance.gold.demands[1].facts
    assert first.details["rouge_l"] == rouge_l(NATO_REWORDED, instance.gold.demands[1].text)


def test_the_party_may_be_an_alias(encoder, instance):
    assert demands(instance, [("the Kremlin", NATO_REWORDED)]).counts.correct == 1
    assert demands(instance, [("Zelenskiy", GUARANTEES)]).counts.correct == 1


def test_an_item_without_a_party_earns_nothing(encoder, instance):
    result = demands(instance, [(None, NATO_REWORDED)])
    assert result.counts.correct == 0
    assert result.items[0].details["reason"] == "no party given; demands are matched within a party"


def test_a_substituted_number_earns_nothing(encoder, instance):
    right = "Ukrainian forces must withdraw from Donetsk, Zaporizhzhia and Kherson, about 21,000 sq km"
    assert demands(instance, [("Russia", right)]).counts.correct == 1
    wrong = demands(instance, [("Russia", right.replace("21,000", "12,000"))])
    assert wrong.counts.correct == 0
    assert "12000" in wrong.items[0].details["reason"]


def test_alignment_is_one_to_one(encoder, instance):
    result = demands(instance, [("Russia", NATO_REWORDED), ("Russia", "Ukraine has to drop its NATO ambitions and declare neutrality")])
    assert (result.counts.correct, result.counts.spurious) == (1, 1)
    spurious = next(o for o in result.items if o.verdict == "spurious")
    assert spurious.details["reason"] == "the gold items it states were aligned with other predicted items"


def test_stakes_are_scored_against_stake_gold(encoder, instance):
    nobel = [PartyItem(party="United States", text="A truce could bolster Trump's bid for the Nobel Peace Prize")]
    assert score_stakes(prediction=nobel, gold=instance.gold.stakes, sources=instance.sources, config=CONFIG).counts.correct == 1


def test_empty_sides(encoder, instance):
    assert demands(instance, []).counts.missing == len(instance.gold.demands)
    nothing = score_demands(prediction=[PartyItem(party="Russia", text=NATO_REWORDED)], gold=[], sources=instance.sources, config=CONFIG)
    assert (nothing.counts.correct, nothing.counts.spurious) == (0, 1)


def test_gold_scored_as_prediction_is_perfect(encoder):
    for instance in load_instances().values():
        for field, score in (("demands", score_demands), ("stakes", score_stakes)):
            gold = getattr(instance.gold, field)
            items = [PartyItem(party=g.party, text=g.text) for g in gold]
            result = score(prediction=items, gold=gold, sources=instance.sources, config=CONFIG)
            assert result.counts.correct == len(gold), (instance.id, field, [o.details.get("reason") for o in result.items if o.verdict == "spurious"])


CANDIDATES = [
    ("Russia", NATO_REWORDED),
    ("Ukraine", GUARANTEES),
    ("Russia", "Russia wants relief from Western sanctions"),
    ("United States", "Washington is pushing for a ceasefire"),
    ("Ukraine", "Kyiv rejects formal territorial concessions"),
    ("Russia", "Verification of compliance with any ceasefire"),
    ("Europe", "Brussels wants Ukrainian sovereignty respected"),
]


@settings(max_examples=15, deadline=None)
@given(data=st.data())
def test_order_never_changes_a_score(encoder, instance, data):
    chosen = data.draw(st.lists(st.sampled_from(CANDIDATES), min_size=1, max_size=6))
    shuffled = data.draw(st.permutations(chosen))
    assert demands(instance, chosen).counts == demands(instance, list(shuffled)).counts


def test_a_text_filed_under_three_parties_commits_to_none(encoder, instance):
    text = "Ukraine must formally abandon its NATO aspirations and declare neutrality"
    two = demands(instance, [("Russia", text), ("Ukraine", text)])
    assert two.counts.correct == 1  # gold shares a text between two parties at most: still one party's claim
    three = demands(instance, [("Russia", text), ("Ukraine", text), ("Europe", text)])
    assert three.counts.correct == 0
    assert all("filed under more than 2 parties" in o.details["reason"] for o in three.items if o.verdict == "spurious")
