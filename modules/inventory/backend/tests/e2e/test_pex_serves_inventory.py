"""The packaged PEX: on $PORT it serves stock and reservations from its SQLite file, stops cleanly."""

from pathlib import Path

import httpx2

from inventory.backend.tests.conftest import FIXTURES


def test_the_pex_serves_inventory_and_stops_on_sigterm(tmp_path: Path) -> None:
    with FIXTURES.served_pex(tmp_path) as inventory:
        stock, headers = {"on_hand": 2}, FIXTURES.headers("e2e")
        assert (
            httpx2.put(f"{inventory.url}/api/v1/products/sku-1", json=stock, headers=headers).status_code
            == 200
        )
        assert httpx2.get(f"{inventory.url}/ready").json()["status"] == "ready"
        assert httpx2.get(f"{inventory.url}/api/v1/products/sku-1").json()["available"] == 2
    assert (tmp_path / "data" / "inventory.db").exists()
