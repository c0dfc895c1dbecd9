"""Order use cases: place (reserving stock), read, list, confirm (committing it), cancel (releasing it)."""

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from uuid import UUID

from inventory.backend.public import ReservationItem, ReservationPublic
from orders.backend.schemas import OrderPublic
from orders.backend.service.exceptions import InsufficientStock, InventoryUnavailable, OrderNotFound
from orders.backend.service.model import Order, OrderLine
from orders.backend.service.stock import StockReservations
from orders.backend.service.unit_of_work import AbstractUnitOfWork
from service_kit.client import Conflict, NotFound, Unavailable
from service_kit.idempotency import IdempotencyKey

Clock = Callable[[], datetime]


def utc_now() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True)
class OrderPage:
    items: list[Order]
    total: int
    limit: int
    offset: int


async def place_order(
    uow: AbstractUnitOfWork,
    stock: StockReservations,
    customer_id: str,
    items: list[OrderLine],
    clock: Clock = utc_now,
    key: IdempotencyKey | None = None,
) -> Order:
    """Reserve the stock, then store the order; without the reservation nothing is stored.

    With a `key`, a retry answers the first response (the kit raises Replayed). A crash before the
    store leaves a reservation no order owns; inventory expires it.
    """
    order = Order.place(customer_id, items, now=clock())
    async with uow:
        await uow.idempotency.replay(key)
    wanted = [ReservationItem(sku=line.product_id, quantity=line.quantity) for line in order.items]
    try:
        await stock.reserve(order.id, wanted)
    except Conflict as exc:
        detail = str(exc.problem.get("detail", exc))
        raise InsufficientStock(list(exc.problem.get("short_skus", [])), detail) from None
    except Unavailable as exc:
        raise InventoryUnavailable(str(exc)) from None
    try:
        async with uow:
            await uow.orders.add(order)
            await uow.idempotency.remember(
                key, 201, OrderPublic.model_validate(order).model_dump(mode="json")
            )
            await uow.commit()
    except BaseException:
        # Don't leave stock reserved for an order that was never stored.
        await stock.release(order.id)
        raise
    return order


async def get_order(uow: AbstractUnitOfWork, order_id: UUID) -> Order:
    async with uow:
        order = await uow.orders.get(order_id)
    if order is None:
        raise OrderNotFound(order_id)
    return order


async def list_orders(
    uow: AbstractUnitOfWork, *, customer_id: str | None, limit: int, offset: int
) -> OrderPage:
    async with uow:
        orders, total = await uow.orders.list_page(customer_id=customer_id, limit=limit, offset=offset)
    return OrderPage(items=orders, total=total, limit=limit, offset=offset)


async def confirm_order(
    uow: AbstractUnitOfWork, stock: StockReservations, order_id: UUID, clock: Clock = utc_now
) -> Order:
    """Commit the reserved stock, then mark the order confirmed."""
    async with uow:
        order = await _load(uow, order_id)
        order.confirm(now=clock())
        await _call_inventory(stock.commit, order_id)
        await uow.orders.save(order)
        await uow.commit()
    return order


async def cancel_order(
    uow: AbstractUnitOfWork, stock: StockReservations, order_id: UUID, clock: Clock = utc_now
) -> Order:
    """Release the reserved stock, then mark the order cancelled."""
    async with uow:
        order = await _load(uow, order_id)
        order.cancel(now=clock())
        await _call_inventory(stock.release, order_id)
        await uow.orders.save(order)
        await uow.commit()
    return order


async def _call_inventory(call: Callable[[UUID], Awaitable[ReservationPublic]], order_id: UUID) -> None:
    try:
        await call(order_id)
    except NotFound:
        pass  # no reservation to settle (e.g. an order stored before reservations existed)
    except Unavailable as exc:
        raise InventoryUnavailable(str(exc)) from None


async def _load(uow: AbstractUnitOfWork, order_id: UUID) -> Order:
    order = await uow.orders.get(order_id)
    if order is None:
        raise OrderNotFound(order_id)
    return order
