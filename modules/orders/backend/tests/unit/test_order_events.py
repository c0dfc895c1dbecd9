"""Confirming and cancelling publish their event in the transaction of the change, and only then."""

import pytest

from inventory.backend.public.testing import FakeInventoryClient
from orders.backend.public.events import OrderCancelled, OrderConfirmed
from orders.backend.service import orders as service
from orders.backend.service.exceptions import OrderStateConflict
from orders.backend.service.model import OrderLine
from orders.backend.tests.fakes import FakeUnitOfWork

pytestmark = pytest.mark.anyio

LINES = [OrderLine(product_id="sku-1", quantity=1)]


async def test_confirming_publishes_order_confirmed_keyed_by_the_order(
    uow: FakeUnitOfWork, inventory: FakeInventoryClient
) -> None:
    order = await service.place_order(uow, inventory, "customer-1", LINES)
    assert uow.events.published == []  # placing publishes nothing

    confirmed = await service.confirm_order(uow, inventory, order.id)

    [event] = uow.events.published
    assert isinstance(event, OrderConfirmed)
    assert (event.key, event.order_id, event.customer_id) == (str(order.id), order.id, "customer-1")
    assert event.occurred_at == confirmed.updated_at


async def test_cancelling_publishes_order_cancelled(
    uow: FakeUnitOfWork, inventory: FakeInventoryClient
) -> None:
    order = await service.place_order(uow, inventory, "customer-1", LINES)
    await service.cancel_order(uow, inventory, order.id)

    [event] = uow.events.published
    assert isinstance(event, OrderCancelled) and event.order_id == order.id and event.key == str(order.id)


async def test_a_refused_transition_publishes_nothing(
    uow: FakeUnitOfWork, inventory: FakeInventoryClient
) -> None:
    order = await service.place_order(uow, inventory, "customer-1", LINES)
    await service.cancel_order(uow, inventory, order.id)
    with pytest.raises(OrderStateConflict):
        await service.confirm_order(uow, inventory, order.id)
    assert [type(e) for e in uow.events.published] == [OrderCancelled]


async def test_a_confirm_whose_commit_fails_publishes_nothing(
    uow: FakeUnitOfWork, inventory: FakeInventoryClient
) -> None:
    order = await service.place_order(uow, inventory, "customer-1", LINES)
    uow.failing_commits = 1
    with pytest.raises(ConnectionError):
        await service.confirm_order(uow, inventory, order.id)
    assert uow.events.published == []

    await service.confirm_order(uow, inventory, order.id)  # the retry publishes it, once
    assert [type(e) for e in uow.events.published] == [OrderConfirmed]
