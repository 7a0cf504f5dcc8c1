"""The report page of one submission's results: ``bench score --html`` and every system's page of the site.

One self-contained HTML file: the score tables, then per instance the
source article(s) with every evidence sentence highlighted, and per field
the gold and predicted items side by side as the scorer aligned them. An
item is one row (``tr.item``): a correct or incorrect item holds its gold
and its prediction, a spurious one only the prediction, a missing one only
the gold. Each row carries ``data-path`` (the item's path in the results
JSON), ``data-verdict``, ``data-field``, and for predicted items
``data-consistency``; the filters select on these, and so can any script.

Evidence is linked both ways: a highlighted sentence is followed by links
to the rows it bears on (the gold evidence quotes of a gold item, the
sentences the consistency check quoted for a predicted item), and each row
links to its highlighted sentences.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from benchmark.data import load_instances
from benchmark.leaderboard import FIELD_TITLES, score_text
from benchmark.schema import FIELDS, INSTANCE_IDS, GoldSummary
from benchmark.web.html import isolated, link, page, text
from scorers.results_schema import ItemResult, Results

VERDICTS = ("correct", "incorrect", "spurious", "missing")
CONSISTENCY_FILTERS = ("supported", "unsupported", "contradicted", "none")
"""The consistency filter's choices; "none" selects missing gold items, which have no consistency label."""

# predictions.003.attendees[2], gold.003.demands[4], predictions.003.venue.city
ITEM_PATH = re.compile(r"(?:predictions|gold)\.(?P<instance>[^.\[]+)\.(?P<field>[a-z_]+)(?:\[(?P<index>\d+)\]|\.(?P<slot>[a-z_]+))?")


def value_text(value: object) -> str:
    """An item's value as one line of plain text: "name · role · country", "party: text", a slot's string."""
    if value is None:
        return ""
    if isinstance(value, dict):
        if set(value) <= {"party", "text"}:
            party, claim = value.get("party"), value.get("text")
            return f"{party}: {claim}" if party else str(claim or "")
        return " · ".join(str(part) for part in value.values() if part is not None)
    return str(value)


def item_label(item: ItemResult) -> str:
    """The short name of an item within its instance: "demands[0]", "venue.city", "gold demands[4]"."""
    side, _, rest = item.path.partition(".")
    tail = rest.partition(".")[2] or item.path
    return f"gold {tail}" if side == "gold" else tail


def gold_evidence(item: ItemResult, gold: GoldSummary) -> list[tuple[str, str]]:
    """The (article, quote) pairs of the gold item ``item`` was aligned with; none for a spurious item."""
    match = ITEM_PATH.fullmatch(item.path)
    if item.gold is None or match is None:
        return []
    if item.field in ("venue", "time"):
        slots = getattr(gold, item.field)
        slot = match.group("slot")
        if slots is None or slot is None:
            return []
        return [(e.article, e.quote) for e in getattr(slots.evidence, slot, [])]
    entries = getattr(gold, item.field)
    if match.group("index") is not None and item.path.startswith("gold."):
        index = int(match.group("index"))
        return [(e.article, e.quote) for e in entries[index].evidence] if index < len(entries) else []
    if isinstance(item.gold, dict):
        for entry in entries:
            if entry.model_dump(include=set(item.gold)) == item.gold:
                return [(e.article, e.quote) for e in entry.evidence]
    return []


@dataclass(frozen=True)
class _Span:
    """A passage of an article that is evidence for a row: ``kind`` "gold" or "pred"."""

    article: str
    start: int
    end: int
    kind: str
    row: int


@dataclass
class _Instance:
    """What one instance's section shows: its rows (item index, item) and the highlighted passages."""

    rows: list[tuple[int, ItemResult]]
    spans: list[_Span]


def _collect(results: Results) -> dict[str, _Instance]:
    sections = {instance: _Instance([], []) for instance in INSTANCE_IDS}
    instances = load_instances()  # read and validated once per process, however many pages
    texts = {instance: {a.id: a.text for a in instances[instance].sources} for instance in INSTANCE_IDS}
    golds = {instance: instances[instance].gold for instance in INSTANCE_IDS}
    for number, item in enumerate(results.items):
        section = sections.get(item.instance)
        if section is None:
            continue
        section.rows.append((number, item))
        quotes = [(article, quote, "gold") for article, quote in gold_evidence(item, golds[item.instance])]
        if item.consistency is not None:
            quotes += [(e.article, e.sentence, "pred") for e in item.consistency.evidence]
        for article, quote, kind in quotes:
            start = texts[item.instance].get(article, "").find(quote)
            if start >= 0 and quote:
                section.spans.append(_Span(article, start, start + len(quote), kind, number))
    return sections


def _article_html(instance: str, article_id: str, article: str, spans: list[_Span], labels: dict[int, str], anchors: dict[_Span, str]) -> str:
    """The article's text with its evidence passages marked; each passage ends with links to its rows."""
    cuts = sorted({0, len(article), *(s.start for s in spans), *(s.end for s in spans)})
    parts = []
    for start, end in zip(cuts, cuts[1:]):
        covering = [s for s in spans if s.start <= start and s.end >= end]
        piece = text(article[start:end])
        if not covering:
            parts.append(piece)
            continue
        anchor = f"e-{instance}-{article_id}-{start}"
        for span in covering:
            anchors.setdefault(span, anchor)
        kinds = " ".join(sorted({s.kind for s in covering}))
        rows = " ".join(str(r) for r in sorted({s.row for s in covering}))
        parts.append(f'<mark id="{anchor}" class="{kinds}" data-rows="{rows}">{piece}</mark>')
        ending = sorted({s.row for s in covering if s.end == end})
        if ending:
            parts.append("<sup>" + "".join(f'<a href="#i{r}">{text(labels[r])}</a>' for r in ending) + "</sup>")
    return "".join(parts)


def _score_tables(results: Results) -> str:
    scores = results.scores
    head = "".join(f'<th class="num">{FIELD_TITLES[f]} F1</th>' for f in FIELDS)
    rows = []
    for instance, score in scores.instances.items():
        cells = "".join(f'<td class="num">{score_text(score.fields[f].f1)}</td>' for f in FIELDS)
        rows.append(f'<tr><th><a href="#instance-{text(instance)}">{text(instance)}</a></th><td class="num">{score_text(score.overall)}</td>{cells}</tr>')
    micro = "".join(f'<td class="num">{score_text(scores.fields[f].f1)}</td>' for f in FIELDS)
    rows.append(f'<tr><th>all (fields micro)</th><td class="num">{score_text(scores.overall)}</td>{micro}</tr>')
    by_instance = f'<table id="score-table"><thead><tr><th>Instance</th><th class="num">Overall</th>{head}</tr></thead><tbody>{"".join(rows)}</tbody></table>'
    field_rows = []
    for field in FIELDS:
        s = scores.fields[field]
        tally = scores.consistency.fields.get(field)
        faithful = score_text(tally.supported_rate) if tally else "n/a"
        field_rows.append(
            f'<tr><th>{FIELD_TITLES[field]}</th><td class="num">{score_text(s.precision)}</td><td class="num">{score_text(s.recall)}</td>'
            f'<td class="num">{score_text(s.f1)}</td><td class="num">{s.correct}</td><td class="num">{s.incorrect}</td>'
            f'<td class="num">{s.missing}</td><td class="num">{s.spurious}</td><td class="num">{faithful}</td></tr>'
        )
    c = scores.consistency
    field_rows.append(
        f'<tr><th>all</th><td colspan="7"></td><td class="num">{score_text(c.supported_rate)}'
        f" ({c.supported} supported, {c.unsupported} unsupported, {c.contradicted} contradicted)</td></tr>"
    )
    by_field = (
        '<table id="field-table"><thead><tr><th>Field</th><th class="num">Precision</th><th class="num">Recall</th><th class="num">F1</th>'
        '<th class="num">Correct</th><th class="num">Incorrect</th><th class="num">Missing</th><th class="num">Spurious</th>'
        f'<th class="num">Faithfulness</th></tr></thead><tbody>{"".join(field_rows)}</tbody></table>'
    )
    return by_instance + by_field


def _details_html(item: ItemResult) -> str:
    parts = []
    if item.similarity is not None:
        parts.append(f"similarity {item.similarity:.4f}")
    details = item.details.model_dump(exclude_none=True)
    fact = details.pop("fact", None)
    reason = details.pop("reason", None)
    parts += [f"{text(key.replace('_', ' '))}: {isolated(str(value))}" for key, value in details.items()]
    if fact:
        parts.append(f"read as fact {isolated(fact['id'])} ({fact['similarity']:.4f}): {isolated(fact['quote'])}")
    if reason:
        parts.append(f"reason: {isolated(reason)}")
    return "<br>".join(parts)


def _evidence_links(number: int, spans: Iterable[_Span], anchors: dict[_Span, str], kind: str) -> str:
    found = sorted({anchors[s] for s in spans if s.row == number and s.kind == kind and s in anchors})
    return " ".join(f'<a href="#{a}">{text(a.split("-")[2])}</a>' for a in found)


def _row_html(number: int, item: ItemResult, spans: list[_Span], anchors: dict[_Span, str]) -> str:
    attributes = f'id="i{number}" class="item" data-path="{text(item.path)}" data-verdict="{item.verdict}" data-field="{item.field}"'
    if item.consistency is not None:
        attributes += f' data-consistency="{item.consistency.label}"'
    gold = isolated(value_text(item.gold)) if item.gold is not None else '<span class="empty">—</span>'
    predicted = isolated(value_text(item.value)) if item.value is not None else '<span class="empty">—</span>'
    gold_links = _evidence_links(number, spans, anchors, "gold")
    if gold_links:
        gold += f'<div class="details">evidence: {gold_links}</div>'
    verdict = f'<span class="label v-{item.verdict}">{item.verdict}</span><div class="details">{_details_html(item)}</div>'
    if item.consistency is None:
        consistency = '<span class="empty">— (nothing predicted)</span>'
    else:
        c = item.consistency
        links = _evidence_links(number, spans, anchors, "pred")
        consistency = (
            f'<span class="label c-{c.label}">{c.label}</span> ({c.score:.4f})<div class="details">{isolated(c.reason)}'
            + (f"<br>evidence: {links}" if links else "")
            + "</div>"
        )
    return (
        f'<tr {attributes}><td class="path"><code>{text(item_label(item))}</code></td><td>{gold}</td><td>{predicted}</td>'
        f"<td>{verdict}</td><td>{consistency}</td></tr>"
    )


def _instance_html(instance: str, section: _Instance, labels: dict[int, str]) -> str:
    anchors: dict[_Span, str] = {}
    articles = []
    for article in load_instances()[instance].sources:
        spans = [s for s in section.spans if s.article == article.id]
        body = _article_html(instance, article.id, article.text, spans, labels, anchors)
        articles.append(
            f'<details class="source" open><summary>Article {text(article.id)} ({text(article.filename)})</summary>'
            f'<div class="article">{body}</div></details>'
        )
    tables = []
    for field in FIELDS:
        rows = [_row_html(n, item, section.spans, anchors) for n, item in section.rows if item.field == field]
        body = "".join(rows) or '<tr class="none"><td colspan="5" class="empty">no items</td></tr>'
        tables.append(
            f'<h3>{FIELD_TITLES[field]}</h3><table class="field" data-field="{field}"><thead><tr><th>Item</th><th>Gold</th><th>Predicted</th>'
            f"<th>Verdict</th><th>Consistency with the sources</th></tr></thead><tbody>{body}</tbody></table>"
        )
    return f'<section class="instance" id="instance-{text(instance)}"><h2>Instance {text(instance)}</h2>{"".join(articles)}{"".join(tables)}</section>'


def _select(name: str, title: str, choices: Iterable[str]) -> str:
    options = "".join(f'<option value="{text(c)}">{text(c)}</option>' for c in choices)
    return f'<label>{title} <select id="filter-{name}" data-filter="{name}"><option value="">all</option>{options}</select></label>'


SCRIPT = """
(function () {
  "use strict";
  var selects = Array.prototype.slice.call(document.querySelectorAll("select[data-filter]"));
  var rows = Array.prototype.slice.call(document.querySelectorAll("tr.item"));
  var counter = document.getElementById("shown");
  function apply() {
    var wanted = {};
    selects.forEach(function (s) { wanted[s.dataset.filter] = s.value; });
    var shown = 0;
    rows.forEach(function (row) {
      var consistency = row.dataset.consistency || "none";
      var ok = (!wanted.field || row.dataset.field === wanted.field) &&
        (!wanted.verdict || row.dataset.verdict === wanted.verdict) &&
        (!wanted.consistency || consistency === wanted.consistency);
      row.hidden = !ok;
      if (ok) { shown += 1; }
    });
    document.querySelectorAll("table.field").forEach(function (table) {
      var visible = table.querySelector("tr.item:not([hidden])") !== null;
      var filtered = selects.some(function (s) { return s.value !== ""; });
      table.hidden = filtered && !visible;
      if (table.previousElementSibling) { table.previousElementSibling.hidden = table.hidden; }
    });
    counter.textContent = shown + " of " + rows.length + " items shown";
  }
  selects.forEach(function (s) { s.addEventListener("change", apply); });
  apply();
}());
"""


def render_report(results: Results, *, home: str | None = None, record: str | None = None) -> bytes:
    """The report page of ``results`` as deterministic UTF-8 bytes.

    Args:
        results: a submission's full results (with items).
        home: a relative link back to the board (the site's pages), or none (``bench score --html``).
        record: what the page was rendered from, kept in a comment (``benchmark.web.site``).
    """
    system = results.system
    sections = _collect(results)
    labels = {n: item_label(item) for n, item in enumerate(results.items)}
    about = []
    if system.model:
        about.append(f"model {isolated(system.model)}")
    if system.date:
        about.append(f"date {isolated(system.date)}")
    if system.url:
        about.append(link(system.url, isolated(system.url)))
    if system.authors:
        about.append(f"by {isolated(system.authors)}")
    nav = f'<nav><a href="{text(home)}">← the leaderboard</a></nav>' if home else ""
    description = f'<p class="meta">{isolated(system.description)}</p>' if system.description else ""
    missing = results.submission.missing_instances
    partial = f'<p class="meta">missing instances, scored empty: {text(", ".join(missing))}</p>' if missing else ""
    filters = (
        '<div class="filters" id="filters">'
        + _select("field", "Field", FIELDS)
        + _select("verdict", "Verdict", VERDICTS)
        + _select("consistency", "Consistency", CONSISTENCY_FILTERS)
        + '<output id="shown"></output></div>'
    )
    body = (
        f"{nav}<header><h1>Report: {isolated(system.name)}</h1>"
        f'<p class="meta">{" · ".join(about)}</p>{description}{partial}'
        f'<p class="signature">scorer signature: {text(results.signature.string)}</p></header>'
        f'<section id="scores"><h2>Scores</h2>{_score_tables(results)}</section>'
        f"{filters}"
        + "".join(_instance_html(instance, sections[instance], labels) for instance in INSTANCE_IDS)
    )
    # A title holds text only, no <bdi>: first-strong and pop-directional isolate characters do its work.
    return page(title=f"Report: \u2068{system.name}\u2069", body=body, script=SCRIPT, record=record)
