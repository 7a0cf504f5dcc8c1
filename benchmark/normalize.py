"""How strings are compared: Unicode folding and the party resolver.

Every comparison in the benchmark goes through ``fold`` so that look-alike
spellings (full-width letters, ligatures, accents, curly quotes) can neither
dodge nor fake a match.
"""

from __future__ import annotations

import functools
import hashlib
import json
import re
import unicodedata

CANONICAL_PARTIES: tuple[str, ...] = (
    "United States",
    "Russia",
    "Ukraine",
    "Europe",
    "NATO",
    "India",
    "China",
)

# Aliases are written in folded form (see ``fold``). People stand for the party
# they lead or represent in these articles; capitals and institutions for
# their country.
_PARTY_ALIASES: dict[str, tuple[str, ...]] = {
    "United States": (
        "united states", "united states of america", "us", "usa", "u s", "u s a",
        "america", "american", "americans", "washington", "white house",
        "trump", "donald trump", "president trump", "trump administration",
        "us government", "us administration", "the united states", "the us",
    ),
    "Russia": (
        "russia", "russian federation", "russian", "russians", "moscow", "kremlin",
        "the kremlin", "putin", "vladimir putin", "president putin", "russian government",
    ),
    "Ukraine": (
        "ukraine", "ukrainian", "ukrainians", "kyiv", "kiev", "zelensky", "zelenskiy",
        "zelenskyy", "volodymyr zelensky", "volodymyr zelenskiy", "volodymyr zelenskyy",
        "president zelensky", "ukrainian government",
    ),
    "Europe": (
        "europe", "eu", "european union", "european", "europeans", "european allies",
        "european leaders", "european partners", "european powers", "brussels",
        "european union officials", "western europe",
    ),
    "NATO": ("nato", "nato allies", "north atlantic treaty organization", "the alliance", "atlantic alliance", "north atlantic alliance"),
    "India": ("india", "indian", "new delhi", "delhi", "indian government"),
    "China": ("china", "chinese", "beijing", "prc", "people s republic of china"),
}

_ALIAS_TO_PARTY: dict[str, str] = {
    alias: party for party, aliases in _PARTY_ALIASES.items() for alias in aliases
}

_NON_WORD = re.compile(r"[^\w]+")


def party_aliases() -> tuple[str, ...]:
    """Every alias of every party, folded."""
    return tuple(_ALIAS_TO_PARTY)


@functools.cache
def party_table_sha256() -> str:
    """SHA-256 of the parties and their aliases (canonical JSON): the score signature carries it, so an edited alias changes the signature by itself."""
    table = json.dumps({"parties": CANONICAL_PARTIES, "aliases": _PARTY_ALIASES}, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(table.encode("utf-8")).hexdigest()


# fold and resolve_party are pure and called for the same short strings
# (names, parties, source sentences) by every item a scorer checks.
@functools.lru_cache(maxsize=1 << 17)
def fold(text: str) -> str:
    """Fold a string for comparison.

    NFKC-normalises, removes accents, case-folds, turns every run of
    punctuation or whitespace into one space and trims.

    Example:
        >>> fold("  Zelenskýy’s  U.S.-led ")
        'zelenskyy s u s led'
    """
    text = unicodedata.normalize("NFKC", text)
    decomposed = unicodedata.normalize("NFKD", text)
    stripped = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return _NON_WORD.sub(" ", stripped.casefold()).replace("_", " ").strip()


@functools.lru_cache(maxsize=1 << 16)
def resolve_party(party: str | None) -> str | None:
    """Resolve a party as written to its canonical name.

    Args:
        party: who demands, or whose stake, as the submission wrote it.

    Returns:
        One of ``CANONICAL_PARTIES`` when the party is known under any alias;
        otherwise the party as written (stripped), so unknown parties are
        compared literally rather than guessed. ``None`` stays ``None``.

    Example:
        >>> resolve_party("the Kremlin"), resolve_party("U.S."), resolve_party("Vatican")
        ('Russia', 'United States', 'Vatican')
    """
    if party is None:
        return None
    folded = fold(party)
    if folded.startswith("the ") and folded not in _ALIAS_TO_PARTY:
        folded = folded[4:]
    return _ALIAS_TO_PARTY.get(folded, party.strip())
