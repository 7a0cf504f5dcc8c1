"""Meta-evaluation on real system outputs, and the coherence of the two halves of the scorer."""

from __future__ import annotations

import json

import pytest

from benchmark.data import load_instances
from benchmark.submission import load_submission
from scorers.aggregate import overall_score, percent
from scorers.config import ScoringConfig
from scorers.metaeval import (
    JUDGMENTS_DIR,
    ItemKey,
    Judgment,
    _max_matching,
    annotator_counts,
    annotator_credit,
    load_judgments,
    load_manifest,
)
from tests.conftest import SUBMISSIONS_DIR, run_bench

MANIFEST = load_manifest()


def test_max_matching_by_hand():
    # a and b both deserve gold 0; b also deserves 1: the matching gives 0 to a and 1 to b.
    assert _max_matching({"a": [0], "b": [0, 1]}, {}) == {"a": 0, "b": 1}
    # Two duplicates of one gold item: one of them gets it, the preferred one.
    assert _max_matching({"a": [2], "b": [2]}, {"b": 2}) == {"b": 2}
    assert _max_matching({"a": [2], "b": [2]}, {"a": 2}) == {"a": 2}
    assert _max_matching({"a": []}, {}) == {}


def test_the_gold_labelled_as_fully_credited_scores_100():
    # Judgments of the gold itself, every item credited with itself, aggregate to exactly 100.
    judged = {}
    for instance_id, instance in load_instances().items():
        gold = instance.gold
        for field in ("attendees", "demands", "stakes"):
            for position, _ in enumerate(getattr(gold, field)):
                judged[ItemKey(instance_id, field, str(position))] = Judgment(id="x", gold_matches=[position], label="supported", reason="")
        for field in ("venue", "time"):
            slot = getattr(gold, field)
            for component in type(slot).model_fields if slot else ():
                if component in ("date", "weekday", "time_utc", "name", "city", "region", "country") and getattr(slot, component) is not None:
                    judged[ItemKey(instance_id, field, component)] = Judgment(id="x", gold_matches=[0], label="supported", reason="")
    assert percent(overall_score(annotator_counts(annotator_credit(judged)))) == 100.0
    nothing = {key: Judgment(id="x", gold_matches=[], label="unsupported", reason="") for key in judged}
    assert percent(overall_score(annotator_counts(annotator_credit(nothing)))) == 0.0


def test_the_labelled_set_is_complete_and_documented():
    parts = [entry.part for entry in MANIFEST.systems.values()]
    assert parts.count("dev") >= 5 and parts.count("held-out") >= 5
    assert sum(len(entry.annotators) > 1 for entry in MANIFEST.systems.values()) >= 2
    readme = (JUDGMENTS_DIR / "README.md").read_text(encoding="utf-8")
    for name, entry in MANIFEST.systems.items():
        assert f"`{name}`" in readme
        submission = load_submission(JUDGMENTS_DIR / "systems" / f"{name}.json")
        expected = {
            (instance, field, str(key))
            for instance, summary in submission.submission.predictions.items()
            for field in ("attendees", "demands", "stakes")
            for key in range(len(getattr(summary, field)))
        } | {
            (instance, field, component)
            for instance, summary in submission.submission.predictions.items()
            for field in ("venue", "time")
            for component, value in (getattr(summary, field).model_dump().items() if getattr(summary, field) else ())
            if value is not None
        }
        for annotator in entry.annotators:
            judged = load_judgments(name, annotator)
            assert {(k.instance, k.field, k.key) for k in judged} == expected, (name, annotator)


def _every_scored_submission():
    paths = sorted(SUBMISSIONS_DIR.glob("*/predictions.json")) + sorted((JUDGMENTS_DIR / "systems").glob("*.json"))
    return [load_submission(path) for path in paths]


@pytest.fixture(scope="module")
def every_result(encoder):
    from scorers.results import score_submissions

    return list(score_submissions(_every_scored_submission(), config=ScoringConfig()))


def test_credit_and_consistency_never_contradict_each_other(every_result):
    """An item credited with a gold item is never contradicted, and is unsupported only for a named added detail."""
    checked = 0
    for results in every_result:
        for item in results.items:
            if item.field not in ("demands", "stakes") or item.verdict != "correct":
                continue
            checked += 1
            consistency = item.consistency
            assert consistency.label != "contradicted", (results.system.name, item.path, consistency.reason)
            if consistency.label == "unsupported":
                assert "but adds '" in consistency.reason, (results.system.name, item.path, consistency.reason)
    assert checked > 500


def test_every_explanation_names_its_fact_and_quote(every_result):
    for results in every_result:
        for item in results.items:
            if item.field in ("demands", "stakes") and item.verdict != "missing":
                reason = item.consistency.reason
                assert "fact " in reason and "“" in reason, reason
                assert item.consistency.evidence, item.path


def test_meta_eval_prints_the_table_for_each_system_and_the_agreement():
    result = run_bench("meta-eval", "--part", "dev")
    assert result.returncode == 0, result.stderr
    for name, entry in MANIFEST.systems.items():
        assert (name in result.stdout) == (entry.part == "dev")
    assert "Annotator agreement" in result.stdout and "ranking by the annotators" in result.stdout


def test_meta_eval_refuses_malformed_labels(tmp_path):
    import shutil

    shutil.copytree(JUDGMENTS_DIR, tmp_path / "judgments")
    broken = tmp_path / "judgments" / "labels" / "ann-a" / "dev-terse.jsonl"
    lines = broken.read_text(encoding="utf-8").splitlines()
    lines[3] = json.dumps({"id": "dev-terse|000|demands|0", "gold_matches": [], "label": "maybe", "reason": ""})
    broken.write_text("\n".join(lines) + "\n", encoding="utf-8")
    result = run_bench("meta-eval", "--part", "dev", "--judgments", str(tmp_path / "judgments"))
    assert result.returncode == 2
    assert f"{broken}:4" in result.stderr and "Traceback" not in result.stderr
    missing = run_bench("meta-eval", "--judgments", str(tmp_path / "absent"))
    assert missing.returncode == 2 and "MANIFEST.json" in missing.stderr
