"""One contract, two implementations: the real ShippingClient (against the real app) and
FakeShippingClient must behave alike."""

from uuid import UUID, uuid4

import pytest

from common.testing.module_fixtures import Seeded, Served
from orders.backend.public import OrderStatus
from orders.backend.public.testing import FakeOrdersClient
from service_kit.client import NotFound
from shipping.backend.api.main import create_app
from shipping.backend.public import ShipmentPublic, ShipmentStatus, ShippingClient
from shipping.backend.public.testing import FakeShippingClient
from shipping.backend.tests.conftest import FIXTURES

pytestmark = pytest.mark.anyio

# The facade only reads shipments: each side ships a confirmed order its own way.
Shipping = Seeded[ShippingClient, [UUID], ShipmentPublic]


async def ship_through_the_api(real: Served[ShippingClient], order_id: UUID) -> ShipmentPublic:
    orders: FakeOrdersClient = real.app.state.orders
    orders.orders[order_id] = orders.add(OrderStatus.CONFIRMED).model_copy(update={"id": order_id})
    response = await real.http.post("/api/v1/shipments", json={"order_id": str(order_id)})
    return ShipmentPublic.model_validate_json(response.content)


# The fake is seeded with its own `add(order_id)`; the app reads orders from orders' fake.
shipping = FIXTURES.seeded_contract(
    create_app, ShippingClient, FakeShippingClient, seed_real=ship_through_the_api, orders=FakeOrdersClient
)


async def test_a_shipment_is_found_by_id_and_by_order(shipping: Shipping) -> None:
    order_id = uuid4()
    shipment = await shipping.seed(order_id)

    assert await shipping.client.get_shipment(shipment.id) == shipment
    assert await shipping.client.shipment_for_order(order_id) == shipment
    assert shipment.status is ShipmentStatus.CREATED


async def test_unknown_shipments_are_not_found(shipping: Shipping) -> None:
    with pytest.raises(NotFound):
        await shipping.client.get_shipment(uuid4())
    with pytest.raises(NotFound):
        await shipping.client.shipment_for_order(uuid4())
