"""The three services as `make dev` runs them (PEXes, embedded SQLite, loopback), driven over HTTP:
stock → order → confirm → shipped by OrderConfirmed → dispatch → deliver, plus short stock, a
repeated reservation, and inventory going down."""

import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from reliability.processes import ModuleProcess, running_modules
from system.tests.api import SANDBOX_ROOT


def wait_for_shipment(shipping: ModuleProcess, order_id: str, timeout: float = 30) -> dict[str, Any]:
    deadline = time.monotonic() + timeout
    while True:
        status, shipment = shipping.call("GET", f"/api/v1/shipments?order_id={order_id}")
        if status == 200:
            return dict(shipment)
        assert time.monotonic() < deadline, f"no shipment for order {order_id} within {timeout} s"
        time.sleep(0.1)


@pytest.fixture
def system(tmp_path: Path) -> Iterator[dict[str, ModuleProcess]]:
    with running_modules(SANDBOX_ROOT, tmp_path) as services:
        yield services


def test_stock_order_confirm_ship_deliver_and_the_failure_cases(system: dict[str, ModuleProcess]) -> None:
    inventory, orders, shipping = system["inventory"], system["orders"], system["shipping"]

    assert inventory.call("PUT", "/api/v1/products/sku-1", {"on_hand": 3})[0] == 200
    status, order = orders.call(
        "POST", "/api/v1/orders", {"customer_id": "c1", "items": [{"product_id": "sku-1", "quantity": 2}]}
    )
    assert status == 201 and order["status"] == "pending"
    assert inventory.call("GET", "/api/v1/products/sku-1")[1]["reserved"] == 2

    # Short stock: 1 left, 2 asked → 409 naming the SKU, and no order stored.
    status, problem = orders.call(
        "POST", "/api/v1/orders", {"customer_id": "c2", "items": [{"product_id": "sku-1", "quantity": 2}]}
    )
    assert status == 409 and problem["short_skus"] == ["sku-1"]
    assert orders.call("GET", "/api/v1/orders?customer_id=c2")[1]["total"] == 0

    # Shipping refuses an unconfirmed order, then ships the confirmed one to delivery.
    assert shipping.call("POST", "/api/v1/shipments", {"order_id": order["id"]})[0] == 409
    assert orders.call("POST", f"/api/v1/orders/{order['id']}/confirm")[1]["status"] == "confirmed"
    assert inventory.call("GET", "/api/v1/products/sku-1")[1] == {
        "sku": "sku-1",
        "on_hand": 1,
        "reserved": 0,
        "available": 1,
    }
    # OrderConfirmed (through orders' event feed, make dev's embedded transport) creates the shipment;
    # asking for it by hand answers that one.
    shipment = wait_for_shipment(shipping, order["id"])
    assert shipment["status"] == "created"
    assert shipping.call("POST", "/api/v1/shipments", {"order_id": order["id"]}) == (200, shipment)
    assert shipping.call("POST", f"/api/v1/shipments/{shipment['id']}/deliver")[0] == 409
    assert shipping.call("POST", f"/api/v1/shipments/{shipment['id']}/dispatch")[1]["status"] == "dispatched"
    assert shipping.call("POST", f"/api/v1/shipments/{shipment['id']}/deliver")[1]["status"] == "delivered"
    assert shipping.call("POST", "/api/v1/shipments", {"order_id": str(uuid.uuid4())})[0] == 422

    # Reserving twice for one order id is idempotent: 201, then 200 with the same reservation.
    reservation = {"order_id": str(uuid.uuid4()), "items": [{"sku": "sku-1", "quantity": 1}]}
    first, second = inventory.call("POST", "/api/v1/reservations", reservation), inventory.call(
        "POST", "/api/v1/reservations", reservation
    )
    assert (first[0], second[0]) == (201, 200) and first[1] == second[1]
    assert inventory.call("GET", "/api/v1/products/sku-1")[1]["reserved"] == 1

    # Inventory down: orders answers 503 within its bound (2 attempts x 2 s) and stores nothing.
    inventory.send_terminate()
    assert inventory.wait(timeout=30) == 0
    started = time.monotonic()
    status, problem = orders.call(
        "POST", "/api/v1/orders", {"customer_id": "c3", "items": [{"product_id": "sku-1", "quantity": 1}]}
    )
    assert status == 503 and "Inventory is unavailable" in problem["detail"]
    assert time.monotonic() - started < 5
    assert orders.call("GET", "/api/v1/orders?customer_id=c3")[1]["total"] == 0
    assert orders.call("GET", "/ready")[0] == 503
