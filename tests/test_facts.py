"""The fact inventory (gold/facts/): exact quotes, ids, holders, and the gold's references to it."""

from __future__ import annotations

import json
import re

import pytest

from benchmark.data import FACTS_DIR, GOLD_DIR, load_articles, load_facts, load_instances
from benchmark.errors import IntegrityError
from benchmark.schema import ARTICLE_IDS, FactInventory

ARTICLE_FACTS = {article: load_facts(article) for article in ARTICLE_IDS}
ALL_FACTS = {fact.id: fact for facts in ARTICLE_FACTS.values() for fact in facts}


@pytest.mark.parametrize("article", ARTICLE_IDS)
def test_every_quote_is_an_exact_substring_of_its_article(article):
    text = load_articles()[article].text
    for fact in ARTICLE_FACTS[article]:
        for quote in fact.evidence:
            assert quote in text, (fact.id, quote)
            assert len(quote) <= 300, fact.id


@pytest.mark.parametrize("article", ARTICLE_IDS)
def test_ids_are_the_articles_own_unique_and_in_order(article):
    ids = [fact.id for fact in ARTICLE_FACTS[article]]
    assert all(re.fullmatch(rf"{article}\.f\d\d", i) for i in ids)
    assert ids == sorted(set(ids))
    assert len(ids) >= 25  # "dozens per article"


@pytest.mark.parametrize("article", ARTICLE_IDS)
def test_every_fact_has_distinct_ways_of_saying_it(article):
    for fact in ARTICLE_FACTS[article]:
        statements = [s.casefold() for s in fact.statements]
        assert len(set(statements)) == len(statements) >= 6, fact.id
        assert not set(statements) & {o.casefold() for o in fact.opposites}, fact.id
        assert fact.holder not in fact.agreed_by


@pytest.mark.parametrize("article", ARTICLE_IDS)
def test_each_inventory_records_how_it_was_made(article):
    inventory = FactInventory.model_validate_json((FACTS_DIR / f"{article}.json").read_bytes())
    assert len(inventory.notes.split()) >= 15


def test_every_gold_demand_and_stake_refers_to_facts_of_its_party_and_sources():
    for instance in load_instances().values():
        articles = {a.id for a in instance.sources}
        for field in ("demands", "stakes"):
            for position, item in enumerate(getattr(instance.gold, field)):
                where = (instance.id, field, position)
                assert item.facts, where
                for fact_id in item.facts:
                    fact = ALL_FACTS[fact_id]
                    assert fact.article in articles, where
                    assert fact.holder == item.party, (where, fact_id)
                # Each article the item quotes states it through at least one of its facts.
                quoted = {e.article for e in item.evidence}
                assert quoted <= {ALL_FACTS[f].article for f in item.facts}, where


def test_event_items_carry_the_facts_of_the_article_items_they_merge():
    instances = load_instances()
    event = instances["event"].gold
    for article in ARTICLE_IDS:
        for field in ("demands", "stakes"):
            for item in getattr(instances[article].gold, field):
                quotes = {(e.article, e.quote) for e in item.evidence}
                merged = [e for e in getattr(event, field) if e.party == item.party and quotes <= {(q.article, q.quote) for q in e.evidence}]
                assert merged, (article, item.text)
                assert any(set(item.facts) <= set(e.facts) for e in merged), (article, item.text)


def test_every_gold_quote_lies_within_a_quote_of_one_of_its_facts_or_overlaps_it():
    # The gold's evidence and its facts' evidence are the same passages of the article.
    texts = {a: load_articles()[a].text for a in ARTICLE_IDS}
    for instance in load_instances().values():
        for field in ("demands", "stakes"):
            for item in getattr(instance.gold, field):
                for evidence in item.evidence:
                    start = texts[evidence.article].find(evidence.quote)
                    span = range(start, start + len(evidence.quote))
                    fact_spans = [
                        range(s, s + len(q))
                        for f in item.facts
                        if ALL_FACTS[f].article == evidence.article
                        for q in ALL_FACTS[f].evidence
                        if (s := texts[evidence.article].find(q)) >= 0
                    ]
                    assert any(set(span) & set(other) for other in fact_spans), (instance.id, item.text, evidence.quote)


def test_a_broken_inventory_is_an_integrity_error(tmp_path, monkeypatch):
    import benchmark.data as data

    bad = json.loads((FACTS_DIR / "000.json").read_text(encoding="utf-8"))
    bad["facts"][1]["id"] = bad["facts"][0]["id"]
    (tmp_path / "000.json").write_text(json.dumps(bad), encoding="utf-8")
    monkeypatch.setattr(data, "FACTS_DIR", tmp_path)
    data.load_facts.cache_clear()
    try:
        with pytest.raises(IntegrityError, match="repeated"):
            data.load_facts("000")
    finally:
        data.load_facts.cache_clear()


def test_the_guidelines_document_the_inventory():
    guidelines = (GOLD_DIR / "GUIDELINES.md").read_text(encoding="utf-8")
    assert "## 10. Fact inventory" in guidelines
    for field in ("holder", "agreed_by", "kind", "paraphrases", "opposites", "slots", "evidence"):
        assert f"`{field}`" in guidelines
