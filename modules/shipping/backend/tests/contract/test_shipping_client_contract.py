"""One contract, two implementations: the real ShippingClient (against the real app) and
FakeShippingClient must behave alike."""

from collections.abc import AsyncIterator, Callable, Coroutine
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any
from uuid import UUID, uuid4

import pytest

from common.testing.module_fixtures import real_and_fake
from orders.backend.public import OrderStatus
from orders.backend.public.testing import FakeOrdersClient
from service_kit.client import NotFound
from shipping.backend.api.main import create_app
from shipping.backend.public import ShipmentPublic, ShipmentStatus, ShippingClient
from shipping.backend.public.testing import FakeShippingClient
from shipping.backend.tests.conftest import FIXTURES

pytestmark = pytest.mark.anyio

# Creates a shipment of the given (confirmed) order the way each implementation allows.
Seed = Callable[[UUID], Coroutine[Any, Any, ShipmentPublic]]


def fake_shipping() -> tuple[ShippingClient, Seed]:
    fake = FakeShippingClient()

    async def seed(order_id: UUID) -> ShipmentPublic:
        return fake.add(order_id)

    return fake, seed  # type: ignore[return-value]


@asynccontextmanager
async def real_shipping(tmp_path: Path) -> AsyncIterator[tuple[ShippingClient, Seed]]:
    orders = FakeOrdersClient()
    async with FIXTURES.serving(create_app(FIXTURES.settings(tmp_path), orders=orders), ShippingClient) as (
        client,
        http,
    ):

        async def seed(order_id: UUID) -> ShipmentPublic:
            order = orders.add(OrderStatus.CONFIRMED)
            orders.orders[order_id] = order.model_copy(update={"id": order_id})
            response = await http.post("/api/v1/shipments", json={"order_id": str(order_id)})
            return ShipmentPublic.model_validate_json(response.content)

        yield client, seed


shipping_and_seed = real_and_fake(real_shipping, fake_shipping)


async def test_a_shipment_is_found_by_id_and_by_order(shipping_and_seed: tuple[ShippingClient, Seed]) -> None:
    shipping, seed = shipping_and_seed
    order_id = uuid4()
    shipment = await seed(order_id)

    assert await shipping.get_shipment(shipment.id) == shipment
    assert await shipping.shipment_for_order(order_id) == shipment
    assert shipment.status is ShipmentStatus.CREATED


async def test_unknown_shipments_are_not_found(shipping_and_seed: tuple[ShippingClient, Seed]) -> None:
    shipping, _ = shipping_and_seed

    with pytest.raises(NotFound):
        await shipping.get_shipment(uuid4())
    with pytest.raises(NotFound):
        await shipping.shipment_for_order(uuid4())
