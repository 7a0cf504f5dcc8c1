"""Write the hostile corpus: submission files that must each be refused.

Every case is one file in this directory plus one line in ``MANIFEST.tsv``:
the file name, what the file tries, and the first line ``bench validate
<file>`` must print on stderr when run from the file's directory. The files
are committed; this script is kept so that they can be reproduced byte for
byte (``python tests/hostile/make_corpus.py [output-dir]``; a test checks).

Strings that hide or redraw text (bidirectional overrides, escape sequences,
zero-width characters) are written as JSON ``\\u`` escapes unless a case is
about the raw bytes, so that the files are safe to open in a terminal.
"""

from __future__ import annotations

import copy
import json
import os
import shutil
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
MANIFEST = "MANIFEST.tsv"
INSTANCE_IDS = ("000", "001", "002", "003", "004", "event")
# benchmark.submission.MAX_FILE_BYTES; repeated so that the corpus does not
# change silently when the cap does (the oversize case would then fail loudly).
MAX_FILE_BYTES = 4 * 1024 * 1024


def valid_submission() -> dict:
    """A small valid submission that the cases below break in one place each."""
    summary = {
        "attendees": [
            {"name": "Donald Trump", "role": "President", "country": "United States"},
            {"name": "Vladimir Putin", "role": "President", "country": "Russia"},
        ],
        "venue": {"name": "Joint Base Elmendorf-Richardson", "city": "Anchorage", "region": "Alaska", "country": "United States"},
        "time": {"date": "2025-08-15", "weekday": "Friday", "time_utc": "19:00"},
        "demands": [{"party": "Russia", "text": "Ukraine withdraws from the Donbas."}],
        "stakes": [{"party": "Ukraine", "text": "Its territory and its security."}],
    }
    return {
        "schema_version": "1",
        "system": {"name": "hostile-corpus", "url": "https://example.org/system"},
        "predictions": {instance: copy.deepcopy(summary) for instance in INSTANCE_IDS},
    }


def dump(value: object) -> bytes:
    """JSON with every non-ASCII character escaped: the file itself stays inert."""
    return (json.dumps(value, indent=2, ensure_ascii=True) + "\n").encode("ascii")


def with_value(path: tuple[str | int, ...], value: object) -> bytes:
    """The valid submission with the value at ``path`` replaced (or added)."""
    submission = valid_submission()
    target = submission
    for part in path[:-1]:
        target = target[part]
    target[path[-1]] = value
    return dump(submission)


def without(path: tuple[str | int, ...]) -> bytes:
    submission = valid_submission()
    target = submission
    for part in path[:-1]:
        target = target[part]
    del target[path[-1]]
    return dump(submission)


def valid_text() -> str:
    return dump(valid_submission()).decode("ascii")


def with_raw_name(raw: bytes) -> bytes:
    """The valid submission with raw bytes (not escapes) spliced into the first attendee's name."""
    return dump(valid_submission()).replace(b'"Donald Trump"', b'"Donald ' + raw + b' Trump"', 1)


def nested(depth: int) -> list:
    value: list = []
    for _ in range(depth - 1):
        value = [value]
    return value


def _deep_objects(depth: int) -> bytes:
    return b'{"a":' * depth + b"1" + b"}" * depth


def _duplicate_instance() -> bytes:
    text = valid_text()
    first = text.index('"000": {')
    # A second "000" with an empty summary, placed right after the first.
    return (text[:first] + '"000": {},\n    ' + text[first:]).encode("ascii")


def _flood() -> bytes:
    submission = valid_submission()
    for instance in INSTANCE_IDS:
        submission["predictions"][instance]["venue"].update({f"extra_{n:02d}": n for n in range(20)})
    return dump(submission)


@dataclass(frozen=True)
class Case:
    file: str
    tries: str
    expected: str
    """The first line on stderr, exactly."""
    content: Callable[[], bytes] | None = None
    """The file's bytes; None for the cases that are not regular files (made in ``write_special``)."""


A0 = ("predictions", "000", "attendees", 0)
NAME = (*A0, "name")
D0 = ("predictions", "000", "demands", 0)
VENUE = ("predictions", "000", "venue")
TIME = ("predictions", "000", "time")
RNG_SEED = 20250815

CASES: tuple[Case, ...] = (
    # --- the file itself ---------------------------------------------------------------
    Case("empty.json", "a 0-byte file", "error: empty.json: file is empty", lambda: b""),
    Case("whitespace_only.json", "only spaces and newlines", "error: whitespace_only.json: file is empty", lambda: b"  \n\t\n  "),
    Case("bom_only.json", "a UTF-8 byte order mark and nothing else", "error: bom_only.json: file is empty", lambda: b"\xef\xbb\xbf"),
    Case("oversize.json", "a valid submission padded with spaces one byte past the size cap",
         f"error: oversize.json: file is {MAX_FILE_BYTES + 1:,} bytes; the limit is {MAX_FILE_BYTES:,}",
         lambda: dump(valid_submission()).ljust(MAX_FILE_BYTES + 1, b" ")),
    Case("directory.json", "a directory named like a submission", "error: directory.json: not a regular file"),
    Case("dangling_link.json", "a symbolic link to a file that does not exist", "error: dangling_link.json: no such file"),
    Case("dev_zero_link.json", "a symbolic link to /dev/zero (an endless device)", "error: dev_zero_link.json: not a regular file"),
    # --- encodings ----------------------------------------------------------------------
    Case("utf16_bom.json", "the valid submission in UTF-16 with its byte order mark",
         "error: utf16_bom.json: not UTF-8 (invalid byte at offset 0)", lambda: valid_text().encode("utf-16")),
    Case("utf16le_no_bom.json", "UTF-16LE without a byte order mark (every other byte is NUL, which is valid UTF-8)",
         "error: utf16le_no_bom.json:1:2: not valid JSON: Expecting property name enclosed in double quotes",
         lambda: valid_text().encode("utf-16-le")),
    Case("utf32_bom.json", "the valid submission in UTF-32 with its byte order mark",
         "error: utf32_bom.json: not UTF-8 (invalid byte at offset 0)", lambda: valid_text().encode("utf-32")),
    Case("latin1.json", "a name with a Latin-1 byte (0xE9) instead of UTF-8",
         "error: latin1.json: not UTF-8 (invalid byte at offset 205)", lambda: with_raw_name(b"\xe9")),
    Case("overlong_utf8.json", "an overlong UTF-8 encoding of '/' (C0 AF)",
         "error: overlong_utf8.json: not UTF-8 (invalid byte at offset 205)", lambda: with_raw_name(b"\xc0\xaf")),
    Case("cesu8_surrogate.json", "a surrogate encoded as UTF-8 bytes (ED A0 80, CESU-8)",
         "error: cesu8_surrogate.json: not UTF-8 (invalid byte at offset 205)", lambda: with_raw_name(b"\xed\xa0\x80")),
    Case("random_bytes.json", "4 KiB of random bytes (seeded)", "error: random_bytes.json: not UTF-8 (invalid byte at offset 0)",
         lambda: b"\xff" + np.random.default_rng(RNG_SEED).bytes(4095)),
    Case("double_bom.json", "two UTF-8 byte order marks", "error: double_bom.json:1:1: not valid JSON: a second byte order mark",
         lambda: b"\xef\xbb\xbf\xef\xbb\xbf" + dump(valid_submission())),
    # --- not a JSON object --------------------------------------------------------------
    Case("json_string.json", "a JSON string", "error: $: expected a JSON object with schema_version, system and predictions; got a JSON string",
         lambda: b'"predictions"\n'),
    Case("json_number.json", "a JSON number", "error: $: expected a JSON object with schema_version, system and predictions; got a JSON number",
         lambda: b"42\n"),
    Case("json_null.json", "JSON null", "error: $: expected a JSON object with schema_version, system and predictions; got JSON null",
         lambda: b"null\n"),
    Case("json_true.json", "JSON true", "error: $: expected a JSON object with schema_version, system and predictions; got JSON true or false",
         lambda: b"true\n"),
    Case("json_list.json", "the valid submission wrapped in a list",
         "error: $: expected a JSON object with schema_version, system and predictions; got a JSON list",
         lambda: dump([valid_submission()])),
    # --- not JSON -----------------------------------------------------------------------
    Case("single_quotes.json", "a Python dict literal instead of JSON",
         "error: single_quotes.json:1:2: not valid JSON: Expecting property name enclosed in double quotes",
         lambda: repr(valid_submission()).encode("ascii")),
    Case("comment.json", "a // comment (JSON5, not JSON)", "error: comment.json:1:1: not valid JSON: Expecting value",
         lambda: b"// my system\n" + dump(valid_submission())),
    Case("trailing_comma.json", "a trailing comma in an object",
         "error: trailing_comma.json:1:25: not valid JSON: Expecting property name enclosed in double quotes",
         lambda: b'{"schema_version": "1", }'),
    Case("truncated.json", "the valid submission cut off in the middle of a string",
         "error: truncated.json:23:17: not valid JSON: Unterminated string",
         lambda: dump(valid_submission())[: dump(valid_submission()).index(b'"Anchorage"') + 4]),
    Case("trailing_data.json", "a second object after the submission",
         "error: trailing_data.json:232:1: not valid JSON: trailing data after the JSON value",
         lambda: dump(valid_submission()) + b'{"schema_version": "1"}\n'),
    Case("json_lines.json", "two submissions, one per line (JSON Lines)",
         "error: json_lines.json:2:1: not valid JSON: trailing data after the JSON value",
         lambda: (json.dumps(valid_submission()) + "\n" + json.dumps(valid_submission()) + "\n").encode("ascii")),
    Case("nul_after.json", "a NUL byte after the submission",
         "error: nul_after.json:232:1: not valid JSON: trailing data after the JSON value", lambda: dump(valid_submission()) + b"\x00"),
    Case("raw_newline_in_string.json", "a raw newline inside a string",
         "error: raw_newline_in_string.json:1:37: not valid JSON: Invalid control character", lambda: b'{"schema_version": "1", "system": "a\nb"}'),
    # --- numbers ------------------------------------------------------------------------
    Case("nan.json", "NaN as a value", "error: system.description: NaN is not valid JSON (NaN and Infinity are refused)",
         lambda: valid_text().replace('"name": "hostile-corpus"', '"name": "hostile-corpus", "description": NaN', 1).encode("ascii")),
    Case("negative_infinity.json", "-Infinity as a value", "error: predictions.000.attendees[0].name: -Infinity is not valid JSON (NaN and Infinity are refused)",
         lambda: valid_text().replace('"Donald Trump"', "-Infinity", 1).encode("ascii")),
    Case("huge_float.json", "1e999, which Python parses as infinity", "error: schema_version: number out of range",
         lambda: valid_text().replace('"schema_version": "1"', '"schema_version": 1e999', 1).encode("ascii")),
    Case("huge_integer.json", "an integer with 5,000 digits (slow to convert, then a Python limit)",
         "error: schema_version: number with 5,000 digits; the limit is 100",
         lambda: valid_text().replace('"schema_version": "1"', '"schema_version": 1' + "0" * 4999, 1).encode("ascii")),
    Case("number_as_version.json", "schema_version 1 instead of \"1\"", "error: schema_version: input should be '1'",
         lambda: with_value(("schema_version",), 1)),
    # --- size and depth -----------------------------------------------------------------
    Case("deep_arrays.json", "arrays nested 100,000 levels deep", "error: deep_arrays.json: nested deeper than 8 levels",
         lambda: b"[" * 100_000 + b"]" * 100_000),
    Case("deep_objects.json", "objects nested 100,000 levels deep", "error: deep_objects.json: nested deeper than 8 levels",
         lambda: _deep_objects(100_000)),
    Case("deep_unclosed.json", "100,000 opening brackets and nothing else", "error: deep_unclosed.json: nested deeper than 8 levels",
         lambda: b"[" * 100_000),
    Case("nesting_beyond_schema.json", "an attendee name that is a list nested 8 deep",
         "error: predictions.000.attendees[0].name[0][0][0][0]: nested deeper than 8 levels; the schema needs at most 4",
         lambda: with_value(NAME, nested(8))),
    Case("long_list.json", "101 attendees", "error: predictions.000.attendees: list has 101 items; the limit is 100",
         lambda: with_value(("predictions", "000", "attendees"), [{"name": f"Person {n}"} for n in range(101)])),
    Case("many_items.json", "200,000 zeros before the two attendees",
         "error: predictions.000.attendees: list has 200,002 items; the limit is 100",
         lambda: valid_text().replace('"attendees": [', '"attendees": [' + "0," * 200_000, 1).encode("ascii")),
    Case("many_keys.json", "a venue object with 1,000 extra keys", "error: predictions.000.venue: object has 1,004 keys; the limit is 32",
         lambda: with_value(VENUE, {**valid_submission()["predictions"]["000"]["venue"], **{f"k{n}": n for n in range(1000)}})),
    Case("long_string.json", "a venue city of 1,001 characters", "error: predictions.000.venue.city: string should have at most 1000 characters",
         lambda: with_value((*VENUE, "city"), "x" * 1001)),
    Case("long_claim.json", "a demand text of 301 characters (a paste, not one claim)",
         "error: predictions.000.demands[0].text: string should have at most 300 characters",
         lambda: with_value((*D0, "text"), "Russia wants relief. " * 14 + "Moreover")),
    Case("long_system_name.json", "a system name of 65 characters", "error: system.name: string should have at most 64 characters",
         lambda: with_value(("system", "name"), "n" * 65)),
    Case("flood_unknown_keys.json", "120 unknown keys, to flood the terminal (at most 20 lines are printed)",
         "error: predictions.000.venue.extra_00: unknown key (not in the schema)", _flood),
    Case("huge_key.json", "an unknown key of 100,000 characters (printed cut short)",
         'error: predictions.000["' + "k" * 64 + '...(100,000 characters)"]: unknown key (not in the schema)',
         lambda: with_value(("predictions", "000", "k" * 100_000), 1)),
    # --- duplicate keys -----------------------------------------------------------------
    Case("duplicate_top_key.json", "schema_version twice (json.loads keeps the last)", "error: schema_version: duplicate key",
         lambda: valid_text().replace('"schema_version": "1",', '"schema_version": "1", "schema_version": "2",', 1).encode("ascii")),
    Case("duplicate_name.json", "an attendee with two names", "error: predictions.000.attendees[0].name: duplicate key",
         lambda: valid_text().replace('"name": "Donald Trump",', '"name": "Donald Trump", "name": "Marco Rubio",', 1).encode("ascii")),
    Case("duplicate_instance.json", "instance 000 twice, an empty summary first", "error: predictions.000: duplicate key", _duplicate_instance),
    # --- characters ---------------------------------------------------------------------
    Case("lone_surrogate_value.json", "a lone surrogate written as a JSON escape in a name",
         "error: predictions.000.attendees[0].name: lone surrogate U+D800 at character 7 (not valid Unicode)",
         lambda: with_raw_name(b"\\ud800")),
    Case("lone_surrogate_key.json", "a lone low surrogate as a key",
         'error: predictions.000["\\udc00"]: key has a lone surrogate U+DC00 at character 0 (not valid Unicode)',
         lambda: with_value(("predictions", "000", "\udc00"), 1)),
    Case("newline_key.json", "an unknown key holding a newline and a fake 'ok' line",
         'error: predictions.000.venue["planet\\nok: all good"]: unknown key (not in the schema)',
         lambda: with_value((*VENUE, "planet\nok: all good"), "Mars")),
    Case("ansi_escape_key.json", "an unknown key with a terminal escape sequence that clears the screen",
         'error: system["\\u001b[2J\\u001b[H"]: unknown key (not in the schema)',
         lambda: with_value(("system", "\x1b[2J\x1b[H"), "x")),
    Case("ansi_escape_name.json", "a name with a terminal colour escape",
         "error: predictions.000.attendees[0].name: control character U+001B at character 0",
         lambda: with_value(NAME, "\x1b[31mDonald Trump\x1b[0m")),
    Case("bidi_override_name.json", "a right-to-left override that renders 'Trump' reversed",
         "error: predictions.000.attendees[0].name: invisible or bidirectional control character U+202E at character 0",
         lambda: with_value(NAME, "\u202epmurT dlanoD")),
    Case("bidi_override_raw.json", "a right-to-left override as raw UTF-8 bytes, not an escape",
         "error: predictions.000.attendees[0].name: invisible or bidirectional control character U+202E at character 7",
         lambda: with_raw_name("\u202e".encode("utf-8"))),
    Case("bidi_isolate_system.json", "a first-strong isolate in the system name (leaderboard spoofing)",
         "error: system.name: invisible or bidirectional control character U+2068 at character 0",
         lambda: with_value(("system", "name"), "\u2068hostile-corpus\u2069")),
    Case("zero_width_space.json", "a zero-width space inside a name, to dodge a match",
         "error: predictions.000.attendees[1].name: invisible or bidirectional control character U+200B at character 10",
         lambda: with_value(("predictions", "000", "attendees", 1, "name"), "Vladimir P\u200butin")),
    Case("zero_width_joiner_party.json", "a zero-width joiner in a party",
         "error: predictions.000.demands[0].party: invisible or bidirectional control character U+200D at character 3",
         lambda: with_value((*D0, "party"), "Rus\u200dsia")),
    Case("tag_characters.json", "invisible Unicode tag characters smuggling the text 'IGNORE'",
         "error: predictions.000.demands[0].text: invisible or bidirectional control character U+E0049 at character 34",
         lambda: with_value((*D0, "text"), "Ukraine withdraws from the Donbas." + "".join(chr(0xE0000 + ord(c)) for c in "IGNORE"))),
    Case("variation_selectors.json", "variation selectors smuggling bytes after an emoji",
         "error: predictions.000.stakes[0].text: invisible character U+E0101 at character 32",
         lambda: with_value(("predictions", "000", "stakes", 0, "text"), "Its territory and its security.\u2705\U000E0101\U000E0102")),
    Case("hangul_filler_name.json", "a name that is a Hangul filler, a letter that draws as blank",
         "error: predictions.000.attendees[0].name: invisible character U+3164 at character 0", lambda: with_value(NAME, "\u3164")),
    Case("soft_hyphen.json", "a soft hyphen, invisible unless the line breaks there",
         "error: predictions.000.venue.city: invisible or bidirectional control character U+00AD at character 3",
         lambda: with_value((*VENUE, "city"), "Anc\u00adhorage")),
    Case("line_separator.json", "a Unicode line separator in a role",
         "error: predictions.000.attendees[0].role: line separator U+2028 at character 9",
         lambda: with_value((*A0, "role"), "President\u2028of the United States")),
    Case("private_use.json", "a private-use character (drawn as a logo by some fonts)",
         "error: predictions.000.attendees[0].country: private-use character U+F8FF at character 0",
         lambda: with_value((*A0, "country"), "\uf8ff")),
    Case("nul_escape.json", "a NUL character written as \\u0000", "error: system.name: control character U+0000 at character 7",
         lambda: with_value(("system", "name"), "hostile\u0000corpus")),
    Case("delete_char.json", "a DEL character", "error: predictions.000.venue.name: control character U+007F at character 5",
         lambda: with_value((*VENUE, "name"), "Joint\x7fBase")),
    Case("cyrillic_homoglyph.json", "'Putin' with a Cyrillic capital Er for the P",
         "error: predictions.000.attendees[1].name: mixes Cyrillic and Latin letters in one word (U+0420 at character 9, U+0075 at character 10); look-alike letters from another script are refused",
         lambda: with_value(("predictions", "000", "attendees", 1, "name"), "Vladimir \u0420utin")),
    Case("greek_homoglyph.json", "'Alaska' with a Greek capital Alpha",
         "error: predictions.000.venue.region: mixes Greek and Latin letters in one word (U+0391 at character 0, U+006C at character 1); look-alike letters from another script are refused",
         lambda: with_value((*VENUE, "region"), "\u0391laska")),
    Case("homoglyph_system_name.json", "a system name with a Cyrillic 'o' to impersonate another system",
         "error: system.name: mixes Latin and Cyrillic letters in one word (U+0068 at character 0, U+043E at character 1); look-alike letters from another script are refused",
         lambda: with_value(("system", "name"), "h\u043estile-corpus")),
    # --- empty and blank ----------------------------------------------------------------
    Case("empty_name.json", "an empty attendee name",
         "error: predictions.000.attendees[0].name: must not be empty or whitespace only (write null, or leave the key out, when unknown)",
         lambda: with_value(NAME, "")),
    Case("blank_name.json", "a name of spaces, a tab and an ideographic space",
         "error: predictions.000.attendees[0].name: must not be empty or whitespace only (write null, or leave the key out, when unknown)",
         lambda: with_value(NAME, "  \u3000 ")),
    Case("nbsp_text.json", "a demand text that is one no-break space",
         "error: predictions.000.demands[0].text: must not be empty or whitespace only (write null, or leave the key out, when unknown)",
         lambda: with_value((*D0, "text"), "\u00a0")),
    Case("empty_role.json", "an empty role instead of null",
         "error: predictions.000.attendees[0].role: must not be empty or whitespace only (write null, or leave the key out, when unknown)",
         lambda: with_value((*A0, "role"), "")),
    Case("blank_system_name.json", "a system name of spaces",
         "error: system.name: must not be empty or whitespace only (write null, or leave the key out, when unknown)",
         lambda: with_value(("system", "name"), "   ")),
    # --- wrong types --------------------------------------------------------------------
    Case("name_number.json", "a number as a name", "error: predictions.000.attendees[0].name: input should be a valid string",
         lambda: with_value(NAME, 45)),
    Case("name_true.json", "true as a name", "error: predictions.000.attendees[0].name: input should be a valid string",
         lambda: with_value(NAME, True)),
    Case("name_null.json", "null as a required name", "error: predictions.000.attendees[0].name: input should be a valid string",
         lambda: with_value(NAME, None)),
    Case("attendees_object.json", "attendees as an object keyed by name", "error: predictions.000.attendees: input should be a valid list",
         lambda: with_value(("predictions", "000", "attendees"), {"Donald Trump": {"role": "President"}})),
    Case("attendees_string.json", "attendees as one comma-separated string", "error: predictions.000.attendees: input should be a valid list",
         lambda: with_value(("predictions", "000", "attendees"), "Donald Trump, Vladimir Putin")),
    Case("venue_list.json", "the venue as a list of its parts", "error: predictions.000.venue: input should be a valid dictionary or instance of Venue",
         lambda: with_value(VENUE, ["Anchorage", "Alaska"])),
    Case("predictions_list.json", "predictions as a list", "error: predictions: input should be a valid dictionary",
         lambda: with_value(("predictions",), list(valid_submission()["predictions"].values()))),
    Case("system_string.json", "the system as a bare string", "error: system: input should be a valid dictionary or instance of SystemInfo",
         lambda: with_value(("system",), "hostile-corpus")),
    Case("weekday_number.json", "weekday 5", "error: predictions.000.time.weekday: input should be 'Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday' or 'Sunday'",
         lambda: with_value((*TIME, "weekday"), 5)),
    # --- values -------------------------------------------------------------------------
    Case("javascript_url.json", "a javascript: URL for the system", "error: system.url: must be an http:// or https:// URL without spaces or quotes",
         lambda: with_value(("system", "url"), "javascript:alert(1)")),
    Case("data_url.json", "a data: URL carrying HTML", "error: system.url: must be an http:// or https:// URL without spaces or quotes",
         lambda: with_value(("system", "url"), "data:text/html,<script>alert(1)</script>")),
    Case("url_breaking_out.json", "an https URL that closes the markdown link and adds an attribute",
         "error: system.url: must be an http:// or https:// URL without spaces or quotes",
         lambda: with_value(("system", "url"), 'https://example.org/") onmouseover="alert(1)')),
    Case("unicode_digit_date.json", "a date in Arabic-Indic digits",
         "error: predictions.000.time.date: string should match pattern '^[0-9]{4}-[0-9]{2}-[0-9]{2}$'",
         lambda: with_value((*TIME, "date"), "\u0662\u0660\u0662\u0665-\u0660\u0668-\u0661\u0665")),
    Case("unicode_digit_time.json", "a clock time with one Arabic-Indic digit",
         "error: predictions.000.time.time_utc: string should match pattern '^([01][0-9]|2[0-3]):[0-5][0-9]$'",
         lambda: with_value((*TIME, "time_utc"), "1\u0669:00")),
    Case("impossible_date.json", "30 February", "error: predictions.000.time.date: '2025-02-30' is not a calendar date",
         lambda: with_value((*TIME, "date"), "2025-02-30")),
    Case("time_24.json", "24:00 as a clock time", "error: predictions.000.time.time_utc: string should match pattern '^([01][0-9]|2[0-3]):[0-5][0-9]$'",
         lambda: with_value((*TIME, "time_utc"), "24:00")),
    # --- shape --------------------------------------------------------------------------
    Case("unknown_instance.json", "an instance 005 that does not exist", "error: predictions.005: unknown instance id; allowed: 000, 001, 002, 003, 004, event",
         lambda: with_value(("predictions", "005"), {})),
    Case("fullwidth_instance.json", "instance 000 spelled in full-width digits",
         'error: predictions["\\uff10\\uff10\\uff10"]: unknown instance id; allowed: 000, 001, 002, 003, 004, event',
         lambda: dump({**valid_submission(), "predictions": {("\uff10" * 3 if k == "000" else k): v for k, v in valid_submission()["predictions"].items()}})),
    Case("missing_instance.json", "instance 003 left out", "error: predictions.003: instance missing (pass --allow-partial to score it as an empty summary)",
         lambda: without(("predictions", "003"))),
    Case("missing_system.json", "no system block", "error: system: field required", lambda: without(("system",))),
    Case("unknown_top_key.json", "an extra top-level key", "error: scores: unknown key (not in the schema)",
         lambda: with_value(("scores",), {"overall": 100})),
    Case("gold_evidence_key.json", "gold-only 'evidence' on a predicted attendee", "error: predictions.000.attendees[0].evidence: unknown key (not in the schema)",
         lambda: with_value((*A0, "evidence"), [{"article": "000", "quote": "Trump"}])),
    Case("proto_key.json", "a __proto__ key (prototype pollution in JavaScript readers)",
         "error: predictions.000.__proto__: unknown key (not in the schema)",
         lambda: with_value(("predictions", "000", "__proto__"), {"admin": True})),
    Case("schema_version_space.json", "schema_version \"1 \" with a trailing space", "error: schema_version: input should be '1'",
         lambda: with_value(("schema_version",), "1 ")),
)


def write_special(case: Case, directory: Path) -> None:
    """Make the cases that are not regular files: a directory and two symbolic links."""
    target = directory / case.file
    if case.file == "directory.json":
        target.mkdir()
        # Git keeps no empty directories.
        (target / "README").write_text("A directory where a submission file is expected.\n", encoding="ascii")
    elif case.file == "dangling_link.json":
        os.symlink("no-such-submission.json", target)
    elif case.file == "dev_zero_link.json":
        os.symlink("/dev/zero", target)
    else:
        raise ValueError(f"no special writer for {case.file}")


def write_corpus(directory: Path) -> None:
    """Write every case and the manifest into ``directory``, replacing what was there."""
    for case in CASES:
        target = directory / case.file
        if target.is_symlink() or target.is_file():
            target.unlink()
        elif target.is_dir():
            shutil.rmtree(target)
        if case.content is None:
            write_special(case, directory)
        else:
            target.write_bytes(case.content())
    lines = [f"{case.file}\t{case.tries}\t{case.expected}\n" for case in CASES]
    (directory / MANIFEST).write_text("file\ttries\texpected first line on stderr\n" + "".join(lines), encoding="utf-8")


if __name__ == "__main__":
    write_corpus(Path(sys.argv[1]) if len(sys.argv) > 1 else HERE)
