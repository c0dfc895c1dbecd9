"""One contract, two implementations: the real OrdersClient (against the real app) and
FakeOrdersClient must behave alike, so consumers' tests on the fake stay truthful."""

from uuid import uuid4

import pytest

from common.testing.module_fixtures import Seeded, Served
from orders.backend.api.main import create_app
from orders.backend.public import OrderPublic, OrdersClient, OrderStatus
from orders.backend.public.testing import FakeOrdersClient
from orders.backend.tests.conftest import FIXTURES, stocked_inventory
from service_kit.client import NotFound

pytestmark = pytest.mark.anyio

# The facade only reads orders: each side places one in the status a case needs its own way.
Orders = Seeded[OrdersClient, [OrderStatus], OrderPublic]


async def place_through_the_api(real: Served[OrdersClient], status: OrderStatus) -> OrderPublic:
    body = {"customer_id": "customer-1", "items": [{"product_id": "sku-1", "quantity": 1}]}
    order = OrderPublic.model_validate_json((await real.http.post("/api/v1/orders", json=body)).content)
    if status is OrderStatus.CONFIRMED:
        await real.http.post(f"/api/v1/orders/{order.id}/confirm")
    if status is OrderStatus.CANCELLED:
        await real.http.post(f"/api/v1/orders/{order.id}/cancel")
    return await real.client.get_order(order.id)


# The fake is seeded with its own `add(status)`; the app reserves from inventory's stocked fake.
orders = FIXTURES.seeded_contract(
    create_app, OrdersClient, FakeOrdersClient, seed_real=place_through_the_api, stock=stocked_inventory
)


@pytest.mark.parametrize("status", list(OrderStatus))
async def test_get_order_returns_the_order_in_its_status(orders: Orders, status: OrderStatus) -> None:
    placed = await orders.seed(status)

    order = await orders.client.get_order(placed.id)

    assert order == placed and order.status is status
    assert await orders.client.order_exists(placed.id)


async def test_an_unknown_order_is_not_found(orders: Orders) -> None:
    with pytest.raises(NotFound):
        await orders.client.get_order(uuid4())
    assert not await orders.client.order_exists(uuid4())
