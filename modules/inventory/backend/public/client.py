"""InventoryClient: typed async access to the inventory service (base URL from INVENTORY_URL)."""

from uuid import UUID

from inventory.backend.schemas import ProductPublic, ReservationItem, ReservationPublic
from service_kit.facade import FacadeClient


class InventoryClient(FacadeClient):
    """`async with InventoryClient(caller="orders") as inventory: await inventory.reserve(...)`."""

    service = "inventory"

    async def set_stock(self, sku: str, on_hand: int) -> ProductPublic:
        return await self._call(ProductPublic, "PUT", f"/api/v1/products/{sku}", json={"on_hand": on_hand})

    async def get_product(self, sku: str) -> ProductPublic:
        return await self._call(ProductPublic, "GET", f"/api/v1/products/{sku}")

    async def reserve(self, order_id: UUID, items: list[ReservationItem]) -> ReservationPublic:
        """All items or none; Conflict names the short SKUs. Safe to retry: keyed by order id."""
        body = {"order_id": str(order_id), "items": [item.model_dump() for item in items]}
        return await self._call(ReservationPublic, "POST", "/api/v1/reservations", json=body, idempotent=True)

    async def commit(self, order_id: UUID) -> ReservationPublic:
        return await self._call(
            ReservationPublic, "POST", f"/api/v1/reservations/{order_id}/commit", idempotent=True
        )

    async def release(self, order_id: UUID) -> ReservationPublic:
        return await self._call(
            ReservationPublic, "POST", f"/api/v1/reservations/{order_id}/release", idempotent=True
        )
