"""`make dev` itself (stack/tools/dev.sh, run on the PEXes under test): every service up on embedded
SQLite, the order-to-delivery flow over the URLs and tokens it prints, its traces written to
.data/traces.jsonl, and Ctrl-C stopping them all."""

import os
import re
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

from otlp_receiver import read_spans
from system.tests.api import SANDBOX_ROOT, Api, order_to_delivery, wait_ready


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


def test_make_dev_serves_the_whole_flow_and_ctrl_c_stops_every_service(tmp_path: Path) -> None:
    log = tmp_path / "dev.log"
    base_port = free_port_run(4)  # three services and the OTLP receiver
    env = {
        # dev.sh runs the PEXes directly: their `python3.11` shebang must be on PATH.
        "PATH": f"{Path(sys.executable).parent}:{os.environ.get('PATH', '/usr/bin:/bin')}",
        "PEX_ROOT": str(tmp_path / "pex_root"),
        "DEV_PEX_DIR": str(SANDBOX_ROOT),
        "DEV_BASE_PORT": str(base_port),
        "DEV_OTLP_PORT": str(base_port + 3),
        # Spans reach the file within 0.1 s instead of the SDK's 5 s batches.
        "OTEL_BSP_SCHEDULE_DELAY": "100",
    }
    with log.open("w") as out:
        dev = subprocess.Popen(
            ["bash", str(SANDBOX_ROOT / "stack/tools/dev.sh")],
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # its own process group, as a terminal would give it
        )
    try:
        deadline = time.monotonic() + 120
        while "press Ctrl-C" not in log.read_text():
            assert dev.poll() is None, f"make dev exited with {dev.returncode}:\n{log.read_text()}"
            assert time.monotonic() < deadline, f"make dev did not start:\n{log.read_text()}"
            time.sleep(0.2)
        printed = log.read_text()
        urls = dict(re.findall(r"make dev: (\w+) +(http://127\.0\.0\.1:\d+)", printed))
        tokens = {m.lower(): t for m, t in re.findall(r"export (\w+)_TOKEN=(\S+)", printed)}
        assert sorted(urls) == sorted(tokens) == ["inventory", "orders", "shipping"], printed
        apis = {m: Api(urls[m], tokens[m]) for m in urls}
        for api in apis.values():
            wait_ready(api, alive=lambda: dev.poll() is None)

        _, order_id, shipment_id = order_to_delivery(apis["inventory"], apis["orders"], apis["shipping"])
        assert apis["shipping"].call("GET", f"/api/v1/shipments?order_id={order_id}")[1]["id"] == shipment_id

        _wait_for_order_trace(SANDBOX_ROOT / ".data/traces.jsonl")

        os.killpg(dev.pid, signal.SIGINT)  # what Ctrl-C in the terminal sends
        assert dev.wait(timeout=60) == 0, log.read_text()
        assert "stopping all services" in log.read_text()
        for url in urls.values():
            port = int(url.rsplit(":", 1)[1])
            with socket.socket() as sock:
                assert sock.connect_ex(("127.0.0.1", port)) != 0, f"{url} still answers after Ctrl-C"
    finally:
        if dev.poll() is None:
            os.killpg(dev.pid, signal.SIGKILL)


def _wait_for_order_trace(traces: Path, timeout: float = 20.0) -> None:
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
