"""The signature is built from the configuration itself: every setting is in it, and changing one changes it."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from benchmark.normalize import party_table_sha256
from scorers.config import BoardStatisticsConfig, ClaimMatchConfig, NameMatchConfig, ScoringConfig, SourceReadingConfig
from scorers.signature import board_signature, build_signature


def _leaves(model, prefix: str = "") -> list[tuple[str, object]]:
    pairs = []
    for name, value in model.model_dump().items():
        if isinstance(value, dict):
            pairs += _leaves(getattr(model, name), f"{prefix}{name}.")
        else:
            pairs.append((f"{prefix}{name}", value))
    return pairs


@pytest.fixture(scope="module")
def default_signature() -> str:
    return build_signature(ScoringConfig())["string"]


def test_every_setting_is_written_into_the_signature(default_signature):
    fields = default_signature.split("|")
    for name, value in _leaves(ScoringConfig()):
        written = f"{name.replace('_', '-')}:{int(value) if isinstance(value, float) and value.is_integer() else value}"
        assert written in fields, written
    assert f"parties:{party_table_sha256()[:12]}" in fields


def test_hand_written_signature_fields(default_signature):
    fields = default_signature.split("|")
    assert "names.fuzzy-threshold:90" in fields and "sources.place-window:8" in fields and "claims.match-threshold:0.54" in fields
    assert fields[2].startswith("model:all-MiniLM-L6-v2/L6@")


@settings(max_examples=20, deadline=None)
@given(
    fuzzy=st.floats(0, 100, allow_nan=False),
    reach=st.integers(0, 30),
    threshold=st.floats(0, 1, allow_nan=False),
)
def test_changing_any_setting_changes_the_signature(default_signature, fuzzy, reach, threshold):
    config = ScoringConfig(
        names=NameMatchConfig(fuzzy_threshold=fuzzy),
        sources=SourceReadingConfig(attendance_reach=reach),
        claims=ClaimMatchConfig(match_threshold=threshold),
    )
    assert (build_signature(config)["string"] == default_signature) == (config == ScoringConfig())


def test_the_board_signature_adds_every_statistical_setting():
    statistics = BoardStatisticsConfig()
    written = board_signature("scores", statistics)
    assert written.split("|")[0] == "scores"
    assert written.split("|")[1:] == [
        "board.unit:instance-field-cell",
        "board.strata:field",
        "board.resamples:10000",
        "board.seed:20250815",
        "board.interval:percentile-bootstrap",
        "board.confidence:0.95",
        "board.test:paired-bootstrap-t",
        "board.correction:holm",
        "board.significance-level:0.05",
    ]
    for change in ({"seed": 1}, {"resamples": 2000}, {"confidence": 0.9}, {"significance_level": 0.01}):
        assert board_signature("scores", BoardStatisticsConfig(**change)) != written


def test_unknown_settings_are_refused():
    with pytest.raises(ValueError, match="num_layers"):
        ScoringConfig(num_layers=6)
