"""Events end to end on the real broker: the PEXes with EVENTS_BROKER_URL on a throwaway Redis;
200 orders confirmed must become exactly 200 shipments, created by shipping on OrderConfirmed."""

from pathlib import Path

from reliability import checks
from system.tests.api import SANDBOX_ROOT

CONFIRMATIONS = 200


def test_200_confirmed_orders_become_exactly_200_shipments_through_redis_streams(tmp_path: Path) -> None:
    result = checks.event_delivery(SANDBOX_ROOT, tmp_path / "events", CONFIRMATIONS, victims=())

    assert result.confirmed == CONFIRMATIONS
    assert result.shipments == CONFIRMATIONS
    assert result.lost == [] and result.duplicated == 0 and result.unexpected == 0
    assert result.outbox_unsent == 0 and result.inbox_pending == 0 and result.dead_letters == 0
