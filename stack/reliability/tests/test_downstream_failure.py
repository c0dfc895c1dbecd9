"""Inventory down, the two ways it happens; one test file each, so Pants runs them in parallel."""

from pathlib import Path

from reliability.checks import DownstreamResult, downstream_failure
from reliability.run import Scale


def check_outage(pex_dir: Path, work_dir: Path, scale: Scale, mode: str) -> DownstreamResult:
    result = downstream_failure(
        pex_dir,
        work_dir,
        mode,
        scale.outage_attempts,
        scale.inventory_timeout_seconds,
        scale.inventory_retries,
    )
    assert result.statuses == {503: scale.outage_attempts}, result
    assert result.slowest_seconds <= result.bound_seconds, result
    assert result.stored_during_outage == 0
    assert result.recovered and not result.orders_restarted, result
    # Every hold's TTL passed: no unit held for an unconfirmed order, the confirmed one's sold.
    assert (result.stranded_units, result.reserved_counter, result.confirmed_units) == (0, 0, 1), result
    assert result.ok
    return result


def test_inventory_stopped_means_503_in_time_nothing_stored_and_recovery_without_restart(
    pex_dir: Path, tmp_path: Path, scale: Scale
) -> None:
    check_outage(pex_dir, tmp_path, scale, "stopped")
