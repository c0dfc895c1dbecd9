from pathlib import Path

from reliability.checks import durability
from reliability.run import Scale


def test_every_acknowledged_order_survives_kill_9_intact(pex_dir: Path, tmp_path: Path, scale: Scale) -> None:
    result = durability(pex_dir, tmp_path / "durability", scale.orders_before_kill, scale.load_workers)

    assert result.acknowledged >= scale.orders_before_kill // 2, result
    assert result.failed_by_the_kill > 0, "orders was killed after the load, not during it"
    assert result.found_after_restart == result.acknowledged, result
    assert (result.missing, result.altered, result.server_errors) == ([], [], 0), result
    assert result.ok
