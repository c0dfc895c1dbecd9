"""Order use cases against in-memory fakes (inventory's verified fake included): the business rules."""

from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from uuid import UUID, uuid4

import pytest

from inventory.backend.public import ReservationStatus
from inventory.backend.public.testing import FakeInventoryClient
from orders.backend.schemas import OrderStatus
from orders.backend.service import orders as service
from orders.backend.service.exceptions import (
    EmptyOrder,
    InsufficientStock,
    InvalidQuantity,
    InventoryUnavailable,
    OrderNotFound,
    OrderStateConflict,
)
from orders.backend.service.model import Order, OrderLine
from orders.backend.tests.conftest import LINES
from orders.backend.tests.fakes import FakeUnitOfWork
from service_kit.idempotency import IdempotencyKey

pytestmark = pytest.mark.anyio


class TickingClock:
    def __init__(self) -> None:
        self.now = datetime(2026, 1, 1, tzinfo=UTC)

    def __call__(self) -> datetime:
        self.now += timedelta(seconds=1)
        return self.now


async def test_placing_an_order_reserves_stock_and_stores_it_pending(
    uow: FakeUnitOfWork, inventory: FakeInventoryClient
) -> None:
    order = await service.place_order(uow, inventory, "customer-1", LINES)

    assert order.status is OrderStatus.PENDING
    assert uow.committed and await service.get_order(uow, order.id) == order
    assert inventory.reservations[order.id].status is ReservationStatus.RESERVED
    assert inventory.stock["sku-1"] == (1_000_000, 2)


async def test_short_stock_is_rejected_naming_the_sku_and_stores_nothing(
    uow: FakeUnitOfWork, inventory: FakeInventoryClient
) -> None:
    inventory.stock["sku-1"] = (1, 0)

    with pytest.raises(InsufficientStock, match="sku-1") as raised:
        await service.place_order(uow, inventory, "customer-1", LINES)

    assert raised.value.problem_fields == {"short_skus": ["sku-1"]}
    assert uow.orders.orders == {} and inventory.reservations == {}


async def test_inventory_down_is_unavailable_and_stores_nothing(
    uow: FakeUnitOfWork, inventory: FakeInventoryClient
) -> None:
    inventory.unavailable = True

    with pytest.raises(InventoryUnavailable, match="nothing was changed"):
        await service.place_order(uow, inventory, "customer-1", LINES)

    assert uow.orders.orders == {}


async def test_an_order_without_items_is_rejected_before_reserving(
    uow: FakeUnitOfWork, inventory: FakeInventoryClient
) -> None:
    with pytest.raises(EmptyOrder):
        await service.place_order(uow, inventory, "customer-1", [])

    assert uow.orders.orders == {} and inventory.reservations == {}


async def test_a_zero_quantity_is_rejected(uow: FakeUnitOfWork, inventory: FakeInventoryClient) -> None:
    with pytest.raises(InvalidQuantity, match="sku-1"):
        await service.place_order(uow, inventory, "customer-1", [OrderLine("sku-1", 0)])


async def test_reading_an_unknown_order_raises_not_found(uow: FakeUnitOfWork) -> None:
    with pytest.raises(OrderNotFound):
        await service.get_order(uow, uuid4())


@pytest.mark.parametrize(
    ("settle", "status", "stock_after"),
    [
        (service.confirm_order, OrderStatus.CONFIRMED, (1_000_000 - 2, 0)),  # the reserved stock is consumed
        (service.cancel_order, OrderStatus.CANCELLED, (1_000_000, 0)),  # the reserved stock goes back
    ],
    ids=["confirming-commits-the-stock", "cancelling-releases-the-stock"],
)
async def test_settling_a_pending_order_settles_its_reservation(
    uow: FakeUnitOfWork,
    inventory: FakeInventoryClient,
    settle: Callable[[FakeUnitOfWork, FakeInventoryClient, UUID], Awaitable[Order]],
    status: OrderStatus,
    stock_after: tuple[int, int],
) -> None:
    order = await service.place_order(uow, inventory, "customer-1", LINES)

    settled = await settle(uow, inventory, order.id)

    assert settled.status is status
    assert inventory.stock["sku-1"] == stock_after


async def test_cancelling_twice_or_after_confirming_is_a_conflict(
    uow: FakeUnitOfWork, inventory: FakeInventoryClient
) -> None:
    cancelled = await service.place_order(uow, inventory, "customer-1", LINES)
    await service.cancel_order(uow, inventory, cancelled.id)
    confirmed = await service.place_order(uow, inventory, "customer-1", LINES)
    await service.confirm_order(uow, inventory, confirmed.id)

    with pytest.raises(OrderStateConflict, match="cancelled"):
        await service.cancel_order(uow, inventory, cancelled.id)
    with pytest.raises(OrderStateConflict, match="confirmed"):
        await service.cancel_order(uow, inventory, confirmed.id)


async def test_confirming_while_inventory_is_down_leaves_the_order_pending(
    uow: FakeUnitOfWork, inventory: FakeInventoryClient
) -> None:
    order = await service.place_order(uow, inventory, "customer-1", LINES)
    inventory.unavailable = True

    with pytest.raises(InventoryUnavailable):
        await service.confirm_order(uow, inventory, order.id)

    assert uow.orders.orders[order.id].status is OrderStatus.PENDING


async def test_listing_pages_newest_first_and_filters_by_customer(
    uow: FakeUnitOfWork, inventory: FakeInventoryClient
) -> None:
    clock = TickingClock()
    placed = [await service.place_order(uow, inventory, "alice", LINES, clock=clock) for _ in range(3)]
    await service.place_order(uow, inventory, "bob", LINES, clock=clock)

    first = await service.list_orders(uow, customer_id="alice", limit=2, offset=0)
    second = await service.list_orders(uow, customer_id="alice", limit=2, offset=2)

    assert first.total == second.total == 3
    assert [o.id for o in first.items + second.items] == [o.id for o in reversed(placed)]


async def test_placing_an_order_without_a_key_is_one_transaction_and_records_no_key(
    uow: FakeUnitOfWork, inventory: FakeInventoryClient
) -> None:
    await service.place_order(uow, inventory, "customer-1", LINES)

    # No key: no lookup transaction before the reservation, and no response serialised for a record.
    assert uow.transactions == 1 and uow.idempotency.keys == {}


async def test_placing_an_order_with_a_key_looks_it_up_then_records_it_with_the_order(
    uow: FakeUnitOfWork, inventory: FakeInventoryClient
) -> None:
    key = IdempotencyKey(scope="shipping", key="k-1", fingerprint="f")

    order = await service.place_order(uow, inventory, "customer-1", LINES, key=key)

    (stored,) = uow.idempotency.keys.values()
    assert uow.transactions == 2 and stored[1].body["id"] == str(order.id)
