"""Rendering: the text report of a submission's results and of the meta-evaluation.

Nothing here computes a score: it reads typed results
(``scorers.results_schema.Results``) and the meta-evaluation's report, and
writes what a person reads. ``item_cost`` recomputes the overall score from
the stored counts to say what each lost item cost.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from fractions import Fraction
from typing import Any

from benchmark.schema import FIELDS
from scorers.aggregate import field_counts, overall_score
from scorers.base import Counts
from scorers.results_schema import AgreementRate, ItemResult, LabelTally, MeanSimilarity, Results

# --- Explaining the score: what each lost point cost -------------------------


def item_cost(results: Results, item: ItemResult) -> float:
    """How many overall points (0-100) an item's verdict costs.

    The overall score is recomputed from the counts as if this one item had
    been right (a missing or incorrect item correct, a spurious one left
    out); the cost is the difference. Correct items cost nothing.
    """
    verdict = item.verdict
    if verdict == "correct":
        return 0.0
    instances = results.scores.instances
    counts = {i: {f: field_counts(entry) for f, entry in report.fields.items()} for i, report in instances.items()}
    before = overall_score(counts) or Fraction(0)
    current = counts[item.instance][item.field]
    fixed = {
        "missing": Counts(current.correct + 1, current.incorrect, current.missing - 1, current.spurious),
        "incorrect": Counts(current.correct + 1, current.incorrect - 1, current.missing, current.spurious),
        "spurious": Counts(current.correct, current.incorrect, current.missing, current.spurious - 1),
    }[verdict]
    counts[item.instance] = {**counts[item.instance], item.field: fixed}
    after = overall_score(counts) or Fraction(0)
    return float((after - before) * 100)


def _short(value: Any, limit: int = 70) -> str:
    if isinstance(value, Mapping):
        if "text" in value:
            text = f"{value.get('party') or '?'}: {value['text']}"
        else:
            text = str(value.get("name"))
    else:
        text = str(value)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def loss_reason(item: ItemResult) -> str:
    """One line saying why an item lost points."""
    verdict, details = item.verdict, item.details
    if verdict == "missing":
        return f"gold {_short(item.gold)!r} was not predicted"
    if verdict == "incorrect":
        return f"predicted {_short(item.value)!r}, gold has {_short(item.gold)!r}"
    reason = f"{_short(item.value)!r} is not in gold"
    if details.reason is not None:
        reason += f": {details.reason}"
    elif details.closest_similarity is not None:
        reason += f" (closest: {_short(details.closest)!r}, similarity {details.closest_similarity})"
    return reason


def biggest_losses(results: Results, limit: int = 8) -> list[dict]:
    """The items that cost the most overall points, most costly first.

    Ties are kept in results order (instance, field, submission order).

    Returns:
        Up to ``limit`` dicts with ``path``, ``verdict``, ``cost`` (points,
        rounded to 2 decimals) and ``reason``.
    """
    losses = [
        {"path": item.path, "verdict": item.verdict, "cost": round(item_cost(results, item), 2), "reason": loss_reason(item)}
        for item in results.items
        if item.verdict != "correct"
    ]
    losses.sort(key=lambda loss: -loss["cost"])
    return losses[:limit]


def _cell(value: float | None) -> str:
    return "—" if value is None else f"{value:.2f}"


def render_report(results: Results, *, losses: int = 8) -> str:
    """The results as a plain-text report: F1 per instance and field, corpus P/R/F1, the biggest losses."""
    scores = results.scores
    width = max(len(field) for field in FIELDS) + 1
    header = f"{'instance':<10}" + "".join(f"{field:>{width}}" for field in FIELDS) + f"{'overall':>{width}}"
    lines = [f"system: {results.system.name}", f"signature: {results.signature.string}", "", "F1 (0-100)", header]
    for instance_id, report in scores.instances.items():
        cells = "".join(f"{_cell(report.fields[field].f1):>{width}}" for field in FIELDS)
        lines.append(f"{instance_id:<10}{cells}{_cell(report.overall):>{width}}")
    lines.append("")
    lines.append("all instances (counts summed)")
    for measure in ("precision", "recall", "f1"):
        cells = "".join(f"{_cell(getattr(scores.fields[field], measure)):>{width}}" for field in FIELDS)
        lines.append(f"{measure:<10}{cells}")
    lines += ["", f"overall (mean of instance scores): {_cell(scores.overall)}"]
    secondary = [
        f"{name} {_cell(entry.value)} ({entry.agree}/{entry.compared})" for name, entry in scores.secondary.items() if isinstance(entry, AgreementRate)
    ]
    secondary += [
        f"{name} {'—' if entry.value is None else entry.value} over {entry.matched} matched"
        for name, entry in scores.secondary.items()
        if isinstance(entry, MeanSimilarity)
    ]
    if secondary:
        lines += ["secondary: " + "; ".join(secondary)]
    worst = biggest_losses(results, losses)
    if worst:
        lines += ["", f"biggest losses (overall points each would have earned, top {len(worst)}):"]
        lines += [f"  -{loss['cost']:.2f}  {loss['verdict']:<9} {loss['path']}: {loss['reason']}" for loss in worst]
    lines += render_consistency(results)
    return "\n".join(lines)


# --- Consistency ---------------------------------------------------------------


def render_consistency(results: Results) -> list[str]:
    """Report lines: supported rate overall and per field, then every unsupported and contradicted item with its reason and evidence."""
    summary = results.scores.consistency

    def rate(entry: LabelTally) -> str:
        return "—" if entry.supported_rate is None else f"{entry.supported_rate:.2f}"

    lines = [
        "",
        f"consistency with the sources (supported rate): {rate(summary)} "
        f"({summary.supported} supported, {summary.unsupported} unsupported, {summary.contradicted} contradicted)",
        "  by field: " + "; ".join(f"{field} {rate(entry)}" for field, entry in summary.fields.items()),
        "  by instance: " + "; ".join(f"{instance} {rate(entry)}" for instance, entry in summary.instances.items()),
    ]
    flagged = [item for item in results.items if item.consistency is not None and item.consistency.label != "supported"]
    if flagged:
        lines += ["unsupported and contradicted items:"]
        for item in flagged:
            verdict = item.consistency
            lines.append(f"  {verdict.label:<12} {item.path}: {verdict.reason}")
            lines += [f"      [{e.article}] {e.sentence}" for e in verdict.evidence[:1]]
    return lines


# --- Meta-evaluation -----------------------------------------------------------


def render_meta_evaluation(report: Mapping) -> str:
    """The per-system table (and annotator agreement) as plain text."""

    def pct(value: float | None) -> str:
        return "—" if value is None else f"{100 * value:.1f}"

    lines = [
        "Scorer against annotators, per system (credit and labels of every predicted item; d/s = demands and stakes)",
        f"{'system':<16}{'part':<10}{'items':>6}{'credit':>8}{'credit d/s':>11}{'TPR':>7}{'TNR':>7}{'TPR d/s':>9}{'TNR d/s':>9}"
        f"{'faith':>8}{'(ann.)':>8}{'false contr.':>13}{'overall':>9}{'(ann.)':>8}",
    ]
    for r in report["systems"]:
        lines.append(
            f"{r.system:<16}{r.part:<10}{r.items:>6}{pct(r.credit_agreement):>8}{pct(r.credit_agreement_free_text):>11}"
            f"{pct(r.tpr):>7}{pct(r.tnr):>7}{pct(r.tpr_free_text):>9}{pct(r.tnr_free_text):>9}"
            f"{r.faithfulness_scorer:>8.1f}{r.faithfulness_annotator:>8.1f}{r.false_contradictions:>13}{r.overall_scorer:>9.2f}{r.overall_annotator:>8.2f}"
        )
    slot_items = sum(r.items - r.free_text_items for r in report["systems"])
    slot_disagreements = sum(1 for r in report["systems"] for d in r.disagreements if not re.search(r"\.(demands|stakes)\[", d["path"]))
    if slot_items:
        lines += [
            "",
            f"attendees, venue and time, all systems: {slot_items} items, scorer and annotator disagree on {slot_disagreements}"
            " (credit or supported vs not)",
        ]
    for part in ("dev", "held-out"):
        members = [r for r in report["systems"] if r.part == part]
        if len(members) > 1:
            by_scorer = [r.system for r in sorted(members, key=lambda r: -r.overall_scorer)]
            by_annotator = [r.system for r in sorted(members, key=lambda r: -r.overall_annotator)]
            lines += ["", f"{part} ranking by the scorer:     " + " > ".join(by_scorer), f"{part} ranking by the annotators: " + " > ".join(by_annotator)]
    if report["agreement"]:
        lines += ["", "Annotator agreement (two annotators, same items)"]
        for a in report["agreement"]:
            lines.append(
                f"  {a.system}: {a.annotators[0]} vs {a.annotators[1]}, {a.items} items: credit {pct(a.credit)}%, label {pct(a.label)}%,"
                f" supported vs not {pct(a.supported_vs_not)}%"
            )
    return "\n".join(lines)


def render_disagreements(report: Mapping) -> str:
    """Every item where the scorer and the annotator disagree, with both reasons (JSON lines)."""
    return "\n".join(json.dumps({"system": r.system, **d}, ensure_ascii=False) for r in report["systems"] for d in r.disagreements)
