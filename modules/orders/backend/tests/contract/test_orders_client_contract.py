"""One contract, two implementations: the real OrdersClient (against the real app) and
FakeOrdersClient must behave alike, so consumers' tests on the fake stay truthful."""

from collections.abc import AsyncIterator, Callable, Coroutine
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any
from uuid import uuid4

import pytest

from common.testing.module_fixtures import real_and_fake
from orders.backend.api.main import create_app
from orders.backend.public import OrderPublic, OrdersClient, OrderStatus
from orders.backend.public.testing import FakeOrdersClient
from orders.backend.tests.conftest import FIXTURES, stocked_inventory
from service_kit.client import NotFound

pytestmark = pytest.mark.anyio

# Places an order in the given status the way each implementation allows, returning it.
Seed = Callable[[OrderStatus], Coroutine[Any, Any, OrderPublic]]


def fake_orders() -> tuple[OrdersClient, Seed]:
    fake = FakeOrdersClient()

    async def seed(status: OrderStatus) -> OrderPublic:
        return fake.add(status)

    return fake, seed  # type: ignore[return-value]


@asynccontextmanager
async def real_orders(tmp_path: Path) -> AsyncIterator[tuple[OrdersClient, Seed]]:
    app = create_app(FIXTURES.settings(tmp_path), stock=stocked_inventory())
    async with FIXTURES.serving(app, OrdersClient) as (client, http):

        async def seed(status: OrderStatus) -> OrderPublic:
            body = {"customer_id": "customer-1", "items": [{"product_id": "sku-1", "quantity": 1}]}
            order = OrderPublic.model_validate_json((await http.post("/api/v1/orders", json=body)).content)
            if status is OrderStatus.CONFIRMED:
                await http.post(f"/api/v1/orders/{order.id}/confirm")
            if status is OrderStatus.CANCELLED:
                await http.post(f"/api/v1/orders/{order.id}/cancel")
            return await client.get_order(order.id)

        yield client, seed


orders_and_seed = real_and_fake(real_orders, fake_orders)


@pytest.mark.parametrize("status", list(OrderStatus))
async def test_get_order_returns_the_order_in_its_status(
    orders_and_seed: tuple[OrdersClient, Seed], status: OrderStatus
) -> None:
    orders, seed = orders_and_seed
    placed = await seed(status)

    order = await orders.get_order(placed.id)

    assert order == placed and order.status is status
    assert await orders.order_exists(placed.id)


async def test_an_unknown_order_is_not_found(orders_and_seed: tuple[OrdersClient, Seed]) -> None:
    orders, _ = orders_and_seed

    with pytest.raises(NotFound):
        await orders.get_order(uuid4())
    assert not await orders.order_exists(uuid4())
