"""The static site beside the board: ``site/index.html``, ``site/systems/<slug>.html`` and ``site/compare.html``.

``bench leaderboard`` writes it with LEADERBOARD.md (``site_files`` is the
``derived`` files of ``benchmark.leaderboard.publish_leaderboard``) and
``bench leaderboard --check`` compares it byte for byte. Pages link to each
other by relative links only, so the folder works from file:// and from any
static host. The bytes depend only on the submissions' results, the chart
and this package's code: no timestamps.

A system's page and the comparison page need every item of the results, and
reading a hundred results files whole costs more than the rest of a warm
board. So each of these pages records in a comment the SHA-256 of what it
was rendered from (what the results are a function of: the submission's
SHA-256 and the scorer signature; and ``renderer_version``), and a plain
run renders only the pages whose record differs. The record can be forged
along with a page, so ``--check`` never trusts it: it renders every page
and compares bytes, and a file in the folder that the site does not hold (a
removed system's page) is stale.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import stat
from pathlib import Path

from benchmark.errors import InputError, Problem
from benchmark.escape import escape
from benchmark.files import read_capped, refuse_symlink
from benchmark.leaderboard import (
    MAX_RESULTS_BYTES,
    REFERENCE_SLUGS,
    RESULTS_FILE,
    STATISTICS,
    Board,
    Derived,
    Row,
    p_value_text,
    same_bytes,
    score_text,
    table_header,
)
from benchmark.schema import FIELDS, INSTANCE_IDS
from benchmark.web.html import isolated, json_data, link, page, renderer_version, svg_image, text
from benchmark.web.report import ITEM_PATH, render_report, value_text
from scorers.results_schema import Results

SITE_FOLDER = "site"
SYSTEMS_FOLDER = "systems"
INDEX_FILE = "index.html"
COMPARE_FILE = "compare.html"

_RECORD = re.compile(rb"<!-- site inputs sha256:([0-9a-f]{64}) -->")
_RECORD_HEAD_BYTES = 256


def _record(key: str) -> str:
    return f"site inputs sha256:{key}"


def _recorded_key(path: Path) -> str | None:
    """The inputs key recorded at the top of a page, if it is a regular file (not a link) that has one."""
    try:
        if not stat.S_ISREG(os.lstat(path).st_mode):
            return None
        descriptor = os.open(path, os.O_RDONLY | os.O_NONBLOCK | os.O_NOFOLLOW)
    except OSError:
        return None
    try:
        head = os.read(descriptor, _RECORD_HEAD_BYTES)
    finally:
        os.close(descriptor)
    found = _RECORD.search(head)
    return found.group(1).decode("ascii") if found else None


# --- The index ---------------------------------------------------------------------


def _sortable_score(value: float | None) -> tuple[str, str]:
    """A score as (shown text, sort key); "n/a" sorts below every number."""
    return score_text(value), "-1" if value is None else f"{value:.4f}"


def _index_row(row: Row) -> str:
    standing = row.standing
    system = standing.results.system
    scores = standing.results.scores
    rank = "ref." if row.rank is None else f"{row.rank}=" if row.tied else str(row.rank)
    name = f'<a href="{SYSTEMS_FOLDER}/{text(standing.slug)}.html">{isolated(system.name)}</a>'
    if system.url:
        name += " " + link(system.url, "(site)")
    overall, overall_key = _sortable_score(scores.overall)
    p_value = (p_value_text(row.p_value_above), "-1" if row.p_value_above is None else repr(row.p_value_above))
    numbers = [
        (rank, "0" if row.rank is None else str(row.rank)),
        None,
        None,
        (f"{overall} ({row.low:.2f}–{row.high:.2f})", overall_key),
        p_value,
        *(_sortable_score(scores.fields[field].f1) for field in FIELDS),
        _sortable_score(scores.consistency.supported_rate),
        (str(scores.consistency.contradicted), str(scores.consistency.contradicted)),
        None,
    ]
    words = {1: (name, system.name), 2: (text(standing.mark), standing.mark), len(numbers) - 1: (isolated(system.date), system.date) if system.date else ("—", "")}
    cells = []
    for position, number in enumerate(numbers):
        shown, key = number or words[position]
        cells.append(f'<td{" class=num" if number else ""} data-sort="{text(key)}">{shown}</td>')
    return "<tr>" + "".join(cells) + "</tr>"


INDEX_SCRIPT = """
(function () {
  "use strict";
  var table = document.getElementById("board");
  var body = table.tBodies[0];
  var headers = Array.prototype.slice.call(table.tHead.rows[0].cells);
  function key(row, column) { return row.cells[column].dataset.sort; }
  headers.forEach(function (header, column) {
    header.querySelector("button").addEventListener("click", function () {
      var rows = Array.prototype.slice.call(body.rows);
      var numeric = rows.every(function (row) { return key(row, column) !== "" && !isNaN(Number(key(row, column))); });
      var ascending = header.getAttribute("aria-sort") !== "ascending";
      rows.sort(function (a, b) {
        var x = key(a, column), y = key(b, column);
        var order = numeric ? Number(x) - Number(y) : (x < y ? -1 : x > y ? 1 : 0);
        return ascending ? order : -order;
      });
      headers.forEach(function (other) { other.removeAttribute("aria-sort"); });
      header.setAttribute("aria-sort", ascending ? "ascending" : "descending");
      rows.forEach(function (row) { body.appendChild(row); });
    });
  });
}());
"""


def render_index(board: Board) -> bytes:
    """The board as a page: the table (sortable by any column), the chart, links to every system's page and the comparison."""
    head = "".join(f'<th scope="col"><button type="button">{text(title)}</button></th>' for title in table_header(STATISTICS))
    rows = "".join(_index_row(row) for row in board.rows)
    references = "".join(
        f"<li><code>{text(row.standing.slug)}</code>: {text(REFERENCE_SLUGS[row.standing.slug])}</li>" for row in board.rows if row.standing.reference
    )
    body = (
        '<header><h1>Alaska Summit Bench: leaderboard</h1><p class="meta">Structured summaries of the Trump–Putin summit in Alaska, '
        "scored on six instances; scores 0–100. Click a column's title to sort by it; click a system for its report.</p>"
        f'<nav><a href="{COMPARE_FILE}">Compare two systems item by item</a></nav></header>'
        f'<table id="board"><thead><tr>{head}</tr></thead><tbody>{rows}</tbody></table>'
        f"<ul class=\"meta\">{references}</ul>"
        f'<figure class="chart">{svg_image(board.chart, "F1 per field and system")}</figure>'
        "<p class=\"meta\">Generated by <code>bench leaderboard</code> with LEADERBOARD.md, which explains every column and the statistics.</p>"
    )
    return page(title="Alaska Summit Bench: leaderboard", body=body, script=INDEX_SCRIPT)


# --- The comparison ---------------------------------------------------------------------


def _alignment_key(item) -> tuple[str, str, str, str]:
    """What an item is compared on, as (instance, field, kind, which): its slot (venue, time), the gold item it was aligned with, or itself (a spurious item)."""
    match = ITEM_PATH.fullmatch(item.path)
    slot = match.group("slot") if match else None
    if slot:
        return (item.instance, item.field, "slot", slot)
    if item.gold is not None:
        return (item.instance, item.field, "gold", json.dumps(item.gold, sort_keys=True, ensure_ascii=False))
    return (item.instance, item.field, "spurious", item.path)


def compare_data(all_results: list[tuple[str, Results]]) -> dict:
    """The comparison page's data: the rows (instance, field, gold text) in page order, and each system's items by row.

    A row is ``[instance, field (with the slot: "venue.city"), gold text]``:
    one slot, one gold item, or one spurious item of one system;
    each system's item on a row is ``[path, verdict, value text, consistency label or null]``.
    """
    rows: dict[tuple[str, str, str, str], list[str]] = {}
    systems = []
    for slug, results in all_results:
        items: dict[tuple[str, str, str, str], list] = {}
        for item in results.items:
            key = _alignment_key(item)
            instance, field, kind, which = key
            rows.setdefault(key, [instance, f"{field}.{which}" if kind == "slot" else field, value_text(item.gold)])
            label = item.consistency.label if item.consistency else None
            items.setdefault(key, [item.path, item.verdict, value_text(item.value), label])
        systems.append({"slug": slug, "name": results.system.name, "items": items})
    first_seen = {key: index for index, key in enumerate(rows)}

    def place(key: tuple[str, str, str, str]) -> tuple:
        instance, field, kind, _ = key
        instance_place = INSTANCE_IDS.index(instance) if instance in INSTANCE_IDS else len(INSTANCE_IDS)
        return (instance_place, FIELDS.index(field), kind == "spurious", first_seen[key])

    order = sorted(rows, key=place)
    position = {key: index for index, key in enumerate(order)}
    return {
        "rows": [rows[key] for key in order],
        "systems": [{**s, "items": {str(position[k]): v for k, v in s["items"].items()}} for s in systems],
    }


COMPARE_SCRIPT = """
(function () {
  "use strict";
  var data = JSON.parse(document.getElementById("compare-data").textContent);
  var selects = [document.getElementById("system-a"), document.getElementById("system-b")];
  var body = document.getElementById("compare").tBodies[0];
  var heads = [document.getElementById("head-a"), document.getElementById("head-b")];
  function isolate(value) {
    var element = document.createElement("bdi");
    element.textContent = value;
    return element;
  }
  function cell(content) {
    var td = document.createElement("td");
    if (content !== null) { td.appendChild(content); }
    return td;
  }
  function itemCell(item) {
    var td = document.createElement("td");
    if (!item) { td.className = "empty"; td.textContent = "—"; return td; }
    td.className = "item";
    td.dataset.path = item[0];
    td.dataset.verdict = item[1];
    if (item[3] !== null) { td.dataset.consistency = item[3]; }
    if (item[2] !== "") { td.appendChild(isolate(item[2])); td.appendChild(document.createElement("br")); }
    var verdict = document.createElement("span");
    verdict.className = "label v-" + item[1];
    verdict.textContent = item[1];
    td.appendChild(verdict);
    if (item[3] !== null) {
      var label = document.createElement("span");
      label.className = "label c-" + item[3];
      label.textContent = " · " + item[3];
      td.appendChild(label);
    }
    return td;
  }
  data.systems.forEach(function (system, index) {
    selects.forEach(function (select) {
      var option = document.createElement("option");
      option.value = String(index);
      option.textContent = "\\u2068" + system.name + "\\u2069 (" + system.slug + ")";
      select.appendChild(option);
    });
  });
  selects[1].value = data.systems.length > 1 ? "1" : "0";
  function render() {
    var chosen = selects.map(function (select) { return data.systems[Number(select.value)]; });
    chosen.forEach(function (system, side) { heads[side].replaceChildren(isolate(system.name)); });
    var rows = [];
    data.rows.forEach(function (row, index) {
      var items = chosen.map(function (system) { return system.items[String(index)]; });
      if (!items[0] && !items[1]) { return; }
      var tr = document.createElement("tr");
      tr.appendChild(cell(document.createTextNode(row[0])));
      tr.appendChild(cell(document.createTextNode(row[1])));
      tr.appendChild(cell(row[2] === "" ? null : isolate(row[2])));
      items.forEach(function (item) { tr.appendChild(itemCell(item)); });
      rows.push(tr);
    });
    body.replaceChildren.apply(body, rows);
  }
  selects.forEach(function (select) { select.addEventListener("change", render); });
  render();
}());
"""


def render_compare(all_results: list[tuple[str, Results]], *, record: str | None = None) -> bytes:
    """The comparison page: two systems chosen from lists, item by item, aligned on the gold (drawn by its script)."""
    body = (
        '<nav><a href="index.html">← the leaderboard</a></nav><header><h1>Compare two systems</h1>'
        '<p class="meta">Each row is one gold item, one venue or time slot, or one spurious item; a system\'s cell shows what it predicted there, '
        "the verdict and the consistency label.</p></header>"
        '<div class="filters"><label>System A <select id="system-a"></select></label><label>System B <select id="system-b"></select></label></div>'
        '<table id="compare"><thead><tr><th>Instance</th><th>Field</th><th>Gold</th><th id="head-a">A</th><th id="head-b">B</th></tr></thead>'
        "<tbody></tbody></table>" + json_data("compare-data", compare_data(all_results))
    )
    return page(title="Alaska Summit Bench: compare two systems", body=body, script=COMPARE_SCRIPT, record=record)


# --- The folder ---------------------------------------------------------------------


def _existing_files(site: Path) -> list[Path]:
    """Every file or link under ``site`` (links are listed, never followed)."""
    found = []
    for folder, folders, files in os.walk(site):
        found += [Path(folder) / name for name in files]
        found += [Path(folder) / name for name in folders if (Path(folder) / name).is_symlink()]
    return sorted(found)


def site_files(submissions_dir: Path, output_dir: Path, *, render_all: bool) -> Derived:
    """The site's files for a board: the ``derived`` files of ``publish_leaderboard`` and ``stale_board_files``.

    Args:
        submissions_dir: where each system's ``results.json`` is.
        output_dir: the folder of LEADERBOARD.md; the site is its ``site/``.
        render_all: render every page (``--check``); otherwise a page whose
            recorded inputs are unchanged is left out (not rewritten), and
            the index is given only when its bytes changed.

    Files under ``site/`` that the site does not hold are given as ``None`` (removed, or stale).
    """
    site = output_dir / SITE_FOLDER
    systems = site / SYSTEMS_FOLDER

    def files(board: Board) -> dict[Path, bytes | None]:
        for folder in (site, systems):
            refuse_symlink(folder)
        version = renderer_version()
        out: dict[Path, bytes | None] = {}
        keys: list[tuple[str, str]] = []
        contents: dict[str, Path] = {}
        parsed: dict[str, Results] = {}

        def results_of(slug: str) -> Results:
            """A standing's full results: freshly scored ones as they are, cached ones read whole (items too) only when a page needs them."""
            if slug not in parsed:
                try:
                    parsed[slug] = Results.model_validate_json(read_capped(contents[slug], max_bytes=MAX_RESULTS_BYTES))
                except ValueError:  # its summary was valid (the board read it), its items are not
                    where = escape(str(contents[slug]))
                    raise InputError([Problem(where, "its items are not valid results; delete it and run bench leaderboard to rescore")]) from None
            return parsed[slug]

        for row in board.rows:
            slug = row.standing.slug
            results = row.standing.results
            if isinstance(results, Results):  # freshly scored: no need to read it back
                parsed[slug] = results
            else:
                contents[slug] = submissions_dir / slug / RESULTS_FILE
            # Results are a function of the submitted bytes and the scorer (the cache's own premise), and the
            # system's strings come from those bytes: keyed by these, a warm run reads no results file again.
            inputs = json.dumps([version, results.submission.sha256, results.signature.string])
            key = hashlib.sha256(inputs.encode("utf-8")).hexdigest()
            keys.append((slug, key))
            path = systems / f"{slug}.html"
            if render_all or _recorded_key(path) != key:
                out[path] = render_report(results_of(slug), home=f"../{INDEX_FILE}", record=_record(key))
        compare_key = hashlib.sha256(json.dumps([version, keys]).encode()).hexdigest()
        if render_all or _recorded_key(site / COMPARE_FILE) != compare_key:
            out[site / COMPARE_FILE] = render_compare([(slug, results_of(slug)) for slug, _ in keys], record=_record(compare_key))
        index = render_index(board)
        if render_all or not same_bytes(site / INDEX_FILE, index):
            out[site / INDEX_FILE] = index
        wanted = {site / INDEX_FILE, site / COMPARE_FILE, *(systems / f"{slug}.html" for slug, _ in keys)}
        out.update({path: None for path in _existing_files(site) if path not in wanted})
        return out

    return files
