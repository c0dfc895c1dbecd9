"""OrdersClient, the public facade, against the real app in-process."""

from collections.abc import AsyncIterator
from uuid import uuid4

import httpx2
import pytest

from orders.backend.api.main import create_app
from orders.backend.config import Settings
from orders.backend.public import OrderPublic, OrdersClient, OrderStatus
from orders.backend.tests.conftest import KEYS, caller_headers, stocked_inventory
from service_kit.client import NotFound, Unavailable

pytestmark = pytest.mark.anyio


@pytest.fixture
async def client(settings: Settings) -> AsyncIterator[tuple[OrdersClient, httpx2.AsyncClient]]:
    """An OrdersClient wired to a running app, and a raw HTTP client to set up data."""
    app = create_app(settings, stock=stocked_inventory())
    async with app.router.lifespan_context(app):
        transport = httpx2.ASGITransport(app=app)
        async with (
            OrdersClient(
                "http://orders", caller="tests", signing_key=KEYS.key("tests"), transport=transport
            ) as orders,
            httpx2.AsyncClient(
                base_url="http://orders", transport=transport, headers=caller_headers()
            ) as http,
        ):
            yield orders, http


async def test_get_order_returns_the_public_model(client: tuple[OrdersClient, httpx2.AsyncClient]) -> None:
    orders, http = client
    body = {"customer_id": "c1", "items": [{"product_id": "p", "quantity": 1}]}
    created = (await http.post("/api/v1/orders", json=body)).json()

    order = await orders.get_order(created["id"])

    assert isinstance(order, OrderPublic)
    assert str(order.id) == created["id"] and order.status is OrderStatus.PENDING
    assert await orders.order_exists(order.id)


async def test_unknown_orders_raise_not_found_and_do_not_exist(
    client: tuple[OrdersClient, httpx2.AsyncClient],
) -> None:
    orders, _ = client
    missing = uuid4()

    with pytest.raises(NotFound) as raised:
        await orders.get_order(missing)
    assert raised.value.problem["status"] == 404
    assert not await orders.order_exists(missing)


async def test_an_unreachable_service_raises_unavailable_after_retries() -> None:
    # Port 9 (discard) on loopback refuses connections.
    async with OrdersClient("http://127.0.0.1:9", caller="tests", timeout_seconds=1, retries=1) as orders:
        with pytest.raises(Unavailable, match="unreachable"):
            await orders.get_order(uuid4())


async def test_the_base_url_comes_from_orders_url(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ORDERS_URL", "http://orders.internal:8123")

    async with OrdersClient(caller="tests") as orders:
        assert orders.base_url == "http://orders.internal:8123"
