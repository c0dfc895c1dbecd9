"""InventoryClient: typed async access to the inventory service (base URL from INVENTORY_URL)."""

from uuid import UUID

from inventory.backend.schemas import ProductPublic, ReservationItem, ReservationPublic
from service_kit.client import ServiceClient


class InventoryClient(ServiceClient):
    """`async with InventoryClient(caller="orders") as inventory: await inventory.reserve(...)`."""

    service = "inventory"

    async def set_stock(self, sku: str, on_hand: int) -> ProductPublic:
        response = await self._request("PUT", f"/api/v1/products/{sku}", json={"on_hand": on_hand})
        return ProductPublic.model_validate_json(response.content)

    async def get_product(self, sku: str) -> ProductPublic:
        response = await self._request("GET", f"/api/v1/products/{sku}")
        return ProductPublic.model_validate_json(response.content)

    async def reserve(self, order_id: UUID, items: list[ReservationItem]) -> ReservationPublic:
        """All items or none; Conflict names the short SKUs. Safe to retry: keyed by order id."""
        body = {"order_id": str(order_id), "items": [item.model_dump() for item in items]}
        response = await self._request("POST", "/api/v1/reservations", json=body, idempotent=True)
        return ReservationPublic.model_validate_json(response.content)

    async def commit(self, order_id: UUID) -> ReservationPublic:
        response = await self._request("POST", f"/api/v1/reservations/{order_id}/commit", idempotent=True)
        return ReservationPublic.model_validate_json(response.content)

    async def release(self, order_id: UUID) -> ReservationPublic:
        response = await self._request("POST", f"/api/v1/reservations/{order_id}/release", idempotent=True)
        return ReservationPublic.model_validate_json(response.content)
