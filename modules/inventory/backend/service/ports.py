"""The ports through which the inventory service layer stores stock and reservations."""

import abc
from dataclasses import dataclass
from datetime import datetime
from uuid import UUID

from common.unit_of_work import AbstractUnitOfWork as BaseUnitOfWork
from inventory.backend.schemas import ReservationItem, ReservationStatus


@dataclass(frozen=True)
class StoredReservation:
    status: ReservationStatus
    items: list[ReservationItem]
    expires_at: datetime | None  # None: made before reservations expired


class AbstractInventoryRepository(abc.ABC):
    @abc.abstractmethod
    async def set_stock(self, sku: str, on_hand: int) -> bool:
        """Create or update a product; False if `on_hand` is below what is reserved."""

    @abc.abstractmethod
    async def get_product(self, sku: str) -> tuple[int, int] | None:
        """(on_hand, reserved) of a product, or None, inside this unit of work's transaction."""

    @abc.abstractmethod
    async def read_product(self, sku: str) -> tuple[int, int] | None:
        """(on_hand, reserved) as last committed, outside any transaction: for answering a read,
        never for changing stock (use `get_product`)."""

    @abc.abstractmethod
    async def get_reservation(self, order_id: UUID) -> StoredReservation | None:
        ...

    @abc.abstractmethod
    async def add_reservation(
        self, order_id: UUID, items: list[ReservationItem], expires_at: datetime
    ) -> bool:
        """Record a reservation; False if one already exists for this order (created concurrently)."""

    @abc.abstractmethod
    async def expired_reservations(self, now: datetime, limit: int) -> list[UUID]:
        """Order ids of holds still reserved whose expiry has passed, oldest first."""

    @abc.abstractmethod
    async def try_reserve(self, sku: str, quantity: int) -> bool:
        """Atomically move `quantity` from available to reserved; False if not enough is available."""

    @abc.abstractmethod
    async def unreserve(self, sku: str, quantity: int, *, consume: bool) -> None:
        """Return reserved units to available, or (consume) take them out of stock for good."""

    @abc.abstractmethod
    async def transition_reservation(
        self, order_id: UUID, from_status: ReservationStatus, to_status: ReservationStatus
    ) -> bool:
        """Change the status only if it is still `from_status`; False if someone else changed it."""


class AbstractUnitOfWork(BaseUnitOfWork):
    inventory: AbstractInventoryRepository
