"""The packaged PEX: on $PORT it serves the API, refuses orders safely without inventory, stops cleanly."""

import json
from pathlib import Path

import httpx2

from common.testing.pex import served_pex
from orders.backend.tests.conftest import KEYS


def test_the_pex_serves_orders_fails_safe_without_inventory_and_stops_on_sigterm(tmp_path: Path) -> None:
    env = {
        "ORDERS_DATA_DIR": str(tmp_path / "data"),
        **KEYS.env("orders"),
        "INVENTORY_URL": "http://127.0.0.1:9",  # nothing listens there
    }
    with served_pex("orders", tmp_path, env) as orders:
        token = KEYS.token("e2e", "orders")
        created = httpx2.post(
            f"{orders.url}/api/v1/orders",
            json={"customer_id": "c1", "items": [{"product_id": "p1", "quantity": 1}]},
            headers={"Authorization": f"Bearer {token}", "X-Request-ID": "e2e-request-1"},
        )
        # No inventory runs here: the order is refused with 503 and nothing is stored.
        assert created.status_code == 503, created.text
        assert "Inventory is unavailable" in created.json()["detail"]
        # The body names no internal address; it carries the request id the log lines carry.
        assert "127.0.0.1" not in created.text and created.json()["request_id"] == "e2e-request-1"
        assert httpx2.get(f"{orders.url}/api/v1/orders").json()["total"] == 0
        assert (tmp_path / "data" / "orders.db").exists()

    log_lines = [json.loads(line) for line in orders.log.read_text().splitlines()]
    lines = [line for line in log_lines if line.get("request_id") == "e2e-request-1"]
    access = [line for line in lines if line["logger"] == "service_kit.access"]
    assert access and access[0]["status"] == 503 and access[0]["path"] == "/api/v1/orders"
    assert any("127.0.0.1:9" in line["message"] for line in lines)  # the specifics are in the log
    assert any(line["message"] == "Application shutdown complete." for line in log_lines)
