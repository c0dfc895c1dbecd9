"""The stock port: what orders needs of inventory, satisfied by InventoryClient and its fake."""

from typing import Protocol
from uuid import UUID

from inventory.backend.public import ReservationItem, ReservationPublic


class StockReservations(Protocol):
    async def reserve(self, order_id: UUID, items: list[ReservationItem]) -> ReservationPublic:
        ...

    async def commit(self, order_id: UUID) -> ReservationPublic:
        ...

    async def release(self, order_id: UUID) -> ReservationPublic:
        ...
