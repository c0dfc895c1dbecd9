"""Inventory use cases: stock levels and all-or-nothing, idempotent reservations."""

from dataclasses import dataclass
from uuid import UUID

from inventory.backend.schemas import ReservationItem, ReservationStatus
from inventory.backend.service.exceptions import (
    InsufficientStock,
    ProductNotFound,
    ReservationMismatch,
    ReservationNotFound,
    ReservationStateConflict,
    StockBelowReserved,
)
from inventory.backend.service.ports import AbstractUnitOfWork


@dataclass(frozen=True)
class Product:
    sku: str
    on_hand: int
    reserved: int

    @property
    def available(self) -> int:
        return self.on_hand - self.reserved


@dataclass(frozen=True)
class Reservation:
    order_id: UUID
    status: ReservationStatus
    items: list[ReservationItem]


async def set_stock(uow: AbstractUnitOfWork, sku: str, on_hand: int) -> Product:
    async with uow:
        if not await uow.inventory.set_stock(sku, on_hand):
            current = await uow.inventory.get_product(sku)
            raise StockBelowReserved(sku, on_hand, current[1] if current else 0)
        await uow.commit()
    return await get_product(uow, sku)


async def get_product(uow: AbstractUnitOfWork, sku: str) -> Product:
    async with uow:
        found = await uow.inventory.get_product(sku)
    if found is None:
        raise ProductNotFound(sku)
    return Product(sku, *found)


async def reserve(
    uow: AbstractUnitOfWork, order_id: UUID, items: list[ReservationItem]
) -> tuple[Reservation, bool]:
    """Reserve every item or none. Returns the reservation and whether this call created it;
    asking again for the same order id (with the same items) returns the existing one."""
    wanted = _merge(items)
    async with uow:
        existing = await uow.inventory.get_reservation(order_id)
        if existing is None and await uow.inventory.add_reservation(order_id, wanted):
            shortages: dict[str, tuple[int, int]] = {}
            for item in wanted:
                if not await uow.inventory.try_reserve(item.sku, item.quantity):
                    product = await uow.inventory.get_product(item.sku)
                    shortages[item.sku] = (item.quantity, product[0] - product[1] if product else 0)
            if shortages:
                raise InsufficientStock(shortages)
            await uow.commit()
            return Reservation(order_id, ReservationStatus.RESERVED, wanted), True
        # Reserved before, possibly by a concurrent call that won the race for this order id.
        existing = existing or await uow.inventory.get_reservation(order_id)
    assert existing is not None
    status, reserved_items = existing
    if reserved_items != wanted:
        raise ReservationMismatch(order_id)
    return Reservation(order_id, status, reserved_items), False


async def get_reservation(uow: AbstractUnitOfWork, order_id: UUID) -> Reservation:
    async with uow:
        found = await uow.inventory.get_reservation(order_id)
    if found is None:
        raise ReservationNotFound(order_id)
    return Reservation(order_id, *found)


async def commit(uow: AbstractUnitOfWork, order_id: UUID) -> Reservation:
    """Take reserved units out of stock for good (the order was confirmed). Idempotent."""
    return await _settle(uow, order_id, to_status=ReservationStatus.COMMITTED, consume=True, action="commit")


async def release(uow: AbstractUnitOfWork, order_id: UUID) -> Reservation:
    """Give reserved units back (the order was cancelled). Idempotent."""
    return await _settle(uow, order_id, to_status=ReservationStatus.RELEASED, consume=False, action="release")


async def _settle(
    uow: AbstractUnitOfWork, order_id: UUID, *, to_status: ReservationStatus, consume: bool, action: str
) -> Reservation:
    async with uow:
        found = await uow.inventory.get_reservation(order_id)
        if found is None:
            raise ReservationNotFound(order_id)
        status, items = found
        if status is to_status:
            return Reservation(order_id, status, items)
        if status is not ReservationStatus.RESERVED:
            raise ReservationStateConflict(order_id, status.value, action)
        # The status changes first: a concurrent settle of the same reservation loses here.
        if not await uow.inventory.transition_reservation(order_id, ReservationStatus.RESERVED, to_status):
            raise ReservationStateConflict(order_id, "being changed concurrently", action)
        for item in items:
            await uow.inventory.unreserve(item.sku, item.quantity, consume=consume)
        await uow.commit()
    return Reservation(order_id, to_status, items)


def _merge(items: list[ReservationItem]) -> list[ReservationItem]:
    """One line per SKU, in SKU order (a stable lock order across concurrent reservations)."""
    totals: dict[str, int] = {}
    for item in items:
        totals[item.sku] = totals.get(item.sku, 0) + item.quantity
    return [ReservationItem.model_construct(sku=sku, quantity=qty) for sku, qty in sorted(totals.items())]
