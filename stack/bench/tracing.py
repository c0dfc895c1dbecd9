"""The tracing benchmark: orders' CPU per request untraced vs traced, exporting to a local receiver."""

import subprocess
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from bench import report
from bench.processes import (
    Process,
    ensure_keys,
    free_port,
    mint_token,
    package,
    post_script,
    python311,
    start,
    wrk,
)
from bench.services import (
    INVENTORY,
    ORDER_BODY,
    ORDERS,
    PEX_ENV,
    LoadRun,
    LoadSettings,
    orders_env,
    place_order,
    stocked_inventory,
)
from bench.stats import median, ratio

RECEIVER = "stack/tools:otlp_receiver"
FULL_SAMPLING_TARGET = 0.10  # at most 10 % more CPU per request with every trace kept
DEFAULT_SAMPLING_TARGET = 0.02  # at most 2 % with the kit's default sampler
# Each variant of orders: None is untraced (no endpoint); otherwise the OpenTelemetry variables it
# gets beside the receiver's endpoint.
VARIANTS: dict[str, dict[str, str] | None] = {
    "untraced": None,
    "traced, every trace kept": {"OTEL_TRACES_SAMPLER": "parentbased_always_on"},
    "traced, kit default sampler": {},
}


def traced_env(otel: dict[str, str] | None, receiver_url: str) -> dict[str, str]:
    """The OpenTelemetry variables of a variant: none untraced, else the receiver's endpoint and its own."""
    return {} if otel is None else {"OTEL_EXPORTER_OTLP_ENDPOINT": receiver_url, **otel}


@contextmanager
def running_receiver(pex: Path, output: Path) -> Iterator[str]:
    """The OTLP receiver PEX on a free loopback port writing spans to `output`; yields its endpoint."""
    port = free_port()
    receiver = subprocess.Popen(
        [python311(), str(pex), "--port", str(port), "--output", str(output)],
        env={"PATH": "/usr/bin:/bin", **PEX_ENV},
        stdout=subprocess.DEVNULL,
    )
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        receiver.terminate()
        receiver.wait(timeout=30)


@contextmanager
def running_variants(root: Path, workdir: Path) -> Iterator[tuple[dict[str, Process], Path, Path]]:
    """Inventory, one orders per variant (the traced ones exporting to a receiver), stocked; with the
    orders PEX and the keys directory that mint the bench's tokens."""
    pexes = package(root, [INVENTORY, ORDERS, RECEIVER])
    keys_dir = ensure_keys(pexes[ORDERS], workdir / "keys")
    with running_receiver(pexes[RECEIVER], workdir / "spans.jsonl") as receiver_url, stocked_inventory(
        pexes, keys_dir, workdir
    ) as inventory:
        orders: dict[str, Process] = {}
        try:
            for number, (variant, otel) in enumerate(VARIANTS.items()):
                orders[variant] = start(
                    f"orders ({variant})",
                    pexes[ORDERS],
                    {
                        **orders_env(keys_dir, inventory.url, workdir / f"orders-{number}"),
                        **traced_env(otel, receiver_url),
                    },
                    workdir / f"orders-{number}.log",
                )
            for process in orders.values():
                process.wait_until("/ready")
            yield orders, pexes[ORDERS], keys_dir
        finally:
            for process in reversed(orders.values()):
                process.stop()


def tracing_section(root: Path, load: LoadSettings) -> str:
    """CPU per request of orders' GET by id and POST in each variant, alternating in rounds."""
    with tempfile.TemporaryDirectory(prefix="bench-tracing-") as tmp, running_variants(root, Path(tmp)) as (
        orders,
        orders_pex,
        keys_dir,
    ):
        token = mint_token(orders_pex, keys_dir, audience="orders")
        script = post_script(Path(tmp) / "post.lua", ORDER_BODY, token)
        endpoints: dict[str, dict[str, tuple[str, Path | None]]] = {
            "GET /api/v1/orders/{id}": {
                variant: (f"{app.url}/api/v1/orders/{place_order(app, token)}", None)
                for variant, app in orders.items()
            },
            "POST /api/v1/orders": {
                variant: (f"{app.url}/api/v1/orders", script) for variant, app in orders.items()
            },
        }
        for targets in endpoints.values():
            for url, lua in targets.values():  # warm-up: imports, pools, caches
                wrk(url, duration=2, connections=load.connections, script=lua, token=token)
        results: dict[tuple[str, str], list[LoadRun]] = {}
        names = list(VARIANTS)
        for round_number in range(load.rounds):
            # Rotate who goes first so drift on a shared machine hits every variant alike.
            order = names[round_number % len(names) :] + names[: round_number % len(names)]
            for endpoint, targets in endpoints.items():
                for variant in order:
                    url, lua = targets[variant]
                    print(
                        f"bench: round {round_number + 1} {endpoint} {variant}", file=sys.stderr, flush=True
                    )
                    cpu_before = orders[variant].cpu_seconds()
                    result = wrk(
                        url, duration=load.duration, connections=load.connections, script=lua, token=token
                    )
                    cpu_ms = (orders[variant].cpu_seconds() - cpu_before) * 1000 / max(result.requests, 1)
                    results.setdefault((endpoint, variant), []).append(LoadRun(result, cpu_ms))
    return render_tracing(results, load)


def render_tracing(results: dict[tuple[str, str], list[LoadRun]], load: LoadSettings) -> str:
    rows = []
    for endpoint in dict.fromkeys(endpoint for endpoint, _ in results):
        untraced = median([run.cpu_ms_per_request for run in results[(endpoint, "untraced")]])
        for variant, target in (
            ("traced, every trace kept", FULL_SAMPLING_TARGET),
            ("traced, kit default sampler", DEFAULT_SAMPLING_TARGET),
        ):
            runs = results[(endpoint, variant)]
            traced = median([run.cpu_ms_per_request for run in runs])
            extra = ratio(traced, untraced) - 1
            rows.append(
                [
                    f"`{endpoint}`",
                    variant,
                    f"{traced:.2f} / {untraced:.2f}",
                    f"**{extra * 100:+.1f} %**",
                    f"≤ {target * 100:.0f} % {report.verdict(extra <= target)}",
                    f"{median([r.wrk.requests_per_second for r in runs]):.0f}",
                    f"{sum(r.wrk.errors for r in runs)}",
                ]
            )
    header = [
        "endpoint",
        "orders",
        "CPU ms/request traced / untraced",
        "extra CPU per request",
        "target",
        "req/s traced",
        "errors traced",
    ]
    return (
        f"wrk, 1 thread, {load.connections} connections, {load.duration:.0f} s per run, {load.rounds} rounds "
        "rotating the three orders processes (medians shown), each warmed up for 2 s first. All three are "
        "orders' own PEX against one untraced inventory; the traced ones export every sampled span over "
        "OTLP/HTTP to `stack/tools/otlp_receiver.py` (a PEX on loopback, writing the spans to a file), "
        "the kit's BatchSpanProcessor doing the export on its own thread, so its CPU is counted. CPU "
        "ms/request is the orders process's user+system time (all threads, from /proc) over the requests "
        "it served during the run.\n\n" + report.table(header, rows)
    )
