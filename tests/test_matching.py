"""The claim-matching core: hand-picked claims read against the real fact inventory of article 000 (real model)."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from benchmark.data import load_instances
from scorers.config import ClaimMatchConfig
from scorers.matching import _siblings, both_ways, match_claim, negations, proper_names, stance

CONFIG = ClaimMatchConfig()


@pytest.fixture(scope="module")
def instance():
    return load_instances()["000"]


def read(instance, party, text, field="demands"):
    return match_claim(text, party, field, facts=instance.facts, sources=instance.sources, config=CONFIG)


def test_a_paraphrase_for_its_holder_is_supported_and_asserts_the_fact(encoder, instance):
    match = read(instance, "Moscow", "Kyiv must give up its bid to join NATO and stay neutral")
    assert match.label == "supported", match.reason
    assert set(instance.gold.demands[1].facts) & match.asserted
    assert match.reason.startswith(f"states fact {match.fact.fact.id} ")
    assert match.fact.fact.evidence[0][:40] in match.reason  # the explanation quotes the fact's evidence


def test_another_number_in_the_same_slot_is_contradicted(encoder, instance):
    match = read(instance, "Russia", "Ukrainian forces must withdraw from about 12,000 sq km of Donetsk, Zaporizhzhia and Kherson")
    assert match.label == "contradicted"
    assert match.asserted == frozenset()
    assert "12000 sq km where the fact gives 21000 sq km" in match.reason


def test_the_right_claim_for_the_wrong_party_is_unsupported_not_contradicted(encoder, instance):
    match = read(instance, "Ukraine", "Ukraine must formally abandon its NATO aspirations")
    assert match.label == "unsupported"
    assert match.asserted == frozenset()
    assert match.reason.startswith("no fact of the sources (none of Ukraine's) states this; closest fact ")
    assert match.reason.endswith("held by Russia")


def test_the_opposite_of_a_fact_is_contradicted_and_earns_nothing(encoder, instance):
    match = read(instance, "Ukraine", "Ukraine is willing to accept formal territorial concessions to Russia")
    assert match.label == "contradicted", match.reason
    assert match.asserted == frozenset()


def test_a_claim_that_commits_to_nothing_earns_nothing(encoder, instance):
    # Annotators label such a claim supported when the fact is stated (it is not false); it earns no credit.
    for text in ("Russia may or may not want Ukraine to drop its NATO bid", "Russia wants things about NATO from Ukraine"):
        match = read(instance, "Russia", text)
        assert match.asserted == frozenset(), text
        assert "commits to neither outcome" in match.reason and "earns no credit" in match.reason


def test_added_detail_is_unsupported_and_named_but_keeps_the_credit(encoder, instance):
    match = read(instance, "United States", "A truce could bolster Trump's bid for the Nobel Peace Prize in Oslo", field="stakes")
    assert match.label == "unsupported"
    assert "'oslo'" in match.reason and "which the sources do not give" in match.reason
    assert set(instance.gold.stakes[0].facts) & match.asserted


def test_a_paste_of_several_facts_earns_no_credit(encoder, instance):
    quotes = [instance.gold.demands[0].evidence[0].quote, instance.gold.demands[1].evidence[0].quote]
    match = read(instance, "Russia", " ".join(quotes))
    assert match.asserted == frozenset()
    assert "states several facts" in match.reason
    # Each sentence alone is one claim and earns its fact.
    assert all(read(instance, "Russia", quote).asserted for quote in quotes)


def test_a_claim_no_fact_states_is_unsupported(encoder, instance):
    match = read(instance, "Russia", "Moscow demands that the next Olympic Games be held in Siberia")
    assert match.label == "unsupported" and match.asserted == frozenset()
    assert match.reason.startswith("no fact of the sources (none of Russia's) states this; closest fact ")


def test_reading_is_deterministic_and_party_aliases_read_alike(encoder, instance):
    text = "Kyiv must give up its bid to join NATO and stay neutral"
    assert read(instance, "Russia", text) == read(instance, "the Kremlin", text)


# --- The typed readings of a claim, by hand ---------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Russia may or may not want sanctions relief", True),
        ("Ukraine might possibly gain or lose territory", True),
        ("whether or not Moscow agrees", True),
        ("US-Russia relations could improve or deteriorate", True),
        ("Relief from sanctions, or at least no new ones", False),
        ("Russia wants sanctions relief", False),
    ],
)
def test_both_ways(text, expected):
    assert both_ways(text) is expected


def test_negations_are_counted_so_double_negation_shows():
    assert negations("Russia cannot afford to reject Trump's demands") == 2
    assert negations("Russia can afford to reject Trump's demands") == 1
    assert negations("Trump has ruled out pressuring Kyiv") == 1
    assert negations("Kyiv wants guarantees") == 0


def test_stance_reads_one_verb_outside_conditions():
    assert stance("India stands to gain from tariffs") == "gains"
    assert stance("India faces US tariffs") == "loses"
    assert stance("Kyiv rejects any concessions") == "refuses"
    assert stance("Talks could end if Putin refuses to compromise") is None  # the refusal is inside a condition
    assert stance("Russia wants relief but faces new sanctions") is None  # two stances: none is read


def test_proper_names_skip_the_first_word_and_keep_initials():
    assert proper_names("Further U.S. tariffs hit New Delhi") == ("u s", "new delhi")
    assert proper_names("Kyiv wants guarantees from Washington") == ("kyiv", "washington")


def test_siblings_overlap_by_half_the_shorter_quote():
    assert _siblings(frozenset({("000", 0, 100)}), frozenset({("000", 40, 120)}))
    assert not _siblings(frozenset({("000", 0, 100)}), frozenset({("000", 80, 200)}))
    assert not _siblings(frozenset({("000", 0, 100)}), frozenset({("001", 0, 100)}))


@given(st.text(max_size=80))
def test_typed_readings_never_fail(text):
    assert isinstance(both_ways(text), bool)
    assert negations(text) >= 0
    assert stance(text) in (None, "wants", "refuses", "gains", "loses")
    assert all(name and name == name.strip() for name in proper_names(text))
