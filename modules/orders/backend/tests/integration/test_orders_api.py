"""The orders HTTP API end to end over a real SQLite database."""

from typing import Any
from uuid import uuid4

from fastapi.testclient import TestClient

ORDER = {"customer_id": "customer-1", "items": [{"product_id": "sku-1", "quantity": 2}]}


def create_order(api: TestClient, customer_id: str = "customer-1") -> dict[str, Any]:
    response = api.post("/api/v1/orders", json={**ORDER, "customer_id": customer_id})
    assert response.status_code == 201, response.text
    order: dict[str, Any] = response.json()
    return order


def test_creating_an_order_returns_it_pending(api: TestClient) -> None:
    order = create_order(api)

    assert order["status"] == "pending"
    assert order["items"] == ORDER["items"]
    assert order["id"] and order["created_at"]


def test_a_created_order_can_be_read_back(api: TestClient) -> None:
    order = create_order(api)

    response = api.get(f"/api/v1/orders/{order['id']}")

    assert response.status_code == 200
    assert response.json() == order


def test_reading_an_unknown_order_is_404_with_a_json_detail(api: TestClient) -> None:
    response = api.get(f"/api/v1/orders/{uuid4()}")

    assert response.status_code == 404
    assert "does not exist" in response.json()["detail"]


def test_listing_filters_by_customer_and_paginates(api: TestClient) -> None:
    ids = [create_order(api, "alice")["id"] for _ in range(3)]
    create_order(api, "bob")

    first = api.get("/api/v1/orders", params={"customer_id": "alice", "limit": 2}).json()
    second = api.get("/api/v1/orders", params={"customer_id": "alice", "limit": 2, "offset": 2}).json()

    assert first["total"] == 3 and (first["limit"], first["offset"]) == (2, 0)
    assert {o["id"] for o in first["items"] + second["items"]} == set(ids)
    assert len(first["items"]) == 2 and len(second["items"]) == 1


def test_cancelling_an_order_then_cancelling_again_is_409(api: TestClient) -> None:
    order = create_order(api)

    cancelled = api.post(f"/api/v1/orders/{order['id']}/cancel")
    again = api.post(f"/api/v1/orders/{order['id']}/cancel")

    assert cancelled.status_code == 200 and cancelled.json()["status"] == "cancelled"
    assert again.status_code == 409
    assert "Cannot cancel" in again.json()["detail"]


def test_a_confirmed_order_cannot_be_cancelled_and_a_cancelled_one_not_confirmed(api: TestClient) -> None:
    confirmed, cancelled = create_order(api), create_order(api)
    assert api.post(f"/api/v1/orders/{confirmed['id']}/confirm").json()["status"] == "confirmed"
    api.post(f"/api/v1/orders/{cancelled['id']}/cancel")

    assert api.post(f"/api/v1/orders/{confirmed['id']}/cancel").status_code == 409
    assert api.post(f"/api/v1/orders/{cancelled['id']}/confirm").status_code == 409


def test_cancelling_an_unknown_order_is_404(api: TestClient) -> None:
    assert api.post(f"/api/v1/orders/{uuid4()}/cancel").status_code == 404


def test_writes_need_a_service_token(api: TestClient) -> None:
    response = api.post("/api/v1/orders", json=ORDER, headers={"Authorization": ""})

    assert response.status_code == 401
    assert response.headers["content-type"] == "application/problem+json"


def test_ready_checks_the_database_and_metrics_count_orders(api: TestClient) -> None:
    def created_total() -> float:
        line = next(
            line for line in api.get("/metrics").text.splitlines() if line.startswith("orders_created_total")
        )
        return float(line.split()[1])

    before = created_total()
    create_order(api)

    assert created_total() == before + 1
    assert api.get("/ready").json()["checks"]["database"]["status"] == "ok"


def test_health_and_docs_are_served(api: TestClient) -> None:
    assert api.get("/health").json() == {"status": "ok", "service": "orders"}
    assert api.get("/api/docs").status_code == 200
    assert "/api/v1/orders" in api.get("/api/openapi.json").json()["paths"]


def test_the_documented_links_lead_from_an_order_to_its_read_confirm_and_cancel(api: TestClient) -> None:
    document = api.get("/api/openapi.json").json()
    operations = {
        operation["operationId"]: (path, method)
        for path, item in document["paths"].items()
        for method, operation in item.items()
    }
    links = {
        (path, method, status, name): link
        for path, item in document["paths"].items()
        for method, operation in item.items()
        for status, response in operation["responses"].items()
        for name, link in response.get("links", {}).items()
    }

    assert ("/api/v1/orders", "post", "201", "ConfirmOrder") in links
    assert ("/api/v1/orders/{order_id}", "get", "200", "CancelOrder") in links
    for link in links.values():
        target_path, _ = operations[link["operationId"]]  # a renamed route would break the link here
        assert link["parameters"] == {"order_id": "$response.body#/id"}
        assert "{order_id}" in target_path
