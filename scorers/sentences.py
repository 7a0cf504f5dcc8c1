"""Sentence splitting: the one splitter every reader of the articles uses.

The consistency checks (``scorers.claims``), the claim-matching core, the
retrieval and rules baselines and the embedding pass all cut text into
sentences here, so a sentence means the same thing everywhere.
"""

from __future__ import annotations

import re

# A sentence ends at ., ! or ? (optionally followed by closing quotes or
# brackets) before whitespace and a capital letter, digit or opening quote.
_SENTENCE_END = re.compile(r"([.!?][\"'”’)\]]*)\s+(?=[\"'“‘(\[]?[A-Z0-9])")
# Words whose final full stop does not end a sentence: titles before names.
_ABBREVIATIONS = frozenset("mr mrs ms dr st jr sr gen sen rep gov lt col capt prof no vs etc inc corp co".split())
_INITIALS = re.compile(r"(?:\b[A-Za-z]\.)+$")  # "U.S.", "D." in "Jeffrey D. Sachs", "a.m."
# A list marker at the start of a line: a bullet or dash, or a number with "." or ")".
LIST_MARKER = re.compile(r"^\s*(?:[-•*–—]|\d+[.)])\s+")


def _ends_with_abbreviation(text: str) -> bool:
    if _INITIALS.search(text):
        return True
    last_word = re.search(r"(\w+)\.$", text)
    return bool(last_word and last_word.group(1).casefold() in _ABBREVIATIONS)


def split_sentences(text: str) -> list[str]:
    """Split an article into sentences.

    Rules, in order:

    1. Every non-blank line is its own unit, so headlines, captions, bylines
       and section titles (which end without a full stop) never merge with
       the text around them.
    2. A list marker at the start of a line ("- ", "• ", "1. ") is dropped:
       each list item is a sentence.
    3. Within a line, a sentence ends at ".", "!" or "?" (and any closing
       quote or bracket) followed by a space and a capital letter, digit or
       opening quote, unless the word before the full stop is an initial or
       an abbreviation ("U.S.", "Jeffrey D. Sachs", "Mr.").

    Example:
        >>> split_sentences("Talks in Alaska\\n- U.S. officials met. Putin came.")
        ['Talks in Alaska', 'U.S. officials met.', 'Putin came.']
    """
    sentences: list[str] = []
    for line in text.splitlines():
        line = LIST_MARKER.sub("", line).strip()
        if not line:
            continue
        start = 0
        for boundary in _SENTENCE_END.finditer(line):
            if _ends_with_abbreviation(line[start : boundary.start() + 1]):
                continue
            sentences.append(line[start : boundary.end(1)].strip())
            start = boundary.end()
        sentences.append(line[start:].strip())
    return [sentence for sentence in sentences if sentence]


def is_list_item(line: str) -> bool:
    """Whether a line of an article is a list item: it starts with a list marker ("- ", "• ", "1. ")."""
    return bool(LIST_MARKER.match(line))
