"""prechecks.py and `make test`: the stdlib checks run in one process, each with its own argv and all of
them even after one fails; make test starts Pants once and holds the docs to that run's `list ::`."""

import hashlib
import os
import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

import boundaries
import docs_check
import prechecks
import sync
from scaffold import cli as scaffold_cli

# The build root of the test sandbox holds the Makefile (//:makefile) and stack/tools.
SOURCES = Path.cwd()


def test_each_check_gets_the_arguments_its_own_command_had(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    seen: dict[str, list[str]] = {}
    for name, module in [
        ("boundaries", boundaries),
        ("sync", sync),
        ("scaffold", scaffold_cli),
        ("docs", docs_check),
    ]:
        monkeypatch.setattr(module, "main", lambda argv, name=name: seen.setdefault(name, argv) and 0)

    assert prechecks.main(["--root", str(tmp_path)]) == 0

    root = str(tmp_path.resolve())
    assert seen == {
        "boundaries": ["--root", root],
        "sync": ["--root", root, "--check"],
        "scaffold": ["--root", root, "check"],
        "docs": ["--root", root, "--no-pants"],
    }


def test_every_check_runs_after_one_fails_and_the_first_failure_sets_the_status(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    ran: list[str] = []

    def check(name: str, status: int) -> tuple[str, Callable[[], int]]:
        def run() -> int:
            ran.append(name)
            return status

        return name, run

    monkeypatch.setattr(
        prechecks, "checks", lambda root: [check("a", 0), check("b", 3), check("c", 1), check("d", 0)]
    )

    assert prechecks.main(["--root", str(tmp_path)]) == 3
    assert ran == ["a", "b", "c", "d"]
    assert "prechecks: failed: b, c" in capsys.readouterr().err


def test_the_script_runs_on_the_stdlib_alone() -> None:
    source = Path(prechecks.__file__).read_text()
    imports = {
        line.split()[1].split(".")[0] for line in source.splitlines() if line.startswith(("import ", "from "))
    }
    first_party = {"boundaries", "docs_check", "sync", "scaffold"}
    assert imports - first_party <= set(sys.stdlib_module_names) | {"__future__"}


# Records each start, writes the addresses `list` would print to --list-output-file, then exits with
# $PANTS_EXIT (a failing test run).
FAKE_PANTS = """#!/bin/sh
echo "pants $*" >> pants.log
for arg in "$@"; do
  case "$arg" in
    --list-output-file=*) printf 'modules/orders:orders\\nmodules/orders:lib\\n' > "${arg#*=}" ;;
  esac
done
exit "${PANTS_EXIT:-0}"
"""


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    """The real Makefile and docs check; prechecks only says it ran (its checks are tested above)."""
    shutil.copy(SOURCES / "Makefile", tmp_path / "Makefile")
    tools = tmp_path / "stack/tools"
    tools.mkdir(parents=True)
    shutil.copy(Path(docs_check.__file__), tools / "docs_check.py")
    (tools / "prechecks.py").write_text("print('prechecks ran')\n")
    (tmp_path / "pants").write_text(FAKE_PANTS)
    (tmp_path / "pants").chmod(0o755)
    (tmp_path / "modules/orders").mkdir(parents=True)
    return tmp_path


def make_test(repo: Path, readme: str, pants_exit: int = 0) -> subprocess.CompletedProcess[str]:
    (repo / "README.md").write_text(readme)
    env = {**os.environ, "PANTS_EXIT": str(pants_exit)}
    return subprocess.run(["make", "test"], cwd=repo, env=env, capture_output=True, text=True, check=False)


def test_make_test_starts_pants_once_and_checks_the_docs_against_its_list(repo: Path) -> None:
    done = make_test(repo, "Build it: `./pants package modules/orders:orders`.\n")

    assert done.returncode == 0, done.stdout + done.stderr
    assert "prechecks ran" in done.stdout
    starts = (repo / "pants.log").read_text().splitlines()
    assert len(starts) == 1
    assert "list tailor --check update-build-files --check lint check test ::" in starts[0]
    assert "names a make target, Pants target or file there is" in done.stdout


def test_a_docs_spec_pants_does_not_list_fails_make_test(repo: Path) -> None:
    done = make_test(repo, "Build it: `./pants package modules/orders:nope`.\n")

    assert done.returncode != 0
    assert "no target 'modules/orders:nope' in `./pants list ::`" in done.stderr


def test_failing_tests_keep_their_status_and_the_docs_are_still_checked(repo: Path) -> None:
    done = make_test(repo, "Build it: `./pants package modules/orders:nope`.\n", pants_exit=4)

    assert "make: *** [Makefile" in done.stderr and "Error 4" in done.stderr
    assert "no target 'modules/orders:nope'" in done.stderr


def branch_off_main(repo: Path) -> str:
    """Commit the repo on main, branch off it; the merge base's hash."""
    git = ["git", "-c", "user.name=t", "-c", "user.email=t@example.com"]
    subprocess.run([*git, "init", "-q", "-b", "main"], cwd=repo, check=True)
    subprocess.run([*git, "add", "-A"], cwd=repo, check=True)
    subprocess.run([*git, "commit", "-qm", "base"], cwd=repo, check=True)
    subprocess.run([*git, "checkout", "-qb", "work"], cwd=repo, check=True)
    return subprocess.run(
        ["git", "rev-parse", "HEAD"], cwd=repo, capture_output=True, text=True
    ).stdout.strip()


def test_test_quick_lints_and_type_checks_the_changes_then_tests_them_with_their_dependents(
    repo: Path,
) -> None:
    base = branch_off_main(repo)

    done = subprocess.run(["make", "test-quick"], cwd=repo, capture_output=True, text=True, check=False)

    assert done.returncode == 0, done.stdout + done.stderr
    assert (repo / "pants.log").read_text().splitlines() == [
        f"pants --changed-since={base} lint check",
        f"pants --changed-since={base} --changed-dependents=transitive "
        "--filter-tag-regex=-^(e2e|system|reliability|browser|docker)$ test",
    ]


def test_test_quick_runs_no_tests_when_lint_or_mypy_fails(repo: Path) -> None:
    branch_off_main(repo)

    done = subprocess.run(
        ["make", "test-quick"],
        cwd=repo,
        env={**os.environ, "PANTS_EXIT": "1"},
        capture_output=True,
        text=True,
        check=False,
    )

    assert done.returncode != 0
    assert [line.split()[-1] for line in (repo / "pants.log").read_text().splitlines()] == ["check"]


def test_make_test_and_test_quick_create_the_directory_pants_saves_the_mypy_cache_to(
    repo: Path, tmp_path_factory: pytest.TempPathFactory
) -> None:
    branch_off_main(repo)
    for target in ("test", "test-quick"):
        caches = tmp_path_factory.mktemp("named_caches")
        env = {**os.environ, "PANTS_NAMED_CACHES_DIR": str(caches)}
        (repo / "README.md").write_text("# Repo\n")

        subprocess.run(["make", target], cwd=repo, env=env, capture_output=True, check=False)

        build_root = hashlib.sha256(str(repo.resolve()).encode()).hexdigest()
        assert (caches / "mypy_cache" / build_root / "3.11").is_dir(), target
