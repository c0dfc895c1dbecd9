"""CI holds each module's measured line coverage to its manifest's `coverage_floor`."""

import json
from pathlib import Path

import pytest

from coverage_floors import main
from manifest import DEFAULT_COVERAGE_FLOOR, ManifestError, load

MANIFEST = (
    'description = "{name}."\nowners = ["@acme/{name}"]\ntype = "http-api"\n'
    'database = false\nversion = "0.1.0"\nuses = []\n'
)


def repo(root: Path, floors: dict[str, int | None]) -> Path:
    for name, floor in floors.items():
        (root / "modules" / name).mkdir(parents=True)
        (root / "modules" / name / "BUILD").write_text("pantstack_module()\n")
        extra = "" if floor is None else f"coverage_floor = {floor}\n"
        (root / "modules" / name / "module.toml").write_text(MANIFEST.format(name=name) + extra)
    return root


def report(root: Path, files: dict[str, tuple[int, int]]) -> Path:
    path = root / "coverage.json"
    summaries = {f: {"summary": {"num_statements": n, "covered_lines": c}} for f, (n, c) in files.items()}
    path.write_text(json.dumps({"meta": {}, "files": summaries, "totals": {}}))
    return path


def run(root: Path, report_path: Path) -> int:
    return main(["--root", str(root), "--report", str(report_path)])


def test_a_module_at_or_above_its_floor_passes_and_tests_do_not_count(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    root = repo(tmp_path, {"billing": 75})
    files = {
        "modules/billing/backend/service/charges.py": (60, 50),
        "modules/billing/backend/api/main.py": (40, 25),  # 75 of 100 lines: exactly the floor
        "modules/billing/backend/tests/unit/test_charges.py": (500, 0),
        "stack/libs/common/database.py": (100, 0),
    }

    assert run(root, report(root, files)) == 0
    assert "billing" in capsys.readouterr().out


def test_a_module_below_its_floor_fails_naming_the_module_its_figure_and_the_fix(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    root = repo(tmp_path, {"billing": 90, "ledger": None})
    files = {
        "modules/billing/backend/service/charges.py": (100, 89),
        "modules/ledger/backend/service/entries.py": (10, 10),
    }

    assert run(root, report(root, files)) == 1
    err = capsys.readouterr().err
    assert "modules/billing covers 89.0 %" in err and "floor of 90 %" in err and "add tests" in err
    assert "ledger" not in err


def test_the_default_floor_applies_when_the_manifest_sets_none(tmp_path: Path) -> None:
    root = repo(tmp_path, {"billing": None})
    below = DEFAULT_COVERAGE_FLOOR - 1

    assert load(root, "billing").coverage_floor == DEFAULT_COVERAGE_FLOOR
    assert run(root, report(root, {"modules/billing/backend/x.py": (100, below)})) == 1


def test_a_report_that_measures_no_code_of_a_module_is_refused_not_passed(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    root = repo(tmp_path, {"billing": 0})

    assert run(root, report(root, {"stack/libs/common/database.py": (10, 10)})) == 2
    assert "measures none of modules/billing's code" in capsys.readouterr().err


def test_a_missing_report_names_the_command_that_writes_it(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    root = repo(tmp_path, {"billing": 80})

    assert run(root, tmp_path / "absent.json") == 2
    assert "PANTS_TEST_USE_COVERAGE=true make test" in capsys.readouterr().err


@pytest.mark.parametrize("floor", ["101", "-1", "true", '"80"', "79.5"])
def test_a_floor_that_is_not_a_whole_percentage_is_refused(tmp_path: Path, floor: str) -> None:
    root = repo(tmp_path, {"billing": None})
    path = root / "modules/billing/module.toml"
    path.write_text(path.read_text() + f"coverage_floor = {floor}\n")

    with pytest.raises(ManifestError, match="`coverage_floor` must be a whole percentage from 0 to 100"):
        load(root, "billing")
