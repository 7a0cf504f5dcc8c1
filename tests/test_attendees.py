"""Attendee scoring: name rules, one-to-one alignment, role and country, on hand-made gold."""

from __future__ import annotations

from fractions import Fraction

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from benchmark.schema import Attendee, Evidence, GoldAttendee
from scorers.attendees import countries_agree, score_attendees
from scorers.base import Counts
from scorers.config import NameMatchConfig, ScoringConfig
from scorers.names import name_tokens, roles_agree

CONFIG = ScoringConfig()
_QUOTE = [Evidence(article="000", quote="a quote")]


def gold_person(name: str, role: str | None = None, country: str | None = None, aliases: tuple[str, ...] = ()) -> GoldAttendee:
    return GoldAttendee(name=name, role=role, country=country, aliases=list(aliases), evidence=_QUOTE)


TRUMP = gold_person("Donald Trump", "President of the United States", "United States", ("Trump", "President Trump"))
PUTIN = gold_person("Vladimir Putin", "President of Russia", "Russia", ("Putin",))
RUBIO = gold_person("Marco Rubio", "Secretary of State", "United States", ("Rubio",))
LAVROV = gold_person("Sergei Lavrov", "Foreign Minister", "Russia", ("Lavrov", "Sergey Lavrov"))
WITKOFF = gold_person("Steve Witkoff", "Special Envoy", "United States", ("Steve Wittkoff",))
GOLD = [TRUMP, PUTIN, RUBIO, LAVROV, WITKOFF]


def people(*names: str) -> list[Attendee]:
    return [Attendee(name=name) for name in names]


def score(prediction: list[Attendee], gold: list[GoldAttendee] = GOLD, config: ScoringConfig = CONFIG):
    return score_attendees(prediction=prediction, gold=gold, sources=(), config=config)


def rule_of(name: str, gold: list[GoldAttendee] = GOLD) -> str | None:
    result = score(people(name), gold)
    first = result.items[0]
    return first.details["rule"] if first.verdict == "correct" else None


def test_hand_computed_precision_recall_f1():
    # 2 of 4 predictions match, 2 of 3 gold persons are found.
    result = score(people("Putin", "Donald Trump", "Mario Rubino", "Vladimir"), [TRUMP, PUTIN, RUBIO])
    assert result.counts == Counts(correct=2, missing=1, spurious=2)
    assert result.counts.precision == Fraction(2, 4)
    assert result.counts.recall == Fraction(2, 3)
    assert result.counts.f1 == Fraction(4, 7)


@pytest.mark.parametrize(
    ("name", "rule"),
    [
        ("Vladimir Putin", "exact"),
        ("vladimir  PUTIN", "exact"),
        ("Russian President Vladimir Putin", "exact"),
        ("U.S. Secretary of State Marco Rubio", "exact"),
        ("Marco Rubio (Secretary of State)", "exact"),
        ("Mr. Lavrov", "alias"),
        ("Putin", "alias"),
        ("President Trump", "alias"),
        ("Sergey Lavrov", "alias"),
        ("Special Envoy Steve Wittkoff", "alias"),
        ("Donald J. Trump", "given-and-surname"),
        ("Sergei V. Lavrov", "given-and-surname"),
        ("Witkoff", "surname"),
        ("Zelensky", None),
        ("Marco Rubino", "fuzzy"),
        ("Steven Witkoff", "fuzzy"),
        ("Ｍａｒｃｏ Ｒｕｂｉｏ", "exact"),
        ("Sérgei Lávrov", "exact"),
    ],
)
def test_name_rules(name, rule):
    assert rule_of(name) == rule


@pytest.mark.parametrize("name", ["Vladimir", "Mario Rubino", "Mark Rubio", "Vladimir Potanin", "Donald Trump Jr", "Melania Trump", "President", "Marco"])
def test_wrong_or_partial_names_do_not_match(name):
    assert rule_of(name) is None


def test_surname_shared_by_two_gold_persons_matches_neither():
    family = [gold_person("Donald Trump"), gold_person("Melania Trump")]
    assert score(people("Trump"), family).counts == Counts(missing=2, spurious=1)
    assert score(people("Melania Trump", "Donald Trump"), family).counts == Counts(correct=2)


def test_surname_of_a_multi_word_alias_counts():
    # No "Witkoff" among the written forms of this person, only in the alias.
    envoy = gold_person("Steven Charles Witkoff", aliases=("Steve Witkoff",))
    assert rule_of("Witkoff", [envoy]) == "surname"


def test_fuzzy_threshold_is_the_config_setting():
    strict = ScoringConfig(names=NameMatchConfig(fuzzy_threshold=99))
    assert score(people("Marco Rubino"), config=strict).counts.correct == 0
    lenient = ScoringConfig(names=NameMatchConfig(fuzzy_threshold=85))
    assert score(people("Mario Rubino"), config=lenient).counts.correct == 1


def test_one_to_one_alignment_matches_the_most_persons():
    ratcliffe = gold_person("John Ratcliffe")
    radcliffe = gold_person("John Radcliffe")
    # "John Ratclife" is close enough only to Ratcliffe; "John Ratcliffe" is
    # exactly Ratcliffe and close enough to Radcliffe. Taking the exact match
    # greedily would leave one of them unmatched.
    for prediction in (people("John Ratclife", "John Ratcliffe"), people("John Ratcliffe", "John Ratclife")):
        result = score(prediction, [ratcliffe, radcliffe])
        assert result.counts == Counts(correct=2)
        pairs = {item.value["name"]: (item.gold["name"], item.details["rule"]) for item in result.items}
        assert pairs == {"John Ratclife": ("John Ratcliffe", "fuzzy"), "John Ratcliffe": ("John Radcliffe", "fuzzy")}


def test_one_to_one_alignment_prefers_the_stronger_rule():
    ratcliffe = gold_person("John Ratcliffe")
    radcliffe = gold_person("John Radcliffe")
    for gold in ([ratcliffe, radcliffe], [radcliffe, ratcliffe]):
        result = score(people("John Ratcliffe"), gold)
        assert result.counts == Counts(correct=1, missing=1)
        assert (result.items[0].gold["name"], result.items[0].details["rule"]) == ("John Ratcliffe", "exact")


def test_a_person_named_twice_counts_once():
    result = score(people("Putin", "Vladimir Putin"), [PUTIN])
    assert result.counts == Counts(correct=1, spurious=1)
    assert [item.verdict for item in result.items] == ["spurious", "correct"]


def test_items_explain_every_verdict_and_list_missing_gold_last():
    result = score(people("Mario Rubino", "Putin"), [PUTIN, RUBIO])
    assert [(item.path, item.verdict) for item in result.items] == [
        ("attendees[0]", "spurious"),
        ("attendees[1]", "correct"),
        ("attendees[1]", "missing"),
    ]
    spurious, correct, missing = result.items
    assert spurious.details["closest"] == "Marco Rubio"
    assert spurious.details["closest_similarity"] < CONFIG.names.fuzzy_threshold / 100
    assert correct.details == {"rule": "alias", "matched": "Putin", "role_agrees": False, "country_agrees": False}
    assert correct.similarity == 1.0
    assert missing.gold == {"name": "Marco Rubio", "role": "Secretary of State", "country": "United States"}


def test_role_and_country_accuracy_over_matched_pairs():
    prediction = [
        Attendee(name="Putin", role="President", country="Russian Federation"),  # both agree
        Attendee(name="Rubio", role="Treasury Secretary", country="USA"),  # role wrong
        Attendee(name="Lavrov", role=None, country=None),  # both stated in gold, left out here: disagree
        Attendee(name="Zelensky", role="President", country="Ukraine"),  # unmatched: not compared
    ]
    no_role = gold_person("Steve Witkoff")  # gold states neither: not compared
    result = score(prediction + [Attendee(name="Witkoff", role="Envoy", country="US")], [PUTIN, RUBIO, LAVROV, no_role])
    assert result.secondary == {"role": (1, 3), "country": (2, 3)}


@pytest.mark.parametrize(
    ("predicted", "gold", "agrees"),
    [
        ("President", "President of Russia", True),
        ("Russian President", "President of Russia", True),
        ("US Secretary of State", "Secretary of State", True),
        ("Director of the CIA", "CIA Director", True),
        ("Envoy", "Special Envoy", True),
        ("Russian leader", "President of Russia", True),
        ("Secretary of State", "Treasury Secretary", False),
        ("Foreign Minister", "President of Russia", False),
        (None, "Foreign Minister", False),
        ("Foreign Minister", None, None),
    ],
)
def test_roles_agree(predicted, gold, agrees):
    assert roles_agree(predicted, gold) is agrees


def test_countries_agree_through_the_party_resolver():
    assert countries_agree("USA", "United States") is True
    assert countries_agree("the Kremlin", "Russia") is True
    assert countries_agree("Ukraine", "Russia") is False
    assert countries_agree(None, "Russia") is False
    assert countries_agree("Russia", None) is None


def test_name_tokens_strip_titles_only_at_the_ends():
    assert name_tokens("CIA Director John Ratcliffe") == ("john", "ratcliffe")
    assert name_tokens("John Ratcliffe, CIA Director") == ("john", "ratcliffe")
    assert name_tokens("Secretary of State") == ("secretary", "of", "state")


@pytest.mark.parametrize(
    ("prediction", "gold", "counts", "f1"),
    [
        ([], [TRUMP, PUTIN], Counts(missing=2), Fraction(0)),
        (people("Putin"), [], Counts(spurious=1), Fraction(0)),
        ([], [], Counts(), None),
    ],
)
def test_degenerate_cases(prediction, gold, counts, f1):
    result = score(prediction, gold)
    assert result.counts == counts
    assert result.counts.f1 == f1


def test_a_full_list_of_persons_aligns_exactly():
    # 100 predictions (the schema's cap) against 100 gold persons: the
    # integer alignment weights stay exact, and every person finds itself.
    gold = [gold_person(f"Person{n:03d} Surname{n:03d}") for n in range(100)]
    prediction = [Attendee(name=f"Person{n:03d} Surname{n:03d}") for n in reversed(range(100))]
    result = score(prediction, gold)
    assert result.counts == Counts(correct=100)
    assert all(item.gold["name"] == item.value["name"] for item in result.items)


_NAMES = [
    "Putin", "Vladimir Putin", "Donald Trump", "Trump", "Rubio", "Mario Rubino", "Vladimir",
    "Sergey Lavrov", "Steve Wittkoff", "Zelensky", "Marco Rubino", "John Ratcliffe",
]
_ROLES = [None, "President", "Secretary of State", "Foreign Minister", "Envoy"]
_COUNTRIES = [None, "USA", "Russia", "Ukraine"]
attendee_lists = st.lists(
    st.builds(Attendee, name=st.sampled_from(_NAMES), role=st.sampled_from(_ROLES), country=st.sampled_from(_COUNTRIES)),
    max_size=8,
)


@settings(max_examples=150, deadline=None)
@given(prediction=attendee_lists, gold_order=st.permutations(GOLD), data=st.data())
def test_list_order_never_changes_a_score(prediction, gold_order, data):
    shuffled = data.draw(st.permutations(prediction))
    reference = score(prediction, GOLD)
    result = score(shuffled, gold_order)
    assert result.counts == reference.counts
    assert result.secondary == reference.secondary
