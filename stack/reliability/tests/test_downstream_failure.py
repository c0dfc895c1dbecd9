from pathlib import Path

import pytest

from reliability.checks import downstream_failure
from reliability.run import Scale


@pytest.mark.parametrize("mode", ["stopped", "frozen"])
def test_inventory_down_means_503_in_time_nothing_stored_and_recovery_without_restart(
    pex_dir: Path, tmp_path: Path, scale: Scale, mode: str
) -> None:
    result = downstream_failure(
        pex_dir,
        tmp_path / mode,
        mode,
        scale.outage_attempts,
        scale.inventory_timeout_seconds,
        scale.inventory_retries,
    )

    assert result.statuses == {503: scale.outage_attempts}, result
    assert result.slowest_seconds <= result.bound_seconds, result
    if mode == "frozen":  # a hung inventory costs the whole bound, not less: the timeout really applies
        assert result.slowest_seconds >= scale.inventory_timeout_seconds * (1 + scale.inventory_retries)
    assert result.stored_during_outage == 0
    assert result.recovered and not result.orders_restarted, result
    assert result.ok
