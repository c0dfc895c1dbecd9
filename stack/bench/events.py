"""make bench's events section: order commit → shipment created, on the embedded feed and on Redis
Streams, and how fast one relay drains a backlog of outbox rows into Redis."""

import sqlite3
import tempfile
import time
from contextlib import closing
from datetime import datetime
from pathlib import Path

from bench import report
from bench.processes import BenchError, package
from bench.stats import percentile
from common.testing.redis import RedisServer, free_port
from reliability.processes import Api, running_modules

TARGETS = ["modules/inventory:inventory", "modules/orders:orders", "modules/shipping:shipping"]
BROKER_P50_TARGET_MS = 100.0
ORDERS = "/api/v1/orders"
PLENTY = 1_000_000_000
SKU = "sku-events-bench"
BODY = {"customer_id": "bench", "items": [{"product_id": SKU, "quantity": 1}]}


def stock(inventory: Api, skus: list[str], on_hand: int) -> None:
    # Not reliability.checks' own: that module imports schemathesis, which `make bench`'s plain
    # python3 has not got (the bench runs on the standard library).
    for sku in skus:
        status, body = inventory.call("PUT", f"/api/v1/products/{sku}", {"on_hand": on_hand})
        if status != 200:
            raise BenchError(f"stocking {sku} answered {status}: {body}")


def _rows(database: Path, sql: str) -> list[tuple[str, ...]]:
    with closing(sqlite3.connect(database)) as connection:
        return [tuple(str(v) for v in row) for row in connection.execute(sql)]


def _moment(text: str) -> float:
    return datetime.fromisoformat(text).timestamp()


def _delays(pex_dir: Path, work_dir: Path, confirmations: int, env: dict[str, str]) -> list[float]:
    """Confirm orders one by one (a pause between, so each is measured alone); for each, seconds from
    the confirm's commit (the order's updated_at) to its shipment's created_at, both stored by the services.
    """
    with running_modules(pex_dir, work_dir, env=env) as services:
        orders = services["orders"]
        stock(services["inventory"], [SKU], PLENTY)
        ids = []
        for _ in range(confirmations):
            status, order = orders.call("POST", ORDERS, BODY)
            if status != 201:
                raise BenchError(f"placing an order answered {status}: {order}")
            ids.append(order["id"])
        for order_id in ids:
            orders.call("POST", f"{ORDERS}/{order_id}/confirm")
            time.sleep(0.05)
        shipping_db, orders_db = work_dir / "data" / "shipping.db", work_dir / "data" / "orders.db"
        deadline = time.monotonic() + 60
        while len(_rows(shipping_db, "SELECT order_id FROM shipments")) < confirmations:
            if time.monotonic() > deadline:
                raise BenchError("shipping did not create every shipment within 60 s")
            time.sleep(0.1)
        committed = {row[0]: row[1] for row in _rows(orders_db, "SELECT id, updated_at FROM orders")}
        shipped = _rows(shipping_db, "SELECT order_id, created_at FROM shipments")
    return [_moment(created) - _moment(committed[order_id]) for order_id, created in shipped]


def _relay_rate(pex_dir: Path, work_dir: Path, backlog: int, broker: RedisServer) -> float:
    """Events/s: confirm `backlog` orders while the broker is down (the outbox fills), start it, and
    time until the relay has marked every row sent."""
    broker.kill()
    env = {"EVENTS_BROKER_URL": broker.url}
    with running_modules(pex_dir, work_dir, ("inventory", "orders"), env=env) as services:
        orders = services["orders"]
        stock(services["inventory"], [SKU], PLENTY)
        for _ in range(backlog):
            _, order = orders.call("POST", ORDERS, BODY)
            orders.call("POST", f"{ORDERS}/{order['id']}/confirm")
        outbox = work_dir / "data" / "orders.db"
        broker.start()
        started = time.monotonic()
        while _rows(outbox, "SELECT count(*) FROM event_outbox WHERE sent_at IS NULL")[0][0] != "0":
            if time.monotonic() - started > 120:
                raise BenchError("the relay did not drain its backlog within 120 s")
            time.sleep(0.005)
        # From the first batch marked sent to the last (the relay's wait to retry the dead broker is
        # not throughput), counting the rows sent after the first batch.
        first, last = _rows(outbox, "SELECT min(sent_at), max(sent_at) FROM event_outbox")[0]
        in_first = int(_rows(outbox, f"SELECT count(*) FROM event_outbox WHERE sent_at = '{first}'")[0][0])
    return (backlog - in_first) / max(_moment(last) - _moment(first), 1e-3)


def events_section(root: Path, confirmations: int = 100, backlog: int = 300) -> str:
    from common.testing.redis import require_redis_server

    package(root, TARGETS)
    pex_dir = root / "dist"
    with tempfile.TemporaryDirectory(prefix="bench-events-") as tmp:
        work = Path(tmp)
        embedded = _delays(pex_dir, work / "embedded", confirmations, {})
        (work / "redis").mkdir()
        broker = RedisServer(require_redis_server(), work / "redis", free_port())
        broker.start()
        try:
            on_broker = _delays(pex_dir, work / "broker", confirmations, {"EVENTS_BROKER_URL": broker.url})
            rate = _relay_rate(pex_dir, work / "relay", backlog, broker)
        finally:
            broker.kill()
    rows = [
        [
            name,
            len(values),
            report.ms(percentile(values, 50) * 1000),
            report.ms(percentile(values, 99) * 1000),
        ]
        for name, values in (("embedded (HTTP feed, 1 s poll)", embedded), ("Redis Streams", on_broker))
    ]
    p50_ms = percentile(on_broker, 50) * 1000
    return "\n".join(
        [
            f"Order confirm committed → shipment created by shipping on OrderConfirmed; {confirmations} "
            "confirmations one at a time, 50 ms apart; both timestamps are the services' own "
            "(orders' updated_at, the shipment's created_at).",
            "",
            report.table(["transport", "events", "p50", "p99"], rows),
            "",
            f"Redis Streams p50 target < {BROKER_P50_TARGET_MS:g} ms: "
            f"{report.verdict(p50_ms < BROKER_P50_TARGET_MS)}.",
            "",
            f"One relay (orders, SQLite outbox) draining a backlog of {backlog} events into Redis Streams, "
            f"first to last sent: **{rate:,.0f} events/s**.",
        ]
    )
