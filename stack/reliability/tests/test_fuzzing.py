from pathlib import Path

from reliability.checks import fuzzing
from reliability.run import Scale


def test_no_module_answers_5xx_or_off_contract(pex_dir: Path, tmp_path: Path, scale: Scale) -> None:
    results = fuzzing(pex_dir, tmp_path / "fuzzing", scale.fuzz_examples)

    assert [r.module for r in results] == ["inventory", "orders", "shipping"]
    for result in results:
        assert result.operations >= 8 and result.requests > 100, result
        assert result.server_errors == 0, result
        assert result.failures == {}, "\n\n".join(f"{k}:\n{v}" for k, v in result.failures.items())
        assert result.statuses[401] > 0, "writes without a token were not tried"
