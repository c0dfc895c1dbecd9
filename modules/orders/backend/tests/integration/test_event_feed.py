"""Orders' outbox through the app: a confirm's event is committed with it, relayed, and served on the feed."""

import time
from typing import Any

import sqlalchemy as sa
from fastapi.testclient import TestClient

from orders.backend.tests.conftest import caller_headers
from service_kit.messaging.tables import outbox

CONFIRMED = "orders.OrderConfirmed.v1"
CANCELLED = "orders.OrderCancelled.v1"


def place(api: TestClient) -> dict[str, Any]:
    body = {"customer_id": "c1", "items": [{"product_id": "sku-1", "quantity": 1}]}
    response = api.post("/api/v1/orders", json=body)
    assert response.status_code == 201
    return dict(response.json())


def feed(api: TestClient, *topics: str, after: int = 0) -> list[dict[str, Any]]:
    response = api.get("/api/v1/events", params={"topic": list(topics), "after": after})
    assert response.status_code == 200, response.text
    return list(response.json()["events"])


def feed_until(api: TestClient, count: int, *topics: str) -> list[dict[str, Any]]:
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        events = feed(api, *topics)
        if len(events) >= count:
            return events
        time.sleep(0.02)
    return feed(api, *topics)


def test_confirm_and_cancel_events_are_relayed_to_the_feed_in_order(api: TestClient) -> None:
    confirmed, cancelled = place(api), place(api)
    assert api.post(f"/api/v1/orders/{confirmed['id']}/confirm").status_code == 200
    assert api.post(f"/api/v1/orders/{cancelled['id']}/cancel").status_code == 200

    events = feed_until(api, 2, CONFIRMED, CANCELLED)

    assert [(e["topic"], e["key"]) for e in events] == [
        (CONFIRMED, confirmed["id"]),
        (CANCELLED, cancelled["id"]),
    ]
    assert events[0]["payload"]["order_id"] == confirmed["id"] and events[0]["payload"]["customer_id"] == "c1"
    assert [e["position"] for e in events] == [1, 2]
    assert feed(api, CONFIRMED, CANCELLED, after=1) == events[1:]
    assert feed(api, CANCELLED) == events[1:]


def test_a_refused_confirm_leaves_no_event(api: TestClient) -> None:
    order = place(api)
    assert api.post(f"/api/v1/orders/{order['id']}/cancel").status_code == 200
    assert api.post(f"/api/v1/orders/{order['id']}/confirm").status_code == 409

    async def topics() -> list[str]:
        async with api.app.state.session_factory() as session:  # type: ignore[attr-defined]
            return list((await session.execute(sa.select(outbox.c.topic))).scalars())

    assert api.portal.call(topics) == [CANCELLED]  # type: ignore[union-attr]


def test_the_feed_needs_a_service_token_reads_included(api: TestClient) -> None:
    response = api.get("/api/v1/events", params={"topic": CONFIRMED}, headers={"Authorization": ""})
    assert response.status_code == 401
    assert (
        api.get("/api/v1/events", params={"topic": CONFIRMED}, headers=caller_headers("shipping")).status_code
        == 200
    )


def test_the_feed_refuses_a_request_without_topics(api: TestClient) -> None:
    response = api.get("/api/v1/events")
    assert response.status_code == 422
    assert "topic" in response.text
