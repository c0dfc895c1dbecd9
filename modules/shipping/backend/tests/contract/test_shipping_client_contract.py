"""One contract, two implementations: the real ShippingClient (against the real app) and
FakeShippingClient must behave alike."""

from collections.abc import AsyncIterator, Callable, Coroutine
from pathlib import Path
from typing import Any
from uuid import UUID, uuid4

import httpx2
import pytest

from orders.backend.public import OrderStatus
from orders.backend.public.testing import FakeOrdersClient
from service_kit.client import NotFound
from shipping.backend.api.main import create_app
from shipping.backend.config import Settings
from shipping.backend.public import ShipmentPublic, ShipmentStatus, ShippingClient
from shipping.backend.public.testing import FakeShippingClient
from shipping.backend.tests.conftest import KEYS

pytestmark = pytest.mark.anyio

Seed = Callable[[UUID], Coroutine[Any, Any, ShipmentPublic]]


@pytest.fixture(params=["real", "fake"])
async def shipping_and_seed(
    request: pytest.FixtureRequest, tmp_path: Path
) -> AsyncIterator[tuple[ShippingClient, Seed]]:
    if request.param == "fake":
        fake = FakeShippingClient()

        async def seed_fake(order_id: UUID) -> ShipmentPublic:
            return fake.add(order_id)

        yield fake, seed_fake  # type: ignore[misc]
        return
    orders = FakeOrdersClient()
    settings = Settings(database_url=f"sqlite+aiosqlite:///{tmp_path / 's.db'}", **KEYS.settings("shipping"))
    app = create_app(settings, orders=orders)
    headers = {"Authorization": f"Bearer {KEYS.token('contract', 'shipping')}"}
    async with app.router.lifespan_context(app):
        transport = httpx2.ASGITransport(app=app)
        async with (
            ShippingClient(
                "http://shipping", caller="contract", signing_key=KEYS.key("contract"), transport=transport
            ) as client,
            httpx2.AsyncClient(base_url="http://shipping", transport=transport, headers=headers) as http,
        ):

            async def seed_real(order_id: UUID) -> ShipmentPublic:
                order = orders.add(OrderStatus.CONFIRMED)
                orders.orders[order_id] = order.model_copy(update={"id": order_id})
                response = await http.post("/api/v1/shipments", json={"order_id": str(order_id)})
                return ShipmentPublic.model_validate_json(response.content)

            yield client, seed_real


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
