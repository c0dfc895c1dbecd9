"""A module's HTTP API as the system tests drive it, the order-to-delivery flow they share, and
`make dev` (stack/tools/dev.sh on the PEXes under test) started as a terminal would, with the wait
for a placed order's trace in the span file."""

import os
import re
import signal
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from otlp_receiver import read_spans

# The module processes and HTTP helpers are shared with the reliability checks.
from reliability.processes import Api, free_port, wait_ready

__all__ = [
    "SANDBOX_ROOT",
    "Api",
    "MakeDev",
    "free_port",
    "free_port_run",
    "make_dev",
    "order_to_delivery",
    "port_answers",
    "wait_for_order_trace",
    "wait_ready",
]

# Pants lays tests out at their repo paths, with packaged PEXes (modules.<m>/<m>.pex) at the root.
SANDBOX_ROOT = Path(__file__).resolve().parents[3]


def order_to_delivery(inventory: Api, orders: Api, shipping: Api) -> tuple[str, str, str]:
    """Stock → order → confirm → ship → dispatch → deliver; returns (sku, order id, shipment id)."""
    sku = f"sku-{uuid.uuid4().hex[:8]}"
    assert inventory.call("PUT", f"/api/v1/products/{sku}", {"on_hand": 3})[0] == 200
    status, order = orders.call(
        "POST", "/api/v1/orders", {"customer_id": "c1", "items": [{"product_id": sku, "quantity": 2}]}
    )
    assert status == 201 and order["status"] == "pending", (status, order)
    assert inventory.call("GET", f"/api/v1/products/{sku}")[1]["reserved"] == 2
    assert orders.call("POST", f"/api/v1/orders/{order['id']}/confirm")[1]["status"] == "confirmed"
    assert inventory.call("GET", f"/api/v1/products/{sku}")[1] == {
        "sku": sku,
        "on_hand": 1,
        "reserved": 0,
        "available": 1,
    }
    # Shipping ships a confirmed order itself, on OrderConfirmed; asking too answers that shipment
    # (200) if the event came first, or creates it (201), which the event then leaves alone.
    status, shipment = shipping.call("POST", "/api/v1/shipments", {"order_id": order["id"]})
    assert status in (200, 201) and shipment["status"] == "created", (status, shipment)
    assert shipping.call("POST", f"/api/v1/shipments/{shipment['id']}/dispatch")[1]["status"] == "dispatched"
    assert shipping.call("POST", f"/api/v1/shipments/{shipment['id']}/deliver")[1]["status"] == "delivered"
    return sku, order["id"], shipment["id"]


def wait_for_order_trace(traces: Path, timeout: float = 20.0) -> None:
    """Until the file holds a trace in which orders' POST /api/v1/orders reached inventory."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        spans = read_spans(traces)
        order_traces = {
            s["trace_id"] for s in spans if (s["service"], s["name"]) == ("orders", "POST /api/v1/orders")
        }
        if any(s["trace_id"] in order_traces and s["service"] == "inventory" for s in spans):
            return
        time.sleep(0.2)
    raise AssertionError(f"no trace of a placed order in {traces} within {timeout}s: {read_spans(traces)}")


def free_port_run(count: int) -> int:
    """The first of `count` consecutive free loopback ports (dev.sh numbers services from a base)."""
    for base in range(20000 + os.getpid() % 1000 * 20, 60000, 20):
        try:
            for port in range(base, base + count):
                with socket.socket() as sock:
                    sock.bind(("127.0.0.1", port))
        except OSError:
            continue
        return base
    raise AssertionError("no run of free ports")


def port_answers(port: int) -> bool:
    """Whether something accepts connections on loopback `port`."""
    with socket.socket() as sock:
        return sock.connect_ex(("127.0.0.1", port)) == 0


class MakeDev:
    """A running `make dev`: its process (its own process group), what it printed, its ports."""

    def __init__(self, process: "subprocess.Popen[bytes]", log: Path, base_port: int) -> None:
        self.process, self.log, self.base_port = process, log, base_port

    def output(self) -> str:
        return self.log.read_text()

    def running(self) -> bool:
        return self.process.poll() is None

    def urls(self) -> dict[str, str]:
        """Each module's URL, as make dev printed it."""
        return dict(re.findall(r"make dev: (\w+) +(http://127\.0\.0\.1:\d+)", self.output()))

    def apis(self) -> dict[str, Api]:
        """Each module's API with the dev token make dev printed for it."""
        tokens = {m.lower(): t for m, t in re.findall(r"export (\w+)_TOKEN=(\S+)", self.output())}
        return {m: Api(url, tokens[m]) for m, url in self.urls().items()}

    def interrupt(self) -> int:
        """Ctrl-C, as the terminal sends it (to the whole group); make dev's exit status."""
        os.killpg(self.process.pid, signal.SIGINT)
        return self.process.wait(timeout=60)


@contextmanager
def make_dev(tmp_path: Path, *, ports: int, start_timeout: float = 240) -> Iterator[MakeDev]:
    """`make dev` on the PEXes under test, from a run of `ports` free ports: the services from the
    first, then the OTLP receiver and the portal; returns once it printed "press Ctrl-C"; killed
    (its whole group) on the way out if still running."""
    log = tmp_path / "dev.log"
    base_port = free_port_run(ports)
    module_count = len(list(SANDBOX_ROOT.glob("modules.*/*.pex")))
    env = {
        # dev.sh runs the PEXes directly: their `python3.11` shebang must be on PATH (and the
        # portal, if there, lays out its graphs with Graphviz dot from the PATH).
        "PATH": f"{Path(sys.executable).parent}:{os.environ.get('PATH', '/usr/bin:/bin')}",
        "PEX_ROOT": str(tmp_path / "pex_root"),
        "DEV_PEX_DIR": str(SANDBOX_ROOT),
        "DEV_BASE_PORT": str(base_port),
        "DEV_OTLP_PORT": str(base_port + module_count),
        "DEV_PORTAL_PORT": str(base_port + module_count + 1),
        # Spans reach the file within 0.1 s instead of the SDK's 5 s batches.
        "OTEL_BSP_SCHEDULE_DELAY": "100",
    }
    with log.open("w") as out:
        process = subprocess.Popen(
            ["bash", str(SANDBOX_ROOT / "stack/tools/dev.sh")],
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # its own process group, as a terminal would give it
        )
    dev = MakeDev(process, log, base_port)
    try:
        deadline = time.monotonic() + start_timeout
        while "press Ctrl-C" not in dev.output():
            assert dev.running(), f"make dev exited with {process.returncode}:\n{dev.output()}"
            assert time.monotonic() < deadline, f"make dev did not start:\n{dev.output()}"
            time.sleep(0.2)
        yield dev
    finally:
        if dev.running():
            os.killpg(process.pid, signal.SIGKILL)
