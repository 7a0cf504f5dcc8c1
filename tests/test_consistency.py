"""Factual consistency: typed checks on tiny hand-made articles, the demands and stakes verdicts of the core, degenerate cases.

The model-backed tests share one encoder per session (``load_encoder`` is
cached). The scorer against annotators on real outputs: ``tests/test_metaeval.py``.
"""

from __future__ import annotations

import datetime as dt
from fractions import Fraction

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from benchmark.data import Article, load_instances
from benchmark.schema import WEEKDAYS, Attendee, GoldSummary, PartyItem, Summary
from benchmark.submission import LoadedSubmission, validate_submission_data
from scorers.claims import ZONE_OFFSETS, quantities, source_sentences, stated_times
from scorers.config import ScoringConfig
from scorers.aggregate import consistency_scores
from scorers.consistency import check_attendee, check_party_item, check_time_component, check_venue_component, verdict
from scorers.results import check_summary_consistency
from scorers.results_schema import CONSISTENCY_LABELS as LABELS
from tests.conftest import results_json

CONFIG = ScoringConfig()


def sources(*texts: str) -> tuple[Article, ...]:
    return tuple(Article(f"00{n}", f"00{n}_test.txt", text, "0" * 64) for n, text in enumerate(texts))


def gold(**fields) -> GoldSummary:
    return GoldSummary.model_validate({"id": "000", **fields})


def evidence(quote: str, article: str = "000") -> list[dict]:
    return [{"article": article, "quote": quote}]


NO_GOLD = gold()


# --- Time: zones, weekdays, dates ---------------------------------------------------

SUMMIT_000 = sources("The summit, set to begin at 11:00 on Friday (5:00 on Saturday AEST), will take place in Alaska.")


def test_local_and_aest_clock_times_are_the_same_utc_instant():
    # 11:00 AKDT (UTC-8) + 8 h = 19:00 UTC; 05:00 AEST (UTC+10) Saturday - 10 h = 19:00 UTC Friday.
    stated = stated_times(source_sentences(SUMMIT_000))
    assert {(t.weekday, t.clock) for t in stated} == {("Friday", "19:00")}
    assert len(stated) == 2


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("The talks will take place at Elmendorf Air Force Base at 1900 GMT on Friday.", ("Friday", "19:00")),
        ("The meeting begins at 3 p.m. EDT on Sunday.", ("Sunday", "19:00")),  # 15:00 + 4 h
        ("The summit begins at 9:30 p.m. EDT on Friday.", ("Saturday", "01:30")),  # 21:30 + 4 h crosses midnight
    ],
)
def test_zoned_clock_times(text, expected):
    assert [(t.weekday, t.clock) for t in stated_times(source_sentences(sources(text)))] == [expected]


@pytest.mark.parametrize(
    ("component", "value", "label"),
    [
        ("time_utc", "19:00", "supported"),
        ("time_utc", "15:00", "contradicted"),
        ("time_utc", "11:00", "contradicted"),  # the local clock is not UTC
        ("weekday", "Friday", "supported"),
        ("weekday", "Saturday", "contradicted"),  # the AEST weekday
        ("date", "2025-08-15", "unsupported"),  # a Friday, but no date is stated
        ("date", "2025-08-16", "contradicted"),  # a Saturday
    ],
)
def test_time_components_against_a_stated_start(component, value, label):
    assert check_time_component(component, value, gold=NO_GOLD, sources=SUMMIT_000, config=CONFIG).label == label


def test_a_weekday_of_another_event_is_not_the_summit_day():
    articles = sources("On Wednesday, he reassured Ukraine on a call about territorial talks.\nTrump and Putin will meet Friday in Alaska.")
    assert check_time_component("weekday", "Wednesday", gold=NO_GOLD, sources=articles, config=CONFIG).label == "contradicted"
    assert check_time_component("weekday", "Friday", gold=NO_GOLD, sources=articles, config=CONFIG).label == "supported"


def test_no_stated_time_leaves_time_unsupported():
    articles = sources("Trump and Putin will meet in Alaska. If there is no ceasefire today, I am not happy.")
    for component, value in (("weekday", "Friday"), ("time_utc", "19:00"), ("date", "2025-08-15")):
        assert check_time_component(component, value, gold=NO_GOLD, sources=articles, config=CONFIG).label == "unsupported"


@settings(max_examples=60, deadline=None)
@given(
    minutes=st.integers(0, 24 * 60 - 1),
    zone=st.sampled_from(sorted(ZONE_OFFSETS)),
    weekday=st.sampled_from(WEEKDAYS),
)
def test_clock_conversion_matches_datetime_arithmetic(minutes, zone, weekday):
    hours, mins = divmod(minutes, 60)
    text = f"The summit will begin at {hours:02d}:{mins:02d} on {weekday} {zone.upper()}."
    # 2025-08-11 is a Monday: build the local instant, convert with the standard library.
    local = dt.datetime(2025, 8, 11 + WEEKDAYS.index(weekday), hours, mins, tzinfo=dt.timezone(dt.timedelta(hours=ZONE_OFFSETS[zone])))
    utc = local.astimezone(dt.timezone.utc)
    stated = stated_times(source_sentences(sources(text)))
    assert [(t.weekday, t.clock) for t in stated] == [(utc.strftime("%A"), utc.strftime("%H:%M"))]


# --- Numbers and fractions ------------------------------------------------------------


def test_fractions_are_percentages():
    assert quantities("about one-fifth of Ukraine") == [("percent", float(100 * Fraction(1, 5)))]
    assert quantities("nearly 20% of Ukraine") == [("percent", 20.0)]
    assert quantities("one-third") == [("percent", round(float(100 * Fraction(1, 3)), 1))]


def test_areas_durations_and_years():
    assert quantities("covering approximately 21,000 sq km") == [("area_km2", 21000.0)]
    assert quantities("about 8,000 square miles") == [("area_km2", 8000 * 2.58999)]
    assert quantities("three-and-a-half years") == [("years", 3.5)]
    assert quantities("within 48 hours, in February 2026") == [("hours", 48.0), ("year", 2026.0)]


# --- Places -------------------------------------------------------------------------

CAPTION = "File photo: Trump and Putin talk at the APEC Summit in Danang, Vietnam."


def test_a_caption_city_is_unsupported_when_no_venue_city_is_named():
    articles = sources(f"{CAPTION}\nThe summit will take place at a military base in Alaska.")
    assert check_venue_component("city", "Danang", gold=NO_GOLD, sources=articles, config=CONFIG).label == "unsupported"
    assert check_venue_component("region", "Alaska", gold=NO_GOLD, sources=articles, config=CONFIG).label == "supported"
    assert check_venue_component("name", "military base", gold=NO_GOLD, sources=articles, config=CONFIG).label == "supported"


def test_a_caption_city_is_contradicted_when_another_venue_city_is_named():
    articles = sources(f"{CAPTION}\nThe summit is scheduled to take place in Anchorage.")
    stated = gold(venue={"city": "Anchorage", "evidence": {"city": evidence("scheduled to take place in Anchorage")}})
    verdict_danang = check_venue_component("city", "Danang", gold=stated, sources=articles, config=CONFIG)
    assert verdict_danang.label == "contradicted"
    assert ("000", "The summit is scheduled to take place in Anchorage.") in verdict_danang.evidence
    assert check_venue_component("city", "Anchorage", gold=stated, sources=articles, config=CONFIG).label == "supported"
    # Gold evidence counts only where its quote is in the sources.
    elsewhere = sources(f"{CAPTION}\nThe summit will take place in Alaska.")
    assert check_venue_component("city", "Danang", gold=stated, sources=elsewhere, config=CONFIG).label == "unsupported"


# --- Persons and the role a sentence gives them -----------------------------------------------

PERSONS = sources(
    "Ukraine's Zelenskiy, not invited, looks on.\n"
    "Donald Trump and Russian President Vladimir Putin will meet Friday in Alaska.\n"
    "Trump’s delegation includes Secretary of State Marco Rubio, Treasury Secretary Scott Bessent, and CIA Director John Ratcliffe.\n"
    "Trump says a follow-up three-way summit with Zelenskiy could be more important.\n"
    "“That would be a wonderful outcome,” said Sam Greene of the Center for European Policy Analysis.\n"
    "However, Trump did not invite Lavrov to the meeting."
)


@pytest.mark.parametrize(
    ("attendee", "label"),
    [
        ({"name": "Volodymyr Zelenskyy", "role": "President of Ukraine"}, "contradicted"),  # not invited, another spelling
        ({"name": "Vladimir Putin", "role": "President", "country": "Russia"}, "supported"),
        ({"name": "Vladimir Putin", "country": "United States"}, "contradicted"),  # "Russian President" before the name
        ({"name": "John Ratcliffe", "role": "Director of the CIA"}, "supported"),  # last of a delegation list
        ({"name": "Scott Bessent", "role": "Commerce Secretary"}, "unsupported"),  # no gold: the role is just not stated
        ({"name": "Sam Greene"}, "unsupported"),  # quoted analyst
        ({"name": "Howard Lutnick"}, "unsupported"),  # not named
        ({"name": "Mario Putinov"}, "unsupported"),
        ({"name": "Sergei Lavrov"}, "contradicted"),  # "did not invite Lavrov": the cue comes before the name
        ({"name": "Vladimir Rubio"}, "unsupported"),  # "Marco Rubio" is another person
        ({"name": "U.S."}, "unsupported"),  # folds to "u s": the "s" of "Ukraine's" is no surname
    ],
)
def test_attendee_roles_in_sentences(attendee, label):
    assert check_attendee(Attendee(**attendee), gold=NO_GOLD, sources=PERSONS, config=CONFIG).label == label


def test_a_future_meeting_is_not_attendance():
    articles = sources("Trump says a follow-up three-way summit with Zelenskiy could be more important.")
    result = check_attendee(Attendee(name="Zelenskiy"), gold=NO_GOLD, sources=articles, config=CONFIG)
    assert (result.label, result.reason) == ("unsupported", "'Zelenskiy' is named only as: future")


def test_a_role_gold_states_otherwise_is_contradicted():
    stated = gold(attendees=[{"name": "Scott Bessent", "role": "Treasury Secretary", "country": "United States", "evidence": evidence("Treasury Secretary Scott Bessent")}])
    assert check_attendee(Attendee(name="Bessent", role="Commerce Secretary"), gold=stated, sources=PERSONS, config=CONFIG).label == "contradicted"
    assert check_attendee(Attendee(name="Bessent", role="Secretary of the Treasury"), gold=stated, sources=PERSONS, config=CONFIG).label == "supported"


# --- Free text: the verdict of the claim-matching core (real articles, inventory and model) --------


@pytest.fixture(scope="module")
def instance_000():
    return load_instances()["000"]


@pytest.mark.parametrize(
    ("party", "text", "label"),
    [
        ("Russia", "Ukraine must formally abandon its NATO aspirations", "supported"),
        ("Ukraine", "Ukraine must formally abandon its NATO aspirations", "unsupported"),  # right claim, wrong party
        ("Ukraine", "Ukraine is willing to accept formal territorial concessions to Russia", "contradicted"),  # the opposite
        ("Russia", "Ukrainian forces must withdraw from about 12,000 sq km of Donetsk, Zaporizhzhia and Kherson", "contradicted"),
        pytest.param(
            "Russia",
            "Alaska must be returned to Russia",
            "unsupported",
            # Known weakness (README "Meta-evaluation"): a fact no party holds supports a claim of any party
            # it names from the match threshold up, and this invented demand comes that close to
            # "the discussions in Alaska could redefine relations between the United States and Russia".
            marks=pytest.mark.xfail(strict=True, reason="topical closeness to a fact nobody holds reads as support"),
        ),
    ],
)
def test_party_items(encoder, instance_000, party, text, label):
    result = check_party_item("demands", PartyItem(party=party, text=text), gold=instance_000.gold, sources=instance_000.sources, config=CONFIG)
    assert result.label == label, result.reason
    assert result.evidence and all(article == "000" for article, _ in result.evidence)


def test_remembered_verdicts_are_the_item_checks(encoder, instance_000):
    """Verdicts are remembered per process (a leaderboard meets the same items in many submissions),
    keyed by text and resolved party: "the Kremlin" gets Russia's verdict, Ukraine its own."""
    text = "Ukraine must formally abandon its NATO aspirations"
    items = [PartyItem(party=party, text=text) for party in ("Russia", "the Kremlin", "Moscow", "Ukraine")]
    prediction = Summary(demands=items)
    first = list(check_summary_consistency(prediction=prediction, gold=instance_000.gold, sources=instance_000.sources, config=CONFIG).values())
    again = list(check_summary_consistency(prediction=prediction, gold=instance_000.gold, sources=instance_000.sources, config=CONFIG).values())
    direct = [check_party_item("demands", item, gold=instance_000.gold, sources=instance_000.sources, config=CONFIG) for item in items]
    assert first == again == direct
    assert first[0] == first[1] == first[2] and first[0].label == "supported"
    assert first[3].label == "unsupported"


# --- Degenerate cases and scores ---------------------------------------------------------------

EVERY_FIELD = Summary.model_validate(
    {
        "attendees": [{"name": "Donald Trump"}],
        "venue": {"city": "Anchorage", "country": "United States"},
        "time": {"weekday": "Friday", "time_utc": "19:00"},
        "demands": [{"party": "Russia", "text": "Relief from sanctions"}],
        "stakes": [{"party": "India", "text": "US tariffs"}],
    }
)


def test_empty_prediction_has_no_items(instance_000):
    assert check_summary_consistency(prediction=Summary(), gold=instance_000.gold, sources=instance_000.sources, config=CONFIG) == {}


def test_without_sources_every_item_is_unsupported(instance_000):
    results = check_summary_consistency(prediction=EVERY_FIELD, gold=instance_000.gold, sources=(), config=CONFIG)
    assert list(results) == [
        "predictions.000.attendees[0]",
        "predictions.000.venue.city",
        "predictions.000.venue.country",
        "predictions.000.time.weekday",
        "predictions.000.time.time_utc",
        "predictions.000.demands[0]",
        "predictions.000.stakes[0]",
    ]
    assert {r.label for r in results.values()} == {"unsupported"}
    assert all(r.evidence == () for r in results.values())


@given(label=st.sampled_from(LABELS), strength=st.floats(-2, 3, allow_nan=False))
def test_score_is_in_unit_interval_and_half_or_more_exactly_when_supported(label, strength):
    score = verdict(label, strength, [], "test").score
    assert 0.0 <= score <= 1.0
    assert (score >= 0.5) == (label == "supported")


def _valid(model, data):
    try:
        return model.model_validate(data)
    except ValueError:
        return None


@settings(max_examples=40, deadline=None)
@given(
    names=st.lists(st.text(min_size=1, max_size=24), max_size=3),
    city=st.text(min_size=1, max_size=24),
    weekday=st.sampled_from(WEEKDAYS),
    minutes=st.integers(0, 24 * 60 - 1),
)
def test_any_attendees_venue_and_time_get_a_valid_verdict(instance_000, names, city, weekday, minutes):
    attendees = [a for a in (_valid(Attendee, {"name": n}) for n in names) if a]
    summary = _valid(Summary, {"attendees": [a.model_dump() for a in attendees], "venue": {"city": city}, "time": {"weekday": weekday, "time_utc": f"{minutes // 60:02d}:{minutes % 60:02d}"}})
    if summary is None:
        return
    results = check_summary_consistency(prediction=summary, gold=instance_000.gold, sources=instance_000.sources, config=CONFIG)
    assert len(results) == len(summary.attendees) + 3
    for result in results.values():
        assert result.label in LABELS and 0.0 <= result.score <= 1.0
        assert (result.score >= 0.5) == (result.label == "supported")
        assert all(article == "000" for article, _ in result.evidence)


def test_aggregates_per_field_and_instance():
    labelled = [("000", "attendees", "supported"), ("000", "venue", "contradicted"), ("002", "attendees", "unsupported"), ("002", "attendees", "supported")]
    report = consistency_scores(labelled).model_dump()
    assert (report["supported_rate"], report["supported"], report["unsupported"], report["contradicted"]) == (50.0, 2, 1, 1)
    assert report["fields"]["attendees"]["supported_rate"] == float(round(100 * Fraction(2, 3), 2))
    assert report["fields"]["stakes"] == {"supported_rate": None, "supported": 0, "unsupported": 0, "contradicted": 0}
    assert report["instances"]["000"]["supported_rate"] == 50.0


def test_score_submission_carries_consistency_and_the_report_lists_flagged_items():
    from scorers.report import render_report
    from scorers.results import score_submission

    data = {
        "schema_version": "1",
        "system": {"name": "consistency-test"},
        "predictions": {"002": {"attendees": [{"name": "Donald Trump"}, {"name": "Zelenskiy"}], "venue": {"city": "Danang", "region": "Alaska"}}},
    }
    submission, missing = validate_submission_data(data, allow_partial=True)
    scored = score_submission(LoadedSubmission(submission, "0" * 64, missing), config=CONFIG)
    results = results_json(scored)
    by_path = {item["path"]: item for item in results["items"]}
    assert by_path["predictions.002.attendees[1]"]["consistency"]["label"] == "contradicted"
    assert by_path["predictions.002.venue.city"]["consistency"]["label"] == "unsupported"
    assert by_path["predictions.002.venue.region"]["consistency"]["label"] == "supported"
    assert all("consistency" not in item for item in results["items"] if item["verdict"] == "missing")
    summary = results["scores"]["consistency"]
    assert (summary["supported"], summary["unsupported"], summary["contradicted"]) == (2, 1, 1)
    report = render_report(scored)
    assert "unsupported and contradicted items:" in report
    assert "predictions.002.attendees[1]" in report and "predictions.002.venue.city" in report
