"""The installed package: a wheel carries everything scoring needs, and an installed copy scores from any folder (issue 13).

The wheel is built from a copy of the repository, offline (``pip wheel
--no-build-isolation``, with the setuptools of the test environment), and
installed ``--no-deps`` into a temporary target that uses this environment's
dependencies. The installed copy is run with that target on ``PYTHONPATH``
from folders outside the repository; each run first checks that ``benchmark``,
``scorers`` and ``gold`` really come from the target, not from the repository
or the editable install.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import zipfile
from dataclasses import dataclass
from pathlib import Path

import pytest
from typer.testing import CliRunner

from benchmark.cli import app
from benchmark.errors import RootNotFoundError
from benchmark.leaderboard import find_root
from tests.conftest import EXAMPLE_SUBMISSION, REPO_ROOT, run_bench

CODE_PACKAGES = ("benchmark", "scorers")
DATA_FOLDERS = ("gold", "benchmark/articles", "benchmark/prompts")
"""Every file in these folders of the repository is data that scoring, the runner or the meta-evaluation reads."""
_NOT_COPIED = shutil.ignore_patterns(".git", "build", "dist", "*.egg-info", ".pytest_cache", ".hypothesis", ".cache", "results.json", ".lock")

# Run by the installed copy: refuse to go on unless the packages come from the target, then run the CLI.
_RUN_INSTALLED = """
import sys
target = sys.argv.pop(1)
import benchmark, benchmark.data, gold, scorers
where = {"benchmark": benchmark.__file__, "scorers": scorers.__file__, "gold": gold.__file__, "gold data": str(benchmark.data.GOLD_DIR)}
outside = {name: path for name, path in where.items() if not path.startswith(target)}
if outside:
    sys.exit(f"not the installed copy: {outside}")
from benchmark.cli import main
main()
"""


@dataclass(frozen=True)
class Installed:
    source: Path
    """The copy of the repository the wheel was built from (a clone, as far as the board is concerned)."""
    wheel: Path
    target: Path

    def run(self, *args: str, cwd: Path) -> subprocess.CompletedProcess:
        """Run ``bench ARGS`` from the installed copy, in ``cwd``."""
        env = {**os.environ, "PYTHONPATH": str(self.target)}
        command = [sys.executable, "-c", _RUN_INSTALLED, str(self.target), *args]
        return subprocess.run(command, cwd=cwd, env=env, capture_output=True, text=True, timeout=600)


def _pip(*args: str) -> None:
    completed = subprocess.run([sys.executable, "-m", "pip", *args], capture_output=True, text=True, timeout=300)
    assert completed.returncode == 0, completed.stdout[-2000:] + completed.stderr[-2000:]


def _files_under(folder: Path) -> set[str]:
    """The data files under a repository folder, as paths relative to the repository (no Python files or caches)."""
    return {
        path.relative_to(REPO_ROOT).as_posix()
        for path in folder.rglob("*")
        if path.is_file() and "__pycache__" not in path.parts and path.suffix != ".py"
    }


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Installed:
    """A wheel built from a copy of the repository and installed, without dependencies, into a temporary target."""
    pytest.importorskip("setuptools", reason="building the wheel offline needs setuptools (the test extra installs it)")
    base = tmp_path_factory.mktemp("package")
    source, wheels, target = base / "clone", base / "wheels", base / "target"
    # symlinks=True: tests/hostile/ holds links to /dev/zero and to nothing, copied as links.
    shutil.copytree(REPO_ROOT, source, symlinks=True, ignore=_NOT_COPIED)
    _pip("wheel", str(source), "--no-deps", "--no-build-isolation", "--no-index", "--quiet", "--wheel-dir", str(wheels))
    (wheel,) = wheels.glob("*.whl")
    _pip("install", str(wheel), "--no-deps", "--no-index", "--quiet", "--target", str(target))
    return Installed(source, wheel, target)


def test_wheel_holds_the_code_and_the_data_and_nothing_else(installed: Installed) -> None:
    names = set(zipfile.ZipFile(installed.wheel).namelist())
    tops = {name.split("/")[0] for name in names if ".dist-info/" not in name}
    assert tops == {"benchmark", "scorers", "gold"}, "no tests/, submissions/ or scripts in the wheel"
    assert not [name for name in names if "__pycache__" in name or name.endswith((".pyc", "results.json", ".lock"))]
    data = set().union(*(_files_under(REPO_ROOT / folder) for folder in DATA_FOLDERS))
    assert {"gold/SHA256SUMS", "gold/GUIDELINES.md", "gold/facts/SHA256SUMS", "gold/judgments/MANIFEST.json", "gold/judgments/README.md"} <= data
    assert sorted(data - names) == [], "data files missing from the wheel (pyproject.toml's package-data)"
    code = {path.relative_to(REPO_ROOT).as_posix() for package in CODE_PACKAGES for path in (REPO_ROOT / package).rglob("*.py")}
    assert sorted(code - names) == []
    assert "gold/__init__.py" in names


@dataclass(frozen=True)
class Scored:
    installed: subprocess.CompletedProcess
    installed_results: Path
    editable: subprocess.CompletedProcess
    editable_results: Path


@pytest.fixture(scope="module")
def scored(installed: Installed, tmp_path_factory: pytest.TempPathFactory) -> Scored:
    """The example submission scored by the installed copy from a folder outside the repository, and by the repository's code."""
    elsewhere, reference = tmp_path_factory.mktemp("elsewhere"), tmp_path_factory.mktemp("editable")
    installed_run = installed.run("score", str(EXAMPLE_SUBMISSION), "--output", "results.json", cwd=elsewhere)
    editable_run = run_bench("score", str(EXAMPLE_SUBMISSION), "--output", str(reference / "results.json"))
    return Scored(installed_run, elsewhere / "results.json", editable_run, reference / "results.json")


def test_installed_copy_scores_from_another_folder_exactly_like_the_editable_install(scored: Scored) -> None:
    assert scored.installed.returncode == 0, scored.installed.stderr[-3000:]
    assert scored.editable.returncode == 0, scored.editable.stderr[-3000:]
    assert scored.installed_results.read_bytes() == scored.editable_results.read_bytes()
    assert scored.installed.stdout == scored.editable.stdout.replace(str(scored.editable_results), "results.json")


def test_installed_copy_checks_the_board_of_the_clone_it_is_run_in(installed: Installed, scored: Scored) -> None:
    # The example's results as `bench submit` leaves them (the board reuses them only if the
    # submission's SHA-256 and the scorer signature match); the other submissions are scored here.
    shutil.copyfile(scored.installed_results, installed.source / "submissions" / "example" / "results.json")
    # From a folder below the clone's root: the nearest folder above holding submissions/ is the root.
    checked = installed.run("leaderboard", "--check", cwd=installed.source / "submissions" / "example")
    assert checked.returncode == 0, checked.stderr[-3000:]
    assert checked.stdout == "ok: the leaderboard is up to date\n"


def test_a_missing_data_package_is_a_one_line_error(tmp_path: Path) -> None:
    # As with an editable install made before gold/ was a package: `gold` cannot be imported.
    program = "import sys\nsys.modules['gold'] = None\nfrom benchmark.cli import main\nmain()\n"
    env = {**os.environ, "PYTHONPATH": str(REPO_ROOT)}

    def run(*args: str) -> subprocess.CompletedProcess:
        return subprocess.run([sys.executable, "-c", program, *args], cwd=tmp_path, env=env, capture_output=True, text=True, timeout=300)

    validated = run("validate", str(EXAMPLE_SUBMISSION))
    assert validated.returncode == 0, validated.stderr
    for command in (["score", str(EXAMPLE_SUBMISSION)], ["meta-eval"]):
        refused = run(*command)
        assert (refused.returncode, refused.stdout) == (2, ""), (command, refused.stderr)
        assert refused.stderr == "error: the benchmark's data package 'gold' is not installed; reinstall the benchmark (in a clone: pip install -e .)\n"


# --- Finding the project folder ------------------------------------------------


def test_root_is_the_nearest_folder_at_or_above_holding_submissions(tmp_path: Path) -> None:
    outer, inner = tmp_path / "outer", tmp_path / "outer" / "a" / "inner"
    (outer / "submissions").mkdir(parents=True)
    (inner / "submissions").mkdir(parents=True)
    (inner / "b" / "c").mkdir(parents=True)
    assert find_root(inner / "b" / "c") == inner
    assert find_root(inner) == inner
    assert find_root(outer / "a") == outer
    assert find_root(REPO_ROOT / "gold" / "facts") == REPO_ROOT


def test_no_project_folder_is_a_one_line_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    if any((folder / "submissions").is_dir() for folder in tmp_path.parents):
        pytest.skip(f"a folder above {tmp_path} holds submissions/")
    with pytest.raises(RootNotFoundError, match="no submissions/ folder here or in any folder above"):
        find_root(tmp_path)
    monkeypatch.chdir(tmp_path)
    for command in (["leaderboard", "--check"], ["leaderboard"], ["submit", str(EXAMPLE_SUBMISSION)]):
        result = CliRunner().invoke(app, command)
        assert result.exit_code == 2, (command, result.output)
        assert result.output.count("\n") == 1 and result.output.startswith(f"error: {tmp_path}: no submissions/ folder"), result.output
    given = CliRunner().invoke(app, ["leaderboard", "--check", "--root", str(tmp_path)])
    assert (given.exit_code, given.output) == (2, f"error: {tmp_path}: no submissions/ folder in this project folder\n")


@pytest.mark.filterwarnings("ignore:No artists with labels found")  # matplotlib, on the chart of an empty board
def test_root_option_and_discovery_find_the_same_board(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # An empty project (no model needed): written through --root from outside it, checked from a folder inside it.
    project = tmp_path / "project"
    (project / "submissions").mkdir(parents=True)
    (project / "notes").mkdir()
    monkeypatch.chdir(tmp_path)
    written = CliRunner().invoke(app, ["leaderboard", "--root", str(project)])
    assert written.exit_code == 0, written.output
    assert (project / "LEADERBOARD.md").is_file() and (project / "LEADERBOARD.svg").is_file()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["project"]
    monkeypatch.chdir(project / "notes")
    checked = CliRunner().invoke(app, ["leaderboard", "--check"])
    assert (checked.exit_code, checked.output) == (0, "ok: the leaderboard is up to date\n")
