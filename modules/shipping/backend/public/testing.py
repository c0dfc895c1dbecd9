"""FakeShippingClient: an in-memory ShippingClient for consumers' unit tests.

Shipping's own contract tests run the same suite against this fake and the real client. Seed it
with `add(order_id, status)`; `unavailable = True` makes every call raise Unavailable.
"""

from uuid import UUID

from service_kit.client import NotFound
from service_kit.facade import FakeClient
from shipping.backend.schemas import ShipmentPublic, ShipmentStatus


class FakeShippingClient(FakeClient):
    service = "shipping"

    def __init__(self) -> None:
        super().__init__()
        self.shipments: dict[UUID, ShipmentPublic] = {}

    def add(self, order_id: UUID, status: ShipmentStatus = ShipmentStatus.CREATED) -> ShipmentPublic:
        shipment = self.new_record(ShipmentPublic, order_id=order_id, status=status)
        self.shipments[shipment.id] = shipment
        return shipment

    async def get_shipment(self, shipment_id: UUID) -> ShipmentPublic:
        return self._found(self.shipments, shipment_id, "Shipment")

    async def shipment_for_order(self, order_id: UUID) -> ShipmentPublic:
        self._check_up()
        for shipment in self.shipments.values():
            if shipment.order_id == order_id:
                return shipment
        raise NotFound(f"Shipment {order_id} does not exist.", status=404)
