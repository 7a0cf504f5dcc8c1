"""The benchmark's data: articles byte for byte, instances, checksums."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

from benchmark.data import ARTICLES_DIR, load_articles, read_checksums, sources_of
from benchmark.schema import ARTICLE_IDS, INSTANCE_IDS

SHARED_SEEDS = Path(__file__).resolve().parent.parent.parent / "shared" / "seeds"


def test_articles_match_their_recorded_sha256():
    recorded = read_checksums(ARTICLES_DIR)
    assert sorted(recorded) == sorted(p.name for p in ARTICLES_DIR.glob("*.txt"))
    assert [name[:3] for name in sorted(recorded)] == list(ARTICLE_IDS)
    for name, digest in recorded.items():
        assert hashlib.sha256((ARTICLES_DIR / name).read_bytes()).hexdigest() == digest


@pytest.mark.skipif(not SHARED_SEEDS.is_dir(), reason="../shared/seeds is not beside this checkout")
def test_articles_are_the_seed_files_byte_for_byte():
    for seed in sorted(SHARED_SEEDS.glob("*.txt")):
        assert (ARTICLES_DIR / seed.name).read_bytes() == seed.read_bytes()


def test_articles_keep_their_typography():
    # Curly quotes must survive the copy: evidence quotes are matched byte for byte.
    assert "Trump’s delegation" in load_articles()["000"].text
    assert "“HIGH STAKES!!!”" in load_articles()["000"].text


def test_instances_and_their_sources():
    assert [a.id for a in sources_of("event")] == list(ARTICLE_IDS)
    for instance_id in INSTANCE_IDS[:5]:
        assert [a.id for a in sources_of(instance_id)] == [instance_id]
