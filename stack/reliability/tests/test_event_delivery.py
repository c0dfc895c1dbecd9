"""Events under kill -9: orders (the producer), shipping (the consumer) and the broker each killed at
a random point while orders are confirmed; afterwards every confirmed order has exactly one shipment."""

from pathlib import Path

from reliability import checks
from reliability.run import Scale


def test_no_shipment_is_lost_or_duplicated_when_producer_consumer_and_broker_are_killed(
    pex_dir: Path, tmp_path: Path, scale: Scale
) -> None:
    result = checks.event_delivery(pex_dir, tmp_path / "events", scale.event_confirmations)

    assert [victim for victim, _ in result.kills] == ["orders", "shipping", "broker"]
    assert result.confirmed == scale.event_confirmations
    assert result.lost == [], f"confirmed orders without a shipment: {result.lost[:5]}"
    assert result.duplicated == 0 and result.unexpected == 0
    assert result.shipments == scale.event_confirmations
    assert result.outbox_unsent == 0 and result.dead_letters == 0
