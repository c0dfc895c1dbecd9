"""The reliability checks: each starts the PEXes it needs, does its damage, and returns counts.

Scale is a parameter: the tests run each check small, `make reliability` (run.py) at full scale.
Load is generated with threads and raw keep-alive connections (http.client), so a reset
connection is seen as such instead of being retried away by a client library.
"""

import http.client
import json
import random
import re
import threading
import time
import urllib.parse
import uuid
from collections import Counter
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from reliability.databases import Database, module_database
from reliability.fuzz import FuzzResult, StatefulResult, fuzz_module, fuzz_stateful
from reliability.processes import MODULES, Api, ModuleProcess, running_modules

ORDERS = "/api/v1/orders"
PLENTY = 1_000_000_000
# Errors that mean the server dropped a connection it had accepted, instead of answering.
RESET_ERRORS = (ConnectionResetError, BrokenPipeError, http.client.RemoteDisconnected)


@dataclass(frozen=True)
class Reply:
    status: int
    headers: dict[str, str]  # names in lower case
    body: Any


class Connection:
    """One keep-alive HTTP/1.1 connection to a service, with its bearer token."""

    def __init__(self, api: Api, timeout: float = 60.0) -> None:
        parsed = urllib.parse.urlsplit(api.url)
        self.token = api.token
        self.http = http.client.HTTPConnection(parsed.hostname or "127.0.0.1", parsed.port, timeout=timeout)

    def connect(self) -> None:
        self.http.connect()

    def request(self, method: str, path: str, body: Any = None) -> tuple[int, Any]:
        reply = self.send(method, path, body)
        return reply.status, reply.body

    def send(
        self, method: str, path: str, body: Any = None, headers: dict[str, str] | None = None
    ) -> "Reply":
        sent = {
            "Authorization": f"Bearer {self.token}",
            "Content-Type": "application/json",
            **(headers or {}),
        }
        payload = json.dumps(body) if body is not None else None
        self.http.request(method, path, body=payload, headers=sent)
        response = self.http.getresponse()
        headers = {name.lower(): value for name, value in response.getheaders()}
        return Reply(response.status, headers, json.loads(response.read() or b"null"))

    def close(self) -> None:
        self.http.close()


def stock(inventory: Api, skus: list[str], on_hand: int) -> None:
    for sku in skus:
        status, body = inventory.call("PUT", f"/api/v1/products/{sku}", {"on_hand": on_hand})
        assert status == 200, f"stocking {sku} answered {status}: {body}"


def order_body(customer_id: str, skus: list[str], rng: random.Random) -> dict[str, Any]:
    lines = rng.sample(skus, rng.randint(1, min(3, len(skus))))
    return {
        "customer_id": customer_id,
        "items": [{"product_id": s, "quantity": rng.randint(1, 5)} for s in lines],
    }


def intact(stored: dict[str, Any], sent: dict[str, Any]) -> bool:
    return bool(
        stored["customer_id"] == sent["customer_id"]
        and stored["items"] == sent["items"]
        and stored["status"] == "pending"
    )


def orders_count(orders: Api) -> int:
    status, page = orders.call("GET", f"{ORDERS}?limit=1")
    assert status == 200, f"listing orders answered {status}: {page}"
    return int(page["total"])


# --- Durability: kill -9 under load ---------------------------------------------------------


@dataclass
class DurabilityResult:
    sent: int = 0
    acknowledged: int = 0
    acknowledged_before_kill: int = 0
    failed_by_the_kill: int = 0  # no answer: in flight on a connection to the killed process
    errors: list[str] = field(default_factory=list)  # connection errors with no kill to blame
    statuses: Counter[int] = field(default_factory=Counter)
    server_errors: int = 0
    found_after_restart: int = 0
    missing: list[str] = field(default_factory=list)
    altered: list[str] = field(default_factory=list)
    stored_without_acknowledgement: int = 0  # committed, but the 201 never reached the client

    @property
    def ok(self) -> bool:
        return (
            0 < self.acknowledged_before_kill < self.acknowledged
            and self.found_after_restart == self.acknowledged
            and not self.missing
            and not self.altered
            and not self.errors
            and self.server_errors == 0
        )


def durability(pex_dir: Path, work_dir: Path, orders: int = 300, workers: int = 8) -> DurabilityResult:
    """POST `orders` orders from `workers` threads. Once half are acknowledged, orders gets SIGKILL
    and is restarted on the same SQLite file while the threads wait, then they send the rest.
    After the last one it is killed and restarted again: every order answered 201, before or
    after the first crash, must be there, unchanged."""
    result = DurabilityResult()
    skus = [f"dur-{n}" for n in range(10)]
    acknowledged: dict[str, dict[str, Any]] = {}
    lock = threading.Lock()
    killed, restarted = threading.Event(), threading.Event()
    with running_modules(pex_dir, work_dir, ("inventory", "orders")) as services:
        inventory, service = services["inventory"], services["orders"]
        stock(inventory, skus, PLENTY)
        numbers = iter(range(orders))

        def worker(seed: int) -> None:
            rng = random.Random(seed)
            connection, to_killed_process = Connection(service), False
            while True:
                if killed.is_set() and not to_killed_process:
                    restarted.wait(timeout=180)
                    connection.close()
                    connection, to_killed_process = Connection(service), True
                with lock:
                    number = next(numbers, None)
                if number is None:
                    break
                body = order_body(f"durability-{number}", skus, rng)
                try:
                    status, answer = connection.request("POST", ORDERS, body)
                except OSError as error:
                    with lock:
                        result.sent += 1
                        if killed.is_set() and not to_killed_process:
                            result.failed_by_the_kill += 1
                        else:
                            result.errors.append(repr(error))
                    continue
                i_killed = False
                with lock:
                    result.sent += 1
                    result.statuses[status] += 1
                    result.server_errors += status >= 500
                    if status == 201:
                        acknowledged[answer["id"]] = body
                    if len(acknowledged) >= orders // 2 and not killed.is_set():
                        killed.set()  # before the kill, so requests failing from now on blame it
                        service.kill()
                        result.acknowledged_before_kill = len(acknowledged)
                        i_killed = True
                if i_killed:
                    service.start()
                    service.wait_ready()
                    restarted.set()
            connection.close()

        with ThreadPoolExecutor(workers) as pool:
            list(pool.map(worker, range(workers)))
        result.acknowledged = len(acknowledged)
        service.kill()
        service.start()
        service.wait_ready()
        for order_id, sent in acknowledged.items():
            status, stored = service.call("GET", f"{ORDERS}/{order_id}")
            if status != 200:
                result.missing.append(order_id)
            elif not intact(stored, sent):
                result.altered.append(order_id)
            else:
                result.found_after_restart += 1
        result.stored_without_acknowledgement = orders_count(service) - result.found_after_restart
    return result


# --- Durability with retries: kill -9 while every client retries with its Idempotency-Key ----


IDEMPOTENCY_HEADER = "Idempotency-Key"
REPLAYED_HEADER = "idempotent-replayed"
# How long one client keeps retrying one create before the check counts it as given up.
RETRY_DEADLINE_SECONDS = 180.0
# The client discards the first 201 of every n-th create, as if it was lost on the way back, and
# retries: with the key honoured that retry is a replay, without it a second order. A kill -9 between
# commit and answer does the same, but too rarely to rely on.
LOSE_FIRST_ANSWER_EVERY = 10


@dataclass
class RetryDurabilityResult:
    engine: str
    keys: int  # one create per key, retried until acknowledged
    acknowledged: int = 0
    acknowledged_before_kill: int = 0
    attempts: int = 0
    retried_keys: int = 0  # keys that took more than one attempt
    unanswered_attempts: int = 0  # connection refused or dropped: the kill, orders restarting
    answers_lost: int = 0  # first 201s the client discarded (LOSE_FIRST_ANSWER_EVERY) and retried
    replayed: int = 0  # 201s answered from the stored first response (Idempotent-Replayed: true)
    statuses: Counter[int] = field(default_factory=Counter)
    server_errors: int = 0
    gave_up: list[str] = field(default_factory=list)  # keys never acknowledged, with the last answer
    # Counted in orders' database once orders is killed for the last time:
    stored_orders: int = -1
    duplicates: int = -1  # orders beyond one per key
    missing: list[str] = field(default_factory=list)  # acknowledged keys without their order stored

    @property
    def ok(self) -> bool:
        return (
            self.acknowledged == self.keys
            and 0 < self.acknowledged_before_kill < self.keys
            and self.retried_keys > 0
            and self.answers_lost > 0
            and self.replayed >= self.answers_lost
            and not self.gave_up
            and self.server_errors == 0
            and self.duplicates == 0
            and not self.missing
            and self.stored_orders == self.keys
        )


def durability_with_retries(
    pex_dir: Path, work_dir: Path, keys: int = 300, workers: int = 8, engine: str = "sqlite"
) -> RetryDurabilityResult:
    """`workers` clients create `keys` orders, each with its own Idempotency-Key, and retry every
    create (same key, same body) until it is acknowledged, while orders gets kill -9 once half are
    and is restarted at once; every LOSE_FIRST_ANSWER_EVERY-th first 201 is discarded and retried.
    Then orders is killed again and its database (SQLite or PostgreSQL) is read: exactly one order
    per key, and every acknowledged one there."""
    result = RetryDurabilityResult(engine, keys)
    skus = [f"retry-{n}" for n in range(10)]
    acknowledged: dict[str, str] = {}  # customer_id (one per key) -> order id of the 201
    lock = threading.Lock()
    half_acknowledged = threading.Event()
    with (
        module_database(engine, "orders", work_dir / "data") as database,
        running_modules(pex_dir, work_dir, ("inventory", "orders"), database.env("orders")) as services,
    ):
        inventory, service = services["inventory"], services["orders"]
        stock(inventory, skus, PLENTY)
        numbers = iter(range(keys))

        def create_until_acknowledged(connection: Connection, number: int, rng: random.Random) -> Connection:
            customer = f"retry-{number}"
            body, key = order_body(customer, skus, rng), f"reliability-{uuid.uuid4()}"
            deadline, backoff, attempts, last = time.monotonic() + RETRY_DEADLINE_SECONDS, 0.05, 0, ""
            lost_one = False
            while time.monotonic() < deadline:
                attempts += 1
                try:
                    reply = connection.send("POST", ORDERS, body, {IDEMPOTENCY_HEADER: key})
                except OSError as error:
                    connection.close()  # a new connection next time: the old one went with the process
                    connection, last = Connection(service), repr(error)
                    with lock:
                        result.unanswered_attempts += 1
                else:
                    with lock:
                        result.statuses[reply.status] += 1
                        result.server_errors += reply.status >= 500 and reply.status != 503
                    if reply.status == 201 and number % LOSE_FIRST_ANSWER_EVERY == 0 and not lost_one:
                        lost_one = True  # as if the answer never made it back: the client retries
                        with lock:
                            result.answers_lost += 1
                        continue
                    if reply.status == 201:
                        with lock:
                            result.attempts += attempts
                            result.retried_keys += attempts > 1
                            result.replayed += reply.headers.get(REPLAYED_HEADER) == "true"
                            acknowledged[customer] = reply.body["id"]
                            if len(acknowledged) >= keys // 2:
                                half_acknowledged.set()
                        return connection
                    last = f"{reply.status} {reply.body}"
                    if reply.status not in (409, 503):  # anything but "in flight" or "busy" is final
                        break
                time.sleep(backoff * rng.uniform(0.5, 1.5))
                backoff = min(backoff * 2, 1.0)
            with lock:
                result.attempts += attempts
                result.gave_up.append(f"{customer}: {last}")
            return connection

        def client(seed: int) -> None:
            rng, connection = random.Random(seed), Connection(service)
            while True:
                with lock:
                    number = next(numbers, None)
                if number is None:
                    break
                connection = create_until_acknowledged(connection, number, rng)
            connection.close()

        def crash_at_half() -> None:
            if half_acknowledged.wait(timeout=RETRY_DEADLINE_SECONDS):
                with lock:
                    result.acknowledged_before_kill = len(acknowledged)
                service.kill()
                service.start()
                service.wait_ready()

        with ThreadPoolExecutor(workers + 1) as pool:
            crash = pool.submit(crash_at_half)
            for future in [pool.submit(client, seed) for seed in range(workers)]:
                future.result()
            half_acknowledged.set()  # no wait if the clients finished without reaching half
            crash.result()
        result.acknowledged = len(acknowledged)
        service.kill()
        stored: dict[str, list[str]] = {}
        for customer, order_id in database.rows("SELECT customer_id, id FROM orders"):
            stored.setdefault(customer, []).append(order_id)
        result.stored_orders = sum(len(ids) for ids in stored.values())
        result.duplicates = sum(len(ids) - 1 for ids in stored.values())
        result.missing = [c for c, order_id in acknowledged.items() if order_id not in stored.get(c, [])]
    return result


# --- Downstream failure: inventory stopped or frozen ------------------------------------------


# Inventory's hold TTL in the outage checks: short, so they can wait every hold out.
RESERVATION_TTL_SECONDS = 3.0


@dataclass
class DownstreamResult:
    mode: str
    timeout_seconds: float
    retries: int
    bound_seconds: float = 0.0
    attempts: int = 0
    statuses: Counter[int] = field(default_factory=Counter)
    slowest_seconds: float = 0.0
    stored_during_outage: int = -1
    recovered: bool = False
    recovery_seconds: float = 0.0
    orders_restarted: bool = True
    reservation_ttl_seconds: float = RESERVATION_TTL_SECONDS
    confirmed_units: int = 0  # of the order placed after recovery, then confirmed: sold, not stranded
    # Counted in the databases once every hold's TTL has passed: units in inventory's holds
    # ("reserved" reservations) whose order orders has not confirmed, e.g. reservations orders gave
    # up on that a thawed inventory carried out anyway. Must be 0: the reaper releases them.
    held_unconfirmed_at_recovery: int = -1  # the same count before the wait: what the reaper has to do
    stranded_units: int = -1
    reserved_counter: int = -1  # inventory's products.reserved: must agree (0)
    stranded_wait_seconds: float = 0.0

    @property
    def ok(self) -> bool:
        return (
            self.attempts > 0
            and self.statuses == Counter({503: self.attempts})
            and self.slowest_seconds <= self.bound_seconds
            and self.stored_during_outage == 0
            and self.recovered
            and not self.orders_restarted
            and self.stranded_units == 0
            and self.reserved_counter == 0
            and self.confirmed_units > 0
        )


def stranded_units(inventory_db: Database, orders_db: Database) -> int:
    """Units held by reservations whose order is not confirmed, from inventory's and orders' tables."""
    confirmed = {
        order_id for (order_id,) in orders_db.rows("SELECT id FROM orders WHERE status = 'confirmed'")
    }
    held = inventory_db.rows(
        "SELECT r.order_id, i.quantity FROM reservations r"
        " JOIN reservation_items i ON i.order_id = r.order_id WHERE r.status = 'reserved'"
    )
    return sum(int(quantity) for order_id, quantity in held if order_id not in confirmed)


def downstream_failure(
    pex_dir: Path,
    work_dir: Path,
    mode: str,
    attempts: int = 3,
    timeout_seconds: float = 1.0,
    retries: int = 1,
) -> DownstreamResult:
    """Inventory killed (`mode="stopped"`: connection refused) or SIGSTOPped (`"frozen"`: no answer):
    placing an order answers 503 within the configured bound and stores nothing; once inventory is
    back, orders places orders again without being restarted."""
    assert mode in ("stopped", "frozen"), mode
    # Attempts x timeout, plus the client's backoff between attempts (at most 0.15 s x 2^n)
    # and half a second for the request itself.
    backoff = sum(0.1 * 2**n * 1.5 for n in range(retries))
    result = DownstreamResult(mode, timeout_seconds, retries, timeout_seconds * (1 + retries) + backoff + 0.5)
    env = {
        "ORDERS_INVENTORY_TIMEOUT_SECONDS": str(timeout_seconds),
        "ORDERS_INVENTORY_RETRIES": str(retries),
        # Short holds, so the check can wait out every one of them.
        "INVENTORY_RESERVATION_TTL_SECONDS": str(RESERVATION_TTL_SECONDS),
        "INVENTORY_RESERVATION_REAP_INTERVAL_SECONDS": "0.5",
    }
    with (
        module_database("sqlite", "inventory", work_dir / "data") as inventory_db,
        module_database("sqlite", "orders", work_dir / "data") as orders_db,
        running_modules(pex_dir, work_dir, ("inventory", "orders"), env) as services,
    ):
        inventory, orders = services["inventory"], services["orders"]
        orders_pid = orders.pid
        stock(inventory, ["down-1"], PLENTY)
        item = [{"product_id": "down-1", "quantity": 1}]
        status, body = orders.call("POST", ORDERS, {"customer_id": "before", "items": item})
        assert status == 201, f"placing an order before the outage answered {status}: {body}"

        inventory.kill() if mode == "stopped" else inventory.freeze()
        for _ in range(attempts):
            started = time.monotonic()
            status, body = orders.call("POST", ORDERS, {"customer_id": "outage", "items": item}, timeout=60)
            result.slowest_seconds = max(result.slowest_seconds, time.monotonic() - started)
            result.attempts += 1
            result.statuses[status] += 1
        result.stored_during_outage = orders.call("GET", f"{ORDERS}?customer_id=outage")[1]["total"]

        started = time.monotonic()
        if mode == "stopped":
            inventory.start()
        else:
            inventory.thaw()
        while time.monotonic() - started < 60 and not result.recovered:
            status, after = orders.call("POST", ORDERS, {"customer_id": "after", "items": item}, timeout=60)
            result.recovered = status == 201
            if not result.recovered:
                time.sleep(0.2)
        result.recovery_seconds = time.monotonic() - started
        result.orders_restarted = not orders.running() or orders.pid != orders_pid
        # The order placed once inventory was back is confirmed: its units are sold, not stranded.
        status, confirmed = (
            orders.call("POST", f"{ORDERS}/{after['id']}/confirm") if result.recovered else (0, {})
        )
        if status == 200:
            result.confirmed_units = sum(line["quantity"] for line in confirmed["items"])
        result.held_unconfirmed_at_recovery = stranded_units(inventory_db, orders_db)
        # Every unconfirmed hold lapses after the TTL; the reaper gives the units back.
        started = time.monotonic()
        deadline = started + RESERVATION_TTL_SECONDS + 10
        while True:
            result.stranded_units = stranded_units(inventory_db, orders_db)
            result.reserved_counter = inventory.call("GET", "/api/v1/products/down-1")[1]["reserved"]
            if (result.stranded_units, result.reserved_counter) == (0, 0) or time.monotonic() > deadline:
                break
            time.sleep(0.25)
        result.stranded_wait_seconds = time.monotonic() - started
    return result


# --- Graceful shutdown: SIGTERM with requests in flight ---------------------------------------


@dataclass
class ShutdownResult:
    in_flight: int
    answered: int = 0
    created: int = 0
    statuses: Counter[int] = field(default_factory=Counter)
    resets: int = 0
    other_errors: list[str] = field(default_factory=list)
    exit_code: int | None = None
    shutdown_seconds: float = 0.0
    found_after_restart: int = 0

    @property
    def ok(self) -> bool:
        return (
            self.in_flight > 0
            and self.created == self.in_flight
            and self.resets == 0
            and not self.other_errors
            and self.exit_code == 0
            and self.found_after_restart == self.created
        )


def graceful_shutdown(pex_dir: Path, work_dir: Path, in_flight: int = 32) -> ShutdownResult:
    """`in_flight` order requests held inside orders (inventory frozen under them), then SIGTERM:
    each must still be answered 201 on its connection, none reset, and orders must exit 0."""
    result = ShutdownResult(in_flight)
    env = {"ORDERS_INVENTORY_TIMEOUT_SECONDS": "60", "ORDERS_INVENTORY_RETRIES": "0"}
    with running_modules(pex_dir, work_dir, ("inventory", "orders"), env) as services:
        inventory, orders = services["inventory"], services["orders"]
        stock(inventory, ["term-1"], PLENTY)
        created: list[str] = []
        lock = threading.Lock()
        connections = [Connection(orders, timeout=120) for _ in range(in_flight)]
        for connection in connections:
            connection.connect()
        inventory.freeze()

        def send(number: int) -> None:
            body = {"customer_id": f"term-{number}", "items": [{"product_id": "term-1", "quantity": 1}]}
            try:
                status, answer = connections[number].request("POST", ORDERS, body)
            except RESET_ERRORS:
                with lock:
                    result.resets += 1
                return
            except OSError as error:
                with lock:
                    result.other_errors.append(repr(error))
                return
            with lock:
                result.answered += 1
                result.statuses[status] += 1
                if status == 201:
                    created.append(answer["id"])

        with ThreadPoolExecutor(in_flight) as pool:
            futures = [pool.submit(send, number) for number in range(in_flight)]
            _wait_for(lambda: _in_flight(orders) >= in_flight, 60, f"{in_flight} requests in flight")
            started = time.monotonic()
            orders.send_terminate()
            time.sleep(0.5)  # orders is shutting down while its requests wait on inventory
            inventory.thaw()
            for future in futures:
                future.result()
            result.exit_code = orders.wait(timeout=120)
            result.shutdown_seconds = time.monotonic() - started
        for connection in connections:
            connection.close()
        result.created = len(created)
        orders.start()
        orders.wait_ready()
        result.found_after_restart = sum(orders.call("GET", f"{ORDERS}/{i}")[0] == 200 for i in created)
    return result


def _in_flight(service: ModuleProcess) -> int:
    """Requests the service is serving now, from its own metrics (minus this /metrics request)."""
    match = re.search(r"^http_requests_in_flight (\S+)$", service.text("/metrics"), re.MULTILINE)
    return int(float(match.group(1))) - 1 if match else 0


def _wait_for(condition: Callable[[], bool], timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"no {what} within {timeout}s")
        time.sleep(0.05)


# --- Concurrency: more reservations than stock ------------------------------------------------


@dataclass
class ConcurrencyResult:
    parallel: int
    units: int
    succeeded: int = 0
    refused: int = 0  # 409: not enough stock
    statuses: Counter[int] = field(default_factory=Counter)
    errors: list[str] = field(default_factory=list)
    reserved_after: int = -1
    available_after: int = -1

    @property
    def ok(self) -> bool:
        return (
            self.succeeded == self.units
            and self.refused == self.parallel - self.units
            and not self.errors
            and self.reserved_after == self.units
            and self.available_after == 0
        )


def concurrency(pex_dir: Path, work_dir: Path, parallel: int = 50, units: int = 10) -> ConcurrencyResult:
    """`parallel` reservations of one unit each, released at once, for `units` units in stock:
    exactly `units` succeed, the rest are refused with 409, and stock is never oversold."""
    result = ConcurrencyResult(parallel, units)
    with running_modules(pex_dir, work_dir, ("inventory",)) as services:
        inventory = services["inventory"]
        sku = f"race-{uuid.uuid4().hex[:8]}"
        stock(inventory, [sku], units)
        connections = [Connection(inventory) for _ in range(parallel)]
        for connection in connections:
            connection.connect()
        start = threading.Barrier(parallel)
        lock = threading.Lock()

        def reserve(connection: Connection) -> None:
            body = {"order_id": str(uuid.uuid4()), "items": [{"sku": sku, "quantity": 1}]}
            start.wait()
            try:
                status, _ = connection.request("POST", "/api/v1/reservations", body)
            except OSError as error:
                with lock:
                    result.errors.append(repr(error))
                return
            with lock:
                result.statuses[status] += 1
                result.succeeded += status == 201
                result.refused += status == 409

        with ThreadPoolExecutor(parallel) as pool:
            list(pool.map(reserve, connections))
        for connection in connections:
            connection.close()
        product = inventory.call("GET", f"/api/v1/products/{sku}")[1]
        result.reserved_after, result.available_after = product["reserved"], product["available"]
    return result


# --- Rate limits on: 429s carry Retry-After, and honouring it gets through ---------------------


# One token a second: a refused request's Retry-After is then 1 s, and waiting it out frees a token.
RATE_LIMIT_PER_SECOND = 1.0


@dataclass
class RateLimitResult:
    burst: int
    per_second: float = RATE_LIMIT_PER_SECOND
    sent: int = 0  # the flood: burst + beyond, back to back on one connection
    allowed: int = 0
    limit_allows: int = 0  # the burst plus what the bucket refilled while the flood ran
    limited: int = 0  # 429s of the flood
    with_retry_after: int = 0  # 429s (the flood's and the retries') whose Retry-After is whole seconds >= 1
    retry_after_values: Counter[str] = field(default_factory=Counter)
    statuses: Counter[int] = field(default_factory=Counter)
    retried_at_once: int = 0  # a retry that ignores Retry-After ...
    refused_at_once: int = 0  # ... is refused again
    honoured: int = 0  # a retry sent once Retry-After has passed ...
    honoured_succeeded: int = 0  # ... gets through

    @property
    def ok(self) -> bool:
        return (
            self.limited > 0
            and self.with_retry_after == self.statuses[429]
            and self.burst <= self.allowed <= self.limit_allows
            and self.allowed + self.limited == self.sent
            and self.refused_at_once == self.retried_at_once > 0
            and self.honoured_succeeded == self.honoured == self.retried_at_once
        )


def rate_limits(
    pex_dir: Path, work_dir: Path, burst: int = 5, beyond: int = 10, honoured: int = 3
) -> RateLimitResult:
    """Inventory with rate limits on (RATE_LIMIT_PER_SECOND, `burst`): `burst + beyond` reads back to
    back let the burst through and refuse the rest with 429 and Retry-After; then, `honoured` times,
    a retry at once is refused again and a retry after Retry-After succeeds."""
    result = RateLimitResult(burst)
    rule = json.dumps({"per_second": RATE_LIMIT_PER_SECOND, "burst": burst})
    env = {"INVENTORY_RATE_LIMIT_ENABLED": "true", "INVENTORY_RATE_LIMIT": rule}
    with running_modules(pex_dir, work_dir, ("inventory",), env) as services:
        inventory = services["inventory"]
        sku = "limited-1"
        stock(inventory, [sku], 1)  # a PUT: its own bucket, the reads' stays full
        connection = Connection(inventory)
        connection.connect()

        def read() -> Reply:
            reply = connection.send("GET", f"/api/v1/products/{sku}")
            result.statuses[reply.status] += 1
            if reply.status == 429:
                value = reply.headers.get("retry-after", "")
                result.retry_after_values[value or "(none)"] += 1
                result.with_retry_after += value.isdigit() and int(value) >= 1
            return reply

        started = time.monotonic()
        flood = [read() for _ in range(burst + beyond)]
        result.limit_allows = burst + int((time.monotonic() - started) * RATE_LIMIT_PER_SECOND) + 1
        result.sent = len(flood)
        result.allowed = sum(reply.status == 200 for reply in flood)
        result.limited = sum(reply.status == 429 for reply in flood)
        for _ in range(honoured):
            at_once = read()
            result.retried_at_once += 1
            result.refused_at_once += at_once.status == 429
            wait = at_once.headers.get("retry-after", "")
            if not wait.isdigit():
                break
            time.sleep(int(wait))
            result.honoured += 1
            result.honoured_succeeded += read().status == 200
        connection.close()
    return result


# --- API fuzzing ------------------------------------------------------------------------------


def fuzzing(pex_dir: Path, work_dir: Path, max_examples: int = 25) -> list[FuzzResult]:
    """schemathesis against every module's OpenAPI, all modules running together."""
    with running_modules(pex_dir, work_dir, MODULES) as services:
        return [fuzz_module(module, service, max_examples) for module, service in services.items()]


# Links that change a settled order again (cancel a confirmed one, confirm a cancelled one): never 2xx.
SETTLED_AGAIN = (
    "POST /api/v1/orders/{order_id}/confirm -> [200] CancelOrder",
    "POST /api/v1/orders/{order_id}/cancel -> [200] ConfirmOrder",
)


READ = "GET /api/v1/orders/{order_id} -> [200] "


def stateful_fuzzing(pex_dir: Path, work_dir: Path, scenarios: int = 30) -> StatefulResult:
    """schemathesis's state machine over orders: create -> read -> confirm/cancel on the ids orders
    answered (its OpenAPI links), against a real inventory that has whatever each generated order names
    in stock, so creates succeed and the sequences go on from them."""
    with running_modules(pex_dir, work_dir, ("inventory", "orders")) as services:
        inventory = services["inventory"]

        def stock_what_the_order_names(case: Any) -> None:
            if case.method.upper() != "POST" or case.path != ORDERS or not isinstance(case.body, dict):
                return
            items = case.body.get("items")
            for item in items if isinstance(items, list) else []:
                sku = item.get("product_id") if isinstance(item, dict) else None
                if isinstance(sku, str) and sku:
                    # A generated id inventory refuses (e.g. too long), or a stocking that times out on a
                    # busy machine, just leaves that order unplaceable: a 409, which the checks accept.
                    path = f"/api/v1/products/{urllib.parse.quote(sku, safe='')}"
                    try:
                        inventory.call("PUT", path, {"on_hand": PLENTY})
                    except OSError:
                        continue

        created = "POST /api/v1/orders -> [201] "
        return fuzz_stateful(
            "orders",
            services["orders"],
            scenarios,
            ("POST", ORDERS),
            stock_what_the_order_names,
            required_links=[
                *(created + link for link in ("GetOrder", "ConfirmOrder", "CancelOrder")),
                # ...and a read order went on to a confirm or a cancel.
                READ,
            ],
        )


# --- Events: orders' OrderConfirmed → shipping's shipment, with kill -9 of each side and the broker


EVENT_VICTIMS = ("orders", "shipping", "broker")
# How long the shipments may trail the last confirmation (restarts, redelivery, retries).
EVENT_SETTLE_SECONDS = 90.0


@dataclass
class EventDeliveryResult:
    confirmations: int = 0
    confirmed: int = 0  # orders whose status is confirmed in orders' database
    attempts: int = 0  # confirm requests, retries after a kill included
    unanswered: int = 0  # confirm requests that got no answer (the producer was down)
    kills: list[tuple[str, int]] = field(default_factory=list)  # (victim, confirmations done then)
    shipments: int = 0
    lost: list[str] = field(default_factory=list)  # confirmed orders without a shipment
    duplicated: int = 0  # shipments beyond one per order
    unexpected: int = 0  # shipments of orders that were not confirmed
    settle_seconds: float = 0.0
    outbox_unsent: int = 0
    inbox_pending: int = 0
    dead_letters: int = 0

    @property
    def ok(self) -> bool:
        return (
            self.confirmed == self.confirmations
            and not self.lost
            and self.duplicated == 0
            and self.unexpected == 0
            and self.dead_letters == 0
        )


def event_delivery(
    pex_dir: Path,
    work_dir: Path,
    confirmations: int = 500,
    victims: tuple[str, ...] = EVENT_VICTIMS,
    seed: int = 21,
) -> EventDeliveryResult:
    """Place `confirmations` orders, then confirm them one by one while each of `victims` gets
    kill -9 once, at a random point (restarted at once, same port and data; the broker's append-only
    file is fsynced per write). Then wait until shipping has settled and count, from the databases:
    every confirmed order must have exactly one shipment and no other order any."""
    from common.testing.redis import RedisServer, free_port, require_redis_server

    result = EventDeliveryResult(confirmations=confirmations)
    rng = random.Random(seed)
    kill_at = {victim: rng.randint(confirmations // 10, confirmations * 9 // 10) for victim in victims}
    work_dir.mkdir(parents=True, exist_ok=True)
    broker = RedisServer(require_redis_server(), work_dir / "redis", free_port())
    broker.workdir.mkdir(exist_ok=True)
    broker.start()
    try:
        env = {"EVENTS_BROKER_URL": broker.url, "SHIPPING_EVENTS_POLL_SECONDS": "0.5"}
        with running_modules(pex_dir, work_dir, MODULES, env) as services:
            orders = services["orders"]
            skus = [f"evt-{n}" for n in range(5)]
            stock(services["inventory"], skus, PLENTY)
            order_ids = []
            for n in range(confirmations):
                status, order = orders.call("POST", ORDERS, order_body(f"events-{n}", skus, rng))
                assert status == 201, f"placing order {n} answered {status}: {order}"
                order_ids.append(order["id"])
            for done, order_id in enumerate(order_ids):
                for victim in [v for v, at in kill_at.items() if at == done]:
                    result.kills.append((victim, done))
                    if victim == "broker":
                        broker.kill()
                        broker.start()
                    else:
                        services[victim].kill()
                        services[victim].start()
                _confirm_until_answered(orders, order_id, result)
            orders_db = Database("sqlite", "", work_dir / "data" / "orders.db")
            shipping_db = Database("sqlite", "", work_dir / "data" / "shipping.db")
            confirmed = {row[0] for row in orders_db.rows("SELECT id FROM orders WHERE status = 'confirmed'")}
            result.confirmed = len(confirmed)
            started = time.monotonic()
            while True:
                shipped = [row[0] for row in shipping_db.rows("SELECT order_id FROM shipments")]
                if set(shipped) >= confirmed or time.monotonic() - started > EVENT_SETTLE_SECONDS:
                    break
                time.sleep(0.2)
            result.settle_seconds = time.monotonic() - started
            time.sleep(1.0)  # anything still arriving would be a duplicate: give it the chance
            shipped = [row[0] for row in shipping_db.rows("SELECT order_id FROM shipments")]
            result.shipments = len(shipped)
            result.lost = sorted(confirmed - set(shipped))
            result.duplicated = len(shipped) - len(set(shipped))
            result.unexpected = len(set(shipped) - confirmed)
            result.outbox_unsent = int(
                orders_db.rows("SELECT count(*) FROM event_outbox WHERE sent_at IS NULL")[0][0]
            )
            counts: dict[str, str] = {
                row[0]: row[1]
                for row in shipping_db.rows("SELECT status, count(*) FROM event_inbox GROUP BY status")
            }
            result.inbox_pending = int(counts.get("pending", 0))
            result.dead_letters = int(counts.get("dead", 0))
    finally:
        broker.kill()
    return result


def _confirm_until_answered(orders: ModuleProcess, order_id: str, result: EventDeliveryResult) -> None:
    """Confirm, retrying while orders restarts; a 409 after a lost answer means the first one won."""
    deadline = time.monotonic() + 120
    while True:
        result.attempts += 1
        try:
            status, body = orders.call("POST", f"{ORDERS}/{order_id}/confirm", timeout=10)
        except OSError:
            result.unanswered += 1
            assert time.monotonic() < deadline, f"orders did not come back to confirm {order_id}"
            time.sleep(0.1)
            continue
        if status == 200 or (status == 409 and "confirmed" in json.dumps(body)):
            return
        if status >= 500 and time.monotonic() < deadline:
            time.sleep(0.1)  # orders up, but inventory not yet ready after its own start
            continue
        raise AssertionError(f"confirming {order_id} answered {status}: {body}")
