"""What orders does when inventory is slow, refuses, expires a hold or answers something odd."""

from uuid import UUID

import pytest

from inventory.backend.public import ReservationItem, ReservationPublic
from inventory.backend.public.testing import FakeInventoryClient
from orders.backend.schemas import OrderStatus
from orders.backend.service import orders as service
from orders.backend.service.exceptions import (
    InventoryBusy,
    InventoryFailed,
    InventoryUnavailable,
    ReservationExpired,
)
from orders.backend.tests.conftest import LINES, stocked_inventory
from orders.backend.tests.fakes import FakeUnitOfWork
from service_kit.client import BadRequest, Conflict, RateLimited, ServiceError, Unavailable

pytestmark = pytest.mark.anyio


class WatchedInventory(FakeInventoryClient):
    """Inventory's fake, noting whether orders held a transaction open across each call."""

    def __init__(self, uow: FakeUnitOfWork) -> None:
        super().__init__()
        self.stock = stocked_inventory().stock
        self.uow = uow
        self.calls_inside_a_transaction: list[str] = []

    def _check_up(self) -> None:
        if self.uow.in_transaction:
            self.calls_inside_a_transaction.append("call")
        super()._check_up()


class FailingInventory(FakeInventoryClient):
    """Inventory's fake whose settle (commit/release) calls, and optionally reserve, raise `error`."""

    def __init__(self, error: ServiceError, *, on_reserve: bool = False) -> None:
        super().__init__()
        self.stock = stocked_inventory().stock
        self.error = error
        self.on_reserve = on_reserve

    async def reserve(self, order_id: UUID, items: list[ReservationItem]) -> ReservationPublic:
        if self.on_reserve:
            raise self.error
        return await super().reserve(order_id, items)

    async def commit(self, order_id: UUID) -> ReservationPublic:
        raise self.error

    async def release(self, order_id: UUID) -> ReservationPublic:
        raise self.error


async def test_confirm_and_cancel_hold_no_transaction_while_inventory_is_called(uow: FakeUnitOfWork) -> None:
    inventory = WatchedInventory(uow)
    confirmed = await service.place_order(uow, inventory, "customer-1", LINES)
    cancelled = await service.place_order(uow, inventory, "customer-1", LINES)

    await service.confirm_order(uow, inventory, confirmed.id)
    await service.cancel_order(uow, inventory, cancelled.id)

    assert inventory.calls_inside_a_transaction == []


async def test_an_order_whose_reservation_expired_cannot_be_confirmed(uow: FakeUnitOfWork) -> None:
    inventory = stocked_inventory()
    order = await service.place_order(uow, inventory, "customer-1", LINES)
    inventory.expire(order.id)

    with pytest.raises(ReservationExpired, match="expired"):
        await service.confirm_order(uow, inventory, order.id)

    assert uow.orders.orders[order.id].status is OrderStatus.PENDING
    assert (await service.cancel_order(uow, inventory, order.id)).status is OrderStatus.CANCELLED


async def test_a_confirm_that_committed_stock_but_failed_to_store_succeeds_when_retried(
    uow: FakeUnitOfWork,
) -> None:
    inventory = stocked_inventory()
    order = await service.place_order(uow, inventory, "customer-1", LINES)
    uow.failing_commits = 1

    with pytest.raises(ConnectionError):
        await service.confirm_order(uow, inventory, order.id)
    retried = await service.confirm_order(uow, inventory, order.id)

    assert retried.status is OrderStatus.CONFIRMED
    assert inventory.stock["sku-1"] == (1_000_000 - 2, 0)  # committed once


async def test_a_failing_release_after_a_failed_store_does_not_mask_the_store_error(
    uow: FakeUnitOfWork,
) -> None:
    inventory = FailingInventory(Unavailable("inventory unreachable at http://inventory.internal:8000"))
    uow.failing_commits = 1

    with pytest.raises(ConnectionError, match="database went away"):
        await service.place_order(uow, inventory, "customer-1", LINES)


async def test_inventory_rate_limiting_is_busy_with_its_retry_after() -> None:
    inventory = FailingInventory(RateLimited("429", status=429, retry_after="7"), on_reserve=True)

    with pytest.raises(InventoryBusy) as raised:
        await service.place_order(FakeUnitOfWork(), inventory, "customer-1", LINES)

    assert raised.value.headers == {"Retry-After": "7"}


@pytest.mark.parametrize(
    "error",
    [BadRequest("400", status=400), Conflict("409 mismatch", status=409), ServiceError("418", status=418)],
)
async def test_an_unexpected_inventory_answer_is_a_failed_dependency(error: ServiceError) -> None:
    with pytest.raises(InventoryFailed):
        await service.place_order(FakeUnitOfWork(), FailingInventory(error, on_reserve=True), "c-1", LINES)


@pytest.mark.parametrize(
    ("error", "expected"),
    [
        (Unavailable("down"), InventoryUnavailable),
        (RateLimited("429", status=429), InventoryBusy),
        (BadRequest("400", status=400), InventoryFailed),
    ],
)
async def test_settling_errors_become_orders_errors(
    uow: FakeUnitOfWork, error: ServiceError, expected: type[Exception]
) -> None:
    order = await service.place_order(uow, stocked_inventory(), "customer-1", LINES)

    for settle in (service.confirm_order, service.cancel_order):
        with pytest.raises(expected):
            await settle(uow, FailingInventory(error), order.id)

    assert uow.orders.orders[order.id].status is OrderStatus.PENDING
