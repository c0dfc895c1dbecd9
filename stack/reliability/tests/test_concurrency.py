from pathlib import Path

from reliability.checks import concurrency
from reliability.run import Scale


def test_racing_reservations_never_oversell(pex_dir: Path, tmp_path: Path, scale: Scale) -> None:
    result = concurrency(pex_dir, tmp_path / "race", scale.parallel_reservations, scale.units_in_stock)

    assert (result.succeeded, result.refused) == (10, 40), result
    assert (result.reserved_after, result.available_after) == (10, 0), result
    assert result.errors == []
    assert result.ok
