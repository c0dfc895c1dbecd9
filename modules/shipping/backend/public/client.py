"""ShippingClient: typed async access to the shipping service (base URL from SHIPPING_URL)."""

from uuid import UUID

from service_kit.facade import FacadeClient
from shipping.backend.schemas import ShipmentPublic


class ShippingClient(FacadeClient):
    service = "shipping"

    async def get_shipment(self, shipment_id: UUID) -> ShipmentPublic:
        return await self._call(ShipmentPublic, "GET", f"/api/v1/shipments/{shipment_id}")

    async def shipment_for_order(self, order_id: UUID) -> ShipmentPublic:
        """The shipment of an order; service_kit.client.NotFound if it has none."""
        return await self._call(ShipmentPublic, "GET", f"/api/v1/shipments?order_id={order_id}")
