"""The shipping HTTP API over a real SQLite database, with orders' verified fake as the orders service."""

from uuid import uuid4

from fastapi.testclient import TestClient

from orders.backend.public import OrderStatus
from orders.backend.public.testing import FakeOrdersClient


def ship(api: TestClient, order_id: object) -> tuple[int, dict]:  # type: ignore[type-arg]
    response = api.post("/api/v1/shipments", json={"order_id": str(order_id)})
    return response.status_code, response.json()


def test_a_confirmed_order_ships_and_moves_to_delivered(api: TestClient, orders: FakeOrdersClient) -> None:
    order = orders.add(OrderStatus.CONFIRMED)

    status, shipment = ship(api, order.id)

    assert status == 201 and shipment["status"] == "created" and shipment["order_id"] == str(order.id)
    assert api.post(f"/api/v1/shipments/{shipment['id']}/dispatch").json()["status"] == "dispatched"
    assert api.post(f"/api/v1/shipments/{shipment['id']}/deliver").json()["status"] == "delivered"
    assert api.get(f"/api/v1/shipments/{shipment['id']}").json()["status"] == "delivered"
    assert api.get("/api/v1/shipments", params={"order_id": str(order.id)}).json()["id"] == shipment["id"]


def test_out_of_order_transitions_are_409(api: TestClient, orders: FakeOrdersClient) -> None:
    _, shipment = ship(api, orders.add(OrderStatus.CONFIRMED).id)

    assert api.post(f"/api/v1/shipments/{shipment['id']}/deliver").status_code == 409
    api.post(f"/api/v1/shipments/{shipment['id']}/dispatch")
    assert api.post(f"/api/v1/shipments/{shipment['id']}/dispatch").status_code == 409


def test_only_existing_confirmed_orders_ship_once(api: TestClient, orders: FakeOrdersClient) -> None:
    pending, confirmed = orders.add(OrderStatus.PENDING), orders.add(OrderStatus.CONFIRMED)
    _, first = ship(api, confirmed.id)

    assert ship(api, pending.id)[0] == 409
    assert ship(api, uuid4())[0] == 422
    # Asking again (or after OrderConfirmed made it) answers the order's one shipment.
    assert ship(api, confirmed.id) == (200, first)


def test_orders_being_down_is_503_and_stores_nothing(api: TestClient, orders: FakeOrdersClient) -> None:
    order = orders.add(OrderStatus.CONFIRMED)
    orders.unavailable = True

    assert ship(api, order.id)[0] == 503
    assert api.get("/api/v1/shipments", params={"order_id": str(order.id)}).status_code == 404


def test_unknown_shipments_are_404(api: TestClient) -> None:
    assert api.get(f"/api/v1/shipments/{uuid4()}").status_code == 404
    assert api.post(f"/api/v1/shipments/{uuid4()}/dispatch").status_code == 404
