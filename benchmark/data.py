"""The benchmark's data: the articles, the instances and their gold.

The articles live in ``benchmark/articles/`` byte for byte as published, with
their SHA-256 in ``benchmark/articles/SHA256SUMS``; the gold files live in
``gold/`` with theirs in ``gold/SHA256SUMS``, and the fact inventory of each
article (every claim a summary could state, which gold demands and stakes
refer to by id) in ``gold/facts/`` with ``gold/facts/SHA256SUMS``. The lists are in the format of
``sha256sum``, so ``sha256sum -c SHA256SUMS`` checks them without this code.
Scoring refuses to run when either no longer matches (``verify_integrity``).

All of it is package data (``gold`` is a package of its own, holding data
only), read through ``importlib.resources``, so that an installed copy scores
from any folder; nothing here depends on where a clone of the repository is.
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass
from fnmatch import fnmatchcase
from functools import cache
from importlib.resources import files
from importlib.resources.abc import Traversable
from pathlib import Path

from pydantic import ValidationError

from benchmark.errors import InputError, IntegrityError
from benchmark.files import read_capped
from benchmark.schema import ARTICLE_IDS, INSTANCE_IDS, Fact, FactInventory, GoldSummary, json_path
from benchmark.submission import parse_json_bytes


class _NotInstalled(Traversable):
    """Stands for a data package that cannot be imported: the first read reports it, in one line.

    For example, an editable install made before ``gold/`` became a package: its
    import finder knows only the packages there were then. Commands that read
    no data (``validate``, ``schema``) still work.
    """

    def __init__(self, package: str, name: str | None = None):
        self._package, self._name = package, name or package

    @property
    def name(self) -> str:
        return self._name

    def joinpath(self, *descendants: str) -> _NotInstalled:
        return _NotInstalled(self._package, descendants[-1] if descendants else self._name)

    def _missing(self, *args, **kwargs):
        raise IntegrityError(f"the benchmark's data package {self._package!r} is not installed; reinstall the benchmark (in a clone: pip install -e .)")

    # __fspath__ too: capped reads (benchmark.files.read_capped) open the data by path.
    iterdir = is_dir = is_file = open = read_bytes = read_text = __fspath__ = _missing


def _data_package(name: str) -> Traversable:
    """The files of a data package (a folder of package data, read through importlib.resources)."""
    try:
        return files(name)
    except ModuleNotFoundError:
        return _NotInstalled(name)


ARTICLES_DIR: Traversable = files("benchmark") / "articles"
GOLD_DIR: Traversable = _data_package("gold")
FACTS_DIR: Traversable = GOLD_DIR / "facts"
CHECKSUMS_FILE = "SHA256SUMS"
_SHA256_HEX = re.compile(r"[0-9a-f]{64}")


@dataclass(frozen=True)
class Article:
    """One source article."""

    id: str
    filename: str
    text: str
    sha256: str


@dataclass(frozen=True)
class Instance:
    """One unit of the task: the article(s) a system reads, and the gold it is graded against."""

    id: str
    sources: tuple[Article, ...]
    gold: GoldSummary
    facts: tuple[Fact, ...]
    """The inventory facts of the sources, in article order."""


def _sha256(path: Traversable) -> str:
    return hashlib.sha256(read_capped(path)).hexdigest()


def _matching(directory: Traversable, pattern: str) -> list[Traversable]:
    """The entries of ``directory`` whose names match ``pattern`` (as ``Path.glob`` would), sorted by name."""
    return sorted((entry for entry in directory.iterdir() if fnmatchcase(entry.name, pattern)), key=lambda entry: entry.name)


def read_checksums(directory: Traversable) -> dict[str, str]:
    """Read a ``sha256sum``-format file: file name -> recorded SHA-256."""
    path = directory / CHECKSUMS_FILE
    if not path.is_file():
        raise IntegrityError(f"{path}: checksum list missing")
    recorded: dict[str, str] = {}
    try:
        lines = read_capped(path).decode("utf-8").splitlines()
    except (OSError, UnicodeDecodeError) as error:
        raise IntegrityError(f"{path}: unreadable checksum list ({error.__class__.__name__})") from None
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        fields = line.split(maxsplit=1)
        if len(fields) != 2 or not _SHA256_HEX.fullmatch(fields[0]):
            raise IntegrityError(f"{path}:{number}: not a 'sha256  name' line")
        recorded[fields[1].lstrip("*")] = fields[0]
    return recorded


def write_checksums(directory: Path, pattern: str) -> dict[str, str]:
    """Record the SHA-256 of the files matching ``pattern`` (maintainers, after editing gold)."""
    recorded = {p.name: _sha256(p) for p in sorted(directory.glob(pattern))}
    body = "".join(f"{digest}  {name}\n" for name, digest in recorded.items())
    (directory / CHECKSUMS_FILE).write_text(body, encoding="utf-8")
    return recorded


def verify_integrity() -> dict[str, str]:
    """Check the articles and gold against their recorded checksums.

    Returns:
        Every data file (``articles/<name>``, ``gold/<name>``) with its SHA-256,
        for the score signature.

    Raises:
        IntegrityError: naming the first file that is missing, extra or changed.
    """
    hashes: dict[str, str] = {}
    for label, directory, pattern in (("articles", ARTICLES_DIR, "*.txt"), ("gold", GOLD_DIR, "*.json"), ("facts", FACTS_DIR, "*.json")):
        recorded = read_checksums(directory)
        present = {p.name for p in _matching(directory, pattern)}
        for name in sorted(present - set(recorded)):
            raise IntegrityError(f"{directory / name}: not in {CHECKSUMS_FILE}; the benchmark data was changed")
        for name, digest in sorted(recorded.items()):
            path = directory / name
            if not path.is_file():
                raise IntegrityError(f"{path}: missing; the benchmark data is incomplete")
            actual = _sha256(path)
            if actual != digest:
                raise IntegrityError(f"{path}: SHA-256 {actual[:12]}… does not match the recorded {digest[:12]}…; the benchmark data was changed")
            hashes[f"{label}/{name}"] = digest
    return hashes


@cache
def load_articles() -> dict[str, Article]:
    """The five articles by id ("000".."004"), decoded from UTF-8 exactly as stored."""
    articles: dict[str, Article] = {}
    for path in _matching(ARTICLES_DIR, "*.txt"):
        article_id = path.name[:3]
        data = read_capped(path)
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError as error:
            raise IntegrityError(f"{path}: not UTF-8 (invalid byte at offset {error.start}); the benchmark data was changed") from None
        articles[article_id] = Article(article_id, path.name, text, hashlib.sha256(data).hexdigest())
    if tuple(articles) != ARTICLE_IDS:
        raise IntegrityError(f"{ARTICLES_DIR}: expected articles {', '.join(ARTICLE_IDS)}, found {', '.join(articles) or 'none'}")
    return articles


def _load_model(path: Traversable, model: type, what: str):
    """Read a data file and validate it; any problem is an IntegrityError naming the file and the first problem."""
    if not path.is_file():
        raise IntegrityError(f"{path}: {what} file missing")
    try:
        return model.model_validate(parse_json_bytes(read_capped(path), source=str(path)))
    except InputError as error:
        raise IntegrityError(f"{path}: invalid {what}: {error}") from None
    except ValidationError as error:
        # One line, as every error the CLI prints: the first problem and a count.
        first = error.errors()[0]
        more = f" (and {error.error_count() - 1} more)" if error.error_count() > 1 else ""
        raise IntegrityError(f"{path}: invalid {what}: {json_path(*first['loc'])}: {first['msg']}{more}") from None


def load_gold(instance_id: str) -> GoldSummary:
    """The gold summary of one instance, validated against the gold schema."""
    path = GOLD_DIR / f"{instance_id}.json"
    gold = _load_model(path, GoldSummary, "gold")
    if gold.id != instance_id:
        raise IntegrityError(f"{path}: gold id {gold.id!r} does not match its file name")
    return gold


@cache
def load_facts(article_id: str) -> tuple[Fact, ...]:
    """The fact inventory of one article (``gold/facts/<id>.json``), every id prefixed with the article's."""
    path = FACTS_DIR / f"{article_id}.json"
    inventory = _load_model(path, FactInventory, "fact inventory")
    if inventory.article != article_id:
        raise IntegrityError(f"{path}: article {inventory.article!r} does not match its file name")
    ids = [fact.id for fact in inventory.facts]
    stray = next((i for i in ids if i[:3] != article_id), None) or next((i for i in ids if ids.count(i) > 1), None)
    if stray:
        raise IntegrityError(f"{path}: fact id {stray!r} is repeated or names another article")
    return tuple(inventory.facts)


def facts_of(sources: tuple[Article, ...]) -> tuple[Fact, ...]:
    """The inventory facts of a tuple of source articles, in article order."""
    return tuple(fact for article in sources for fact in load_facts(article.id))


def sources_of(instance_id: str) -> tuple[Article, ...]:
    """The articles a system reads for an instance: its own article, or all five for "event"."""
    articles = load_articles()
    if instance_id == "event":
        return tuple(articles.values())
    return (articles[instance_id],)


@cache
def load_instances() -> dict[str, Instance]:
    """All six instances, in canonical order."""
    instances = {}
    for instance_id in INSTANCE_IDS:
        sources = sources_of(instance_id)
        gold = load_gold(instance_id)
        facts = facts_of(sources)
        known = {fact.id for fact in facts}
        for field in ("demands", "stakes"):
            for position, item in enumerate(getattr(gold, field)):
                unknown = next((f for f in item.facts if f not in known), None)
                if unknown:
                    where = json_path("gold", instance_id, field, position, "facts")
                    raise IntegrityError(f"{where}: {unknown!r} is not a fact of this instance's sources")
        instances[instance_id] = Instance(instance_id, sources, gold, facts)
    return instances


def articles_jsonl() -> bytes:
    """The articles as JSON Lines, the form the Hugging Face dataset loads (config "articles").

    The ``.txt`` files stay the source of truth; this file is derived from
    them and a test keeps the two identical.
    """
    rows = (
        json.dumps({"id": a.id, "filename": a.filename, "sha256": a.sha256, "text": a.text}, ensure_ascii=False)
        for a in load_articles().values()
    )
    return "".join(f"{row}\n" for row in rows).encode("utf-8")


def _folder_on_disk(directory: Traversable) -> Path:
    """A data folder as a writable path; data inside an archive cannot be rewritten."""
    if not isinstance(directory, Path):
        raise IntegrityError(f"{directory}: not a folder on disk; refresh the data from a clone of the repository")
    return directory


def refresh_derived_files() -> None:
    """Maintainers, in a clone: after editing gold, record its checksums and rewrite the dataset's article file."""
    write_checksums(_folder_on_disk(GOLD_DIR), "*.json")
    write_checksums(_folder_on_disk(FACTS_DIR), "*.json")
    (_folder_on_disk(ARTICLES_DIR) / "articles.jsonl").write_bytes(articles_jsonl())


if __name__ == "__main__":
    refresh_derived_files()
