"""Meta-evaluation: does the scorer agree with careful human readers on real system outputs?

The labelled set lives in ``gold/judgments/`` (its README says how it was
made, by whom, and which part is held out): realistic system submissions
written from prompt v1, and, for every predicted item, an annotator's
judgment made without reading the scorer (``gold_matches``: the gold items it
deserves credit for; ``label``: supported, unsupported or contradicted by its
sources). ``MANIFEST.json`` names each system's part (``dev``, which may
choose thresholds and rules, or ``held-out``, which never does) and its
annotators; the first annotator's labels are the reference, a second one's
measure agreement between people.

Per system, ``meta_evaluate`` reports:

* **credit agreement**: the share of predicted items where the scorer and
  the annotator agree on credit: both give none, or both give credit and the
  scorer's gold item is one the annotator named. The annotator's credit is
  made one-to-one like the scorer's (a maximum matching over
  ``gold_matches``), so a duplicate item earns a gold item only once on
  both sides.
* **consistency TPR / TNR**: of the items the annotator labels supported,
  the share the scorer labels supported; of the others, the share it does not.
* **faithfulness**: the share of items labelled supported, by the scorer and by the annotator.
* **false contradictions**: items the scorer labels contradicted and the annotator does not.
* **overall**: the scorer's overall score against the same aggregation of
  the annotator's one-to-one credit (``scorers.aggregate``), and the two rankings.

``choose_thresholds`` picks the settings of the claim-matching core on the
dev part only (README "How the thresholds were chosen").
"""

from __future__ import annotations

import itertools
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from benchmark.data import GOLD_DIR, load_instances
from benchmark.errors import InputError, Problem
from benchmark.files import read_capped
from benchmark.schema import FIELDS, TIME_COMPONENTS, VENUE_COMPONENTS, InstanceId
from scorers.aggregate import overall_score, percent
from scorers.base import Counts
from scorers.config import ClaimMatchConfig, ScoringConfig
from scorers.results_schema import Results

JUDGMENTS_DIR = GOLD_DIR / "judgments"
Part = Literal["dev", "held-out"]
Label = Literal["supported", "unsupported", "contradicted"]
FREE_TEXT = ("demands", "stakes")


class SystemEntry(BaseModel):
    """One labelled system of ``MANIFEST.json``."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    part: Part
    style: str
    annotators: list[str] = Field(min_length=1)
    note: str | None = None


class Manifest(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    systems: dict[str, SystemEntry]


class Judgment(BaseModel):
    """An annotator's line: one predicted item (id = system|instance|field|key)."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    id: str
    gold_matches: list[int]
    label: Label
    reason: str


@dataclass(frozen=True)
class ItemKey:
    instance: InstanceId
    field: str
    key: str  # list index, or the venue/time component

    @property
    def path(self) -> str:
        return f"predictions.{self.instance}.{self.field}" + (f"[{self.key}]" if self.key.isdigit() else f".{self.key}")


def _parse_id(system: str, raw: str) -> ItemKey:
    parts = raw.split("|")
    if len(parts) != 4 or parts[0] != system or parts[1] not in load_instances() or parts[2] not in FIELDS:
        raise ValueError(f"id {raw!r} is not {system}|instance|field|key")
    return ItemKey(parts[1], parts[2], parts[3])


def load_manifest(directory: Path = JUDGMENTS_DIR) -> Manifest:
    """Read ``MANIFEST.json``.

    Raises:
        InputError: missing or malformed.
    """
    path = directory / "MANIFEST.json"
    try:
        return Manifest.model_validate_json(read_capped(path))
    except OSError as error:
        raise InputError([Problem(str(path), f"cannot read: {error.strerror or error}")]) from None
    except ValidationError as error:
        first = error.errors()[0]
        raise InputError([Problem(str(path), f"{'.'.join(map(str, first['loc']))}: {first['msg']}")]) from None


def load_judgments(system: str, annotator: str, directory: Path = JUDGMENTS_DIR) -> dict[ItemKey, Judgment]:
    """One annotator's labels of one system, by item.

    Raises:
        InputError: every malformed line, with its line number.
    """
    path = directory / "labels" / annotator / f"{system}.jsonl"
    try:
        lines = read_capped(path).decode("utf-8").splitlines()
    except (OSError, UnicodeDecodeError) as error:
        raise InputError([Problem(str(path), f"cannot read: {getattr(error, 'strerror', None) or error}")]) from None
    judged: dict[ItemKey, Judgment] = {}
    problems = []
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            judgment = Judgment.model_validate_json(line)
            judged[_parse_id(system, judgment.id)] = judgment
        except ValidationError as error:
            first = error.errors()[0]
            problems.append(Problem(f"{path}:{number}", f"{'.'.join(map(str, first['loc'])) or 'line'}: {first['msg']}"))
        except ValueError as error:
            problems.append(Problem(f"{path}:{number}", str(error)))
    if problems:
        raise InputError(problems)
    return judged


# --- Credit: the annotator's, made one-to-one like the scorer's ---------------------


def _max_matching(edges: Mapping[str, Sequence[int]], preferred: Mapping[str, int | None]) -> dict[str, int]:
    """A maximum matching of items to gold positions; among those, one that keeps the most ``preferred`` pairs.

    Which of two duplicate items takes a gold item is arbitrary, so the
    comparison keeps the scorer's choice wherever the annotator allows it.
    """
    from scipy.optimize import linear_sum_assignment

    import numpy as np

    items = list(edges)
    golds = sorted({g for matches in edges.values() for g in matches})
    if not items or not golds:
        return {}
    weight = np.zeros((len(items), len(golds)))
    for i, item in enumerate(items):
        for g in edges[item]:
            weight[i, golds.index(g)] = len(items) + 1 + (preferred.get(item) == g)
    rows, columns = linear_sum_assignment(weight, maximize=True)
    return {items[i]: golds[j] for i, j in zip(rows, columns) if weight[i, j] > 0}


def annotator_credit(judged: Mapping[ItemKey, Judgment], preferred: Mapping[str, int | None] | None = None) -> dict[ItemKey, int | None]:
    """Each list item's gold position after one-to-one matching (None: no credit); venue/time components 0 or None.

    ``preferred`` (item path -> gold position) breaks ties between equally large matchings.
    """
    preferred = preferred or {}
    credit: dict[ItemKey, int | None] = {}
    groups: dict[tuple[str, str], dict[str, Sequence[int]]] = {}
    for key, judgment in judged.items():
        if key.field in ("venue", "time"):
            credit[key] = 0 if 0 in judgment.gold_matches else None
        else:
            groups.setdefault((key.instance, key.field), {})[key.key] = judgment.gold_matches
    for (instance, field), edges in groups.items():
        keys = {item: ItemKey(instance, field, item) for item in edges}
        matched = _max_matching(edges, {item: preferred.get(key.path) for item, key in keys.items()})
        for item, key in keys.items():
            credit[key] = matched.get(item)
    return credit


def annotator_counts(credit: Mapping[ItemKey, int | None]) -> dict[str, dict[str, Counts]]:
    """MUC counts per instance and field from an annotator's one-to-one credit, as the scorer counts them."""
    instances = load_instances()
    counts: dict[str, dict[str, Counts]] = {}
    for instance_id, instance in instances.items():
        gold = instance.gold
        per_field = {}
        for field in FIELDS:
            keys = [k for k in credit if k.instance == instance_id and k.field == field]
            if field in ("venue", "time"):
                components = VENUE_COMPONENTS if field == "venue" else TIME_COMPONENTS
                slot = getattr(gold, field)
                total = Counts()
                for component in components:
                    expected = getattr(slot, component) if slot else None
                    predicted = next((k for k in keys if k.key == component), None)
                    if predicted is None:
                        total += Counts(missing=1) if expected is not None else Counts()
                    elif expected is None:
                        total += Counts(spurious=1)
                    else:
                        total += Counts(correct=1) if credit[predicted] is not None else Counts(incorrect=1)
                per_field[field] = total
            else:
                correct = sum(credit[k] is not None for k in keys)
                per_field[field] = Counts(correct=correct, missing=len(getattr(gold, field)) - correct, spurious=len(keys) - correct)
        counts[instance_id] = per_field
    return counts


# --- The scorer's side, read from its results --------------------------------------


def scorer_view(results: Results) -> tuple[dict[str, int | None], dict[str, str]]:
    """From scoring results: each predicted item's credited gold position (None: none) and its consistency label, by path."""
    instances = load_instances()
    credit: dict[str, int | None] = {}
    labels: dict[str, str] = {}
    for entry in results.items:
        if entry.verdict == "missing":
            continue
        path = entry.path
        labels[path] = entry.consistency.label
        if entry.verdict != "correct":
            credit[path] = None
        elif entry.field in ("venue", "time"):
            credit[path] = 0
        else:
            gold = getattr(instances[entry.instance].gold, entry.field)
            key = "name" if entry.field == "attendees" else "text"
            credit[path] = next(j for j, g in enumerate(gold) if getattr(g, key) == entry.gold[key])
    return credit, labels


@dataclass(frozen=True)
class SystemReport:
    """The meta-evaluation of one system (module docstring)."""

    system: str
    part: Part
    style: str
    items: int
    free_text_items: int
    credit_agreement: float
    credit_agreement_free_text: float
    credit_agreement_slots: float
    tpr: float | None
    tnr: float | None
    tpr_free_text: float | None
    tnr_free_text: float | None
    free_text_counts: tuple[int, int, int, int, int]
    """Demands and stakes: (credit agreements, annotator-supported, of those scorer-supported, annotator-not-supported, of those scorer-not-supported)."""
    faithfulness_scorer: float
    faithfulness_annotator: float
    false_contradictions: int
    overall_scorer: float
    overall_annotator: float
    disagreements: tuple[dict, ...]


def _rate(hits: int, total: int) -> float | None:
    return hits / total if total else None


def compare(system: str, entry: SystemEntry, results: Results, judged: Mapping[ItemKey, Judgment]) -> SystemReport:
    """Compare a system's scoring results with its reference annotator's judgments."""
    scorer_credit, scorer_labels = scorer_view(results)
    human_credit = annotator_credit(judged, scorer_credit)
    missing = sorted(set(scorer_labels) ^ {k.path for k in judged})
    if missing:
        raise InputError([Problem(system, f"labels and predictions differ on {len(missing)} items, e.g. {missing[0]}")])
    agree = {"all": [], "free": [], "slots": []}
    supported = {"all": [], "free": []}
    disagreements = []
    reasons = {item.path: item.consistency.reason for item in results.items if item.consistency is not None}
    false_contradictions = 0
    for key, judgment in judged.items():
        path = key.path
        ours, theirs = scorer_credit[path], human_credit[key]
        same = (ours is None and theirs is None) or (ours is not None and theirs is not None and ours in judgment.gold_matches)
        free = key.field in FREE_TEXT
        agree["all"].append(same)
        agree["free" if free else "slots"].append(same)
        human_supported = judgment.label == "supported"
        scorer_supported = scorer_labels[path] == "supported"
        supported["all"].append((human_supported, scorer_supported))
        if free:
            supported["free"].append((human_supported, scorer_supported))
        contradicted = scorer_labels[path] == "contradicted" and judgment.label != "contradicted"
        false_contradictions += contradicted
        if not same or human_supported != scorer_supported or contradicted:
            disagreements.append(
                {
                    "path": path,
                    "credit": {"scorer": ours, "annotator": theirs, "annotator_matches": judgment.gold_matches},
                    "label": {"scorer": scorer_labels[path], "annotator": judgment.label},
                    "annotator_reason": judgment.reason,
                    "scorer_reason": reasons[path],
                }
            )

    def tpr(pairs):
        return _rate(sum(s for h, s in pairs if h), sum(h for h, _ in pairs))

    def tnr(pairs):
        return _rate(sum(not s for h, s in pairs if not h), sum(not h for h, _ in pairs))

    total = len(judged)
    return SystemReport(
        system=system,
        part=entry.part,
        style=entry.style,
        items=total,
        free_text_items=len(agree["free"]),
        credit_agreement=sum(agree["all"]) / total,
        credit_agreement_free_text=_rate(sum(agree["free"]), len(agree["free"])) or 0.0,
        credit_agreement_slots=_rate(sum(agree["slots"]), len(agree["slots"])) or 0.0,
        tpr=tpr(supported["all"]),
        tnr=tnr(supported["all"]),
        tpr_free_text=tpr(supported["free"]),
        tnr_free_text=tnr(supported["free"]),
        free_text_counts=(
            sum(agree["free"]),
            sum(h for h, _ in supported["free"]),
            sum(h and s for h, s in supported["free"]),
            sum(not h for h, _ in supported["free"]),
            sum(not h and not s for h, s in supported["free"]),
        ),
        faithfulness_scorer=100 * sum(s for _, s in supported["all"]) / total,
        faithfulness_annotator=100 * sum(h for h, _ in supported["all"]) / total,
        false_contradictions=false_contradictions,
        overall_scorer=float(results.scores.overall),
        overall_annotator=percent(overall_score(annotator_counts(human_credit))) or 0.0,
        disagreements=tuple(disagreements),
    )


@dataclass(frozen=True)
class AnnotatorAgreement:
    """Two annotators on one system: agreement on credit (one-to-one, as above) and on labels."""

    system: str
    annotators: tuple[str, str]
    items: int
    credit: float
    label: float
    supported_vs_not: float


def annotator_agreement(system: str, first: str, second: str, directory: Path = JUDGMENTS_DIR) -> AnnotatorAgreement:
    a, b = load_judgments(system, first, directory), load_judgments(system, second, directory)
    if set(a) != set(b):
        raise InputError([Problem(system, f"{first} and {second} labelled different items")])
    credit_a = annotator_credit(a)
    credit_b = annotator_credit(b, {key.path: position for key, position in credit_a.items()})
    n = len(a)
    return AnnotatorAgreement(
        system,
        (first, second),
        n,
        credit=sum((credit_a[k] is None) == (credit_b[k] is None) and (credit_a[k] is None or credit_a[k] in b[k].gold_matches) for k in a) / n,
        label=sum(a[k].label == b[k].label for k in a) / n,
        supported_vs_not=sum((a[k].label == "supported") == (b[k].label == "supported") for k in a) / n,
    )


def _load_systems(manifest: Manifest, directory: Path):
    from benchmark.submission import load_submission

    return {name: load_submission(directory / "systems" / f"{name}.json") for name in manifest.systems}


def meta_evaluate(*, config: ScoringConfig, directory: Path = JUDGMENTS_DIR, parts: Sequence[Part] = ("dev", "held-out")) -> dict:
    """Score every labelled system of the chosen parts and compare it with its reference annotator.

    Returns:
        ``{"systems": [SystemReport, ...], "agreement": [AnnotatorAgreement, ...]}``.

    Raises:
        InputError: the labelled set is missing or malformed.
    """
    from scorers.results import score_submissions

    manifest = load_manifest(directory)
    chosen = {name: entry for name, entry in manifest.systems.items() if entry.part in parts}
    loaded = _load_systems(Manifest(systems=chosen), directory)
    names = list(chosen)
    reports = []
    for name, results in zip(names, score_submissions([loaded[n] for n in names], config=config)):
        entry = chosen[name]
        reports.append(compare(name, entry, results, load_judgments(name, entry.annotators[0], directory)))
    agreement = [
        annotator_agreement(name, entry.annotators[0], entry.annotators[1], directory) for name, entry in chosen.items() if len(entry.annotators) > 1
    ]
    return {"systems": reports, "agreement": agreement}


# --- Choosing the thresholds on the dev part -----------------------------------------


@dataclass(frozen=True)
class ThresholdChoice:
    """One setting of the claim-matching core and what it gives on the dev part."""

    config: ClaimMatchConfig
    worst_credit: float
    worst_tpr: float
    tnr: float
    false_contradictions: int
    objective: float


MATCH_THRESHOLDS = tuple(round(0.52 + 0.02 * step, 2) for step in range(7))
CREDIT_MARGINS = (0.015, 0.03, 0.06, 0.1)
OPPOSITE_MARGINS = (0.0, 0.03)


def _pooled(reports: Sequence[SystemReport]) -> tuple[float, float, float, int]:
    """Demands and stakes of all the reports pooled: credit agreement, TPR, TNR, and the number of annotator-not-supported items."""
    agree, positives, true_positives, negatives, true_negatives = (sum(c) for c in zip(*(r.free_text_counts for r in reports)))
    items = sum(r.free_text_items for r in reports)
    return agree / items, true_positives / positives, (true_negatives / negatives if negatives else 1.0), negatives


def _objective(reports: Sequence[SystemReport]) -> float:
    """What the choice maximises, on demands and stakes: the mean of the worst system's credit agreement, the worst system's TPR and the pooled TNR, less false contradictions.

    Credit and TPR rest on 60 or more items per system, so the worst system
    is the target (the issue's targets are per system). TNR rests on a
    handful of items per system (three unsupported items move a system's TNR
    by a third each), so it is pooled over the dev systems. Each false
    contradiction costs as much as one item of disagreement.
    """
    _, _, tnr, _ = _pooled(reports)
    worst_credit = min(r.credit_agreement_free_text for r in reports)
    worst_tpr = min(r.tpr_free_text or 0.0 for r in reports)
    items = sum(r.free_text_items for r in reports)
    return (worst_credit + worst_tpr + tnr) / 3 - sum(r.false_contradictions for r in reports) / items


def choose_thresholds(*, directory: Path = JUDGMENTS_DIR) -> tuple[list[ThresholdChoice], ThresholdChoice]:
    """Try every setting of the grid on the dev part only; return them best first, and the one chosen.

    The chosen setting is the one of highest match threshold (the least
    credit for text that only resembles a fact), then smallest margins,
    among those whose objective is within one item of the best: within
    ``1 / (3 n)``, where n is the smallest of the counts the three rates
    rest on (one item moves that rate by ``1 / n``). Differences smaller
    than that are noise of the labelled set, not evidence.
    """
    choices = []
    smallest = 0
    for threshold, credit_margin, opposite_margin in itertools.product(MATCH_THRESHOLDS, CREDIT_MARGINS, OPPOSITE_MARGINS):
        claims = ClaimMatchConfig(match_threshold=threshold, credit_margin=credit_margin, opposite_margin=opposite_margin)
        reports = meta_evaluate(config=ScoringConfig(claims=claims), directory=directory, parts=("dev",))["systems"]
        _, _, tnr, negatives = _pooled(reports)
        smallest = min(negatives, *(r.free_text_counts[1] for r in reports), *(r.free_text_items for r in reports))
        choices.append(
            ThresholdChoice(
                claims,
                worst_credit=min(r.credit_agreement_free_text for r in reports),
                worst_tpr=min(r.tpr_free_text or 0.0 for r in reports),
                tnr=tnr,
                false_contradictions=sum(r.false_contradictions for r in reports),
                objective=_objective(reports),
            )
        )
    choices.sort(key=lambda c: -c.objective)
    tolerance = 1 / (3 * smallest) if smallest else 0.0
    near_best = [c for c in choices if c.objective >= choices[0].objective - tolerance]
    chosen = min(near_best, key=lambda c: (-c.config.match_threshold, c.config.credit_margin, c.config.opposite_margin))
    return choices, chosen
