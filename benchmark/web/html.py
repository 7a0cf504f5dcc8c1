"""What every page shares: escaping, isolation of submitted strings, links, embedded JSON and the page frame.

Every string that came from a submission (a system name, a URL, an item's
text, a path) is untrusted. It reaches a page in one of three ways only:

* as text: ``text`` escapes it (the one HTML escaping function of the
  project) and ``isolated`` also wraps it in ``<bdi>``, so a right-to-left
  override or isolate inside it cannot reorder the page around it;
* as a link: ``link`` makes an ``<a>`` from an http(s) URL only
  (``benchmark.leaderboard.http_url``), anything else stays text;
* as data for a script: ``json_data`` embeds JSON with ``<`` written as
  ``\\u003c``, so no ``</script>`` can end the block; scripts put such
  strings into the page with ``textContent`` only.

``page`` builds the document. Its Content-Security-Policy allows nothing
from outside (``default-src 'none'``) and runs only the page's own inline
script and style, named by their SHA-256 computed here from the very bytes
written; a script injected by a string that escaped its escaping would not
run. No element carries an event-handler attribute: scripts attach their
listeners.
"""

from __future__ import annotations

import base64
import hashlib
import html
import json
from pathlib import Path

from benchmark.leaderboard import http_url

STYLE = """
body{font:14px/1.45 system-ui,sans-serif;margin:0 auto;max-width:1200px;padding:0 1rem 3rem;color:#1d1d1f;background:#fff}
h1{font-size:1.5rem;margin:1rem 0 .25rem}h2{font-size:1.2rem;margin:1.5rem 0 .5rem;border-bottom:1px solid #ddd}
h3{font-size:1rem;margin:1rem 0 .25rem}
table{border-collapse:collapse;margin:.5rem 0;width:100%}
th,td{border:1px solid #ddd;padding:.25rem .4rem;text-align:left;vertical-align:top}
th{background:#f4f4f6}td.num,th.num{text-align:right;font-variant-numeric:tabular-nums}
.meta{color:#555;margin:.2rem 0}.signature{font:12px monospace;word-break:break-all;color:#555}
nav a{margin-right:1rem}
.filters{position:sticky;top:0;background:#fff;padding:.5rem 0;border-bottom:1px solid #ddd;z-index:1}
.filters label{margin-right:1rem}
.article{white-space:pre-wrap;font-family:Georgia,serif;background:#fafaf7;padding:.5rem;border:1px solid #eee;max-height:28rem;overflow:auto}
mark{background:#fff2a8}mark.pred{background:#cfe8ff}mark.gold.pred{background:#d8f5c4}
sup a{font-size:.7rem;margin-left:.15rem}
.v-correct{color:#176f2c}.v-incorrect{color:#b25000}.v-spurious{color:#b00020}.v-missing{color:#6b3fa0}
.c-supported{color:#176f2c}.c-unsupported{color:#8a6d00}.c-contradicted{color:#b00020}
.label{font-weight:600}.details{color:#444;font-size:.85rem}.empty{color:#999}
tr.item:target{outline:2px solid #1a73e8}mark:target{outline:2px solid #1a73e8}
th button{font:inherit;font-weight:600;background:none;border:0;padding:0;cursor:pointer;text-align:inherit}
th[aria-sort=ascending] button::after{content:" \\25B2"}th[aria-sort=descending] button::after{content:" \\25BC"}
.chart img{max-width:100%}
"""


def text(value: object) -> str:
    """``value`` as HTML text or attribute content: ``& < > " '`` become character references.

    The one HTML escaping function of the project; every page uses it for
    every string it did not write itself.

    Example:
        >>> text('<img src=x onerror="alert(1)">')
        '&lt;img src=x onerror=&quot;alert(1)&quot;&gt;'
    """
    return html.escape(str(value), quote=True)


def isolated(value: str) -> str:
    """A submitted string as escaped text in its own bidirectional isolate (``<bdi>``)."""
    return f"<bdi>{text(value)}</bdi>"


def link(url: str | None, label: str) -> str:
    """``label`` (HTML) as a link to ``url`` when it is http(s); otherwise the label alone."""
    target = http_url(url)
    if target is None:
        return label
    return f'<a href="{text(target)}" rel="noopener noreferrer nofollow">{label}</a>'


def json_data(element_id: str, data: object) -> str:
    """``data`` as a JSON data block (``<script type="application/json">``) that no string in it can end.

    ``<``, ``>`` and ``&`` are written as JSON escapes, so neither
    ``</script>`` nor ``<!--`` can appear inside; ``JSON.parse`` reads them back.
    """
    payload = json.dumps(data, ensure_ascii=False, separators=(",", ":"))
    payload = payload.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
    return f'<script type="application/json" id="{text(element_id)}">{payload}</script>'


def svg_image(svg: bytes, alt: str) -> str:
    """An SVG drawn as an image from a data: URL.

    An image cannot run scripts or load anything, and its own style
    attributes (matplotlib writes many) are outside the page's policy,
    which forbids inline style attributes.
    """
    encoded = base64.b64encode(svg).decode("ascii")
    return f'<img src="data:image/svg+xml;base64,{encoded}" alt="{text(alt)}">'


def _sha256_source(source: str) -> str:
    return "'sha256-" + base64.b64encode(hashlib.sha256(source.encode("utf-8")).digest()).decode("ascii") + "'"


def content_security_policy(script: str, style: str) -> str:
    """The page's policy: nothing external, only this script and this style (by hash), images from data: URLs only."""
    return (
        f"default-src 'none'; script-src {_sha256_source(script)}; style-src {_sha256_source(style)}; "
        "img-src data:; base-uri 'none'; form-action 'none'"
    )


def page(*, title: str, body: str, script: str, record: str | None = None) -> bytes:
    """A whole HTML document: the shared style, ``body`` (HTML), then ``script`` (JavaScript), as UTF-8 bytes.

    Args:
        title: the document title (plain text; escaped here).
        body: the body's HTML, every submitted string in it already escaped.
        script: the page's one script, run after the body is parsed.
        record: a line kept in a comment at the top (``site`` records what a page was rendered from).
    """
    comment = f"<!-- {record} -->\n" if record else ""
    return f"""<!DOCTYPE html>
{comment}<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="{text(content_security_policy(script, STYLE))}">
<meta name="referrer" content="no-referrer">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{text(title)}</title>
<style>{STYLE}</style>
</head>
<body>
{body}
<script>{script}</script>
</body>
</html>
""".encode("utf-8")


def renderer_version() -> str:
    """The SHA-256 of this package's source: a page rendered by other code may differ, so ``site`` renders it again."""
    digest = hashlib.sha256()
    for path in sorted(Path(__file__).parent.glob("*.py")):
        digest.update(path.name.encode("utf-8") + b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()
