from pathlib import Path

from reliability.checks import durability
from reliability.run import Scale


def test_every_acknowledged_order_survives_kill_9_intact(pex_dir: Path, tmp_path: Path, scale: Scale) -> None:
    result = durability(pex_dir, tmp_path / "durability", scale.orders_before_kill, scale.load_workers)

    assert result.sent == scale.orders_before_kill
    assert 0 < result.acknowledged_before_kill < result.acknowledged, "the kill was not mid-run"
    assert result.found_after_restart == result.acknowledged, result
    assert (result.missing, result.altered, result.errors, result.server_errors) == ([], [], [], 0), result
    assert result.ok
