"""The same orders code runs on PostgreSQL (asyncpg), the production database."""

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from common.testing.postgres import INSTALL_HINT, ephemeral_postgres, find_postgres_bin
from orders.backend.api.main import create_app
from orders.backend.config import Settings
from orders.backend.tests.conftest import KEYS, caller_headers, stocked_inventory


@pytest.fixture
def postgres_url() -> Iterator[str]:
    if find_postgres_bin() is None:
        pytest.skip(f"SKIPPED LOUDLY: no PostgreSQL on this machine, Postgres tests not run; {INSTALL_HINT}")
    with ephemeral_postgres() as url:
        yield url


def test_orders_round_trip_and_survive_a_restart_on_postgres(postgres_url: str) -> None:
    settings = Settings(database_url=postgres_url, **KEYS.settings("orders"))
    body = {
        "customer_id": "c1",
        "items": [{"product_id": "sku-1", "quantity": 2}, {"product_id": "sku-2", "quantity": 1}],
    }

    with TestClient(create_app(settings, stock=stocked_inventory()), headers=caller_headers()) as first_run:
        created = first_run.post("/api/v1/orders", json=body).json()
        assert first_run.post(f"/api/v1/orders/{created['id']}/cancel").status_code == 200
        assert first_run.post(f"/api/v1/orders/{created['id']}/cancel").status_code == 409

    with TestClient(create_app(settings, stock=stocked_inventory())) as second_run:
        stored = second_run.get(f"/api/v1/orders/{created['id']}").json()
        page = second_run.get("/api/v1/orders", params={"customer_id": "c1"}).json()

    assert stored["status"] == "cancelled"
    assert stored["items"] == body["items"]
    assert stored["created_at"] == created["created_at"]
    assert page["total"] == 1
