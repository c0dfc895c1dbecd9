"""The facade benchmark's caller: shipping's view of `OrdersClient.order_exists`, timed call by call.

Prints one JSON object: for each way of calling, the per-call latencies in milliseconds.

- pooled: one OrdersClient reused for every call (how shipping holds it: one per process);
- fresh_connection: one OrdersClient whose transport keeps no connection alive, so each call
  opens (and closes) its own TCP connection;
- fresh_client: a new OrdersClient per call (settings parsed, client built, connection opened);
- health_floor: a bare GET /health on a pooled httpx2 client, the loopback + uvicorn floor;
- raw_get: GET /api/v1/orders/{id} on a pooled httpx2 client, no facade (no token, no validation).

    ORDERS_URL=http://127.0.0.1:8000 SHIPPING_SIGNING_KEY=… facade_calls.pex --order-id ID [--calls N]
"""

import argparse
import asyncio
import json
import time
from collections.abc import Awaitable, Callable
from uuid import UUID

import httpx2

from orders.backend.public import OrdersClient

Call = Callable[[], Awaitable[object]]


async def timed(call: Call, calls: int, warmup: int) -> list[float]:
    for _ in range(warmup):
        await call()
    latencies = []
    for _ in range(calls):
        started = time.perf_counter()
        await call()
        latencies.append((time.perf_counter() - started) * 1000)
    return latencies


async def measure(order_id: UUID, calls: int, warmup: int) -> dict[str, list[float]]:
    results: dict[str, list[float]] = {}
    async with OrdersClient(caller="shipping") as pooled:
        assert await pooled.order_exists(order_id), f"order {order_id} does not exist at {pooled.base_url}"
        results["pooled"] = await timed(lambda: pooled.order_exists(order_id), calls, warmup)
        base_url = pooled.base_url

    no_keepalive = httpx2.AsyncHTTPTransport(limits=httpx2.Limits(max_keepalive_connections=0))
    async with OrdersClient(caller="shipping", transport=no_keepalive) as unpooled:
        results["fresh_connection"] = await timed(lambda: unpooled.order_exists(order_id), calls, warmup)

    async def fresh_client() -> bool:
        async with OrdersClient(caller="shipping") as client:
            return await client.order_exists(order_id)

    results["fresh_client"] = await timed(fresh_client, calls, warmup)

    async with httpx2.AsyncClient(base_url=base_url) as raw:

        async def health() -> None:
            (await raw.get("/health")).raise_for_status()

        async def raw_get() -> None:
            (await raw.get(f"/api/v1/orders/{order_id}")).raise_for_status()

        results["health_floor"] = await timed(health, calls, warmup)
        results["raw_get"] = await timed(raw_get, calls, warmup)
    return results


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--order-id", type=UUID, required=True, help="an existing order")
    parser.add_argument("--calls", type=int, default=1000, help="timed calls per way (default 1000)")
    parser.add_argument("--warmup", type=int, default=50, help="untimed calls first (default 50)")
    args = parser.parse_args(argv)
    print(json.dumps(asyncio.run(measure(args.order_id, args.calls, args.warmup))))


if __name__ == "__main__":
    main()
