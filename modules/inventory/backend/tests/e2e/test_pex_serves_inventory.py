"""The packaged PEX: on $PORT it serves stock and reservations from its SQLite file, stops cleanly."""

from pathlib import Path

import httpx2

from common.testing.pex import served_pex
from inventory.backend.tests.conftest import KEYS


def test_the_pex_serves_inventory_and_stops_on_sigterm(tmp_path: Path) -> None:
    env = {"INVENTORY_DATA_DIR": str(tmp_path / "data"), **KEYS.env("inventory")}
    headers = {"Authorization": f"Bearer {KEYS.token('e2e', 'inventory')}"}
    with served_pex("inventory", tmp_path, env) as inventory:
        assert (
            httpx2.put(
                f"{inventory.url}/api/v1/products/sku-1", json={"on_hand": 2}, headers=headers
            ).status_code
            == 200
        )
        assert httpx2.get(f"{inventory.url}/ready").json()["status"] == "ready"
        assert httpx2.get(f"{inventory.url}/api/v1/products/sku-1").json()["available"] == 2
    assert (tmp_path / "data" / "inventory.db").exists()
