"""Order use cases against in-memory fakes: the business rules, without HTTP or SQL."""

from datetime import UTC, datetime, timedelta
from uuid import uuid4

import pytest

from orders.backend.schemas import OrderStatus
from orders.backend.service import orders as service
from orders.backend.service.exceptions import EmptyOrder, InvalidQuantity, OrderNotFound, OrderStateConflict
from orders.backend.service.model import OrderLine
from orders.backend.tests.fakes import FakeUnitOfWork

pytestmark = pytest.mark.anyio

LINES = [OrderLine(product_id="sku-1", quantity=2)]


class TickingClock:
    def __init__(self) -> None:
        self.now = datetime(2026, 1, 1, tzinfo=UTC)

    def __call__(self) -> datetime:
        self.now += timedelta(seconds=1)
        return self.now


async def test_placing_an_order_stores_it_pending_and_commits() -> None:
    uow = FakeUnitOfWork()

    order = await service.place_order(uow, "customer-1", LINES)

    assert order.status is OrderStatus.PENDING
    assert uow.committed
    assert await service.get_order(uow, order.id) == order


async def test_an_order_without_items_is_rejected() -> None:
    uow = FakeUnitOfWork()

    with pytest.raises(EmptyOrder):
        await service.place_order(uow, "customer-1", [])

    assert uow.orders.orders == {}


async def test_a_zero_quantity_is_rejected() -> None:
    with pytest.raises(InvalidQuantity, match="sku-1"):
        await service.place_order(FakeUnitOfWork(), "customer-1", [OrderLine("sku-1", 0)])


async def test_reading_an_unknown_order_raises_not_found() -> None:
    with pytest.raises(OrderNotFound):
        await service.get_order(FakeUnitOfWork(), uuid4())


async def test_cancelling_a_pending_order_cancels_it() -> None:
    uow = FakeUnitOfWork()
    order = await service.place_order(uow, "customer-1", LINES)

    cancelled = await service.cancel_order(uow, order.id)

    assert cancelled.status is OrderStatus.CANCELLED
    assert (await service.get_order(uow, order.id)).status is OrderStatus.CANCELLED


async def test_cancelling_twice_is_a_conflict() -> None:
    uow = FakeUnitOfWork()
    order = await service.place_order(uow, "customer-1", LINES)
    await service.cancel_order(uow, order.id)

    with pytest.raises(OrderStateConflict, match="cancelled"):
        await service.cancel_order(uow, order.id)


async def test_a_confirmed_order_can_be_cancelled_but_not_confirmed_again() -> None:
    uow = FakeUnitOfWork()
    order = await service.place_order(uow, "customer-1", LINES)
    await service.confirm_order(uow, order.id)

    with pytest.raises(OrderStateConflict):
        await service.confirm_order(uow, order.id)
    assert (await service.cancel_order(uow, order.id)).status is OrderStatus.CANCELLED


async def test_listing_pages_newest_first_and_filters_by_customer() -> None:
    uow, clock = FakeUnitOfWork(), TickingClock()
    placed = [await service.place_order(uow, "alice", LINES, clock=clock) for _ in range(3)]
    await service.place_order(uow, "bob", LINES, clock=clock)

    first = await service.list_orders(uow, customer_id="alice", limit=2, offset=0)
    second = await service.list_orders(uow, customer_id="alice", limit=2, offset=2)

    assert first.total == second.total == 3
    assert [o.id for o in first.items + second.items] == [o.id for o in reversed(placed)]
