"""Concurrent reservations against a real database: stock is never oversold."""

import asyncio
from uuid import uuid4

import pytest
from fastapi import FastAPI

from inventory.backend.tests.conftest import asgi_client

pytestmark = pytest.mark.anyio


async def test_two_orders_racing_for_the_last_unit_exactly_one_wins(running_app: FastAPI) -> None:
    async with asgi_client(running_app) as http:
        await http.put("/api/v1/products/last-one", json={"on_hand": 1})
        bodies = [{"order_id": str(uuid4()), "items": [{"sku": "last-one", "quantity": 1}]} for _ in range(2)]

        responses = await asyncio.gather(*(http.post("/api/v1/reservations", json=body) for body in bodies))

        assert sorted(r.status_code for r in responses) == [201, 409]
        assert (await http.get("/api/v1/products/last-one")).json()["available"] == 0


async def test_many_parallel_reservations_never_oversell(running_app: FastAPI) -> None:
    async with asgi_client(running_app) as http:
        await http.put("/api/v1/products/scarce", json={"on_hand": 10})
        bodies = [{"order_id": str(uuid4()), "items": [{"sku": "scarce", "quantity": 1}]} for _ in range(30)]

        responses = await asyncio.gather(*(http.post("/api/v1/reservations", json=body) for body in bodies))

        assert [r.status_code for r in responses].count(201) == 10
        assert all(r.status_code in (201, 409) for r in responses)
        assert (await http.get("/api/v1/products/scarce")).json() == {
            "sku": "scarce",
            "on_hand": 10,
            "reserved": 10,
            "available": 0,
        }


async def test_the_same_order_reserving_twice_at_once_reserves_once(running_app: FastAPI) -> None:
    async with asgi_client(running_app) as http:
        await http.put("/api/v1/products/dup", json={"on_hand": 5})
        body = {"order_id": str(uuid4()), "items": [{"sku": "dup", "quantity": 2}]}

        responses = await asyncio.gather(*(http.post("/api/v1/reservations", json=body) for _ in range(2)))

        assert sorted(r.status_code for r in responses) == [200, 201]
        assert (await http.get("/api/v1/products/dup")).json()["reserved"] == 2
