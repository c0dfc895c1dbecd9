"""The three services as `make dev` runs them (PEXes, embedded SQLite, loopback), driven over HTTP:
stock → order → confirm → ship → dispatch → deliver, plus short stock, a repeated reservation,
and inventory going down."""

import os
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from system.tests.api import SANDBOX_ROOT, Api, free_port, wait_ready

MODULES = ("inventory", "orders", "shipping")
SECRET = "system-test-" + "q" * 32


@dataclass
class Service(Api):
    process: subprocess.Popen[bytes]


def pex(module: str) -> Path:
    return SANDBOX_ROOT / f"modules.{module}" / f"{module}.pex"


def mint_token(module: str, env: dict[str, str]) -> str:
    """Minted by the module's own PEX (service_kit.auth), as `make dev` does."""
    minted = subprocess.run(
        [sys.executable, str(pex(module)), "--caller", "system-test", "--audience", module],
        env={**env, "PEX_MODULE": "service_kit.auth"},
        capture_output=True,
        text=True,
        check=True,
    )
    return minted.stdout.strip()


@pytest.fixture
def system(tmp_path: Path) -> Iterator[dict[str, Service]]:
    ports = {module: free_port() for module in MODULES}
    env = {
        "PATH": os.environ.get("PATH", ""),
        "PEX_ROOT": str(tmp_path / "pex_root"),
        "SERVICE_AUTH_SECRET": SECRET,
        **{f"{m.upper()}_URL": f"http://127.0.0.1:{port}" for m, port in ports.items()},
        **{f"{m.upper()}_DATA_DIR": str(tmp_path / "data") for m in MODULES},
    }
    services = {}
    for module, port in ports.items():
        log = (tmp_path / f"{module}.log").open("w")
        process = subprocess.Popen(
            [sys.executable, str(pex(module))], env={**env, "PORT": str(port)}, stdout=log, stderr=log
        )
        services[module] = Service(f"http://127.0.0.1:{port}", mint_token(module, env), process)
    try:
        for service in services.values():
            wait_ready(service, alive=lambda s=service: s.process.poll() is None)  # type: ignore[misc]
        yield services
    finally:
        for service in services.values():
            if service.process.poll() is None:
                service.process.send_signal(signal.SIGTERM)
        for service in services.values():
            service.process.wait(timeout=30)


def test_stock_order_confirm_ship_deliver_and_the_failure_cases(system: dict[str, Service]) -> None:
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
    status, shipment = shipping.call("POST", "/api/v1/shipments", {"order_id": order["id"]})
    assert status == 201 and shipment["status"] == "created"
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
    inventory.process.send_signal(signal.SIGTERM)
    assert inventory.process.wait(timeout=30) == 0
    started = time.monotonic()
    status, problem = orders.call(
        "POST", "/api/v1/orders", {"customer_id": "c3", "items": [{"product_id": "sku-1", "quantity": 1}]}
    )
    assert status == 503 and "Inventory is unavailable" in problem["detail"]
    assert time.monotonic() - started < 5
    assert orders.call("GET", "/api/v1/orders?customer_id=c3")[1]["total"] == 0
    assert orders.call("GET", "/ready")[0] == 503
