"""The hot path against a baseline: orders' PEX from this tree and from an earlier commit, same run.

`--baseline DIR` is the `dist/` of a checkout of that commit (`./pants package modules/orders:orders
modules/inventory:inventory` there). Both orders PEXes run against one inventory (this tree's), and
they take turns: wrk rounds alternate, and so do the cold starts.
"""

import sys
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from bench import report
from bench.processes import (
    BenchError,
    Process,
    ensure_keys,
    identity_env,
    mint_token,
    package,
    pex_path,
    post_script,
    start,
    wrk,
)
from bench.services import (
    INVENTORY,
    ORDER_BODY,
    ORDERS,
    PEX_ENV,
    LoadSettings,
    place_order,
    start_inventory,
    stock,
)
from bench.stats import median, ratio

SIDES = ("before", "after")
GET_CPU_TARGET = 0.5  # after ÷ before, CPU per request
START_CPU_TARGET = 0.5


@dataclass(frozen=True)
class Rounds:
    """One measure per round and side; the spread is the per-round after ÷ before range."""

    before: list[float]
    after: list[float]

    def ratio(self) -> float:
        return ratio(median(self.after), median(self.before))

    def spread(self) -> tuple[float, float]:
        per_round = [ratio(a, b) for a, b in zip(self.after, self.before, strict=True)]
        return min(per_round), max(per_round)


def baseline_pex(baseline: Path) -> Path:
    pex = (
        pex_path(baseline.parent, ORDERS)
        if baseline.name == "dist"
        else baseline / "modules.orders/orders.pex"
    )
    if not pex.exists():
        raise BenchError(
            f"no baseline orders PEX at {pex}: check out the commit to compare against (`git worktree add`), "
            "run `./pants package modules/orders:orders` there and pass its dist/ as --baseline"
        )
    return pex


def hotpath_section(
    root: Path, baseline: Path | None, load: LoadSettings, starts: int, empty_starts: int
) -> str:
    if baseline is None:
        raise BenchError(
            "the hotpath section compares against a baseline: pass --baseline <dist dir of that commit>"
        )
    after, inventory = _built(root)
    pexes = {"before": baseline_pex(baseline), "after": after, "inventory": inventory}
    with tempfile.TemporaryDirectory(prefix="bench-hotpath-") as tmp:
        work = Path(tmp)
        keys_dir = ensure_keys(pexes["after"], work / "keys")
        loads = _load_rounds(pexes, keys_dir, work, load)
        start_rows = _start_rounds(pexes, keys_dir, work, starts, empty_starts)
    return render_hotpath(loads, start_rows, load)


def _built(root: Path) -> tuple[Path, Path]:
    built = package(root, [ORDERS, INVENTORY])
    return built[ORDERS], built[INVENTORY]


def _orders(pex: Path, keys_dir: Path, data_dir: Path, inventory_url: str, log: Path) -> Process:
    env = {
        **PEX_ENV,
        **identity_env(keys_dir, "orders"),
        "INVENTORY_URL": inventory_url,
        "ORDERS_DATA_DIR": str(data_dir),
        "ORDERS_RATE_LIMIT_ENABLED": "false",
    }
    return start("orders", pex, env, log)


def _load_rounds(
    pexes: dict[str, Path], keys_dir: Path, work: Path, load: LoadSettings
) -> dict[str, dict[str, Rounds]]:
    """CPU ms per request (the orders process's, all threads) of GET by id and POST, per side."""
    inventory = start_inventory(pexes["inventory"], keys_dir, work)
    apps: dict[str, Process] = {}
    try:
        for side in SIDES:
            apps[side] = _orders(pexes[side], keys_dir, work / side, inventory.url, work / f"{side}.log")
        for app in apps.values():
            app.wait_until("/ready")
        stock(inventory, mint_token(pexes["after"], keys_dir, audience="inventory"))
        token = mint_token(pexes["after"], keys_dir, audience="orders")
        script = post_script(work / "post.lua", ORDER_BODY, token)
        endpoints: dict[str, dict[str, tuple[str, Path | None]]] = {
            "GET /api/v1/orders/{id}": {
                side: (f"{app.url}/api/v1/orders/{place_order(app, token)}", None)
                for side, app in apps.items()
            },
            "POST /api/v1/orders": {side: (f"{app.url}/api/v1/orders", script) for side, app in apps.items()},
        }
        cpu: dict[str, dict[str, list[float]]] = {
            endpoint: {side: [] for side in SIDES} for endpoint in endpoints
        }
        for targets in endpoints.values():
            for url, lua in targets.values():
                wrk(url, duration=2, connections=load.connections, script=lua, token=token)
        for round_number in range(load.rounds):
            order = SIDES if round_number % 2 == 0 else SIDES[::-1]
            for endpoint, targets in endpoints.items():
                for side in order:
                    print(
                        f"bench: hotpath round {round_number + 1} {endpoint} {side}",
                        file=sys.stderr,
                        flush=True,
                    )
                    url, lua = targets[side]
                    before = apps[side].cpu_seconds()
                    result = wrk(
                        url, duration=load.duration, connections=load.connections, script=lua, token=token
                    )
                    cpu[endpoint][side].append(
                        (apps[side].cpu_seconds() - before) * 1000 / max(result.requests, 1)
                    )
    finally:
        for app in apps.values():
            app.stop()
        inventory.stop()
    return {endpoint: {"cpu": Rounds(sides["before"], sides["after"])} for endpoint, sides in cpu.items()}


def _start_rounds(
    pexes: dict[str, Path], keys_dir: Path, work: Path, starts: int, empty_starts: int
) -> dict[str, Rounds]:
    """CPU seconds from Popen to the first 200 on /health, the two PEXes taking turns."""

    def one_start(side: str, pex_root: Path, data_dir: Path, run: int) -> float:
        env = {
            **identity_env(keys_dir, "orders"),
            "PEX_ROOT": str(pex_root),
            "ORDERS_DATA_DIR": str(data_dir),
            "INVENTORY_URL": "http://127.0.0.1:9",
        }
        process = start("orders", pexes[side], env, work / f"start-{side}-{run}.log")
        try:
            process.wait_until("/health", interval=0.01)
            return process.cpu_seconds(with_children=True)
        finally:
            process.stop()

    warm_roots = {side: work / f"warm-root-{side}" for side in SIDES}
    for side in SIDES:  # unpacks each PEX and creates its database; not counted
        one_start(side, warm_roots[side], work / f"db-{side}", 0)
    cases: dict[str, Callable[[str, int], float]] = {
        "warm PEX_ROOT, database at head (a restart)": lambda side, run: one_start(
            side, warm_roots[side], work / f"db-{side}", run
        ),
        "warm PEX_ROOT, new database (migrations run)": lambda side, run: one_start(
            side, warm_roots[side], work / f"new-db-{side}-{run}", run
        ),
        "empty PEX_ROOT, database at head": lambda side, run: one_start(
            side, work / f"empty-root-{side}-{run}", work / f"db-{side}", run
        ),
    }
    rows = {}
    for label, measure in cases.items():
        runs = empty_starts if label.startswith("empty") else starts
        cpu: dict[str, list[float]] = {side: [] for side in SIDES}
        for run in range(1, runs + 1):
            for side in SIDES if run % 2 else SIDES[::-1]:
                print(f"bench: hotpath start {run} {side}: {label}", file=sys.stderr, flush=True)
                cpu[side].append(measure(side, run))
        rows[label] = Rounds(cpu["before"], cpu["after"])
    return rows


def render_hotpath(loads: dict[str, dict[str, Rounds]], starts: dict[str, Rounds], load: LoadSettings) -> str:
    rows = []
    for endpoint, measures in loads.items():
        cpu = measures["cpu"]
        low, high = cpu.spread()
        target = report.verdict(cpu.ratio() <= GET_CPU_TARGET) if endpoint.startswith("GET") else ""
        rows.append(
            [
                f"`{endpoint}`, CPU ms per request",
                f"{median(cpu.before):.2f}",
                f"{median(cpu.after):.2f}",
                f"**{cpu.ratio():.2f}x** ({low:.2f}-{high:.2f})",
                str(len(cpu.after)),
                f"≤ {GET_CPU_TARGET}x {target}" if target else "",
            ]
        )
    for label, cpu in starts.items():
        low, high = cpu.spread()
        rows.append(
            [
                f"start to first 200, {label}, CPU s",
                f"{median(cpu.before):.2f}",
                f"{median(cpu.after):.2f}",
                f"**{cpu.ratio():.2f}x** ({low:.2f}-{high:.2f})",
                str(len(cpu.after)),
                f"≤ {START_CPU_TARGET}x {report.verdict(cpu.ratio() <= START_CPU_TARGET)}",
            ]
        )
    header = ["measure", "before", "after", "after ÷ before (per-round range)", "rounds", "target"]
    return (
        f"Orders' PEX built from this tree (after) and from the baseline commit (before), in one run. Load: "
        f"wrk, 1 thread, {load.connections} connections, {load.duration:.0f} s per run, rounds alternating "
        "which side goes first, both against this tree's inventory, after 2 s of warm-up each; CPU is the "
        "orders process's user+system time (all threads) over the requests it served. Starts: Popen to the "
        "first 200 on /health, the process's CPU (with waited-for children, i.e. a first run's venv "
        "unpacking), the two PEXes alternating.\n\n" + report.table(header, rows)
    )
