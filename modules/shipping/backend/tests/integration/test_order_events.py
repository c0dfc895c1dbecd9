"""Shipping reacts to orders' events: a shipment per confirmed order, whichever of the event and a
request comes first; a cancelled order's shipment is cancelled before dispatch; a poison event is
dead-lettered after its attempts, listed and replayable, and the events after it still flow."""

import time
from pathlib import Path
from typing import Any
from uuid import uuid4

import pytest
from fastapi.testclient import TestClient

from orders.backend.public import OrderStatus
from orders.backend.public.events import OrderCancelled, OrderConfirmed
from orders.backend.public.testing import FakeOrdersClient
from service_kit.event import Event
from service_kit.messaging import inbox
from service_kit.messaging.envelope import Envelope
from shipping.backend.config import Settings
from shipping.backend.tests.conftest import FIXTURES

MAX_ATTEMPTS = 3


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    """Few, quick retries, so a poison event is dead-lettered within the test."""
    return FIXTURES.settings(tmp_path, events_max_attempts=MAX_ATTEMPTS, events_retry_base_seconds=0.01)


def deliver(api: TestClient, *envelopes: Envelope) -> None:
    """What the transport does: store in the inbox, then wake the processor."""

    async def store() -> None:
        async with api.app.state.session_factory() as session:  # type: ignore[attr-defined]
            await inbox.store(session, envelopes)
            await session.commit()
        api.app.state.inbox_processor.nudge()  # type: ignore[attr-defined]

    api.portal.call(store)  # type: ignore[union-attr]


def envelope(event: Event, topic: str | None = None, payload: dict[str, Any] | None = None) -> Envelope:
    return Envelope(
        event_id=event.event_id,
        topic=topic or type(event).topic("orders"),
        key=event.key,
        position=1,
        payload=event.model_dump(mode="json") if payload is None else payload,
    )


def confirmed(order_id: Any = None) -> OrderConfirmed:
    order_id = order_id or uuid4()
    return OrderConfirmed(key=str(order_id), order_id=order_id, customer_id="c1")


def shipment_of(
    api: TestClient, order_id: Any, status: str | None = None, timeout: float = 10
) -> dict[str, Any]:
    deadline = time.monotonic() + timeout
    while True:
        response = api.get("/api/v1/shipments", params={"order_id": str(order_id)})
        if response.status_code == 200 and (status is None or response.json()["status"] == status):
            return dict(response.json())
        assert (
            time.monotonic() < deadline
        ), f"no {status or ''} shipment for order {order_id}: {response.text}"
        time.sleep(0.02)


def test_order_confirmed_creates_one_shipment_however_often_it_arrives(api: TestClient) -> None:
    event = confirmed()
    deliver(api, envelope(event))
    shipment = shipment_of(api, event.order_id)
    assert shipment["status"] == "created"

    deliver(api, envelope(event))  # the broker's redelivery
    deliver(api, envelope(confirmed(event.order_id)))  # another event about the same order
    time.sleep(0.3)
    assert shipment_of(api, event.order_id)["id"] == shipment["id"]


def test_a_request_after_the_event_answers_the_same_shipment(
    api: TestClient, orders: FakeOrdersClient
) -> None:
    event = confirmed(orders.add(OrderStatus.CONFIRMED).id)
    deliver(api, envelope(event))
    automatic = shipment_of(api, event.order_id)

    response = api.post("/api/v1/shipments", json={"order_id": str(event.order_id)})
    assert response.status_code == 200 and response.json()["id"] == automatic["id"]


def test_the_event_after_a_request_adds_no_second_shipment(api: TestClient, orders: FakeOrdersClient) -> None:
    event = confirmed(orders.add(OrderStatus.CONFIRMED).id)
    manual = api.post("/api/v1/shipments", json={"order_id": str(event.order_id)})
    assert manual.status_code == 201

    deliver(api, envelope(event), envelope(confirmed()))  # and a later event, to know it was processed
    time.sleep(0.3)
    assert shipment_of(api, event.order_id)["id"] == manual.json()["id"]


def test_order_cancelled_cancels_a_shipment_not_yet_dispatched(api: TestClient) -> None:
    waiting, dispatched = confirmed(), confirmed()
    deliver(api, envelope(waiting), envelope(dispatched))
    shipment_of(api, waiting.order_id)
    gone = shipment_of(api, dispatched.order_id)
    assert api.post(f"/api/v1/shipments/{gone['id']}/dispatch").status_code == 200

    for event in (waiting, dispatched):
        deliver(api, envelope(OrderCancelled(key=event.key, order_id=event.order_id, customer_id="c1")))

    assert shipment_of(api, waiting.order_id, status="cancelled")["status"] == "cancelled"
    time.sleep(0.3)
    assert shipment_of(api, dispatched.order_id)["status"] == "dispatched"


def test_a_poison_event_is_dead_lettered_listed_and_replayable_while_later_events_flow(
    api: TestClient,
) -> None:
    poison = confirmed()
    # Its payload lacks the order id: the handler fails on every attempt.
    bad = {k: v for k, v in poison.model_dump(mode="json").items() if k != "order_id"}
    after = confirmed()
    deliver(api, envelope(poison, payload=bad), envelope(after))

    shipment_of(api, after.order_id)
    deadline = time.monotonic() + 10
    while (page := api.get("/api/v1/events/dead-letters").json())["total"] == 0:
        assert time.monotonic() < deadline, "the poison event was never dead-lettered"
        time.sleep(0.02)
    [letter] = page["items"]
    assert letter["event_id"] == str(poison.event_id) and letter["attempts"] == MAX_ATTEMPTS
    assert letter["topic"] == "orders.OrderConfirmed.v1" and letter["last_error"] == "ValidationError"
    assert "events_dead_letters 1.0" in api.get("/metrics").text

    replay = api.post("/api/v1/events/dead-letters/replay", json={"event_ids": [str(poison.event_id)]})
    assert replay.status_code == 200 and replay.json() == {"replayed": 1}


def test_dead_letters_need_a_service_token(api: TestClient) -> None:
    assert api.get("/api/v1/events/dead-letters", headers={"Authorization": ""}).status_code == 401
    assert (
        api.post("/api/v1/events/dead-letters/replay", json={}, headers={"Authorization": ""}).status_code
        == 401
    )
