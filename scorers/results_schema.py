"""The results file, as typed models: what ``bench score --output`` and ``results.json`` hold.

``scorers.results`` builds a ``Results``; the report, the leaderboard and
the meta-evaluation read one. ``bench schema --results`` prints the JSON
Schema generated from these models.

Keys that do not apply to an item are left out, not written as null: a
missing gold item has no ``consistency`` (nothing was predicted), and an
item's ``details`` hold only what its field's scorer records. Models are
therefore written with ``exclude_unset`` (``Results.to_json_bytes``), and
``scorers.results`` sets every other key when it builds them (the system's
too), so a file read back and written again is byte-identical.
"""

from __future__ import annotations

import json
from typing import Literal

from pydantic import BaseModel, ConfigDict, JsonValue

from benchmark.schema import SystemInfo
from scorers.base import FieldName, Verdict

ConsistencyLabel = Literal["supported", "unsupported", "contradicted"]
CONSISTENCY_LABELS: tuple[ConsistencyLabel, ...] = ("supported", "unsupported", "contradicted")


class _Model(BaseModel):
    # No NaN or infinity: no score is ever one, so a file holding one is not results.
    model_config = ConfigDict(frozen=True, extra="forbid", allow_inf_nan=False)


class Signature(_Model):
    """What the scores depend on (``scorers.signature.build_signature``).

    Attributes:
        string: the comparable signature; scores are comparable exactly when these are equal.
        parts: the same, unabbreviated (full checksums, nested settings).
    """

    string: str
    parts: dict[str, JsonValue]


class SubmissionRecord(_Model):
    """Which bytes were scored."""

    sha256: str
    missing_instances: list[str]


class FieldScore(_Model):
    """Precision, recall and F1 (0-100, 2 decimals; null where undefined) and the raw MUC counts."""

    precision: float | None
    recall: float | None
    f1: float | None
    correct: int
    incorrect: int
    missing: int
    spurious: int


class InstanceScore(_Model):
    """One instance: its score (mean of its defined field F1s) and each field's."""

    overall: float | None
    fields: dict[FieldName, FieldScore]


class AgreementRate(_Model):
    """A secondary agreement figure (attendee role or country) over matched pairs where gold states it."""

    value: float | None
    agree: int
    compared: int


class MeanSimilarity(_Model):
    """The mean similarity (4 decimals) of a free-text field's matched items."""

    value: float | None
    matched: int


class LabelTally(_Model):
    """Consistency labels counted; ``supported_rate`` (0-100) is the share supported, "faithfulness"."""

    supported_rate: float | None
    supported: int
    unsupported: int
    contradicted: int


class ConsistencyScores(LabelTally):
    """Faithfulness overall, per field and per instance."""

    fields: dict[str, LabelTally]
    instances: dict[str, LabelTally]


class Scores(_Model):
    """The scores: overall (mean of instance scores), per field (micro over instances), per instance, secondary, consistency."""

    overall: float | None
    fields: dict[FieldName, FieldScore]
    instances: dict[str, InstanceScore]
    secondary: dict[str, AgreementRate | MeanSimilarity]
    consistency: ConsistencyScores


class FactReference(_Model):
    """The inventory fact a demand or stake was read as, its similarity and its first evidence quote."""

    id: str
    similarity: float
    quote: str


class ItemDetails(_Model):
    """What a field's scorer records about an item; each key appears only where it applies.

    Attributes:
        rule: how a name or venue matched (``exact``, ``alias``, ...).
        matched: the gold spelling an attendee's name matched.
        role_agrees: whether a matched attendee's role agrees with gold (null: gold states none).
        country_agrees: the same for the country.
        closest: for a spurious attendee, the gold person whose name came nearest.
        closest_similarity: that name similarity (0-1).
        party: a demand's or stake's party, resolved.
        fact: the inventory fact a demand or stake was read as.
        rouge_l: a matched demand's or stake's ROUGE-L F against its gold item.
        reason: why a demand or stake earned nothing.
    """

    rule: str | None = None
    matched: str | None = None
    role_agrees: bool | None = None
    country_agrees: bool | None = None
    closest: str | None = None
    closest_similarity: float | None = None
    party: str | None = None
    fact: FactReference | None = None
    rouge_l: float | None = None
    reason: str | None = None


class EvidenceSentence(_Model):
    article: str
    sentence: str


class ConsistencyVerdict(_Model):
    """A predicted item's consistency with the sources: its label, a score in [0, 1] (at least 0.5 exactly when supported), evidence and the deciding reason."""

    label: ConsistencyLabel
    score: float
    evidence: list[EvidenceSentence]
    reason: str


class ItemResult(_Model):
    """One predicted item, or one gold item nothing matched.

    Attributes:
        path: where it is (``predictions.003.attendees[2]``, or ``gold.003.demands[4]`` for a missing item).
        instance: the instance id.
        field: the field.
        verdict: correct, incorrect, spurious or missing.
        value: the predicted value (null for a missing item).
        gold: the gold value it was aligned with (null for a spurious item).
        similarity: the similarity that decided the match, where one was computed.
        details: the field scorer's record (``ItemDetails``).
        consistency: for predicted items only, the verdict against the sources.
    """

    path: str
    instance: str
    field: FieldName
    verdict: Verdict
    value: JsonValue
    gold: JsonValue
    similarity: float | None
    details: ItemDetails
    consistency: ConsistencyVerdict | None = None


class ResultsSummary(BaseModel):
    """A results file without its items: what the leaderboard reads from a cached ``results.json``.

    The items are skipped, not validated: a board of a hundred cached results
    would otherwise spend half a second building items it never reads.
    """

    model_config = ConfigDict(frozen=True, extra="ignore", allow_inf_nan=False)

    signature: Signature
    system: SystemInfo
    submission: SubmissionRecord
    scores: Scores


class Results(ResultsSummary):
    """A submission's results: the signature, the system, the scored bytes, the scores and every item."""

    model_config = ConfigDict(frozen=True, extra="forbid", allow_inf_nan=False)

    items: list[ItemResult]

    def to_json_bytes(self) -> bytes:
        """The results file: UTF-8 JSON, 2-space indent, keys in model order, absent keys left out, final newline."""
        data = self.model_dump(mode="json", exclude_unset=True)
        return (json.dumps(data, indent=2, ensure_ascii=False) + "\n").encode("utf-8")


def results_json_schema() -> dict:
    """The JSON Schema of a results file, generated from ``Results``."""
    schema = Results.model_json_schema()
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["title"] = "Alaska Summit Bench results"
    return schema
