"""POST /api/v1/shipments with an Idempotency-Key: a retry after a lost 201 gets the 201 again."""

from uuid import uuid4

from fastapi.testclient import TestClient

from orders.backend.public import OrderStatus
from orders.backend.public.testing import FakeOrdersClient


def test_a_retried_create_with_its_key_replays_the_201_instead_of_a_409(
    api: TestClient, orders: FakeOrdersClient
) -> None:
    body, key = {"order_id": str(orders.add(OrderStatus.CONFIRMED).id)}, {"Idempotency-Key": uuid4().hex}

    first = api.post("/api/v1/shipments", json=body, headers=key)
    retry = api.post("/api/v1/shipments", json=body, headers=key)

    assert first.status_code == retry.status_code == 201
    assert retry.json() == first.json()


def test_the_same_key_for_another_order_is_422(api: TestClient, orders: FakeOrdersClient) -> None:
    key = {"Idempotency-Key": uuid4().hex}
    api.post("/api/v1/shipments", json={"order_id": str(orders.add(OrderStatus.CONFIRMED).id)}, headers=key)

    other = api.post(
        "/api/v1/shipments", json={"order_id": str(orders.add(OrderStatus.CONFIRMED).id)}, headers=key
    )

    assert other.status_code == 422
