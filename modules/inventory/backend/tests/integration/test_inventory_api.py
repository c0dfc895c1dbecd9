"""The inventory HTTP API over a real SQLite database."""

from uuid import uuid4

import pytest
from fastapi.testclient import TestClient


def stock(api: TestClient, **levels: int) -> None:
    for sku, on_hand in levels.items():
        assert (
            api.put(f"/api/v1/products/{sku.replace('_', '-')}", json={"on_hand": on_hand}).status_code == 200
        )


def reserve(api: TestClient, order_id: str, **items: int) -> tuple[int, dict]:  # type: ignore[type-arg]
    body = {
        "order_id": order_id,
        "items": [{"sku": s.replace("_", "-"), "quantity": q} for s, q in items.items()],
    }
    response = api.post("/api/v1/reservations", json=body)
    return response.status_code, response.json()


def test_stock_can_be_set_and_read(api: TestClient) -> None:
    stock(api, sku_1=5)

    assert api.get("/api/v1/products/sku-1").json() == {
        "sku": "sku-1",
        "on_hand": 5,
        "reserved": 0,
        "available": 5,
    }
    assert api.get("/api/v1/products/nope").status_code == 404


def test_a_reservation_takes_every_item_or_none_and_names_the_short_skus(api: TestClient) -> None:
    stock(api, sku_1=5, sku_2=1, sku_3=0)

    status, problem = reserve(api, str(uuid4()), sku_1=2, sku_2=2, sku_3=1)

    assert status == 409 and problem["short_skus"] == ["sku-2", "sku-3"]
    assert "sku-2 (requested 2, available 1)" in problem["detail"]
    assert api.get("/api/v1/products/sku-1").json()["reserved"] == 0  # nothing half-reserved


def test_reserving_twice_for_one_order_is_idempotent(api: TestClient) -> None:
    stock(api, sku_1=5)
    order_id = str(uuid4())

    first, second = reserve(api, order_id, sku_1=2), reserve(api, order_id, sku_1=2)

    assert (first[0], second[0]) == (201, 200) and first[1] == second[1]
    assert api.get("/api/v1/products/sku-1").json()["reserved"] == 2
    assert reserve(api, order_id, sku_1=3)[0] == 409  # same order id, different items


def test_commit_consumes_stock_and_release_returns_it(api: TestClient) -> None:
    stock(api, sku_1=5)
    committed, released = str(uuid4()), str(uuid4())
    reserve(api, committed, sku_1=2)
    reserve(api, released, sku_1=1)

    assert api.post(f"/api/v1/reservations/{committed}/commit").json()["status"] == "committed"
    assert api.post(f"/api/v1/reservations/{released}/release").json()["status"] == "released"

    assert api.get("/api/v1/products/sku-1").json() == {
        "sku": "sku-1",
        "on_hand": 3,
        "reserved": 0,
        "available": 3,
    }
    assert api.post(f"/api/v1/reservations/{committed}/commit").status_code == 200  # idempotent
    assert api.post(f"/api/v1/reservations/{committed}/release").status_code == 409
    assert api.post(f"/api/v1/reservations/{released}/commit").status_code == 409
    assert api.post(f"/api/v1/reservations/{uuid4()}/commit").status_code == 404


def test_stock_cannot_drop_below_what_is_reserved(api: TestClient) -> None:
    stock(api, sku_1=5)
    reserve(api, str(uuid4()), sku_1=4)

    response = api.put("/api/v1/products/sku-1", json={"on_hand": 3})

    assert response.status_code == 409 and "4 units are reserved" in response.json()["detail"]


@pytest.mark.parametrize(
    "body",
    [
        {"order_id": "not-a-uuid", "items": [{"sku": "a", "quantity": 1}]},
        {"order_id": "00000000-0000-0000-0000-000000000001", "items": []},
        {"order_id": "00000000-0000-0000-0000-000000000001", "items": [{"sku": "a", "quantity": 0}]},
        {"order_id": "00000000-0000-0000-0000-000000000001", "items": [{"sku": "a b", "quantity": 1}]},
        {"order_id": "00000000-0000-0000-0000-000000000001", "items": [{"sku": "a", "quantity": "1"}]},
        {"order_id": "00000000-0000-0000-0000-000000000001", "items": [{"sku": "a", "quantity": True}]},
    ],
)
def test_invalid_reservations_are_422(api: TestClient, body: dict) -> None:  # type: ignore[type-arg]
    assert api.post("/api/v1/reservations", json=body).status_code == 422


def test_lines_of_one_sku_may_not_add_up_past_the_quantity_limit(api: TestClient) -> None:
    """They are held as one line, which the contract caps: this was a 201 holding a 1,200,000 line."""
    api.put("/api/v1/products/sku-1", json={"on_hand": 2_000_000})
    lines = [{"sku": "sku-1", "quantity": 600_000}, {"sku": "sku-1", "quantity": 600_000}]
    body = {"order_id": "00000000-0000-0000-0000-000000000001", "items": lines}

    response = api.post("/api/v1/reservations", json=body)

    assert response.status_code == 422, response.text
    assert "sku-1" in response.text and "1000000" in response.text
    assert api.get("/api/v1/products/sku-1").json()["reserved"] == 0


@pytest.mark.parametrize("on_hand", [False, True, "5", 5.5, None])
def test_stock_levels_must_be_json_integers(api: TestClient, on_hand: object) -> None:
    """Found by the API fuzzer: `false` was stored as 0 stock although the contract says integer."""
    response = api.put("/api/v1/products/sku-1", json={"on_hand": on_hand})

    assert response.status_code == 422, response.text
    assert api.get("/api/v1/products/sku-1").status_code == 404


def test_writes_need_a_service_token(api: TestClient) -> None:
    assert (
        api.put("/api/v1/products/sku-1", json={"on_hand": 1}, headers={"Authorization": ""}).status_code
        == 401
    )
