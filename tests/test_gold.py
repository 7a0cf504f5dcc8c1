"""The gold data: it validates, every evidence quote is in its article, the event gold covers the articles."""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys

import pytest

from benchmark.data import ARTICLES_DIR, GOLD_DIR, articles_jsonl, load_articles, load_gold, read_checksums, verify_integrity
from benchmark.normalize import CANONICAL_PARTIES, fold, resolve_party
from benchmark.schema import ARTICLE_IDS, INSTANCE_IDS, TIME_COMPONENTS, VENUE_COMPONENTS
from tests.conftest import REPO_ROOT


def _evidence_lists(gold):
    """Every (location, evidence list) of a gold summary."""
    for i, attendee in enumerate(gold.attendees):
        yield f"attendees[{i}]", attendee.evidence
    for name in ("venue", "time"):
        slot = getattr(gold, name)
        if slot is None:
            continue
        components = VENUE_COMPONENTS if name == "venue" else TIME_COMPONENTS
        for component in components:
            yield f"{name}.{component}", getattr(slot.evidence, component)
    for field in ("demands", "stakes"):
        for i, item in enumerate(getattr(gold, field)):
            yield f"{field}[{i}]", item.evidence


@pytest.mark.parametrize("instance_id", INSTANCE_IDS)
def test_gold_validates_and_matches_its_file_name(instance_id):
    assert load_gold(instance_id).id == instance_id


@pytest.mark.parametrize("instance_id", INSTANCE_IDS)
def test_every_evidence_quote_is_an_exact_substring_of_its_article(instance_id):
    articles = load_articles()
    gold = load_gold(instance_id)
    allowed = ARTICLE_IDS if instance_id == "event" else (instance_id,)
    quotes = 0
    for where, evidence in _evidence_lists(gold):
        for item in evidence:
            assert item.article in allowed, f"{instance_id}.{where}: quote from article {item.article}"
            assert item.quote in articles[item.article].text, f"{instance_id}.{where}: not in article {item.article}: {item.quote!r}"
            quotes += 1
    assert quotes > 0


@pytest.mark.parametrize("instance_id", INSTANCE_IDS)
def test_filled_items_carry_evidence_and_null_components_carry_none(instance_id):
    gold = load_gold(instance_id)
    for name, components in (("venue", VENUE_COMPONENTS), ("time", TIME_COMPONENTS)):
        slot = getattr(gold, name)
        if slot is None:
            continue
        for component in components:
            filled = getattr(slot, component) is not None
            assert bool(getattr(slot.evidence, component)) == filled, f"{instance_id}.{name}.{component}"


@pytest.mark.parametrize("instance_id", INSTANCE_IDS)
def test_gold_parties_are_canonical(instance_id):
    gold = load_gold(instance_id)
    for item in [*gold.demands, *gold.stakes]:
        assert item.party in CANONICAL_PARTIES
        assert resolve_party(item.party) == item.party
    for attendee in gold.attendees:
        assert attendee.country is None or attendee.country in CANONICAL_PARTIES


def _names(attendee):
    return {fold(attendee.name), *(fold(a) for a in attendee.aliases)}


@pytest.mark.parametrize("article_id", ARTICLE_IDS)
def test_event_gold_contains_every_item_of_each_article_gold(article_id):
    event = load_gold("event")
    gold = load_gold(article_id)
    for attendee in gold.attendees:
        matches = [e for e in event.attendees if fold(attendee.name) in _names(e)]
        assert len(matches) == 1, f"{article_id}: {attendee.name} not merged into exactly one event attendee"
        assert _names(attendee) <= _names(matches[0]), f"{attendee.name}: aliases differ from the event's"
        assert set(attendee.evidence) <= set(matches[0].evidence)
    for name, components in (("venue", VENUE_COMPONENTS), ("time", TIME_COMPONENTS)):
        slot, event_slot = getattr(gold, name), getattr(event, name)
        if slot is None:
            continue
        for component in components:
            value = getattr(slot, component)
            if value is not None:
                assert getattr(event_slot, component) == value, f"{article_id}.{name}.{component}"
                assert set(getattr(slot.evidence, component)) <= set(getattr(event_slot.evidence, component))
    for field in ("demands", "stakes"):
        for item in getattr(gold, field):
            covering = [e for e in getattr(event, field) if e.party == item.party and set(item.evidence) <= set(e.evidence)]
            assert covering, f"{article_id}.{field}: {item.text!r} has no event item of party {item.party} with its evidence"


def test_gold_matches_its_recorded_checksums():
    recorded = read_checksums(GOLD_DIR)
    assert sorted(recorded) == sorted(f"{i}.json" for i in INSTANCE_IDS)
    hashes = verify_integrity()
    for name, digest in recorded.items():
        assert hashes[f"gold/{name}"] == digest == hashlib.sha256((GOLD_DIR / name).read_bytes()).hexdigest()


def test_gold_as_a_submission_validates():
    from benchmark.submission import validate_submission_data

    data = {
        "schema_version": "1",
        "system": {"name": "gold"},
        "predictions": {i: load_gold(i).to_summary().model_dump() for i in INSTANCE_IDS},
    }
    submission, missing = validate_submission_data(json.loads(json.dumps(data)))
    assert missing == ()
    assert submission.predictions["003"].attendees[0].name == load_gold("003").attendees[0].name


def test_dataset_article_file_is_in_sync_with_the_articles():
    assert (ARTICLES_DIR / "articles.jsonl").read_bytes() == articles_jsonl(), "run: python -m benchmark.data"


def test_hugging_face_dataset_loads_the_six_instances_with_their_gold(tmp_path):
    # In a subprocess: `datasets` is heavy and keeps global caches; point them at a temp dir.
    probe = (
        "import datasets, json\n"
        f"gold = datasets.load_dataset({str(REPO_ROOT)!r}, 'gold', split='test')\n"
        f"articles = datasets.load_dataset({str(REPO_ROOT)!r}, 'articles', split='test')\n"
        "print(json.dumps({'gold': gold.to_list(), 'articles': articles.to_list()}))\n"
    )
    env = {**os.environ, "HF_DATASETS_OFFLINE": "1", "HF_HUB_OFFLINE": "1", "HF_HOME": str(tmp_path / "hf")}
    result = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, env=env, timeout=300)
    assert result.returncode == 0, result.stderr[-2000:]
    loaded = json.loads(result.stdout.strip().splitlines()[-1])
    by_id = {row["id"]: row for row in loaded["gold"]}
    assert sorted(by_id) == sorted(INSTANCE_IDS)
    for instance_id in INSTANCE_IDS:
        gold = load_gold(instance_id)
        row = by_id[instance_id]
        assert [a["name"] for a in row["attendees"]] == [a.name for a in gold.attendees]
        assert [d["text"] for d in row["demands"]] == [d.text for d in gold.demands]
        assert row["attendees"][0]["evidence"][0]["quote"] == gold.attendees[0].evidence[0].quote
    assert [a["text"] for a in loaded["articles"]] == [a.text for a in load_articles().values()]
