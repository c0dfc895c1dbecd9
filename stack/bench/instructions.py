"""Instructions per request under callgrind: orders untraced vs traced, and the kit vs the bare app.

CPU time per request moves with whatever else the machine does (docs/benchmarks.md: an untraced GET
cost 1.28 and 2.73 ms of CPU in two quiet runs); the instructions a process executes to serve a
request hardly do. Each server runs alone under `valgrind --tool=callgrind --instr-atstart=no`
(inventory and the OTLP receiver natively beside it); after a warm-up, instrumentation is switched
on (`callgrind_control -i on`), exactly N requests are sent one after another over one keep-alive
connection by this process (outside valgrind), the export of their spans is waited for, and
instrumentation is switched off and the counts dumped. The dump's total counts every thread of the
server, the span exporter's included, so instructions ÷ N is what a request costs.

`-i` switches callgrind's instrumentation, not its collection state: under `--collect-atstart=no`
instead, `-i on` would count nothing (collection is toggled only from inside the program, by
CALLGRIND_TOGGLE_COLLECT or --toggle-collect). Uninstrumented, the start runs ~4x slower than
native rather than ~50x.

Prerequisite: valgrind (`apt-get install -y valgrind`; callgrind_control comes with it).
"""

import http.client
import json
import re
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

from bench import report
from bench.processes import BenchError, Process, ensure_keys, free_port, mint_token, package, python311
from bench.services import (
    BARE_ORDERS,
    INVENTORY,
    ORDER_BODY,
    ORDERS,
    THROUGHPUT_TARGET,
    bare_env,
    orders_env,
    stocked_inventory,
)
from bench.stats import median, ratio
from bench.tracing import (
    DEFAULT_SAMPLING_TARGET,
    FULL_SAMPLING_TARGET,
    RECEIVER,
    VARIANTS,
    running_receiver,
    traced_env,
)

VALGRIND_MISSING = (
    "valgrind is not installed: `apt-get install -y valgrind` (Debian/Ubuntu; it brings callgrind_control)"
)
GET = "GET /api/v1/orders/{id}"
POST = "POST /api/v1/orders"
UNTRACED, EVERY_TRACE, DEFAULT_SAMPLER = VARIANTS
# The default sampler's path for the 99 % it drops, on every request: the kit's decision with a
# bound of 0 instead of 1 % of the ids, so the same code, without the random kept share and the
# export the timer sends for it (below).
UNSAMPLED = "traced, every request unsampled"
UNSAMPLED_ENV = {"OTEL_TRACES_SAMPLER": "parentbased_always_off"}
BARE = "bare"
DEFAULT_SAMPLE_RATIO = 0.01  # service_kit.tracing's; the bench runs outside the services' resolves
DEFAULT_REQUESTS = 100  # per endpoint and round: rounds within ~2 %; ~13 min in all (docs/benchmarks.md)
# Each server is started once per hash seed, the same seeds for every variant: a seed alone moves an
# in-process GET's count by up to ~1 % (string hashes decide dict layouts and which attribute
# lookups collide in the type cache), more than the margins judged here, while rounds within one
# process agree within 0.2 %. Each seed's windows are paired across variants.
DEFAULT_SEEDS = 3
DEFAULT_ROUNDS = 1  # per server start
WARMUP_REQUESTS = 20  # per endpoint, uninstrumented: imports, caches, the exporter's connection
# The BatchSpanProcessor exports every 5 s (OTEL_BSP_SCHEDULE_DELAY's default) or at 512 spans: a
# window ends once the span file has not grown for longer than that.
EXPORT_QUIET_SECONDS = 6.0
IDLE_SECONDS = 10.0
# The outbox relay looks for unsent rows every second when idle (a commit wakes it at once, so a
# POST's event is still published in its window): an hour keeps its polls out of the count.
QUIET_RELAY = {"ORDERS_EVENTS_POLL_SECONDS": "3600"}
START_TIMEOUT = 600.0  # uninstrumented, a PEX start under valgrind takes ~4x its native CPU
CLIENT_TIMEOUT = 300.0


@dataclass(frozen=True)
class Window:
    """One collection window: `requests` sent, the server's instructions in it (all threads)."""

    requests: int
    instructions: int
    seconds: float
    spans: int = 0  # exported to the receiver during the window
    traces: int = 0  # of them, distinct traces (one per recorded request)
    idle: float = 0  # of the instructions, what the server does idle for as long (measured apart)

    @property
    def per_request(self) -> float:
        return (self.instructions - self.idle) / self.requests


@dataclass(frozen=True)
class AppRun:
    windows: dict[str, list[Window]]  # endpoint → one window per round (seed by seed, in order)
    idle_per_second: float  # instructions of the server doing nothing (uvicorn's ticks, timers)


def pooled(runs: list[AppRun]) -> AppRun:
    """One server's runs under several hash seeds as one: their windows in seed order, the median
    idle rate (each window already carries its own process's idle share)."""
    endpoints = list(runs[0].windows)
    return AppRun(
        {endpoint: [window for run in runs for window in run.windows[endpoint]] for endpoint in endpoints},
        median([run.idle_per_second for run in runs]),
    )


def require_valgrind() -> tuple[str, str]:
    valgrind, control = shutil.which("valgrind"), shutil.which("callgrind_control")
    if not valgrind or not control:
        raise BenchError(VALGRIND_MISSING)
    return valgrind, control


def callgrind_total(dump: str) -> int:
    """The instruction count (Ir, callgrind's default event) of one callgrind output file: its
    `totals:` line, the sum of its costs (a dump after `--zero` says `summary: 0` in its head)."""
    for key in ("totals", "summary"):
        found = re.search(rf"^{key}:\s*(\d+)", dump, re.MULTILINE)
        if found:
            return int(found.group(1))
    raise ValueError("no `totals:` or `summary:` line: not a callgrind output file")


class Callgrind:
    """One PEX under callgrind, uninstrumented outside `collecting()`."""

    def __init__(self, name: str, pex: Path, env: dict[str, str], workdir: Path) -> None:
        valgrind, self._control = require_valgrind()
        self.slug = re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")
        self._out = workdir / f"callgrind-{self.slug}"
        self._out.mkdir(parents=True)
        port = free_port()
        log = self._out / "server.log"
        command = [
            valgrind,
            "--tool=callgrind",
            "--instr-atstart=no",
            # The PEX (venv mode) execs its venv's interpreter: follow it, it is the server.
            "--trace-children=yes",
            f"--callgrind-out-file={self._out}/callgrind.out.%p",
            python311(),
            str(pex),
        ]
        full_env = {"PATH": "/usr/bin:/bin", "HOME": str(Path.home()), **env, "PORT": str(port)}
        with log.open("wb") as out:
            popen = subprocess.Popen(command, env=full_env, stdout=out, stderr=subprocess.STDOUT)
        self.process = Process(name, f"http://127.0.0.1:{port}", popen, log)

    def _control_command(self, *args: str) -> None:
        done = subprocess.run(
            [self._control, *args, str(self.process.popen.pid)], capture_output=True, text=True, timeout=600
        )
        if done.returncode != 0:
            raise BenchError(f"callgrind_control {' '.join(args)} failed: {done.stdout}{done.stderr}")

    def _dumps(self) -> set[Path]:
        return set(self._out.glob("callgrind.out.*"))

    @contextmanager
    def collecting(self, keep_as: Path | None = None) -> Iterator[list[int]]:
        """Count instructions inside the block; the list holds the total once the block ends. The
        dump is kept as `keep_as` (for `callgrind_annotate --inclusive=yes`), else deleted."""
        self._control_command("--zero")
        self._control_command("--instr=on")
        total: list[int] = []
        try:
            yield total
        finally:
            self._control_command("--instr=off")
            before = self._dumps()
            self._control_command("--dump")
            dumps = sorted(self._dumps() - before)
            total.append(sum(callgrind_total(path.read_text()) for path in dumps))
            for number, path in enumerate(dumps):
                if keep_as is None:
                    path.unlink()
                else:
                    keep_as.parent.mkdir(parents=True, exist_ok=True)
                    shutil.move(
                        path, keep_as.with_name(f"{keep_as.name}{'.' + str(number) if number else ''}")
                    )

    def stop(self) -> None:
        self.process.stop()


class Client:
    """Requests one after another over one keep-alive connection, each checked."""

    def __init__(self, url: str, token: str) -> None:
        parts = urlsplit(url)
        self._address = (parts.hostname or "127.0.0.1", parts.port)
        self._headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
        self._connection = self._connect()

    def _connect(self) -> http.client.HTTPConnection:
        return http.client.HTTPConnection(*self._address, timeout=CLIENT_TIMEOUT)

    def reconnect(self) -> None:
        """A new connection (opened by the next request): the server closes one idle for 5 s
        (uvicorn's keep-alive timeout), as it is between windows."""
        self._connection.close()
        self._connection = self._connect()

    def call(self, method: str, path: str, body: object = None, expect: int = 200) -> object:
        data = json.dumps(body).encode() if body is not None else None
        self._connection.request(method, path, body=data, headers=self._headers)
        response = self._connection.getresponse()
        content = response.read()
        if response.status != expect:
            raise BenchError(f"{method} {path} answered {response.status}, not {expect}: {content[:300]!r}")
        return json.loads(content)

    def close(self) -> None:
        self._connection.close()


def span_lines(spans_file: Path) -> list[str]:
    return spans_file.read_text().splitlines() if spans_file.exists() else []


def wait_for_exports(spans_file: Path) -> None:
    """Until the span file has not grown for EXPORT_QUIET_SECONDS (the exporter's delay and some)."""
    count, since = len(span_lines(spans_file)), time.monotonic()
    while time.monotonic() - since < EXPORT_QUIET_SECONDS:
        time.sleep(0.25)
        now = len(span_lines(spans_file))
        if now != count:
            count, since = now, time.monotonic()


def measure_app(
    app: Callgrind,
    token: str,
    spans_file: Path,
    requests: int,
    rounds: int,
    *,
    exporting: bool,
    keep: Path | None = None,
) -> AppRun:
    """Warm up, an idle window, then `rounds` windows of `requests` of each endpoint. A window's
    count less the idle rate times its duration is the requests' (uvicorn's tick and the
    exporter's timer run by the clock, so a window on a slower machine holds more of them)."""
    app.process.wait_until("/health", timeout=START_TIMEOUT, interval=1)
    client = Client(app.process.url, token)
    try:
        order = client.call("POST", "/api/v1/orders", ORDER_BODY, expect=201)
        assert isinstance(order, dict)
        order_path = f"/api/v1/orders/{order['id']}"
        requests_of: dict[str, Callable[[], object]] = {
            GET: lambda: client.call("GET", order_path),
            POST: lambda: client.call("POST", "/api/v1/orders", ORDER_BODY, expect=201),
        }
        for send in requests_of.values():
            for _ in range(WARMUP_REQUESTS):
                send()
        if exporting:
            wait_for_exports(spans_file)
        idle_started = time.monotonic()
        with app.collecting() as idle:
            time.sleep(IDLE_SECONDS)
        idle_per_second = idle[0] / (time.monotonic() - idle_started)
        windows: dict[str, list[Window]] = {endpoint: [] for endpoint in requests_of}
        for round_number in range(rounds):
            for endpoint, send in requests_of.items():
                print(
                    f"bench: instructions {app.process.name} round {round_number + 1} {endpoint}",
                    file=sys.stderr,
                    flush=True,
                )
                spans_before = len(span_lines(spans_file))
                started = time.monotonic()
                kept = None
                if keep is not None:
                    kept = keep / f"callgrind.{app.slug}.{endpoint.split()[0].lower()}.{round_number + 1}"
                client.reconnect()
                with app.collecting(kept) as total:
                    for _ in range(requests):
                        send()
                    if exporting:
                        wait_for_exports(spans_file)
                seconds = time.monotonic() - started
                new_spans = [json.loads(line) for line in span_lines(spans_file)[spans_before:]]
                traces = {span["trace_id"] for span in new_spans}
                windows[endpoint].append(
                    Window(
                        requests, total[0], seconds, len(new_spans), len(traces), idle_per_second * seconds
                    )
                )
    finally:
        client.close()
    return AppRun(windows, idle_per_second)


def instructions_section(
    root: Path,
    requests: int,
    rounds: int,
    keep: Path | None = None,
    orders_pex: Path | None = None,
    seeds: int = DEFAULT_SEEDS,
) -> str:
    """Orders in each tracing variant and the bare app, one after another under callgrind, each
    started once per hash seed (PYTHONHASHSEED 1 to `seeds`); with `keep`, each window's dump is
    kept there; with `orders_pex`, that build of orders (a baseline) rather than this tree's."""
    require_valgrind()
    pexes = package(root, [INVENTORY, ORDERS, BARE_ORDERS, RECEIVER])
    if orders_pex is not None:
        pexes[ORDERS] = orders_pex
    runs: dict[str, AppRun] = {}
    with tempfile.TemporaryDirectory(prefix="bench-instructions-") as tmp:
        work = Path(tmp)
        keys_dir = ensure_keys(pexes[ORDERS], work / "keys")
        token = mint_token(pexes[ORDERS], keys_dir, audience="orders")
        spans_file = work / "spans.jsonl"
        with running_receiver(pexes[RECEIVER], spans_file) as receiver_url, stocked_inventory(
            pexes, keys_dir, work
        ) as inventory:
            apps: dict[str, tuple[Path, dict[str, str]]] = {
                variant: (
                    pexes[ORDERS],
                    {
                        **orders_env(keys_dir, inventory.url, work / f"orders-{number}"),
                        **QUIET_RELAY,
                        **traced_env(otel, receiver_url),
                    },
                )
                for number, (variant, otel) in enumerate(VARIANTS.items())
            }
            apps[UNSAMPLED] = (
                pexes[ORDERS],
                {
                    **orders_env(keys_dir, inventory.url, work / "orders-unsampled"),
                    **QUIET_RELAY,
                    **traced_env(UNSAMPLED_ENV, receiver_url),
                },
            )
            apps[BARE] = (pexes[BARE_ORDERS], bare_env(keys_dir, inventory.url, work / "bare"))
            for name, (pex, env) in apps.items():
                exporting = name in VARIANTS and VARIANTS[name] is not None  # (UNSAMPLED exports nothing)
                seeded: list[AppRun] = []
                for seed in range(1, seeds + 1):
                    label = f"orders ({name})" if name != BARE else "bare orders"
                    app = Callgrind(f"{label} seed {seed}", pex, {**env, "PYTHONHASHSEED": str(seed)}, work)
                    try:
                        seeded.append(
                            measure_app(
                                app, token, spans_file, requests, rounds, exporting=exporting, keep=keep
                            )
                        )
                    finally:
                        app.stop()
                runs[name] = pooled(seeded)
    return render_instructions(runs, requests, rounds, seeds)


def _per_request(runs: dict[str, AppRun], app: str, endpoint: str) -> float:
    return median([window.per_request for window in runs[app].windows[endpoint]])


def _spread(windows: list[Window]) -> str:
    values = [window.per_request for window in windows]
    middle = median(values)
    return f"±{max(abs(value - middle) for value in values) / middle * 100:.2f} %"


def _millions(value: float) -> str:
    return f"{value / 1e6:.2f} M"


def default_at_ratio(unsampled: float, every: float) -> float:
    """Instructions per request of the default sampler at exactly its ratio: an unsampled request's
    cost, and a recorded one's (with every trace kept, its export included) one time in a hundred."""
    return unsampled + DEFAULT_SAMPLE_RATIO * (every - unsampled)


def render_instructions(runs: dict[str, AppRun], requests: int, rounds: int, seeds: int) -> str:
    endpoints = list(runs[UNTRACED].windows)
    rows = []
    for endpoint in endpoints:
        untraced = _per_request(runs, UNTRACED, endpoint)
        rows.append(
            [
                f"`{endpoint}`",
                UNTRACED,
                _millions(untraced),
                "",
                "",
                "0",
                _spread(runs[UNTRACED].windows[endpoint]),
            ]
        )
        every = _per_request(runs, EVERY_TRACE, endpoint)
        for variant, target in (
            (EVERY_TRACE, FULL_SAMPLING_TARGET),
            (DEFAULT_SAMPLER, DEFAULT_SAMPLING_TARGET),
        ):
            windows = runs[variant].windows[endpoint]
            measured = _per_request(runs, variant, endpoint)
            extra = ratio(measured, untraced) - 1
            spans = median([window.spans / window.requests for window in windows])
            kept = median([window.traces / window.requests for window in windows])
            judged = f"≤ {target * 100:.0f} % {report.verdict(extra <= target)}"
            if variant == DEFAULT_SAMPLER:
                judged = f"(kept {kept * 100:.1f} % of requests)"
            rows.append(
                [
                    f"`{endpoint}`",
                    variant,
                    _millions(measured),
                    f"**{extra * 100:+.2f} %**",
                    judged,
                    f"{spans:.2f}",
                    _spread(windows),
                ]
            )
            if variant == DEFAULT_SAMPLER:
                unsampled = _per_request(runs, UNSAMPLED, endpoint)
                at_ratio = default_at_ratio(unsampled, every)
                for name, value, judgement, spread in (
                    (UNSAMPLED, unsampled, "", _spread(runs[UNSAMPLED].windows[endpoint])),
                    (
                        f"… unsampled, plus {DEFAULT_SAMPLE_RATIO * 100:g} % at the every-trace cost",
                        at_ratio,
                        f"≤ {target * 100:.0f} % {report.verdict(ratio(at_ratio, untraced) - 1 <= target)}",
                        "",
                    ),
                ):
                    rows.append(
                        [
                            f"`{endpoint}`",
                            name,
                            _millions(value),
                            f"**{(ratio(value, untraced) - 1) * 100:+.2f} %**",
                            judgement,
                            "0" if name == UNSAMPLED else "",
                            spread,
                        ]
                    )
    tracing_table = report.table(
        [
            "endpoint",
            "orders",
            "instructions/request",
            "extra per request",
            "target",
            "spans exported/request",
            "windows' spread",
        ],
        rows,
    )
    kit_rows = []
    for endpoint in endpoints:
        kit, bare = _per_request(runs, UNTRACED, endpoint), _per_request(runs, BARE, endpoint)
        per_round = [
            ratio(b.per_request, k.per_request)
            for k, b in zip(runs[UNTRACED].windows[endpoint], runs[BARE].windows[endpoint], strict=True)
        ]
        kit_rows.append(
            [
                f"`{endpoint}`",
                f"{_millions(kit)} / {_millions(bare)}",
                f"**{ratio(kit, bare):.2f}x**",
                f"**{ratio(bare, kit):.2f}x** "
                f"({min(per_round):.3f}-{max(per_round):.3f}, {len(per_round)} pairs)",
                f"≥ {THROUGHPUT_TARGET}x {report.verdict(ratio(bare, kit) >= THROUGHPUT_TARGET)}",
            ]
        )
    kit_table = report.table(
        [
            "endpoint",
            "instructions/request kit / bare",
            "kit ÷ bare",
            "bare ÷ kit (per seed and round)",
            "target",
        ],
        kit_rows,
    )
    idle_share = max(
        window.idle / window.instructions
        for run in runs.values()
        for windows in run.windows.values()
        for window in windows
    )
    idle = ", ".join(f"{name} {_millions(run.idle_per_second)}" for name, run in runs.items())
    return (
        "Each server alone under `valgrind --tool=callgrind --instr-atstart=no`, started once per hash "
        f"seed (`PYTHONHASHSEED` 1 to {seeds}, the same seeds for every server: a seed alone moves a count "
        "by up to ~1 %, rounds in one process agree within 0.2 %), "
        f"{rounds} round{'s' if rounds != 1 else ''} of "
        f"{requests} requests per endpoint and start, sent one after another over one keep-alive "
        f"connection from outside valgrind after {WARMUP_REQUESTS} unmeasured ones; instrumentation on "
        "(`callgrind_control -i on`) from the first request until the span exporter has been quiet for "
        f"{EXPORT_QUIET_SECONDS:g} s, so each window includes exporting its spans (the "
        "BatchSpanProcessor's thread; every thread is counted). Orders' own PEX in four tracing "
        "variants and `stack/bench/probes/bare_orders.py`, against one native inventory; the traced "
        "ones export over OTLP/HTTP to `stack/tools/otlp_receiver.py`, orders' outbox relay polls "
        "hourly rather than every second (a commit still wakes it). Instructions (callgrind's Ir) per "
        "request are a window's count less what the same server executes idle for as long (uvicorn's "
        f"tick, the exporter's timer; measured over {IDLE_SECONDS:g} s before the rounds), over its "
        "requests; medians of the windows (every seed's rounds), the spread the largest window's distance "
        "from the median, the kit ÷ bare range over windows of the same seed and round. The "
        "default sampler's verdict is its path for unsampled requests, measured on every request "
        f"(`{UNSAMPLED_ENV['OTEL_TRACES_SAMPLER']}`: the same decision with nothing kept), plus "
        f"exactly {DEFAULT_SAMPLE_RATIO * 100:g} % of requests at the every-trace cost, export "
        "included. Its own measured row keeps a random share, and sends that share's few spans in "
        "an HTTP export or two per window: the exporter's 5 s timer, under valgrind's ~50x "
        "slowdown, fires once per ~50x fewer requests than a native service at the same load "
        "sees, so that row shows the window, not the rate.\n\n"
        f"{tracing_table}\n\n{kit_table}\n\n"
        f"Idle instructions per second: {idle}; subtracted, they were at most {idle_share * 100:.2f} % "
        "of a window's count, the part that moves with the machine's speed."
    )
