"""ShippingClient: typed async access to the shipping service (base URL from SHIPPING_URL)."""

from uuid import UUID

from service_kit.client import ServiceClient
from shipping.backend.schemas import ShipmentPublic


class ShippingClient(ServiceClient):
    service = "shipping"

    async def get_shipment(self, shipment_id: UUID) -> ShipmentPublic:
        response = await self._request("GET", f"/api/v1/shipments/{shipment_id}")
        return ShipmentPublic.model_validate_json(response.content)

    async def shipment_for_order(self, order_id: UUID) -> ShipmentPublic:
        """The shipment of an order; service_kit.client.NotFound if it has none."""
        response = await self._request("GET", f"/api/v1/shipments?order_id={order_id}")
        return ShipmentPublic.model_validate_json(response.content)
