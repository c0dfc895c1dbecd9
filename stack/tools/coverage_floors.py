"""Holds each module's line coverage, measured in CI, to the floor its manifest declares.

CI (.ci/run) runs `make test` with Pants' `--test-use-coverage`; Pants writes one global report
(files no test imports count, at 0 %). This check sums each module's own code (modules/<m>/, tests
excluded) and fails when a module falls below `coverage_floor` in its module.toml (default
DEFAULT_COVERAGE_FLOOR). Lowering a floor is a manifest change its owners review.

    python3 stack/tools/coverage_floors.py [--report dist/coverage/python/coverage.json] [--root DIR]
"""

import argparse
import json
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from manifest import Manifest, ManifestError, load_all

REPORT = Path("dist/coverage/python/coverage.json")
MEASURE = "PANTS_TEST_USE_COVERAGE=true make test"
# A module this far above its floor is told it may raise it, so the floor follows the coverage up.
RAISE_HINT_MARGIN = 5


@dataclass(frozen=True)
class ModuleCoverage:
    module: str
    statements: int
    covered: int
    floor: int

    @property
    def percent(self) -> float:
        return 100.0 * self.covered / self.statements if self.statements else 100.0

    @property
    def below_floor(self) -> bool:
        return self.percent < self.floor


class ReportError(Exception):
    """The coverage report is missing or not coverage.py's JSON; the message says how to make one."""


def _is_module_code(path: str, module: str) -> bool:
    parts = Path(path).parts
    return parts[:2] == ("modules", module) and "tests" not in parts and path.endswith(".py")


def measure(report: dict[str, Any], manifests: list[Manifest]) -> list[ModuleCoverage]:
    files = report.get("files")
    if not isinstance(files, dict):
        raise ReportError("the report has no `files` table: is it coverage.py's JSON report?")
    results = []
    for manifest in manifests:
        statements = covered = 0
        for path, data in files.items():
            if _is_module_code(path, manifest.name):
                summary = data.get("summary", {}) if isinstance(data, dict) else {}
                statements += int(summary.get("num_statements", 0))
                covered += int(summary.get("covered_lines", 0))
        if statements == 0:
            raise ReportError(
                f"the report measures none of modules/{manifest.name}'s code; run `{MEASURE}` "
                "over every target (global_report in pants.toml's [coverage-py] includes untested files)."
            )
        results.append(ModuleCoverage(manifest.name, statements, covered, manifest.coverage_floor))
    return results


def load_report(path: Path) -> dict[str, Any]:
    try:
        report = json.loads(path.read_text())
    except FileNotFoundError:
        raise ReportError(f"{path} does not exist; `{MEASURE}` writes it.") from None
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as error:
        raise ReportError(f"{path} is not a readable JSON report ({error}); run `{MEASURE}` again.") from None
    if not isinstance(report, dict):
        raise ReportError(f"{path} is not coverage.py's JSON report; run `{MEASURE}` again.")
    return report


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--root", type=Path, default=Path("."))
    parser.add_argument(
        "--report", type=Path, default=None, help=f"coverage.py JSON report (default {REPORT})"
    )
    args = parser.parse_args(argv)
    try:
        manifests = load_all(args.root)
        results = measure(load_report(args.report or args.root / REPORT), manifests)
    except (ManifestError, ReportError) as error:
        print(f"coverage floors: {error}", file=sys.stderr)
        return 2
    failed = [r for r in results if r.below_floor]
    for r in results:
        verdict = "BELOW FLOOR" if r.below_floor else "ok"
        print(f"  {r.module:<24} {r.percent:5.1f} % of {r.statements} lines, floor {r.floor} %: {verdict}")
        if not r.below_floor and r.percent >= r.floor + RAISE_HINT_MARGIN:
            print(
                f"  {'':<24} may raise coverage_floor to {int(r.percent)} in modules/{r.module}/module.toml"
            )
    for r in failed:
        print(
            f"coverage floors: modules/{r.module} covers {r.percent:.1f} % of its lines, below its floor of "
            f"{r.floor} %; add tests for what the change left uncovered (report: {REPORT}).",
            file=sys.stderr,
        )
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
