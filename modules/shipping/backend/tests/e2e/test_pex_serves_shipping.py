"""The packaged PEX: on $PORT it serves shipping, reports orders missing in /ready, stops cleanly."""

from pathlib import Path

import httpx2

from shipping.backend.tests.conftest import FIXTURES


def test_the_pex_serves_shipping_and_is_not_ready_without_orders(tmp_path: Path) -> None:
    with FIXTURES.served_pex(tmp_path, ORDERS_URL="http://127.0.0.1:9") as shipping:  # nothing listens there
        ready = httpx2.get(f"{shipping.url}/ready")
        assert ready.status_code == 503 and "orders" in ready.json()["detail"]
        assert ready.json()["checks"]["database"]["status"] == "ok"
