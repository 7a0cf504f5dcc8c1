"""`bench score` end to end: whole submissions against the real gold, with the real model.

The model is loaded once per test session (the text scorer caches its
encoder per process); the CLI tests that need it run one subprocess.
"""

from __future__ import annotations

import copy
import hashlib
import json
import shutil
from fractions import Fraction
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import benchmark.data
from benchmark.data import load_instances
from benchmark.errors import InputError, IntegrityError
from benchmark.schema import FIELDS, INSTANCE_IDS
from benchmark.submission import load_submission, validate_submission_data
from scorers.attendees import score_attendees
from scorers.config import ScoringConfig
from scorers.aggregate import consistency_scores
from scorers.report import biggest_losses, item_cost, loss_reason
from scorers.results import accuracy_scores, score_instance, score_submission, write_results
from scorers.results_schema import Results
from scorers.slots import score_time, score_venue
from tests.conftest import results_json, run_bench

DATA = Path(__file__).resolve().parent / "data"
REWORDED = DATA / "reworded_submission.json"
GOLDEN = DATA / "score_golden"


@pytest.fixture(scope="module")
def config() -> ScoringConfig:
    return ScoringConfig()


@pytest.fixture(scope="module")
def reworded_results(config) -> Results:
    return score_submission(load_submission(REWORDED), config=config)


def gold_submission() -> dict:
    predictions = {i: instance.gold.to_summary().model_dump(mode="json") for i, instance in load_instances().items()}
    return {"schema_version": "1", "system": {"name": "gold"}, "predictions": predictions}


@pytest.fixture
def score_data(tmp_path, config):
    """Score a submission given as a dict, through the real file reader."""

    def score(data: dict) -> dict:
        path = tmp_path / "predictions.json"
        path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
        return results_json(score_submission(load_submission(path), config=config))

    return score


# --- Without the model: the golden attendee/venue/time verdicts ----------------


def test_golden_attendee_venue_time_verdicts(config):
    expected = json.loads((GOLDEN / "flawed_fields.json").read_text(encoding="utf-8"))
    loaded = load_submission(GOLDEN / "flawed_submission.json")
    scorers = {"attendees": score_attendees, "venue": score_venue, "time": score_time}
    for instance_id, instance in load_instances().items():
        prediction = loaded.predictions[instance_id]
        for field, scorer in scorers.items():
            result = scorer(prediction=getattr(prediction, field), gold=getattr(instance.gold, field), sources=instance.sources, config=config)
            golden = expected[instance_id][field]
            counts = result.counts
            assert [counts.correct, counts.incorrect, counts.missing, counts.spurious] == golden["counts"], (instance_id, field)
            assert {k: list(v) for k, v in result.secondary.items()} == golden["secondary"]
            items = [[i.path, i.verdict, None if i.similarity is None else round(i.similarity, 4), i.details] for i in result.items]
            rounded = json.loads(json.dumps(items), parse_float=lambda text: round(float(text), 4))
            assert rounded == golden["items"], (instance_id, field)


def test_changed_gold_is_refused_before_scoring(tmp_path, monkeypatch, config):
    copy_dir = tmp_path / "gold"
    shutil.copytree(benchmark.data.GOLD_DIR, copy_dir)
    target = copy_dir / "003.json"
    target.write_text(target.read_text(encoding="utf-8").replace("Anchorage", "Juneau"), encoding="utf-8")
    monkeypatch.setattr(benchmark.data, "GOLD_DIR", copy_dir)
    with pytest.raises(IntegrityError, match="003.json"):
        score_submission(load_submission(REWORDED), config=config)


def test_unwritable_output_is_an_input_error(tmp_path, reworded_results):
    with pytest.raises(InputError, match="cannot write results"):
        write_results(reworded_results, tmp_path / "no such folder" / "results.json")


def test_score_refuses_an_invalid_submission_exactly_like_validate(tmp_path):
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps({"schema_version": "1", "system": {"name": ""}, "predictions": {"007": {}}}), encoding="utf-8")
    validated = run_bench("validate", str(bad))
    scored = run_bench("score", str(bad), "--output", str(tmp_path / "results.json"))
    assert scored.returncode == validated.returncode == 2
    assert scored.stderr == validated.stderr
    assert "predictions.007" in scored.stderr
    assert not (tmp_path / "results.json").exists()


# --- With the model ------------------------------------------------------------


def test_gold_as_prediction_scores_exactly_100(score_data):
    results = score_data(gold_submission())
    assert results["scores"]["overall"] == 100.0
    for field, report in results["scores"]["fields"].items():
        assert report["f1"] == 100.0, field
        assert report["missing"] == report["spurious"] == report["incorrect"] == 0
    for instance_id, report in results["scores"]["instances"].items():
        assert report["overall"] == 100.0, instance_id
    assert {item["verdict"] for item in results["items"]} == {"correct"}


def test_empty_submission_scores_0(score_data):
    results = score_data({"schema_version": "1", "system": {"name": "empty"}, "predictions": {i: {} for i in INSTANCE_IDS}})
    assert results["scores"]["overall"] == 0.0
    assert {item["verdict"] for item in results["items"]} == {"missing"}
    assert all(item["path"].startswith(f"gold.{item['instance']}.") for item in results["items"])
    gold_items = sum(sum(instance.gold.to_summary().item_counts().values()) for instance in load_instances().values())
    assert len(results["items"]) == gold_items


def test_reworded_reordered_aliased_gold_scores_near_100(reworded_results):
    scores = results_json(reworded_results)["scores"]
    assert scores["overall"] >= 95.0, json.dumps(biggest_losses(reworded_results), indent=1)
    for field in ("attendees", "venue", "time"):
        assert scores["fields"][field]["f1"] == 100.0
    assert scores["secondary"]["attendees.role_accuracy"]["value"] == 100.0
    assert scores["secondary"]["attendees.country_accuracy"]["value"] == 100.0
    # The texts really are reworded: credit came from similarity, not from copies.
    assert scores["secondary"]["demands.mean_similarity"]["value"] < 0.95


def accuracy_of(data: dict, config: ScoringConfig) -> dict:
    """The accuracy scores of a submission dict: the field scorers and aggregation of
    ``score_submission``, without its slower consistency check (tested on its own)."""
    submission, _ = validate_submission_data(data)
    instances = load_instances()
    scored = {i: score_instance(submission.predictions[i], instance, config=config) for i, instance in instances.items()}
    return accuracy_scores(scored, consistency=consistency_scores([])).model_dump()


@pytest.fixture(scope="module")
def reworded_scores(config) -> dict:
    return accuracy_of(json.loads(REWORDED.read_text(encoding="utf-8")), config)


@settings(max_examples=8, deadline=None)
@given(shuffler=st.randoms(use_true_random=False))
def test_list_order_never_changes_a_score(shuffler, config, reworded_scores):
    data = json.loads(REWORDED.read_text(encoding="utf-8"))
    for summary in data["predictions"].values():
        for field in ("attendees", "demands", "stakes"):
            shuffler.shuffle(summary[field])
    assert accuracy_of(data, config) == reworded_scores


def _remove(path: tuple) -> callable:
    def apply(data: dict) -> None:
        *parents, last = path
        target = data["predictions"]
        for key in parents:
            target = target[key]
        if isinstance(last, int):
            del target[last]
        else:
            target[last] = None

    return apply


def _append(instance: str, field: str, item: dict) -> callable:
    return lambda data: data["predictions"][instance][field].append(item)


def _fill(instance: str, field: str, component: str, value: str) -> callable:
    return lambda data: data["predictions"][instance][field].__setitem__(component, value)


REMOVALS = [
    _remove(("event", "attendees", 0)),
    _remove(("003", "venue", "city")),
    _remove(("000", "demands", 2)),
    _remove(("004", "stakes", 5)),
    _remove(("002", "time", "time_utc")),
    _remove(("event", "demands", 10)),
    _remove(("001", "attendees", 1)),
    _remove(("event", "stakes", 0)),
]
INVENTIONS = [
    _append("000", "attendees", {"name": "Olaf Scholz", "role": "Chancellor", "country": "Germany"}),
    _fill("000", "venue", "city", "Fairbanks"),
    _fill("001", "time", "date", "2025-08-15"),
    _append("003", "demands", {"party": "China", "text": "China demands a permanent seat at the summit table"}),
    _append("event", "stakes", {"party": "India", "text": "India's cricket team is due to tour Alaska in the autumn"}),
    _append("event", "attendees", {"name": "Emmanuel Macron", "role": "President", "country": "France"}),
    _append("002", "demands", {"party": "Russia", "text": "Russia wants the summit moved to Saint Petersburg next spring"}),
]


@pytest.mark.parametrize("steps", [REMOVALS, INVENTIONS], ids=["removing gold items", "adding invented items"])
def test_each_error_lowers_the_score(config, steps):
    data = gold_submission()
    previous = accuracy_of(data, config)["overall"]
    assert previous == 100.0
    for number, step in enumerate(steps, start=1):
        data = copy.deepcopy(data)
        step(data)
        current = accuracy_of(data, config)["overall"]
        assert current < previous, f"step {number}: {current} is not below {previous}"
        previous = current


def test_results_shape_and_item_order(config, reworded_results):
    loaded = load_submission(REWORDED)
    results = results_json(reworded_results)
    assert list(results) == ["signature", "system", "submission", "scores", "items"]
    assert set(results["signature"]) == {"string", "parts"}
    assert results["signature"]["string"].startswith("alaska-summit-bench:0.1.0|scorers:2|model:all-MiniLM-L6-v2/L6@")
    assert f"|claims.match-threshold:{config.claims.match_threshold:g}|" in results["signature"]["string"]
    assert results["signature"]["string"].endswith(f"|facts:{results['signature']['parts']['facts'][:12]}")
    assert results["system"]["name"] == "reworded-gold"
    assert results["submission"] == {"sha256": hashlib.sha256(REWORDED.read_bytes()).hexdigest(), "missing_instances": []}
    scores = results["scores"]
    assert list(scores) == ["overall", "fields", "instances", "secondary", "consistency"]
    assert list(scores["fields"]) == list(FIELDS)
    assert list(scores["instances"]) == list(INSTANCE_IDS)
    assert set(scores["secondary"]) >= {
        "attendees.role_accuracy", "attendees.country_accuracy", "demands.mean_similarity", "stakes.mean_similarity",
    }
    for item in results["items"]:
        assert set(item) >= {"path", "instance", "field", "verdict", "value", "gold", "similarity", "details"}
        side = "gold" if item["verdict"] == "missing" else "predictions"
        assert item["path"].startswith(f"{side}.{item['instance']}.{item['field']}")
    # Instance order, then field order, predicted items before missing ones.
    keys = [(INSTANCE_IDS.index(i["instance"]), FIELDS.index(i["field"]), i["verdict"] == "missing") for i in results["items"]]
    assert keys == sorted(keys)
    predicted = [i for i in results["items"] if i["verdict"] != "missing"]
    assert len(predicted) == sum(sum(s.item_counts().values()) for s in loaded.predictions.values())


def test_biggest_losses_are_ranked_by_their_cost(config):
    results = score_submission(load_submission(GOLDEN / "flawed_submission.json"), config=config)
    losses = biggest_losses(results, limit=8)
    assert len(losses) == 8
    costs = [loss["cost"] for loss in losses]
    assert costs == sorted(costs, reverse=True) and costs[-1] > 0
    every = sorted((round(item_cost(results, item), 2) for item in results.items if item.verdict != "correct"), reverse=True)
    assert costs == every[:8]
    reasons = {item.path: loss_reason(item) for item in results.items}
    assert reasons["predictions.000.attendees[2]"] == "'Mario Rubino' is not in gold (closest: 'Marco Rubio', similarity 0.8696)"
    assert reasons["predictions.000.time.time_utc"] == "predicted '11:00', gold has '19:00'"
    assert reasons["gold.000.attendees[1]"] == "gold 'Vladimir Putin' was not predicted"
    # 003 attendees: 2 correct, 5 missing, 3 spurious, F1 = 4/(5+7). Predicting one
    # missing person: 3 correct of 6 predicted and 7 expected, F1 = 6/13. That
    # raises 003's mean over its 5 fields by a fifth of the gain, the overall by a sixth of that.
    cost = item_cost(results, next(i for i in results.items if i.path == "gold.003.attendees[0]"))
    assert cost == pytest.approx(float((Fraction(6, 13) - Fraction(4, 12)) / 5 / 6 * 100))


def test_partial_submission_scores_missing_instances_as_empty(tmp_path, config):
    data = json.loads(REWORDED.read_text(encoding="utf-8"))
    del data["predictions"]["event"]
    path = tmp_path / "partial.json"
    path.write_text(json.dumps(data), encoding="utf-8")
    results = score_submission(load_submission(path, allow_partial=True), config=config)
    assert results.submission.missing_instances == ["event"]
    assert results.scores.instances["event"].overall == 0.0


def test_two_runs_give_identical_bytes(tmp_path, config, reworded_results):
    first, second = tmp_path / "first.json", tmp_path / "second.json"
    write_results(reworded_results, first)
    write_results(score_submission(load_submission(REWORDED), config=config), second)
    assert first.read_bytes() == second.read_bytes()


def test_cli_writes_the_same_bytes_as_the_library_and_reports_on_stdout(tmp_path, config):
    # The flawed submission has no demands or stakes, so the subprocess needs no model.
    submission = GOLDEN / "flawed_submission.json"
    output = tmp_path / "results.json"
    completed = run_bench("score", str(submission), "--output", str(output))
    assert completed.returncode == 0, completed.stderr
    assert "overall (mean of instance scores)" in completed.stdout
    assert "biggest losses" in completed.stdout
    assert "scoring instance event (6/6)" in completed.stderr
    assert "scoring instance" not in completed.stdout
    in_process = tmp_path / "again.json"
    write_results(score_submission(load_submission(submission), config=config), in_process)
    assert output.read_bytes() == in_process.read_bytes()
    assert json.loads(output.read_text(encoding="utf-8"))["system"]["name"] == "flawed-by-hand"


def test_cli_without_output_writes_no_file(tmp_path):
    completed = run_bench("score", str(GOLDEN / "flawed_submission.json"), cwd=tmp_path)
    assert completed.returncode == 0, completed.stderr
    assert "results written" not in completed.stdout
    assert list(tmp_path.iterdir()) == []


def test_results_round_trip_through_their_schema_byte_for_byte(tmp_path, reworded_results):
    """A results file read back into the typed models and written again is the same bytes."""
    path = tmp_path / "results.json"
    write_results(reworded_results, path)
    assert Results.model_validate_json(path.read_bytes()).to_json_bytes() == path.read_bytes()


def test_bench_schema_results_prints_the_results_schema():
    completed = run_bench("schema", "--results")
    assert completed.returncode == 0, completed.stderr
    schema = json.loads(completed.stdout)
    assert schema["required"] == ["signature", "system", "submission", "scores", "items"]
    assert set(schema["$defs"]["ItemResult"]["properties"]["verdict"]["enum"]) == {"correct", "incorrect", "missing", "spurious"}
    assert schema["$defs"]["ConsistencyVerdict"]["properties"]["label"]["enum"] == ["supported", "unsupported", "contradicted"]
