"""Reservations expire: an abandoned hold goes back to stock, and a late commit is refused."""

import time
from collections.abc import Iterator
from pathlib import Path
from uuid import uuid4

import pytest
from fastapi.testclient import TestClient

from inventory.backend.api.main import create_app
from inventory.backend.config import Settings
from inventory.backend.tests.conftest import KEYS, caller_headers

TTL = 0.3


def short_lived(tmp_path: Path, reap_every: float = 3600) -> Iterator[TestClient]:
    settings = Settings(
        database_url=f"sqlite+aiosqlite:///{tmp_path / 'inventory.db'}",
        **KEYS.settings("inventory"),
        reservation_ttl_seconds=TTL,
        reservation_reap_interval_seconds=reap_every,
    )
    with TestClient(create_app(settings), raise_server_exceptions=False, headers=caller_headers()) as client:
        client.put("/api/v1/products/sku-1", json={"on_hand": 5})
        yield client


@pytest.fixture
def api(tmp_path: Path) -> Iterator[TestClient]:
    yield from short_lived(tmp_path)


@pytest.fixture
def reaped_api(tmp_path: Path) -> Iterator[TestClient]:
    yield from short_lived(tmp_path, reap_every=0.05)


def reserve(api: TestClient, quantity: int = 2) -> str:
    order_id = str(uuid4())
    response = api.post(
        "/api/v1/reservations", json={"order_id": order_id, "items": [{"sku": "sku-1", "quantity": quantity}]}
    )
    assert response.status_code == 201, response.text
    assert response.json()["expires_at"]
    return order_id


def test_an_expired_hold_reads_as_released_and_its_stock_is_back(api: TestClient) -> None:
    order_id = reserve(api)
    time.sleep(TTL + 0.1)

    assert api.get(f"/api/v1/reservations/{order_id}").json()["status"] == "released"
    assert api.get("/api/v1/products/sku-1").json()["available"] == 5


def test_committing_an_expired_hold_is_409_saying_it_expired(api: TestClient) -> None:
    order_id = reserve(api)
    time.sleep(TTL + 0.1)

    response = api.post(f"/api/v1/reservations/{order_id}/commit")

    assert response.status_code == 409
    assert "expired" in response.json()["detail"] and response.json()["reason"] == "expired"
    assert api.get("/api/v1/products/sku-1").json() == {
        "sku": "sku-1",
        "on_hand": 5,
        "reserved": 0,
        "available": 5,
    }


def test_a_hold_committed_in_time_is_not_expired(api: TestClient) -> None:
    order_id = reserve(api)

    assert api.post(f"/api/v1/reservations/{order_id}/commit").json()["status"] == "committed"
    time.sleep(TTL + 0.1)
    assert api.get(f"/api/v1/reservations/{order_id}").json()["status"] == "committed"
    assert api.get("/api/v1/products/sku-1").json()["on_hand"] == 3


def test_the_reaper_gives_stranded_units_back_with_nobody_asking(reaped_api: TestClient) -> None:
    reserve(reaped_api, quantity=3)
    deadline = time.monotonic() + 5
    while reaped_api.get("/api/v1/products/sku-1").json()["reserved"] and time.monotonic() < deadline:
        time.sleep(0.05)

    assert reaped_api.get("/api/v1/products/sku-1").json()["reserved"] == 0


def test_committing_a_hold_the_reaper_already_released_still_says_it_expired(reaped_api: TestClient) -> None:
    order_id = reserve(reaped_api)
    deadline = time.monotonic() + 5
    while reaped_api.get("/api/v1/products/sku-1").json()["reserved"] and time.monotonic() < deadline:
        time.sleep(0.05)

    response = reaped_api.post(f"/api/v1/reservations/{order_id}/commit")

    assert response.status_code == 409 and response.json()["reason"] == "expired"
