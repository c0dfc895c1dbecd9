"""Whatever inventory answers, orders' responses are never 500 and carry no internals.

A seeded fuzz over the error paths: random operations against an inventory double that fails in
random ways, with messages full of internal hosts, URLs and exception reprs.
"""

import random
from collections.abc import Iterator
from pathlib import Path
from uuid import UUID

import pytest
from fastapi.testclient import TestClient

from inventory.backend.public import ReservationItem, ReservationPublic
from inventory.backend.public.testing import FakeInventoryClient
from orders.backend.api.main import create_app
from orders.backend.config import Settings
from orders.backend.tests.conftest import KEYS, caller_headers, stocked_inventory
from service_kit.client import (
    BadRequest,
    Conflict,
    Forbidden,
    NotFound,
    RateLimited,
    ServiceError,
    Unauthorized,
    Unavailable,
)

INTERNALS = ("inventory.internal", "10.0.3.7", "http://", "ConnectError", "Traceback", "sqlite", "asyncpg")
LEAKY = "inventory unreachable at http://inventory.internal:8000 (10.0.3.7): ConnectError('[Errno 111]')"
ORDER = {"customer_id": "customer-1", "items": [{"product_id": "sku-1", "quantity": 1}]}


def random_error(rng: random.Random) -> ServiceError:
    kind = rng.choice(
        [Unavailable, RateLimited, BadRequest, Unauthorized, Forbidden, Conflict, NotFound, ServiceError]
    )
    problem = rng.choice([{}, {"detail": LEAKY}, {"detail": LEAKY, "reason": "weird"}, {"traceback": LEAKY}])
    status = rng.choice([None, 400, 401, 403, 404, 409, 418, 429, 500, 503])
    return kind(LEAKY, status=status, problem=problem, retry_after=rng.choice([None, "3", "soon", "-1"]))


class ChaoticInventory(FakeInventoryClient):
    """Inventory's fake that, at `failure_rate`, raises a random facade error instead of answering."""

    def __init__(self, rng: random.Random, failure_rate: float) -> None:
        super().__init__()
        self.stock = stocked_inventory().stock
        self.rng = rng
        self.failure_rate = failure_rate

    def _maybe_fail(self) -> None:
        if self.rng.random() < self.failure_rate:
            raise random_error(self.rng)

    async def reserve(self, order_id: UUID, items: list[ReservationItem]) -> ReservationPublic:
        self._maybe_fail()
        return await super().reserve(order_id, items)

    async def commit(self, order_id: UUID) -> ReservationPublic:
        self._maybe_fail()
        return await super().commit(order_id)

    async def release(self, order_id: UUID) -> ReservationPublic:
        self._maybe_fail()
        return await super().release(order_id)


@pytest.fixture
def chaos(tmp_path: Path) -> Iterator[tuple[TestClient, ChaoticInventory, random.Random]]:
    rng = random.Random(17)
    inventory = ChaoticInventory(rng, failure_rate=0.5)
    settings = Settings(database_url=f"sqlite+aiosqlite:///{tmp_path / 'o.db'}", **KEYS.settings("orders"))
    with TestClient(
        create_app(settings, stock=inventory), raise_server_exceptions=False, headers=caller_headers()
    ) as api:
        yield api, inventory, rng


def test_no_inventory_failure_becomes_a_500_or_leaks_internals(
    chaos: tuple[TestClient, ChaoticInventory, random.Random],
) -> None:
    api, _, rng = chaos
    order_ids: list[str] = []
    statuses: set[int] = set()
    for example in range(300):
        request_id = f"fuzz-{example}"
        headers = {"X-Request-ID": request_id}
        if not order_ids or rng.random() < 0.4:
            response = api.post("/api/v1/orders", json=ORDER, headers=headers)
            if response.status_code == 201:
                order_ids.append(response.json()["id"])
        else:
            action = rng.choice(["confirm", "cancel"])
            response = api.post(f"/api/v1/orders/{rng.choice(order_ids)}/{action}", headers=headers)
        statuses.add(response.status_code)

        assert response.status_code < 500 or response.status_code in (502, 503), response.text
        assert not any(marker in response.text for marker in INTERNALS), response.text
        if response.status_code >= 400:
            assert response.json()["request_id"] == request_id
        if response.status_code == 503 and "busy" in response.text.lower():
            assert response.headers["Retry-After"].isdigit()
    # The fuzz did reach the paths it is about.
    assert {201, 502, 503} <= statuses


def test_inventory_rate_limiting_is_503_with_retry_after(tmp_path: Path) -> None:
    class Busy(FakeInventoryClient):
        async def reserve(self, order_id: UUID, items: list[ReservationItem]) -> ReservationPublic:
            raise RateLimited(LEAKY, status=429, retry_after="7")

    settings = Settings(database_url=f"sqlite+aiosqlite:///{tmp_path / 'o.db'}", **KEYS.settings("orders"))
    with TestClient(
        create_app(settings, stock=Busy()), raise_server_exceptions=False, headers=caller_headers()
    ) as api:
        response = api.post("/api/v1/orders", json=ORDER)

    assert response.status_code == 503 and response.headers["Retry-After"] == "7"
    assert "inventory.internal" not in response.text
