"""How fast is ``bench``? Whole-process wall time and peak memory, against targets (issue 7).

Run from the repository root (about ten minutes; most of it is the naive path)::

    python perf/perf.py                   # N = 10 and 100 synthetic submissions
    python perf/perf.py --sizes 10        # quicker

Every measurement is a new process, started the way a user would start it,
timed from start to exit; its peak memory is the larger of the resident-set
high-water mark the kernel reports for that process (``os.wait4``) and the
memory of its process tree (itself and its scoring workers, proportional set
sizes summed, sampled twice a second). "Cold" means a fresh,
empty embedding cache (``BENCH_CACHE_DIR``) and, for the leaderboard, no
cached results and no chart; "warm" means the same command run again, caches in place
(the median of three runs). The leaderboard is also measured with no
results cached but the benchmark's own texts (the fact inventory's
statements and opposites) already embedded on disk, as any earlier scoring run leaves them. Cold
``bench score``, the floor and the cold leaderboard are the median of three
runs too, each from empty caches: on these shared machines one run can come
out a second or two slow.

Measured:

* ``bench validate`` on the example submission;
* the floor: a process that imports the scoring stack and loads the model,
  nothing else;
* ``bench score`` on the example submission: cold, and with the embedding
  cache of the benchmark texts already on disk;
* ``bench leaderboard`` over N synthetic submissions (gold, perturbed and
  reworded with a fixed seed so that their texts differ), cold and warm;
* ``bench score`` on the worst-case valid files (``worst_case_submission``),
  cold: every list at its item cap, every string at its length cap, and the
  demands and stakes filled to the token budget (``benchmark.budget``) in
  the two most expensive shapes: few long claims of one token per character,
  and the most claims the caps allow, worded from the gold so that each is
  read against many facts (``--worst-case`` measures only these);
* the naive path on the same N submissions: what a user writes by hand,
  one ``bert_score.score`` call per instance and text field over every
  predicted-gold pair (the model reloaded by each call). It computes only the
  BERTScore matrices, less than the scorer does, so the ratio is a lower
  bound.

The figures go to ``perf/perf_results.json`` (with the machine they were
measured on) and a table is printed, with each target and whether it is met.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np

REPO_ROOT = Path(__file__).resolve().parent.parent
# This checkout's packages, not whichever copy is installed (the measured processes run from REPO_ROOT too).
sys.path.insert(0, str(REPO_ROOT))
EXAMPLE = REPO_ROOT / "submissions" / "example" / "predictions.json"
RESULTS = REPO_ROOT / "perf" / "perf_results.json"
WORST_CASE_RESULTS = REPO_ROOT / "perf" / "perf_worst_case.json"
SEED = 20250815
TARGET_BOARD_SIZE = 100  # the board size the 10x target is set for
MEMORY_SAMPLE_SECONDS = 0.5

# What a participant would type to reword a demand or stake.
_REWORDINGS = (
    ("must", "has to"), ("Ukraine", "Kyiv"), ("Russia's", "Moscow's"), ("Russian", "Moscow's"), ("sanctions", "penalties"),
    ("ceasefire", "truce"), ("could", "might"), ("agreement", "deal"), ("United States", "US"), ("Trump", "the US president"),
    ("Putin", "the Russian president"), ("relief", "easing"), ("talks", "negotiations"), ("war", "conflict"),
)
_LEAD_INS = ("", "", "Reportedly, ", "According to officials, ", "In short: ", "Analysts say ")
_PARTY_ALIASES = {"Russia": ("Kremlin", "Moscow"), "United States": ("Washington", "US"), "Ukraine": ("Kyiv",), "Europe": ("EU",)}


@dataclass(frozen=True)
class Measurement:
    """One process: what it ran and what it cost."""

    name: str
    wall_seconds: float
    peak_memory_mb: float
    exit_code: int


def _tree_memory_kb(pid: int) -> int:
    """Memory of a process and all its descendants (scoring workers), in kilobytes; 0 once it is gone.

    Each process counts its proportional set size (PSS): a page shared by
    the parent and its forked workers is counted once in all, not once per
    process as resident sets would count it.
    """
    total, pending = 0, [pid]
    while pending:
        current = pending.pop()
        try:
            rollup = Path(f"/proc/{current}/smaps_rollup").read_text()
            children = Path(f"/proc/{current}/task/{current}/children").read_text().split()
        except OSError:
            continue
        total += next((int(line.split()[1]) for line in rollup.splitlines() if line.startswith("Pss:")), 0)
        pending += [int(child) for child in children]
    return total


def measure(name: str, argv: list[str], *, env: dict[str, str]) -> Measurement:
    """Run a command in a new process; its wall time and peak resident memory, its worker processes included."""
    with tempfile.TemporaryFile() as stderr:
        start = time.perf_counter()
        process = subprocess.Popen(argv, cwd=REPO_ROOT, env=env, stdout=subprocess.DEVNULL, stderr=stderr)
        # Scoring workers are forked from the process: the memory of the whole
        # tree is sampled, twice a second. Not more often: reading smaps_rollup
        # walks a process's page tables, and at 20 samples a second that took
        # enough CPU to slow the measured processes by a second or more.
        tree_peak_kb = [0]
        done = threading.Event()

        def sample() -> None:
            while not done.wait(MEMORY_SAMPLE_SECONDS):
                tree_peak_kb[0] = max(tree_peak_kb[0], _tree_memory_kb(process.pid))

        sampler = threading.Thread(target=sample, daemon=True)
        sampler.start()
        # wait4, unlike getrusage(RUSAGE_CHILDREN), reports this one child's
        # own high-water mark, which sampling can miss.
        _, status, usage = os.wait4(process.pid, 0)
        wall = time.perf_counter() - start
        done.set()
        sampler.join()
        exit_code = os.waitstatus_to_exitcode(status)
        if exit_code != 0:
            stderr.seek(0)
            raise SystemExit(f"{name} failed (exit {exit_code}):\n{stderr.read().decode('utf-8', 'replace')[-2000:]}")
    # ru_maxrss is in kilobytes on Linux.
    measurement = Measurement(name, round(wall, 3), round(max(usage.ru_maxrss, tree_peak_kb[0]) / 1024, 1), exit_code)
    print(f"  {name}: {measurement.wall_seconds:.2f} s, {measurement.peak_memory_mb:.0f} MB", flush=True)
    return measurement


def _median(runs: list[Measurement]) -> Measurement:
    """The run of median wall time (of an odd number): one slow or fast hiccup of a shared machine does not decide."""
    return sorted(runs, key=lambda m: m.wall_seconds)[len(runs) // 2]


def _reword(text: str, rng: np.random.Generator) -> str:
    for old, new in _REWORDINGS:
        if old in text and rng.random() < 0.5:
            text = text.replace(old, new)
    lead_in = _LEAD_INS[rng.integers(len(_LEAD_INS))]
    return lead_in + text


def _party(party: str | None, rng: np.random.Generator) -> str | None:
    aliases = _PARTY_ALIASES.get(party or "")
    return aliases[rng.integers(len(aliases))] if aliases and rng.random() < 0.3 else party


def synthetic_submission(index: int, gold: dict[str, dict]) -> dict:
    """A plausible submission: gold with items dropped, reworded, renamed and a few invented.

    Deterministic in ``index`` (seeded generator), different across indices.
    """
    rng = np.random.default_rng([SEED, index])
    pool = [item for summary in gold.values() for field in ("demands", "stakes") for item in summary[field]]
    predictions = {}
    for instance_id, summary in gold.items():
        attendees = []
        for person in summary["attendees"]:
            if rng.random() < 0.9:
                names = [person["name"], *person["aliases"]]
                attendees.append({"name": names[rng.integers(len(names))], "role": person["role"], "country": person["country"]})
        venue = summary["venue"] and {k: (v if rng.random() < 0.85 else None) for k, v in summary["venue"].items() if k not in ("aliases", "evidence")}
        time_ = summary["time"] and {k: (v if rng.random() < 0.9 else None) for k, v in summary["time"].items() if k != "evidence"}
        prediction = {"attendees": attendees, "venue": venue, "time": time_}
        for field in ("demands", "stakes"):
            items = [{"party": _party(i["party"], rng), "text": _reword(i["text"], rng)} for i in summary[field] if rng.random() < 0.85]
            if rng.random() < 0.3:
                invented = pool[rng.integers(len(pool))]
                items.append({"party": invented["party"], "text": _reword(invented["text"], rng)})
            prediction[field] = items
        predictions[instance_id] = prediction
    return {"schema_version": "1", "system": {"name": f"synthetic {index:03d}"}, "predictions": predictions}


def write_synthetic_submissions(directory: Path, count: int) -> None:
    """Create ``directory/synthetic-NNN/predictions.json`` for NNN < count."""
    from benchmark.data import load_instances

    gold = {i: instance.gold.model_dump(mode="json") for i, instance in load_instances().items()}
    for index in range(count):
        folder = directory / f"synthetic-{index:03d}"
        folder.mkdir(parents=True)
        (folder / "predictions.json").write_text(json.dumps(synthetic_submission(index, gold), ensure_ascii=False), encoding="utf-8")


WORST_CASE_SHAPES = ("long claims", "many claims")
WORST_CASE_TARGET_SECONDS = 30.0
WORST_CASE_TARGET_MB = 1536.0


def worst_case_submission(shape: str) -> dict:
    """A valid submission as costly to score as the input rules allow, in one of ``WORST_CASE_SHAPES``.

    Every instance has 100 attendees whose name, role and country are 1,000
    characters (digit groups, each string different) and a venue of four
    1,000-character strings. The demands and stakes are filled up to exactly
    the token budget: "long claims" are 300-character runs of punctuation
    (one token per character, the longest sequences the model sees);
    "many claims" are up to 100 per list, each a gold demand or stake with
    its words shuffled and a number added (each different, each close to
    many facts, under a real party).
    """
    from benchmark.budget import MAX_CLAIM_TOKENS, claim_tokens
    from benchmark.data import load_instances
    from benchmark.schema import INSTANCE_IDS, MAX_CLAIM_CHARS, MAX_LIST_ITEMS, MAX_STRING_CHARS

    rng = np.random.default_rng([SEED, WORST_CASE_SHAPES.index(shape)])

    def digits(length: int) -> str:
        return " ".join(str(n) for n in rng.integers(100, 99999, size=length))[:length].strip()

    gold = [item for instance in load_instances().values() for field in ("demands", "stakes") for item in getattr(instance.gold, field)]
    punctuation = np.array(list("!#$%&()*+,-./:;<=>?@[]^_{|}~"))

    def claim() -> dict:
        if shape == "long claims":
            return {"party": "Russia", "text": "".join(rng.choice(punctuation, size=MAX_CLAIM_CHARS))}
        item = gold[rng.integers(len(gold))]
        words = item.text.split()
        rng.shuffle(words)
        return {"party": item.party, "text": (" ".join(words) + f" {rng.integers(10**6)}")[:MAX_CLAIM_CHARS]}

    predictions = {
        instance: {
            "attendees": [{key: digits(MAX_STRING_CHARS) for key in ("name", "role", "country")} for _ in range(MAX_LIST_ITEMS)],
            "venue": {key: digits(MAX_STRING_CHARS) for key in ("name", "city", "region", "country")},
            "time": {"date": "2025-08-15", "weekday": "Friday", "time_utc": "19:00"},
            "demands": [],
            "stakes": [],
        }
        for instance in INSTANCE_IDS
    }
    lists = [predictions[instance][field] for instance in INSTANCE_IDS for field in ("demands", "stakes")]
    tokens, position = 0, 0
    while True:
        candidate = claim()
        cost = claim_tokens([candidate["text"]])
        target = lists[position % len(lists)]
        if tokens + cost > MAX_CLAIM_TOKENS or len(target) == MAX_LIST_ITEMS:
            break
        target.append(candidate)
        tokens, position = tokens + cost, position + 1
    return {"schema_version": "1", "system": {"name": f"worst case, {shape}"}, "predictions": predictions}


def measure_worst_case(scratch: Path, bench: list[str], cache: Callable[[str], dict[str, str]]) -> dict[str, Measurement]:
    """``bench score`` of each worst-case shape from an empty cache (the median of three), after checking the file is valid."""
    figures = {}
    for shape in WORST_CASE_SHAPES:
        path = scratch / f"worst-{shape.replace(' ', '-')}.json"
        path.write_text(json.dumps(worst_case_submission(shape), ensure_ascii=False), encoding="utf-8")
        measure(f"bench validate, worst case ({shape}, {path.stat().st_size:,} bytes)", [*bench, "validate", str(path)], env=cache("validate"))
        score = [*bench, "score", str(path), "--output", str(scratch / "worst-results.json")]
        figures[f"worst_case_{shape.replace(' ', '_')}"] = _median(
            [measure(f"bench score, worst case ({shape}), cold", score, env=cache(f"worst-{shape}-{run}")) for run in range(3)]
        )
    return figures


def _worst_case_targets(figures: dict[str, Measurement]) -> list[tuple[str, float, bool | None]]:
    worst = [m for key, m in figures.items() if key.startswith("worst_case_")]
    if not worst:
        return []
    slowest = max(m.wall_seconds for m in worst)
    heaviest = max(m.peak_memory_mb for m in worst)
    return [
        (f"worst-case valid file, cold <= {WORST_CASE_TARGET_SECONDS:g} s", slowest, slowest <= WORST_CASE_TARGET_SECONDS),
        (f"worst-case valid file <= {WORST_CASE_TARGET_MB:g} MB", heaviest, heaviest <= WORST_CASE_TARGET_MB),
    ]


def naive_path(directory: Path) -> None:
    """BERTScore as a user would compute it by hand: one bert_score.score call per instance and text field."""
    import bert_score

    from benchmark.data import load_instances
    from scorers.model import NUM_LAYERS, model_path

    model = str(model_path())
    instances = load_instances()
    for path in sorted(directory.glob("*/predictions.json")):
        predictions = json.loads(path.read_text(encoding="utf-8"))["predictions"]
        for instance_id, instance in instances.items():
            for field in ("demands", "stakes"):
                predicted = [item["text"] for item in predictions.get(instance_id, {}).get(field, [])]
                expected = [item.text for item in getattr(instance.gold, field)]
                if predicted and expected:
                    candidates = [p for p in predicted for _ in expected]
                    references = [g for _ in predicted for g in expected]
                    bert_score.score(candidates, references, model_type=model, num_layers=NUM_LAYERS)


# Everything scoring imports, and the model loaded; then the process ends the
# way bench does (benchmark.cli._exit), without the interpreter's teardown.
_FLOOR = (
    "import os, rapidfuzz, scipy.optimize, scorers.results, scorers.texts\n"
    "from scorers.similarity import load_encoder, rouge_l\n"
    "load_encoder(); rouge_l('a', 'a')\n"
    "os._exit(0)\n"
)


def run(sizes: list[int], output: Path, *, worst_case_only: bool = False) -> dict:
    bench = [sys.executable, "-m", "benchmark.cli"]
    base_env = {**os.environ, "HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1", "PYTHONHASHSEED": "0"}
    figures: dict[str, Measurement] = {}
    with tempfile.TemporaryDirectory(prefix="bench-perf-") as scratch_name:
        scratch = Path(scratch_name)

        def cache(name: str) -> dict[str, str]:
            return {**base_env, "BENCH_CACHE_DIR": str(scratch / f"cache-{name}")}

        print("measuring (each line is one new process):", flush=True)
        figures.update(measure_worst_case(scratch, bench, cache))
        if worst_case_only:
            return _report(figures, _worst_case_targets(figures), sizes=[], output=output)
        figures["validate"] = measure("bench validate", [*bench, "validate", str(EXAMPLE)], env=base_env)
        figures["floor"] = _median([measure("import + model load (floor)", [sys.executable, "-c", _FLOOR], env=cache("floor")) for _ in range(3)])
        score = [*bench, "score", str(EXAMPLE), "--output", str(scratch / "results.json")]
        figures["score_cold"] = _median([measure("bench score, cold", score, env=cache(f"score-{run}")) for run in range(3)])
        figures["score_cached_texts"] = measure("bench score, benchmark texts cached", score, env=cache("score-0"))
        for n in sizes:
            directory = scratch / f"submissions-{n}"
            write_synthetic_submissions(directory, n)

            def board(run: str) -> list[str]:
                output = scratch / f"board-{n}-{run}"
                output.mkdir(exist_ok=True)
                return [*bench, "leaderboard", "--submissions-dir", str(directory), "--output-dir", str(output)]

            def forget_results() -> None:
                for results in directory.glob("*/results.json"):
                    results.unlink()

            cold_runs = []
            for run in range(3):  # each from nothing: no results, no embeddings, no chart
                forget_results()
                cold_runs.append(measure(f"bench leaderboard, {n} submissions, cold", board(f"cold-{run}"), env=cache(f"board-{n}-{run}")))
            figures[f"leaderboard_{n}_cold"] = _median(cold_runs)
            figures[f"leaderboard_{n}_warm"] = _median(
                [measure(f"bench leaderboard, {n} submissions, warm", board("cold-2"), env=cache(f"board-{n}-2")) for _ in range(3)]
            )
            forget_results()
            figures[f"leaderboard_{n}_cold_results"] = measure(
                f"bench leaderboard, {n} submissions, texts cached", board("texts-cached"), env=cache(f"board-{n}-2")
            )
            naive = [sys.executable, str(Path(__file__).resolve()), "--naive", str(directory)]
            figures[f"naive_{n}"] = measure(f"naive bert-score, {n} submissions", naive, env=cache(f"naive-{n}"))

    floor = figures["floor"].wall_seconds
    targets = [
        ("bench validate <= 0.5 s", figures["validate"].wall_seconds, figures["validate"].wall_seconds <= 0.5),
        ("bench score cold <= floor + 2 s", figures["score_cold"].wall_seconds - floor, figures["score_cold"].wall_seconds <= floor + 2),
    ]
    for n in sizes:
        cold, warm, naive = (figures[f"{kind}"].wall_seconds for kind in (f"leaderboard_{n}_cold", f"leaderboard_{n}_warm", f"naive_{n}"))
        texts_cached = figures[f"leaderboard_{n}_cold_results"].wall_seconds
        # The issue sets the 10x target for a board of 100; for other sizes the ratio is shown, not judged
        # (with few submissions, loading the model once is most of the run either way).
        judged = n == TARGET_BOARD_SIZE
        targets.append((f"naive / leaderboard cold, N={n}" + (" (>= 10)" if judged else ""), naive / cold, naive / cold >= 10 if judged else None))
        targets.append((f"  the same, benchmark texts cached, N={n}", naive / texts_cached, naive / texts_cached >= 10 if judged else None))
        targets.append((f"leaderboard warm, N={n} <= 1 s", warm, warm <= 1))
    peak = max(m.peak_memory_mb for key, m in figures.items() if not key.startswith("worst_case_"))
    targets.append(("peak memory <= 2048 MB", peak, peak <= 2048))
    targets += _worst_case_targets(figures)
    return _report(figures, targets, sizes=sizes, output=output)


def _report(figures: dict[str, Measurement], targets: list[tuple[str, float, bool | None]], *, sizes: list[int], output: Path) -> dict:
    """Write the figures to ``output`` and print them with the targets."""
    report = {
        "machine": {
            "cpus": os.cpu_count(),
            "platform": platform.platform(),
            "python": platform.python_version(),
            "load_average_at_end": [round(x, 2) for x in os.getloadavg()],
        },
        "measured_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "sizes": sizes,
        "measurements": {key: asdict(m) for key, m in figures.items()},
        "targets": [{"target": name, "value": round(value, 3), "met": met} for name, value, met in targets],
    }
    from benchmark.files import atomic_write

    atomic_write(output, (json.dumps(report, indent=2) + "\n").encode("utf-8"))

    print(f"\n{'process':<48}{'wall s':>9}{'peak MB':>10}")
    for m in figures.values():
        print(f"{m.name:<48}{m.wall_seconds:>9.2f}{m.peak_memory_mb:>10.0f}")
    print(f"\n{'target':<48}{'value':>9}  met")
    for name, value, met in targets:
        print(f"{name:<48}{value:>9.2f}  {'-' if met is None else 'yes' if met else 'NO'}")
    print(f"\nwritten to {output}")
    return report


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[10, 100], help="numbers of synthetic submissions (default: 10 100)")
    parser.add_argument("--output", type=Path, help="where to write the figures (default: perf/perf_results.json, or perf/perf_worst_case.json with --worst-case)")
    parser.add_argument("--worst-case", action="store_true", help="measure only the worst-case valid files (a few minutes)")
    parser.add_argument("--naive", type=Path, help=argparse.SUPPRESS)  # internal: run the naive path on a folder
    arguments = parser.parse_args()
    if arguments.naive:
        naive_path(arguments.naive)
    else:
        output = arguments.output or (WORST_CASE_RESULTS if arguments.worst_case else RESULTS)
        run(arguments.sizes, output, worst_case_only=arguments.worst_case)


if __name__ == "__main__":
    main()
