"""The baseline systems: valid, deterministic, gold-free, and filed as submissions.

Three layers: the rules' clock-time and party patterns on hand-written
sentences (expected values worked out by hand in the comments); the
baselines on the real articles (validity, determinism, the 002 caption and
exclusion traps, the committed prediction files equal fresh output); and a
hypothesis property of the time-zone conversion.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

import benchmark.data
from benchmark.baselines.registry import AUTHORS, SYSTEM_DATE, BaselineName, baselines, run_baseline, submission_bytes
from benchmark.baselines import rules
from benchmark.data import GOLD_DIR, Article, load_gold
from benchmark.normalize import fold
from benchmark.schema import INSTANCE_IDS, WEEKDAYS
from benchmark.submission import parse_json_bytes, validate_submission_data
from tests.conftest import SUBMISSIONS_DIR, run_bench

BASELINES_DIR = Path(rules.__file__).resolve().parent
# Gold-free baselines: their source must owe nothing to the gold files.
GOLD_FREE = (BaselineName.rules, BaselineName.retrieval, BaselineName.empty)
MIN_COPIED_CHARS = 20


@pytest.fixture(scope="session")
def outputs() -> dict[BaselineName, bytes]:
    """Each baseline's submission file, computed once (retrieval loads the model once)."""
    return {name: submission_bytes(run_baseline(name)) for name in BaselineName}


def _article(text: str, article_id: str = "000") -> Article:
    return Article(article_id, f"{article_id}_test.txt", text, "0" * 64)


# --- Layer 1: the rules' patterns on hand-written text ---------------------------


@pytest.mark.parametrize(
    ("text", "local_offset_minutes", "expected"),
    [
        # 11:00 local in Alaska (AKDT, UTC-8): 11 + 8 = 19:00 UTC, same day.
        ("set to begin at 11:00 on Friday", -480, [("19:00", "Friday", False)]),
        # 05:00 AEST (UTC+10) on Saturday: 5 - 10 = -5, i.e. 19:00 the day before.
        ("(5:00 on Saturday AEST)", None, [("19:00", "Friday", True)]),
        ("at 1900 GMT on Friday", None, [("19:00", "Friday", True)]),
        # 23:30 EDT (UTC-4) on Sunday: 23:30 + 4 = 27:30, i.e. 03:30 on Monday.
        ("at 11:30 p.m. on Sunday EDT", None, [("03:30", "Monday", True)]),
        # A time without a zone at an unknown place is not converted at all.
        ("at 11:00 on Friday", None, []),
    ],
)
def test_clock_readings_convert_to_utc(text: str, local_offset_minutes: int | None, expected: list) -> None:
    readings = rules.clock_readings(text, local_offset_minutes=local_offset_minutes)
    assert [(r.time_utc, r.weekday_utc, r.explicit_zone) for r in readings] == expected


@given(
    hour=st.integers(0, 23),
    minute=st.integers(0, 59),
    weekday=st.sampled_from(WEEKDAYS),
    zone=st.sampled_from(sorted(rules.ZONE_UTC_OFFSET_MINUTES)),
)
def test_utc_conversion_goes_back_to_the_local_time(hour: int, minute: int, weekday: str, zone: str) -> None:
    (reading,) = rules.clock_readings(f"at {hour:02d}:{minute:02d} on {weekday} {zone}", local_offset_minutes=None)
    utc_hour, utc_minute = map(int, reading.time_utc.split(":"))
    minutes_in_week = WEEKDAYS.index(reading.weekday_utc) * 1440 + utc_hour * 60 + utc_minute
    local = (minutes_in_week + rules.ZONE_UTC_OFFSET_MINUTES[zone]) % (7 * 1440)
    assert divmod(local, 1440) == (WEEKDAYS.index(weekday), hour * 60 + minute)


def test_party_mentions_resolve_possessives_abbreviations_and_groups() -> None:
    text = "Putin’s demands worry European Union officials, U.S. diplomats and us."
    assert [m.party for m in rules.party_mentions(text)] == ["Russia", "Europe", "United States"]


def test_rules_attendees_presence_and_exclusion_cues() -> None:
    article = _article(
        "File photo: President Joe Carter and Prime Minister Anna Novak in Paris.\n"
        "President Joe Carter will meet Foreign Minister Ivan Petrov in Anchorage on Friday.\n"
        "Prime Minister Anna Novak, not invited, watched from afar.\n"
        "The delegation includes:\n"
        "- Treasury Secretary Mark Stone.\n"
        "A follow-up summit with President Maria Lopez is planned.\n"
        "Economist Peter Hall said talks will be hard.\n"
    )
    summary = rules.summarize("000", (article,))
    assert [(a.name, a.role, a.country) for a in summary.attendees] == [
        ("Joe Carter", "President", None),
        ("Ivan Petrov", "Foreign Minister", None),
        ("Mark Stone", "Treasury Secretary", "United States"),
    ]
    assert summary.venue is not None and (summary.venue.city, summary.venue.region) == ("Anchorage", "Alaska")
    assert summary.time is not None and (summary.time.weekday, summary.time.time_utc) == ("Friday", None)


def test_rules_demands_and_stakes_take_the_party_from_the_subject() -> None:
    article = _article(
        "Moscow demands assurances against NATO expansion.\n"
        "He has also insisted that Kyiv drop its claims.\n"
        "Economist Peter Hall said India must stay out.\n"
        "For Putin, the meeting is an opportunity to show his standing.\n"
        "India and China may face higher tariffs.\n"
    )
    summary = rules.summarize("000", (article,))
    assert [(d.party, d.text) for d in summary.demands] == [
        ("Russia", "assurances against NATO expansion"),
        ("Russia", "Kyiv drop its claims"),
    ]
    assert [(s.party, s.text) for s in summary.stakes] == [
        ("Russia", "opportunity to show his standing"),
        ("India", "may face higher tariffs"),
        ("China", "may face higher tariffs"),
    ]


# --- Layer 2: the baselines on the real articles --------------------------------------


@pytest.mark.parametrize("name", list(BaselineName))
def test_baseline_output_is_a_valid_complete_submission(name: BaselineName, outputs: dict[BaselineName, bytes]) -> None:
    submission, missing = validate_submission_data(parse_json_bytes(outputs[name], source=name.value))
    assert missing == ()
    assert tuple(submission.predictions) == INSTANCE_IDS
    system = submission.system
    assert (system.name, system.authors, system.url, system.date) == (name.value, AUTHORS, None, SYSTEM_DATE)
    assert system.description == baselines()[name].description
    assert system.model == baselines()[name].model


@pytest.mark.parametrize("name", list(BaselineName))
def test_baseline_reruns_write_identical_bytes(name: BaselineName, outputs: dict[BaselineName, bytes]) -> None:
    assert submission_bytes(run_baseline(name)) == outputs[name]


@pytest.mark.parametrize("name", list(BaselineName))
def test_committed_predictions_equal_fresh_output(name: BaselineName, outputs: dict[BaselineName, bytes]) -> None:
    committed = SUBMISSIONS_DIR / name.value / "predictions.json"
    assert committed.read_bytes() == outputs[name], f"regenerate with: bench baseline {name.value} --output {committed.relative_to(SUBMISSIONS_DIR.parent)}"


def test_rules_avoid_the_002_caption_and_the_uninvited_president(outputs: dict[BaselineName, bytes]) -> None:
    summary = json.loads(outputs[BaselineName.rules])["predictions"]["002"]
    assert summary["venue"] is not None and summary["venue"]["region"] == "Alaska"
    assert all("danang" not in fold(value or "") for value in summary["venue"].values())
    assert summary["attendees"], "002 reports a meeting between two named people"
    assert all("zelensk" not in fold(attendee["name"]) for attendee in summary["attendees"])


def test_oracle_is_the_gold_and_says_it_is_a_reference(outputs: dict[BaselineName, bytes]) -> None:
    submission, _ = validate_submission_data(parse_json_bytes(outputs[BaselineName.oracle], source="oracle"))
    assert submission.system.description.startswith("reference:")
    for instance_id in INSTANCE_IDS:
        assert submission.predictions[instance_id] == load_gold(instance_id).to_summary()


def test_empty_predicts_nothing(outputs: dict[BaselineName, bytes]) -> None:
    submission, _ = validate_submission_data(parse_json_bytes(outputs[BaselineName.empty], source="empty"))
    assert all(sum(summary.item_counts().values()) == 0 for summary in submission.predictions.values())


@pytest.mark.parametrize("name", [BaselineName.rules, BaselineName.empty])
def test_gold_free_baselines_run_without_the_gold(name: BaselineName, outputs: dict[BaselineName, bytes], monkeypatch, tmp_path) -> None:
    # retrieval shares every gold-facing line with rules and costs a model run, so rules stands for both here;
    # the source scan below covers retrieval too.
    def no_gold(*args, **kwargs):
        raise AssertionError("a gold-free baseline read the gold")

    monkeypatch.setattr(benchmark.data, "GOLD_DIR", tmp_path / "no-gold")
    monkeypatch.setattr(benchmark.data, "load_gold", no_gold)
    monkeypatch.setattr(benchmark.data, "load_instances", no_gold)
    assert submission_bytes(run_baseline(name)) == outputs[name]


def _gold_strings() -> set[str]:
    """Every string in the gold files (names, aliases, item texts, evidence quotes) of 20+ characters."""
    found: set[str] = set()

    def walk(value: object) -> None:
        if isinstance(value, str):
            if len(value) >= MIN_COPIED_CHARS:
                found.add(value)
        elif isinstance(value, dict):
            for item in value.values():
                walk(item)
        elif isinstance(value, list):
            for item in value:
                walk(item)

    for path in sorted(GOLD_DIR.glob("*.json")):
        walk(json.loads(path.read_text(encoding="utf-8")))
    return found


@pytest.mark.parametrize("name", GOLD_FREE)
def test_gold_free_baselines_contain_no_gold_strings(name: BaselineName) -> None:
    gold_strings = _gold_strings()
    assert gold_strings, "gold files expected in gold/"
    for path in (BASELINES_DIR / f"{name.value}.py", BASELINES_DIR / "__init__.py"):
        source = path.read_text(encoding="utf-8").casefold()
        copied = sorted(s for s in gold_strings if s.casefold() in source)
        assert not copied, f"{path.name} contains gold strings: {copied}"
        for reference in ("load_gold", "load_instances", "GOLD_DIR", "gold/"):
            assert reference not in path.read_text(encoding="utf-8"), f"{path.name} refers to {reference}"


# --- The command -------------------------------------------------------------------------


def test_bench_baseline_writes_the_file_and_lists_the_names(tmp_path: Path) -> None:
    output = tmp_path / "new" / "predictions.json"
    result = run_bench("baseline", "empty", "--output", str(output))
    assert result.returncode == 0, result.stderr
    assert output.read_bytes() == submission_bytes(run_baseline(BaselineName.empty))
    assert "wrote" in result.stdout
    help_text = run_bench("baseline", "--help").stdout
    assert all(name.value in help_text for name in BaselineName)


def test_bench_baseline_refuses_a_directory_without_a_traceback(tmp_path: Path) -> None:
    result = run_bench("baseline", "empty", "--output", str(tmp_path))
    assert result.returncode == 2
    assert result.stderr.startswith("error: ") and "Traceback" not in result.stderr
    assert list(tmp_path.iterdir()) == []
