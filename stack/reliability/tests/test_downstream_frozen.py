from pathlib import Path

from reliability.run import Scale
from reliability.tests.test_downstream_failure import check_outage


def test_inventory_frozen_means_503_after_the_whole_timeout_and_recovery_without_restart(
    pex_dir: Path, tmp_path: Path, scale: Scale
) -> None:
    result = check_outage(pex_dir, tmp_path, scale, "frozen")

    # A hung inventory costs the whole bound, not less: the timeout and the retry really apply.
    assert result.slowest_seconds >= scale.inventory_timeout_seconds * (1 + scale.inventory_retries)
    # Thawed, inventory carried out reservations orders had given up on: held, until they lapsed (so
    # the check's 0 stranded units means something). Not necessarily one per attempt: a request
    # still in the frozen process's socket backlog when orders gave up may never be read.
    assert result.held_unconfirmed_at_recovery >= 1, result
