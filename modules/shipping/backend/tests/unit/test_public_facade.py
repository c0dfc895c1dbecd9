"""The facade's export list is the contract other modules build on: changing it is deliberate."""

from uuid import uuid4

import pytest

import shipping.backend.public as public
from service_kit.client import Unavailable
from shipping.backend.public.testing import FakeShippingClient


def test_the_facade_exports_only_the_client_and_public_models() -> None:
    assert public.__all__ == ["ShipmentPublic", "ShipmentStatus", "ShippingClient"]
    assert public.__all__ == sorted(public.__all__)


@pytest.mark.anyio
async def test_the_fake_is_unavailable_when_told_as_the_service_down_would_be() -> None:
    shipping = FakeShippingClient()
    shipment = shipping.add(uuid4())
    shipping.unavailable = True

    with pytest.raises(Unavailable):
        await shipping.get_shipment(shipment.id)
    with pytest.raises(Unavailable):
        await shipping.shipment_for_order(shipment.order_id)
