"""Inventory use cases: stock levels and all-or-nothing, idempotent reservations that expire."""

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from uuid import UUID

from inventory.backend.schemas import ReservationItem, ReservationStatus
from inventory.backend.service.exceptions import (
    InsufficientStock,
    ProductNotFound,
    ReservationExpired,
    ReservationMismatch,
    ReservationNotFound,
    ReservationStateConflict,
    StockBelowReserved,
)
from inventory.backend.service.ports import AbstractUnitOfWork, StoredReservation

# A checkout-length hold (see config.py for why 15 minutes).
DEFAULT_RESERVATION_TTL = timedelta(minutes=15)


def utc_now() -> datetime:
    return datetime.now(UTC)


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
    expires_at: datetime | None = None


async def set_stock(uow: AbstractUnitOfWork, sku: str, on_hand: int) -> Product:
    async with uow:
        if not await uow.inventory.set_stock(sku, on_hand):
            current = await uow.inventory.get_product(sku)
            raise StockBelowReserved(sku, on_hand, current[1] if current else 0)
        await uow.commit()
    return await get_product(uow, sku)


async def get_product(uow: AbstractUnitOfWork, sku: str) -> Product:
    async with uow:
        found = await uow.inventory.read_product(sku)
    if found is None:
        raise ProductNotFound(sku)
    return Product(sku, *found)


async def reserve(
    uow: AbstractUnitOfWork,
    order_id: UUID,
    items: list[ReservationItem],
    *,
    ttl: timedelta = DEFAULT_RESERVATION_TTL,
    now: datetime | None = None,
) -> tuple[Reservation, bool]:
    """Reserve every item or none, held until `ttl` from now. Returns the reservation and whether
    this call created it; asking again for the same order id (with the same items) returns the
    existing one."""
    now = now or utc_now()
    wanted = _merge(items)
    async with uow:
        existing = await uow.inventory.get_reservation(order_id)
        if existing is None and await uow.inventory.add_reservation(order_id, wanted, now + ttl):
            shortages: dict[str, tuple[int, int]] = {}
            for item in wanted:
                if not await uow.inventory.try_reserve(item.sku, item.quantity):
                    product = await uow.inventory.get_product(item.sku)
                    shortages[item.sku] = (item.quantity, product[0] - product[1] if product else 0)
            if shortages:
                raise InsufficientStock(shortages)
            await uow.commit()
            return Reservation(order_id, ReservationStatus.RESERVED, wanted, now + ttl), True
        # Reserved before, possibly by a concurrent call that won the race for this order id.
        existing = existing or await uow.inventory.get_reservation(order_id)
        assert existing is not None
        if existing.items != wanted:
            raise ReservationMismatch(order_id)
        found = await _release_if_expired(uow, order_id, existing, now)
    return found, False


async def get_reservation(
    uow: AbstractUnitOfWork, order_id: UUID, now: datetime | None = None
) -> Reservation:
    """An expired hold reads as released (and is released, if the reaper has not yet)."""
    async with uow:
        found = await uow.inventory.get_reservation(order_id)
        if found is None:
            raise ReservationNotFound(order_id)
        return await _release_if_expired(uow, order_id, found, now or utc_now())


async def commit(uow: AbstractUnitOfWork, order_id: UUID, now: datetime | None = None) -> Reservation:
    """Take reserved units out of stock for good (the order was confirmed). Idempotent; an expired
    hold is released instead and the commit refused (ReservationExpired)."""
    now = now or utc_now()
    async with uow:
        found = await uow.inventory.get_reservation(order_id)
        # Expired, whether or not the reaper got to it first (then it reads released).
        lapsed = found is not None and found.status is not ReservationStatus.COMMITTED
        if lapsed and found is not None and found.expires_at is not None and found.expires_at <= now:
            await _release_if_expired(uow, order_id, found, now)
            raise ReservationExpired(order_id, found.expires_at)
    return await _settle(uow, order_id, to_status=ReservationStatus.COMMITTED, consume=True, action="commit")


async def release(uow: AbstractUnitOfWork, order_id: UUID) -> Reservation:
    """Give reserved units back (the order was cancelled). Idempotent."""
    return await _settle(uow, order_id, to_status=ReservationStatus.RELEASED, consume=False, action="release")


async def release_expired(uow: AbstractUnitOfWork, now: datetime | None = None, limit: int = 100) -> int:
    """The reaper's pass: release up to `limit` expired holds; how many it released."""
    now = now or utc_now()
    released = 0
    async with uow:
        for order_id in await uow.inventory.expired_reservations(now, limit):
            found = await uow.inventory.get_reservation(order_id)
            if found is not None and await _give_back(uow, order_id, found):
                released += 1
        await uow.commit()
    return released


async def _settle(
    uow: AbstractUnitOfWork, order_id: UUID, *, to_status: ReservationStatus, consume: bool, action: str
) -> Reservation:
    async with uow:
        found = await uow.inventory.get_reservation(order_id)
        if found is None:
            raise ReservationNotFound(order_id)
        status, items = found.status, found.items
        if status is to_status:
            return Reservation(order_id, status, items, found.expires_at)
        if status is not ReservationStatus.RESERVED:
            raise ReservationStateConflict(order_id, status.value, action)
        # The status changes first: a concurrent settle of the same reservation loses here.
        if not await uow.inventory.transition_reservation(order_id, ReservationStatus.RESERVED, to_status):
            raise ReservationStateConflict(order_id, "being changed concurrently", action)
        for item in items:
            await uow.inventory.unreserve(item.sku, item.quantity, consume=consume)
        await uow.commit()
    return Reservation(order_id, to_status, items, found.expires_at)


def _expired(found: StoredReservation, now: datetime) -> bool:
    return (
        found.status is ReservationStatus.RESERVED
        and found.expires_at is not None
        and found.expires_at <= now
    )


async def _release_if_expired(
    uow: AbstractUnitOfWork, order_id: UUID, found: StoredReservation, now: datetime
) -> Reservation:
    """The reservation as it stands, an expired hold released first (committed in `uow`)."""
    if _expired(found, now):
        await _give_back(uow, order_id, found)
        await uow.commit()
        return Reservation(order_id, ReservationStatus.RELEASED, found.items, found.expires_at)
    return Reservation(order_id, found.status, found.items, found.expires_at)


async def _give_back(uow: AbstractUnitOfWork, order_id: UUID, found: StoredReservation) -> bool:
    if not await uow.inventory.transition_reservation(
        order_id, ReservationStatus.RESERVED, ReservationStatus.RELEASED
    ):
        return False  # settled concurrently
    for item in found.items:
        await uow.inventory.unreserve(item.sku, item.quantity, consume=False)
    return True


def _merge(items: list[ReservationItem]) -> list[ReservationItem]:
    """One line per SKU, in SKU order (a stable lock order across concurrent reservations)."""
    totals: dict[str, int] = {}
    for item in items:
        totals[item.sku] = totals.get(item.sku, 0) + item.quantity
    return [ReservationItem.model_construct(sku=sku, quantity=qty) for sku, qty in sorted(totals.items())]
