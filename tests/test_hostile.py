"""The hostile corpus: every file in tests/hostile/ is refused cleanly.

Each file is run through the real ``bench validate`` in its own process, from
a temporary working directory holding a copy of the corpus, and must give
exit code 2, nothing on stdout, only ``error: <where>: <what>`` lines on
stderr (the first one exactly as MANIFEST.tsv says), at most 20 problems plus
a count, no traceback, and no file created or changed anywhere.
"""

from __future__ import annotations

import functools
import hashlib
import importlib.util
import os
import re
import shutil
import sys
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from subprocess import CompletedProcess

import pytest

from benchmark.errors import InputError
from benchmark.normalize import fold, resolve_party
from benchmark.submission import validate_submission_data
from tests.conftest import SUBMISSIONS_DIR, run_bench

CORPUS = Path(__file__).resolve().parent / "hostile"
NOT_CASES = {"make_corpus.py", "MANIFEST.tsv", "__pycache__"}
MAX_PROBLEM_LINES = 20
# A place in a submission in json_path notation: plain keys, [n] indices and ["escaped"] keys.
_KEY = r'(?:[A-Za-z0-9_-]+|\["(?:[^"\\]|\\.)*"\])'
_JSON_PATH = rf'{_KEY}(?:\.[A-Za-z0-9_-]+|\[\d+\]|\["(?:[^"\\]|\\.)*"\])*'
_MORE = re.compile(r"error: \.\.\. and \d+ more problems? not shown")
# Refused by `bench score` and `bench submit` before any model is loaded; a cross-section of the corpus.
SCORED = ("empty.json", "nan.json", "newline_key.json", "deep_arrays.json", "cyrillic_homoglyph.json", "oversize.json")


@dataclass(frozen=True)
class Entry:
    file: str
    tries: str
    expected: str


def _read_manifest() -> list[Entry]:
    lines = (CORPUS / "MANIFEST.tsv").read_text(encoding="utf-8").splitlines()
    return [Entry(*line.split("\t")) for line in lines[1:]]


ENTRIES = _read_manifest()


@functools.cache
def _load_make_corpus():
    spec = importlib.util.spec_from_file_location("make_corpus", CORPUS / "make_corpus.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # its dataclasses look their module up while being built
    spec.loader.exec_module(module)
    return module


def _snapshot(root: Path) -> dict[str, tuple]:
    """Every entry under ``root``: kind, and content hash, link target and mtime, so any change shows."""
    state: dict[str, tuple] = {}
    if not root.exists():
        return state
    for directory, dirnames, filenames in os.walk(root):
        for name in dirnames + filenames:
            path = Path(directory) / name
            relative = str(path.relative_to(root))
            if path.is_symlink():
                state[relative] = ("link", os.readlink(path))
            elif path.is_dir():
                state[relative] = ("dir",)
            else:
                status = path.stat()
                state[relative] = ("file", hashlib.sha256(path.read_bytes()).hexdigest(), status.st_size, status.st_mtime_ns)
    return state


def _snapshot_contents(root: Path, exclude: set[str] = frozenset()) -> dict[str, tuple]:
    return {path: state[:2] for path, state in _snapshot(root).items() if path.split(os.sep)[0] not in exclude}


def _copy_corpus(destination: Path) -> None:
    for entry in ENTRIES:
        source = CORPUS / entry.file
        if source.is_symlink():
            os.symlink(os.readlink(source), destination / entry.file)
        elif source.is_dir():
            shutil.copytree(source, destination / entry.file)
        else:
            shutil.copy2(source, destination / entry.file)


@dataclass(frozen=True)
class CorpusRuns:
    validate: dict[str, CompletedProcess]
    score: dict[str, CompletedProcess]
    submit: dict[str, CompletedProcess]
    workdir_before: dict
    workdir_after: dict
    submissions_before: dict
    submissions_after: dict


@pytest.fixture(scope="module")
def corpus_runs(tmp_path_factory) -> CorpusRuns:
    workdir = tmp_path_factory.mktemp("hostile")
    _copy_corpus(workdir)
    # submissions/ is compared by content only: in a shared checkout other runs may rewrite its files unchanged.
    workdir_before, submissions_before = _snapshot(workdir), _snapshot_contents(SUBMISSIONS_DIR)
    # Processes run side by side: each is a real `bench` start-up, and there are many.
    with ThreadPoolExecutor(max_workers=4) as pool:
        validate = dict(zip((e.file for e in ENTRIES), pool.map(lambda e: run_bench("validate", e.file, cwd=workdir), ENTRIES)))
        score = dict(zip(SCORED, pool.map(lambda name: run_bench("score", name, "--output", "results.json", cwd=workdir), SCORED)))
        # Files into ./submissions, under the temporary directory: its creation would show in the snapshot.
        submit = dict(zip(SCORED, pool.map(lambda name: run_bench("submit", name, "--submissions-dir", "submissions", cwd=workdir), SCORED)))
    return CorpusRuns(validate, score, submit, workdir_before, _snapshot(workdir), submissions_before, _snapshot_contents(SUBMISSIONS_DIR))


def _assert_refused_cleanly(result: CompletedProcess, entry: Entry) -> None:
    assert result.returncode == 2, (entry.file, result.returncode, result.stderr)
    assert result.stdout == ""
    assert "Traceback" not in result.stderr
    lines = result.stderr.splitlines()
    assert lines and lines[0] == entry.expected, (entry.file, lines[:3])
    assert len(lines) <= MAX_PROBLEM_LINES + 1
    where = rf"error: (?:{re.escape(entry.file)}(?::\d+:\d+)?|\$|{_JSON_PATH}): \S"
    for line in lines:
        assert line.isprintable(), f"unprintable character in {line!r}"
        assert re.match(where, line) or _MORE.fullmatch(line), line


def test_the_corpus_is_large_and_every_file_has_a_manifest_line():
    on_disk = {p.name for p in CORPUS.iterdir()} - NOT_CASES
    assert on_disk == {e.file for e in ENTRIES}
    assert len(ENTRIES) >= 60
    assert all(e.tries and e.expected.startswith("error: ") for e in ENTRIES)


def test_make_corpus_reproduces_the_committed_files(tmp_path):
    _load_make_corpus().write_corpus(tmp_path)
    assert _snapshot_contents(tmp_path) == _snapshot_contents(CORPUS, exclude=NOT_CASES - {"MANIFEST.tsv"})


def test_the_corpus_base_submission_is_valid():
    # Each case breaks this file in one place, so each refusal is for the reason the case names.
    validate_submission_data(_load_make_corpus().valid_submission())


@pytest.mark.parametrize("entry", ENTRIES, ids=[e.file for e in ENTRIES])
def test_bench_validate_refuses_the_file_cleanly(corpus_runs, entry):
    _assert_refused_cleanly(corpus_runs.validate[entry.file], entry)


def test_a_flood_of_problems_is_cut_to_twenty_lines_and_a_count(corpus_runs):
    lines = corpus_runs.validate["flood_unknown_keys.json"].stderr.splitlines()
    assert len(lines) == MAX_PROBLEM_LINES + 1
    assert lines[-1] == "error: ... and 100 more problems not shown"


def test_a_newline_in_a_key_cannot_forge_a_line(corpus_runs):
    stderr = corpus_runs.validate["newline_key.json"].stderr
    assert stderr == 'error: predictions.000.venue["planet\\nok: all good"]: unknown key (not in the schema)\n'


def test_terminal_escape_sequences_never_reach_the_terminal(corpus_runs):
    for result in corpus_runs.validate.values():
        assert "\x1b" not in result.stderr and "\u202e" not in result.stderr


@pytest.mark.parametrize("command", ["score", "submit"])
@pytest.mark.parametrize("name", SCORED)
def test_bench_score_and_submit_refuse_the_file_before_scoring(corpus_runs, name, command):
    entry = next(e for e in ENTRIES if e.file == name)
    _assert_refused_cleanly(getattr(corpus_runs, command)[name], entry)


def test_no_file_is_created_or_changed(corpus_runs):
    assert corpus_runs.workdir_after == corpus_runs.workdir_before
    assert corpus_runs.submissions_after == corpus_runs.submissions_before


# --- look-alike spellings ------------------------------------------------------------


def _name_problem(name: str) -> str | None:
    submission = _load_make_corpus().valid_submission()
    submission["predictions"]["000"]["attendees"][0]["name"] = name
    try:
        validate_submission_data(submission)
    except InputError as error:
        return error.lines()[0]
    return None


@pytest.mark.parametrize(
    "written,plain",
    [
        ("\uff30\uff55\uff54\uff49\uff4e", "Putin"),  # full-width letters
        ("\U0001d40f\U0001d42e\U0001d42d\U0001d422\U0001d427", "Putin"),  # mathematical bold
        ("Pu\u0301tin", "Putin"),  # combining acute accent
        ("P\u00fatin", "Putin"),  # precomposed accent
        ("\ufb01nland", "finland"),  # the fi ligature
        ("STRA\u00dfE", "strasse"),  # sharp s case-folds to ss
        ("Zelensk\u00fdy\u2019s", "zelenskyy s"),  # accents and a curly apostrophe
    ],
)
def test_look_alike_spellings_fold_to_the_plain_name_and_are_accepted(written, plain):
    assert fold(written) == fold(plain)
    assert _name_problem(written) is None


def test_look_alike_parties_resolve_to_the_canonical_party():
    assert resolve_party("\uff2b\uff52\uff45\uff4d\uff4c\uff49\uff4e") == "Russia"  # full-width "Kremlin"
    assert resolve_party("U.\u00a0S.") == "United States"


@pytest.mark.parametrize(
    "name,scripts",
    [
        ("Vladimir \u0420utin", "Cyrillic and Latin"),  # Cyrillic capital Er
        ("Vladimir Put\u0456n", "Latin and Cyrillic"),  # Cyrillic i
        ("Marc\u03bf Rubio", "Latin and Greek"),  # Greek omicron
        ("\uff30\u0443tin", "Latin and Cyrillic"),  # full-width Latin P, then a Cyrillic u
    ],
)
def test_a_word_mixing_scripts_is_refused(name, scripts):
    assert f"mixes {scripts} letters in one word" in _name_problem(name)


@pytest.mark.parametrize("name", ["\u041f\u0443\u0442\u0438\u043d", "\u041f\u0443\u0442\u0438\u043d Putin", "\u6771\u4eac\u30bf\u30ef\u30fc", "\u0391\u03bb\u03ad\u03be\u03b7\u03c2 Tsipras"])
def test_whole_words_in_one_script_are_accepted_and_compared_as_written(name):
    assert _name_problem(name) is None
    # NFKC does not fold across scripts: a Cyrillic "Путин" stays a different string from "Putin".
    assert fold(name) != fold("Putin")


def test_a_file_name_with_a_newline_and_an_escape_is_printed_escaped(tmp_path):
    name = "evil\nerror: all good\x1b[2J.json"
    (tmp_path / name).write_bytes(b"")
    result = run_bench("validate", name, cwd=tmp_path)
    assert result.returncode == 2
    assert result.stderr == 'error: "evil\\nerror: all good\\u001b[2J.json": file is empty\n'
