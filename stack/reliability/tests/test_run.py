from pathlib import Path

import pytest

from reliability.run import QUICK, Outcome, main, render


def test_a_missing_pex_says_to_package_first(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    status = main(["--pex-dir", str(tmp_path), "--report", str(tmp_path / "report.md")])

    assert status == 2
    assert "run `./pants package modules::` first" in capsys.readouterr().err
    assert not (tmp_path / "report.md").exists()


def test_the_report_has_the_machine_the_commands_and_each_checks_counts() -> None:
    outcomes = [
        Outcome("Durability: kill -9 under load", True, 12.5, [("POSTs sent", "2000")], 2000, 0),
        Outcome("API fuzzing (schemathesis)", False, 3.0, [], 700, 2, "Traceback: boom"),
    ]

    report = render(outcomes, QUICK, quick=False)

    assert "1 of 2 checks passed" in report
    assert "| cores |" in report and "| Python (checks and services) |" in report
    assert "| load average 1 / 5 / 15 min, when written |" in report
    assert "./pants run stack/reliability:run" in report
    assert "| Durability: kill -9 under load | passed | 2000 | 0 | 12.5 s |" in report
    assert "| API fuzzing (schemathesis) | **FAILED** | 700 | 2 | 3.0 s |" in report
    assert "| **Total** | | 2700 | 2 | |" in report
    assert "| POSTs sent | 2000 |" in report and "Traceback: boom" in report
