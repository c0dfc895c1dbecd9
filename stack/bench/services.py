"""The runtime benchmarks: orders with the kit vs a bare app (wrk), facade calls, PEX cold start."""

import json
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bench import report
from bench.processes import (
    BenchError,
    Process,
    ensure_keys,
    http,
    identity_env,
    mint_token,
    package,
    post_script,
    python311,
    start,
    wrk,
)
from bench.stats import WrkResult, median, percentile, ratio

ORDERS = "modules/orders:orders"
INVENTORY = "modules/inventory:inventory"
BARE_ORDERS = "stack/bench/probes:bare_orders"
FACADE_CALLS = "stack/bench/probes:facade_calls"
SKU = "sku-bench"
ORDER_BODY = {"customer_id": "bench", "items": [{"product_id": SKU, "quantity": 1}]}
THROUGHPUT_TARGET = 0.9
FACADE_P50_TARGET_MS = 1.5
FACADE_OVER_RAW_TARGET = 1.1  # pooled order_exists ÷ raw pooled GET of the same URL
COLD_START_TARGET_S = 1.5


@dataclass(frozen=True)
class LoadSettings:
    duration: float
    connections: int
    rounds: int


@dataclass
class Stack:
    inventory: Process
    orders: Process
    bare: Process | None
    pex: Path  # a module's PEX, which runs service_kit's key and token commands
    keys_dir: Path
    workdir: Path
    tokens: dict[str, str] = field(default_factory=dict)

    def token(self, audience: str) -> str:
        if audience not in self.tokens:
            self.tokens[audience] = mint_token(self.pex, self.keys_dir, audience=audience)
        return self.tokens[audience]


# Every service the bench starts shares one PEX_ROOT, so warm runs skip unpacking.
PEX_ENV = {"PEX_ROOT": str(Path.home() / ".cache" / "pantstack-bench-pex")}


def start_inventory(pex: Path, keys_dir: Path, workdir: Path) -> Process:
    """Inventory with its own key and rate limits off, ready."""
    inventory = start(
        "inventory",
        pex,
        {
            **PEX_ENV,
            **identity_env(keys_dir, "inventory"),
            "INVENTORY_DATA_DIR": str(workdir / "inventory"),
            "INVENTORY_RATE_LIMIT_ENABLED": "false",
        },
        workdir / "inventory.log",
    )
    inventory.wait_until("/ready")
    return inventory


def stock(inventory: Process, token: str) -> None:
    """Enough of SKU that no benchmark runs out."""
    status, body = http("PUT", f"{inventory.url}/api/v1/products/{SKU}", {"on_hand": 1_000_000_000}, token)
    if status != 200:
        raise BenchError(f"stocking {SKU} at inventory answered {status}: {body}")


def orders_env(keys_dir: Path, inventory_url: str, data_dir: Path) -> dict[str, str]:
    """What orders' PEX gets in every benchmark: its key, the inventory to call, its own data dir,
    rate limits off (the bench's load would trip them)."""
    return {
        **PEX_ENV,
        **identity_env(keys_dir, "orders"),
        "INVENTORY_URL": inventory_url,
        "ORDERS_DATA_DIR": str(data_dir),
        "ORDERS_RATE_LIMIT_ENABLED": "false",
    }


def bare_env(keys_dir: Path, inventory_url: str, data_dir: Path) -> dict[str, str]:
    """What the bare orders probe gets: orders' key (it calls inventory as orders), the same inventory."""
    return {
        **PEX_ENV,
        **identity_env(keys_dir, "orders"),
        "INVENTORY_URL": inventory_url,
        "BARE_DATA_DIR": str(data_dir),
        "BARE_LOG_LEVEL": "info",
    }


@contextmanager
def stocked_inventory(pexes: dict[str, Path], keys_dir: Path, workdir: Path) -> Iterator[Process]:
    """Inventory (from `pexes`, with orders' PEX to mint the token) stocked with SKU, until the block ends."""
    inventory = start_inventory(pexes[INVENTORY], keys_dir, workdir)
    try:
        stock(inventory, mint_token(pexes[ORDERS], keys_dir, audience="inventory"))
        yield inventory
    finally:
        inventory.stop()


@contextmanager
def running_stack(root: Path, workdir: Path, *, with_bare: bool) -> Iterator[Stack]:
    """Inventory, orders (kit, rate limit off) and optionally the bare app, stocked for orders."""
    targets = [INVENTORY, ORDERS, *([BARE_ORDERS] if with_bare else [])]
    pexes = package(root, targets)
    keys_dir = ensure_keys(pexes[ORDERS], workdir / "keys")
    processes: list[Process] = []
    try:
        inventory = start_inventory(pexes[INVENTORY], keys_dir, workdir)
        processes.append(inventory)
        orders = start(
            "orders",
            pexes[ORDERS],
            orders_env(keys_dir, inventory.url, workdir / "orders"),
            workdir / "orders.log",
        )
        processes.append(orders)
        bare = None
        if with_bare:
            bare = start(
                "bare orders",
                pexes[BARE_ORDERS],
                bare_env(keys_dir, inventory.url, workdir / "bare"),
                workdir / "bare.log",
            )
            processes.append(bare)
        for process in processes:
            process.wait_until("/ready" if process is not bare else "/health")
        stack = Stack(inventory, orders, bare, pexes[ORDERS], keys_dir, workdir)
        stock(inventory, stack.token("inventory"))
        yield stack
    finally:
        for process in reversed(processes):
            process.stop()


def place_order(process: Process, token: str) -> str:
    status, body = http("POST", f"{process.url}/api/v1/orders", ORDER_BODY, token)
    if status != 201:
        raise BenchError(f"{process.name}: POST /api/v1/orders answered {status}: {body}")
    return str(body["id"])


def service_section(root: Path, load: LoadSettings) -> str:
    """Throughput and latency of orders' GET by id and POST, kit vs bare, alternating in rounds."""
    with tempfile.TemporaryDirectory(prefix="bench-service-") as tmp, running_stack(
        root, Path(tmp), with_bare=True
    ) as stack:
        assert stack.bare is not None
        token = stack.token("orders")
        apps = {"kit": stack.orders, "bare": stack.bare}
        script = post_script(Path(tmp) / "post.lua", ORDER_BODY, token)
        endpoints: dict[str, dict[str, tuple[str, Path | None]]] = {
            "GET /api/v1/orders/{id}": {
                name: (f"{app.url}/api/v1/orders/{place_order(app, token)}", None)
                for name, app in apps.items()
            },
            "POST /api/v1/orders": {name: (f"{app.url}/api/v1/orders", script) for name, app in apps.items()},
        }
        results: dict[tuple[str, str], list[LoadRun]] = {}
        for targets in endpoints.values():
            for url, lua in targets.values():  # warm-up: imports, pools, caches
                wrk(url, duration=2, connections=load.connections, script=lua, token=token)
        for round_number in range(load.rounds):
            # Alternate who goes first so drift on a shared machine hits both alike.
            order = ("kit", "bare") if round_number % 2 == 0 else ("bare", "kit")
            for endpoint, targets in endpoints.items():
                for name in order:
                    url, lua = targets[name]
                    print(f"bench: round {round_number + 1} {endpoint} {name}", file=sys.stderr, flush=True)
                    cpu_before = apps[name].cpu_seconds()
                    result = wrk(
                        url, duration=load.duration, connections=load.connections, script=lua, token=token
                    )
                    cpu_ms = (apps[name].cpu_seconds() - cpu_before) * 1000 / max(result.requests, 1)
                    results.setdefault((endpoint, name), []).append(LoadRun(result, cpu_ms))
    return render_service(results, load)


@dataclass(frozen=True)
class LoadRun:
    wrk: WrkResult
    cpu_ms_per_request: float  # the app process's CPU time (all threads) over the requests served


def render_service(results: dict[tuple[str, str], list[LoadRun]], load: LoadSettings) -> str:
    rows = []
    for endpoint in dict.fromkeys(endpoint for endpoint, _ in results):
        kit = [run.wrk for run in results[(endpoint, "kit")]]
        bare = [run.wrk for run in results[(endpoint, "bare")]]
        kit_rps = median([r.requests_per_second for r in kit])
        bare_rps = median([r.requests_per_second for r in bare])
        per_round = [
            ratio(k.requests_per_second, b.requests_per_second) for k, b in zip(kit, bare, strict=True)
        ]
        kit_cpu = median([run.cpu_ms_per_request for run in results[(endpoint, "kit")]])
        bare_cpu = median([run.cpu_ms_per_request for run in results[(endpoint, "bare")]])
        rows.append(
            [
                f"`{endpoint}`",
                f"{kit_rps:.0f} / {bare_rps:.0f}",
                f"**{ratio(kit_rps, bare_rps):.2f}x** ({min(per_round):.2f}-{max(per_round):.2f})",
                report.verdict(ratio(kit_rps, bare_rps) >= THROUGHPUT_TARGET),
                f"{kit_cpu:.2f} / {bare_cpu:.2f}",
                f"**{ratio(bare_cpu, kit_cpu):.2f}x**",
                report.verdict(ratio(bare_cpu, kit_cpu) >= THROUGHPUT_TARGET),
                _pair([r.p50_ms for r in kit], [r.p50_ms for r in bare]),
                _pair([r.p99_ms for r in kit], [r.p99_ms for r in bare]),
                f"{sum(r.errors for r in kit)} / {sum(r.errors for r in bare)}",
            ]
        )
    header = [
        "endpoint",
        "req/s kit / bare",
        "kit ÷ bare req/s (per-round range)",
        f"≥ {THROUGHPUT_TARGET}x",
        "CPU ms/request kit / bare",
        "bare ÷ kit CPU/request",
        f"≥ {THROUGHPUT_TARGET}x",
        "p50 kit / bare",
        "p99 kit / bare",
        "errors kit / bare",
    ]
    return (
        f"wrk, 1 thread, {load.connections} connections, {load.duration:.0f} s per run, {load.rounds} rounds "
        "alternating kit and bare (medians shown); each side warmed up for 2 s first. Errors are "
        "non-2xx answers plus socket errors; any makes that row's numbers suspect. CPU ms/request is "
        "the app process's user+system time (all its threads, from /proc) over the requests it served "
        "during the run: unlike req/s it hardly depends on what else the machine is doing, so its "
        "inverse ratio estimates the throughput ratio on an idle core.\n\n" + report.table(header, rows)
    )


def _pair(kit: list[float], bare: list[float]) -> str:
    return f"{report.ms(median(kit))} / {report.ms(median(bare))}"


def facade_section(root: Path, calls: int) -> str:
    """shipping → orders `order_exists`: pooled vs fresh connections, with the floor for context."""
    probe = package(root, [FACADE_CALLS])[FACADE_CALLS]
    with tempfile.TemporaryDirectory(prefix="bench-facade-") as tmp, running_stack(
        root, Path(tmp), with_bare=False
    ) as stack:
        order_id = place_order(stack.orders, stack.token("orders"))
        log_offset = stack.orders.log.stat().st_size
        done = subprocess.run(
            [python311(), str(probe), "--order-id", order_id, "--calls", str(calls)],
            env={
                "PATH": "/usr/bin:/bin",
                "ORDERS_URL": stack.orders.url,
                **identity_env(stack.keys_dir, "shipping"),  # the probe calls orders as shipping
                "PEX_ROOT": str(Path.home() / ".cache" / "pantstack-bench-pex"),
            },
            capture_output=True,
            text=True,
        )
        if done.returncode != 0:
            raise BenchError(f"the facade probe failed (exit {done.returncode}):\n{done.stderr}")
        latencies: dict[str, list[float]] = json.loads(done.stdout)
        with stack.orders.log.open() as log:
            log.seek(log_offset)
            server_ms = server_durations(log.read(), "/api/v1/orders/{order_id}")
    return render_facade(latencies, server_ms, calls)


def server_durations(log_text: str, route: str) -> list[float]:
    """duration_ms of the kit's access-log lines for `route` (the time inside the orders app)."""
    durations = []
    for line in log_text.splitlines():
        try:
            entry: dict[str, Any] = json.loads(line)
        except ValueError:
            continue
        if entry.get("route") == route and "duration_ms" in entry:
            durations.append(float(entry["duration_ms"]))
    return durations


FACADE_WAYS = {
    "pooled": "`order_exists`, one pooled OrdersClient",
    "fresh_connection": "`order_exists`, new TCP connection per call",
    "fresh_client": "`order_exists`, new OrdersClient per call",
    "raw_get": "raw `GET /api/v1/orders/{id}`, pooled httpx2, no facade",
    "health_floor": "raw `GET /health`, pooled httpx2 (floor)",
}


def render_facade(latencies: dict[str, list[float]], server_ms: list[float], calls: int) -> str:
    rows = []
    for way, label in FACADE_WAYS.items():
        values = latencies[way]
        p50 = percentile(values, 50)
        target = report.verdict(p50 < FACADE_P50_TARGET_MS) if way == "pooled" else ""
        rows.append([label, report.ms(p50), report.ms(percentile(values, 99)), target])
    over_raw = ratio(percentile(latencies["pooled"], 50), percentile(latencies["raw_get"], 50))
    rows.append(
        [
            "pooled `order_exists` ÷ raw pooled GET, p50, same run",
            f"**{over_raw:.2f}x**",
            "",
            f"≤ {FACADE_OVER_RAW_TARGET}x {report.verdict(over_raw <= FACADE_OVER_RAW_TARGET)}",
        ]
    )
    if server_ms:
        rows.append(
            [
                "… of which inside orders (kit access log `duration_ms`, all GETs above)",
                report.ms(percentile(server_ms, 50)),
                report.ms(percentile(server_ms, 99)),
                "",
            ]
        )
    return (
        f"{calls} timed calls per way after 50 untimed, one after another from one asyncio task "
        "(stack/bench/probes/facade_calls.py in the shipping resolve) against the orders PEX.\n\n"
        + report.table(["call", "p50", "p99", f"target p50 < {FACADE_P50_TARGET_MS:g} ms"], rows)
    )


def cold_start_section(root: Path, warm_runs: int, empty_runs: int) -> str:
    """Popen of the orders PEX to its first 200 on /health; warm and empty PEX_ROOT."""
    pex = package(root, [ORDERS])[ORDERS]
    with tempfile.TemporaryDirectory(prefix="bench-start-") as tmp:
        work = Path(tmp)
        keys_dir = ensure_keys(pex, work / "keys")

        def one_start(pex_root: Path, run: int) -> tuple[float, float]:
            process = start(
                "orders",
                pex,
                {
                    **identity_env(keys_dir, "orders"),
                    "PEX_ROOT": str(pex_root),
                    "ORDERS_DATA_DIR": str(work / f"data-{run}"),
                    "INVENTORY_URL": "http://127.0.0.1:9",
                },
                work / f"start-{run}.log",
            )
            try:
                seconds = process.wait_until("/health", interval=0.01)
                return seconds, process.cpu_seconds(with_children=True)
            finally:
                process.stop()

        warm_root = work / "warm-pex-root"
        one_start(warm_root, 0)  # fills the PEX_ROOT; not counted
        warm = [one_start(warm_root, run) for run in range(1, warm_runs + 1)]
        empty = [one_start(work / f"empty-pex-root-{run}", 100 + run) for run in range(empty_runs)]
    return render_cold_start(warm, empty)


def render_cold_start(warm: list[tuple[float, float]], empty: list[tuple[float, float]]) -> str:
    """Each start is (wall seconds to the first 200, CPU seconds the process had used by then)."""
    rows = []
    for label, starts in (
        ("warm PEX_ROOT (venv already unpacked)", warm),
        ("empty PEX_ROOT (first run)", empty),
    ):
        walls, cpus = [wall for wall, _ in starts], [cpu for _, cpu in starts]
        rows.append(
            [
                label,
                str(len(starts)),
                report.seconds_fine(median(walls)),
                f"{report.seconds_fine(min(walls))} - {report.seconds_fine(max(walls))}",
                report.verdict(median(walls) < COLD_START_TARGET_S),
                report.seconds_fine(median(cpus)),
            ]
        )
    header = ["PEX_ROOT", "runs", "median", "range", f"target < {COLD_START_TARGET_S} s", "CPU used (median)"]
    return (
        "`dist/modules.orders/orders.pex` started with `python3.11`, a fresh SQLite data dir each run "
        "(so migrations run), polled every 10 ms until `/health` answers 200. CPU used is the process's "
        "user+system time (with its waited-for children) at that moment: on a busy machine the wall "
        "time stretches, the CPU time much less, so it approximates an idle core (I/O waits aside).\n\n"
        + report.table(header, rows)
    )
