"""FakeShippingClient: an in-memory ShippingClient for consumers' unit tests.

Shipping's own contract tests run the same suite against this fake and the real client. Seed it
with `add(order_id, status)`.
"""

from datetime import UTC, datetime
from uuid import UUID, uuid4

from service_kit.client import NotFound
from shipping.backend.schemas import ShipmentPublic, ShipmentStatus


class FakeShippingClient:
    def __init__(self) -> None:
        self.shipments: dict[UUID, ShipmentPublic] = {}

    async def __aenter__(self) -> "FakeShippingClient":
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        pass

    def add(self, order_id: UUID, status: ShipmentStatus = ShipmentStatus.CREATED) -> ShipmentPublic:
        now = datetime.now(UTC)
        shipment = ShipmentPublic(
            id=uuid4(), order_id=order_id, status=status, created_at=now, updated_at=now
        )
        self.shipments[shipment.id] = shipment
        return shipment

    async def get_shipment(self, shipment_id: UUID) -> ShipmentPublic:
        if shipment_id not in self.shipments:
            raise NotFound(f"Shipment {shipment_id} does not exist.", status=404)
        return self.shipments[shipment_id]

    async def shipment_for_order(self, order_id: UUID) -> ShipmentPublic:
        for shipment in self.shipments.values():
            if shipment.order_id == order_id:
                return shipment
        raise NotFound(f"Shipment {order_id} does not exist.", status=404)
