"""Order use cases: place, read, list, confirm and cancel."""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from uuid import UUID

from orders.backend.service.exceptions import OrderNotFound
from orders.backend.service.model import Order, OrderLine
from orders.backend.service.unit_of_work import AbstractUnitOfWork

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
    uow: AbstractUnitOfWork, customer_id: str, items: list[OrderLine], clock: Clock = utc_now
) -> Order:
    order = Order.place(customer_id, items, now=clock())
    async with uow:
        await uow.orders.add(order)
        await uow.commit()
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


async def confirm_order(uow: AbstractUnitOfWork, order_id: UUID, clock: Clock = utc_now) -> Order:
    async with uow:
        order = await _load(uow, order_id)
        order.confirm(now=clock())
        await uow.orders.save(order)
        await uow.commit()
    return order


async def cancel_order(uow: AbstractUnitOfWork, order_id: UUID, clock: Clock = utc_now) -> Order:
    async with uow:
        order = await _load(uow, order_id)
        order.cancel(now=clock())
        await uow.orders.save(order)
        await uow.commit()
    return order


async def _load(uow: AbstractUnitOfWork, order_id: UUID) -> Order:
    order = await uow.orders.get(order_id)
    if order is None:
        raise OrderNotFound(order_id)
    return order
