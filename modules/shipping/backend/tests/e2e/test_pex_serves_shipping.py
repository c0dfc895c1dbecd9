"""The packaged PEX: on $PORT it serves shipping, reports orders missing in /ready, stops cleanly."""

from pathlib import Path

import httpx2

from common.testing.pex import served_pex
from shipping.backend.tests.conftest import KEYS


def test_the_pex_serves_shipping_and_is_not_ready_without_orders(tmp_path: Path) -> None:
    env = {
        "SHIPPING_DATA_DIR": str(tmp_path / "data"),
        **KEYS.env("shipping"),
        "ORDERS_URL": "http://127.0.0.1:9",  # nothing listens there
    }
    with served_pex("shipping", tmp_path, env) as shipping:
        ready = httpx2.get(f"{shipping.url}/ready")
        assert ready.status_code == 503 and "orders" in ready.json()["detail"]
        assert ready.json()["checks"]["database"]["status"] == "ok"
