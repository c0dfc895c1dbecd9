"""A module's HTTP API as the system tests drive it, and the order-to-delivery flow they all share."""

import json
import socket
import time
import urllib.error
import urllib.request
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

# Pants lays tests out at their repo paths, with packaged PEXes (modules.<m>/<m>.pex) at the root.
SANDBOX_ROOT = Path(__file__).resolve().parents[3]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class Api:
    url: str
    token: str

    def call(self, method: str, path: str, body: Any = None) -> tuple[int, Any]:
        data = json.dumps(body).encode() if body is not None else None
        request = urllib.request.Request(self.url + path, data=data, method=method)
        request.add_header("Authorization", f"Bearer {self.token}")
        request.add_header("Content-Type", "application/json")
        try:
            with urllib.request.urlopen(request, timeout=15) as response:
                return response.status, json.loads(response.read())
        except urllib.error.HTTPError as error:
            return error.code, json.loads(error.read())


def wait_ready(api: Api, timeout: float = 90.0, alive: Callable[[], bool] = lambda: True) -> None:
    """Until /ready answers 200; `alive` says whether the service can still come up."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        assert alive(), f"{api.url} stopped before it was ready"
        try:
            if api.call("GET", "/ready")[0] == 200:
                return
        except OSError:
            pass
        time.sleep(0.2)
    raise AssertionError(f"{api.url} not ready within {timeout}s")


def order_to_delivery(inventory: Api, orders: Api, shipping: Api) -> tuple[str, str, str]:
    """Stock → order → confirm → ship → dispatch → deliver; returns (sku, order id, shipment id)."""
    sku = f"sku-{uuid.uuid4().hex[:8]}"
    assert inventory.call("PUT", f"/api/v1/products/{sku}", {"on_hand": 3})[0] == 200
    status, order = orders.call(
        "POST", "/api/v1/orders", {"customer_id": "c1", "items": [{"product_id": sku, "quantity": 2}]}
    )
    assert status == 201 and order["status"] == "pending", (status, order)
    assert inventory.call("GET", f"/api/v1/products/{sku}")[1]["reserved"] == 2
    assert orders.call("POST", f"/api/v1/orders/{order['id']}/confirm")[1]["status"] == "confirmed"
    assert inventory.call("GET", f"/api/v1/products/{sku}")[1] == {
        "sku": sku,
        "on_hand": 1,
        "reserved": 0,
        "available": 1,
    }
    status, shipment = shipping.call("POST", "/api/v1/shipments", {"order_id": order["id"]})
    assert status == 201 and shipment["status"] == "created", (status, shipment)
    assert shipping.call("POST", f"/api/v1/shipments/{shipment['id']}/dispatch")[1]["status"] == "dispatched"
    assert shipping.call("POST", f"/api/v1/shipments/{shipment['id']}/deliver")[1]["status"] == "delivered"
    return sku, order["id"], shipment["id"]
