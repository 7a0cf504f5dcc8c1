"""The one escaping function for text the command line prints.

Names, paths, folder names and strings a server sent come from outside; printed
raw, a newline in one could forge an extra line of output (``ok: all good``),
and an escape sequence or a bidirectional override could redraw the terminal
or reorder what it shows. Everything of that kind passes through ``escape``
before it is printed.
"""

from __future__ import annotations

import json


def escape(text: str) -> str:
    """``text`` as one printable line.

    Unchanged when every character is printable (``str.isprintable``: no
    control, format, separator, private-use or unassigned code point);
    otherwise quoted and escaped like a JSON string with only ASCII, so that
    a newline reads ``\\n``, an escape ``\\u001b`` and a right-to-left
    override ``\\u202e``.

    Example:
        >>> escape("plain name.json")
        'plain name.json'
        >>> escape("evil\\nok: all good")
        '"evil\\\\nok: all good"'
    """
    return text if text.isprintable() else json.dumps(text, ensure_ascii=True)
