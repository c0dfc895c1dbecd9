"""A module's HTTP API as the system tests drive it, and the order-to-delivery flow they all share."""

import uuid
from pathlib import Path

# The module processes and HTTP helpers are shared with the reliability checks.
from reliability.processes import Api, free_port, wait_ready

__all__ = ["SANDBOX_ROOT", "Api", "free_port", "order_to_delivery", "wait_ready"]

# Pants lays tests out at their repo paths, with packaged PEXes (modules.<m>/<m>.pex) at the root.
SANDBOX_ROOT = Path(__file__).resolve().parents[3]


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
    # Shipping ships a confirmed order itself, on OrderConfirmed; asking too answers that shipment
    # (200) if the event came first, or creates it (201), which the event then leaves alone.
    status, shipment = shipping.call("POST", "/api/v1/shipments", {"order_id": order["id"]})
    assert status in (200, 201) and shipment["status"] == "created", (status, shipment)
    assert shipping.call("POST", f"/api/v1/shipments/{shipment['id']}/dispatch")[1]["status"] == "dispatched"
    assert shipping.call("POST", f"/api/v1/shipments/{shipment['id']}/deliver")[1]["status"] == "delivered"
    return sku, order["id"], shipment["id"]
