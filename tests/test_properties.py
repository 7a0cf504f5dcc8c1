"""Property tests of the input layer and the scorer, with generated submissions.

Valid submissions are built from the schema: random subsets of what the gold
says (names, aliases, roles, places, parties, demand and stake texts, all
taken from the articles), mixed with random strings and dates. Invalid input is random bytes,
random JSON values, and single-byte mutations of a valid file. Examples are
derandomised, so every run tries the same ones.
"""

from __future__ import annotations

import copy
import datetime as dt
import json
from functools import cache

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from benchmark.data import load_instances
from benchmark.errors import InputError
from benchmark.normalize import CANONICAL_PARTIES, fold
from benchmark.schema import FIELDS, INSTANCE_IDS, WEEKDAYS, json_path
from benchmark.submission import LoadedSubmission, parse_json_bytes, validate_submission_data
from tests.conftest import run_bench

PROPERTY = settings(derandomize=True, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
LIST_FIELDS = ("attendees", "demands", "stakes")


@cache
def _gold_strings() -> dict[str, tuple[str, ...]]:
    """What the gold says, by kind: the article-derived half of every generated value."""
    kinds: dict[str, set[str]] = {k: set() for k in ("names", "roles", "countries", "places", "parties", "texts")}
    for instance in load_instances().values():
        gold = instance.gold
        for attendee in gold.attendees:
            kinds["names"].update([attendee.name, *attendee.aliases])
            kinds["roles"].update(filter(None, [attendee.role]))
            kinds["countries"].update(filter(None, [attendee.country]))
        if gold.venue:
            kinds["places"].update(filter(None, [gold.venue.name, gold.venue.city, gold.venue.region, gold.venue.country, *gold.venue.aliases]))
        for item in (*gold.demands, *gold.stakes):
            kinds["parties"].update(filter(None, [item.party]))
            kinds["texts"].add(item.text)
    kinds["parties"].update(CANONICAL_PARTIES + ("the Kremlin", "U.S.", "Kyiv", "EU"))
    return {kind: tuple(sorted(values)) for kind, values in kinds.items()}


# Latin script only (Basic Latin to Latin Extended-B): a word mixing scripts is
# refused by design. The micro sign folds (NFKC) to a Greek mu, so it is left out.
_LATIN = st.characters(min_codepoint=0x20, max_codepoint=0x24F, categories=("L", "N", "P", "Zs"), exclude_characters="\u00b5")
# Punctuation-only strings are valid too, and fold to nothing: the scorer must cope.
random_text = st.text(_LATIN, min_size=1, max_size=80).filter(str.strip)


def _from_gold_or_random(kind: str) -> st.SearchStrategy[str]:
    return st.one_of(st.sampled_from(_gold_strings()[kind]), random_text)


def _optional(strategy: st.SearchStrategy) -> st.SearchStrategy:
    return st.one_of(st.none(), strategy)


@st.composite
def summaries(draw, max_items: int = 6) -> dict:
    attendee = st.fixed_dictionaries(
        {"name": _from_gold_or_random("names")},
        optional={"role": _optional(_from_gold_or_random("roles")), "country": _optional(_from_gold_or_random("countries"))},
    )
    party_item = st.fixed_dictionaries({"text": _from_gold_or_random("texts")}, optional={"party": _optional(_from_gold_or_random("parties"))})
    venue = st.fixed_dictionaries({}, optional={c: _optional(_from_gold_or_random("places")) for c in ("name", "city", "region", "country")})
    date = st.dates(dt.date(1900, 1, 1), dt.date(2100, 12, 31)).map(dt.date.isoformat)
    weekday = st.sampled_from(WEEKDAYS).flatmap(lambda day: st.sampled_from([day, day.lower(), day.upper()]))
    time_utc = st.times().map(lambda t: t.strftime("%H:%M"))
    time = st.fixed_dictionaries({}, optional={"date": _optional(date), "weekday": _optional(weekday), "time_utc": _optional(time_utc)})
    summary = draw(
        st.fixed_dictionaries(
            {},
            optional={
                "attendees": st.lists(attendee, max_size=max_items),
                "venue": _optional(venue),
                "time": _optional(time),
                "demands": st.lists(party_item, max_size=max_items),
                "stakes": st.lists(party_item, max_size=max_items),
            },
        )
    )
    return summary


@st.composite
def submissions(draw, max_items: int = 6) -> dict:
    return {
        "schema_version": "1",
        "system": {"name": draw(st.text(_LATIN, min_size=1, max_size=64).filter(str.strip))},
        "predictions": {instance: draw(summaries(max_items)) for instance in INSTANCE_IDS},
    }


def _file_bytes(submission: dict) -> bytes:
    return json.dumps(submission, ensure_ascii=False).encode("utf-8")


def _assert_clean_problems(error: InputError) -> None:
    """Every problem is one printable line that names where."""
    assert error.problems
    for line in error.lines():
        assert line.isprintable(), repr(line)
        where, _, message = line.partition(": ")
        assert where and message


# --- validation ----------------------------------------------------------------------


@settings(PROPERTY, max_examples=60)
@given(submission=submissions(max_items=12))
def test_generated_valid_submissions_validate_and_round_trip(submission):
    parsed = parse_json_bytes(_file_bytes(submission), source="generated.json")
    validated, missing = validate_submission_data(parsed)
    assert missing == ()
    assert tuple(validated.predictions) == INSTANCE_IDS
    for instance, summary in submission["predictions"].items():
        for field in LIST_FIELDS:
            assert len(getattr(validated.predictions[instance], field)) == len(summary.get(field, []))


@settings(PROPERTY, max_examples=300)
@given(name=st.text(max_size=80), text=st.text(max_size=80), key=st.text(max_size=20))
def test_any_strings_are_accepted_or_refused_cleanly(name, text, key):
    # Arbitrary Unicode anywhere, including keys: never an exception other than InputError.
    submission = {"schema_version": "1", "system": {"name": name}, "predictions": {i: {} for i in INSTANCE_IDS}}
    submission["predictions"]["000"] = {"attendees": [{"name": name}], "demands": [{"text": text}], key: text}
    data = json.dumps(submission, ensure_ascii=True).encode("ascii")
    try:
        validate_submission_data(parse_json_bytes(data, source="generated.json"))
    except InputError as error:
        _assert_clean_problems(error)


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False, allow_infinity=False) | st.text(max_size=20),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=8), children, max_size=4),
    max_leaves=30,
)


@settings(PROPERTY, max_examples=300)
@given(value=json_values)
def test_random_json_values_are_refused(value):
    with pytest.raises(InputError) as caught:
        validate_submission_data(parse_json_bytes(json.dumps(value).encode("utf-8"), source="generated.json"))
    _assert_clean_problems(caught.value)


@settings(PROPERTY, max_examples=300)
@given(data=st.binary(max_size=2000))
def test_random_bytes_are_refused(data):
    with pytest.raises(InputError) as caught:
        validate_submission_data(parse_json_bytes(data, source="generated.json"))
    _assert_clean_problems(caught.value)


@st.composite
def mutated_files(draw) -> bytes:
    """A valid file with a few bytes deleted, replaced or inserted."""
    content = bytearray(_file_bytes(draw(submissions(max_items=3))))
    for _ in range(draw(st.integers(1, 3))):
        position = draw(st.integers(0, len(content) - 1))
        action = draw(st.sampled_from(["delete", "replace", "insert"]))
        if action == "delete":
            del content[position]
        else:
            byte = draw(st.sampled_from([0x00, 0x0A, 0x22, 0x2C, 0x5B, 0x5C, 0x5D, 0x7B, 0x7D, 0x80, 0xC3, 0xFF, 0x30, 0x20]))
            content[position : position + (action == "replace")] = bytes([byte])
    return bytes(content)


@settings(PROPERTY, max_examples=100)
@given(data=mutated_files())
def test_mutated_files_are_accepted_or_refused_cleanly(data):
    try:
        validate_submission_data(parse_json_bytes(data, source="generated.json"))
    except InputError as error:
        _assert_clean_problems(error)


@settings(PROPERTY, max_examples=6)
@given(data=st.one_of(mutated_files(), st.binary(max_size=300), json_values.map(lambda v: json.dumps(v).encode("utf-8"))))
def test_the_cli_refuses_generated_input_with_exit_2_and_no_traceback(tmp_path_factory, data):
    workdir = tmp_path_factory.mktemp("generated")
    (workdir / "generated.json").write_bytes(data)
    result = run_bench("validate", "generated.json", cwd=workdir)
    assert "Traceback" not in result.stderr
    if result.returncode == 0:  # a mutation that kept the file valid (a space replaced by a space, say)
        assert result.stdout.startswith("ok: ")
        return
    assert result.returncode == 2 and result.stdout == ""
    assert all(line.startswith("error: ") and line.isprintable() for line in result.stderr.splitlines())
    assert sorted(p.name for p in workdir.iterdir()) == ["generated.json"]


# Latin letters and the Cyrillic letters drawn the same way.
_CYRILLIC_LOOK_ALIKES = {"a": "\u0430", "c": "\u0441", "e": "\u0435", "i": "\u0456", "o": "\u043e", "p": "\u0440", "y": "\u0443", "P": "\u0420", "T": "\u0422", "M": "\u041c"}


@settings(PROPERTY, max_examples=100)
@given(data=st.data())
def test_a_look_alike_letter_in_a_gold_name_is_refused_and_full_width_is_folded(data):
    name = data.draw(st.sampled_from([n for n in _gold_strings()["names"] if any(c in _CYRILLIC_LOOK_ALIKES for c in n)]))
    positions = [i for i, c in enumerate(name) if c in _CYRILLIC_LOOK_ALIKES]
    position = data.draw(st.sampled_from(positions))
    spoofed = name[:position] + _CYRILLIC_LOOK_ALIKES[name[position]] + name[position + 1 :]
    full_width = "".join(chr(ord(c) + 0xFEE0) if "!" <= c <= "~" else c for c in name)
    assert fold(full_width) == fold(name)
    for value, refused in ((spoofed, True), (full_width, False)):
        submission = {"schema_version": "1", "system": {"name": "x"}, "predictions": {i: {} for i in INSTANCE_IDS}}
        submission["predictions"]["000"] = {"attendees": [{"name": value}]}
        try:
            validate_submission_data(submission)
        except InputError as error:
            assert refused and "letters in one word" in error.lines()[0]
        else:
            assert not refused


def test_json_path_keys_never_break_the_line():
    for key in ("a\nb", "\x1b[2J", "\u202e", "\ud800", "x" * 500, 'quote"key', "dot.key", ""):
        path = json_path("predictions", "000", key)
        assert path.isprintable() and "\n" not in path and len(path) < 140


# --- scoring -------------------------------------------------------------------------


@pytest.fixture(scope="module")
def config():
    from scorers.config import ScoringConfig

    return ScoringConfig()


def _score(submission: dict, config) -> dict:
    from scorers.results import score_submission

    validated, missing = validate_submission_data(submission)
    results = score_submission(LoadedSubmission(submission=validated, sha256="generated", missing=missing), config=config)
    return results.scores.model_dump()


def _assert_percent(value, where: str) -> None:
    assert value is None or 0.0 <= value <= 100.0, (where, value)


@settings(PROPERTY, max_examples=12)
@given(submission=submissions(max_items=5), shuffler=st.randoms(use_true_random=False))
def test_generated_submissions_score_within_0_and_100_whatever_the_order(config, submission, shuffler):
    scores = _score(submission, config)
    _assert_percent(scores["overall"], "overall")
    assert scores["overall"] is not None
    for field in FIELDS:
        for measure in ("precision", "recall", "f1"):
            _assert_percent(scores["fields"][field][measure], f"fields.{field}.{measure}")
    for instance, result in scores["instances"].items():
        _assert_percent(result["overall"], f"instances.{instance}.overall")
        for field, counts in result["fields"].items():
            for measure in ("precision", "recall", "f1"):
                _assert_percent(counts[measure], f"instances.{instance}.{field}.{measure}")
    shuffled = copy.deepcopy(submission)
    for summary in shuffled["predictions"].values():
        for field in LIST_FIELDS:
            shuffler.shuffle(summary.get(field, []))
    assert _score(shuffled, config) == scores
