"""POST /api/v1/orders with an Idempotency-Key: a retried create never makes a second order."""

from pathlib import Path
from uuid import uuid4

from fastapi.testclient import TestClient

from inventory.backend.public.testing import FakeInventoryClient
from orders.backend.api.main import create_app
from orders.backend.config import Settings
from orders.backend.tests.conftest import KEYS, caller_headers, stocked_inventory

ORDER = {"customer_id": "customer-1", "items": [{"product_id": "sku-1", "quantity": 2}]}


def keyed(key: str) -> dict[str, str]:
    return {"Idempotency-Key": key}


def test_a_retried_create_with_the_same_key_replays_the_first_answer_and_stores_one_order(
    api: TestClient, inventory: FakeInventoryClient
) -> None:
    key = uuid4().hex
    first = api.post("/api/v1/orders", json=ORDER, headers=keyed(key))
    retry = api.post("/api/v1/orders", json=ORDER, headers=keyed(key))

    assert first.status_code == retry.status_code == 201
    assert retry.json() == first.json()
    assert retry.headers["Idempotent-Replayed"] == "true"
    assert api.get("/api/v1/orders").json()["total"] == 1
    assert len(inventory.reservations) == 1 and inventory.stock["sku-1"] == (1_000_000, 2)


def test_the_same_key_with_a_different_body_is_422(api: TestClient) -> None:
    key = uuid4().hex
    assert api.post("/api/v1/orders", json=ORDER, headers=keyed(key)).status_code == 201

    other = api.post("/api/v1/orders", json={**ORDER, "customer_id": "customer-2"}, headers=keyed(key))

    assert other.status_code == 422
    assert "Idempotency-Key" in other.json()["detail"]
    assert api.get("/api/v1/orders").json()["total"] == 1


def test_the_same_key_reordered_or_respaced_is_the_same_request(api: TestClient) -> None:
    key = uuid4().hex
    first = api.post("/api/v1/orders", json=ORDER, headers=keyed(key))
    respaced = '{"items": [{"quantity": 2, "product_id": "sku-1"}],   "customer_id": "customer-1"}'

    retry = api.post(
        "/api/v1/orders", content=respaced, headers=keyed(key) | {"Content-Type": "application/json"}
    )

    assert retry.status_code == 201 and retry.json() == first.json()


def test_creates_without_a_key_are_separate_orders(api: TestClient) -> None:
    api.post("/api/v1/orders", json=ORDER)
    api.post("/api/v1/orders", json=ORDER)

    assert api.get("/api/v1/orders").json()["total"] == 2


def test_keys_are_scoped_to_the_caller(api: TestClient) -> None:
    key = uuid4().hex
    api.post("/api/v1/orders", json=ORDER, headers=keyed(key))

    other_caller = api.post("/api/v1/orders", json=ORDER, headers=keyed(key) | caller_headers("shipping"))

    assert other_caller.status_code == 201
    assert other_caller.headers.get("Idempotent-Replayed") is None


def test_a_key_is_forgotten_after_its_ttl(tmp_path: Path) -> None:
    settings = Settings(
        database_url=f"sqlite+aiosqlite:///{tmp_path / 'orders.db'}",
        **KEYS.settings("orders"),
        idempotency_ttl_seconds=0.001,
    )
    with TestClient(create_app(settings, stock=stocked_inventory()), headers=caller_headers()) as api:
        key = uuid4().hex
        api.post("/api/v1/orders", json=ORDER, headers=keyed(key))

        again = api.post("/api/v1/orders", json={**ORDER, "customer_id": "customer-2"}, headers=keyed(key))

    # A new request: not a 422 for a reused key, and not a replay.
    assert again.status_code == 201 and again.headers.get("Idempotent-Replayed") is None


def test_the_key_is_documented_as_a_header_of_the_create(api: TestClient) -> None:
    operation = api.get("/api/openapi.json").json()["paths"]["/api/v1/orders"]["post"]

    header = next(p for p in operation["parameters"] if p["name"] == "Idempotency-Key")
    assert header["in"] == "header" and not header.get("required")
