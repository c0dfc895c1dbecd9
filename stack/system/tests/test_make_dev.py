"""`make dev` itself (stack/tools/dev.sh, run on the PEXes under test): every service up on embedded
SQLite, the order-to-delivery flow over the URLs and tokens it prints, its traces written to
.data/traces.jsonl, and Ctrl-C stopping them all."""

import socket
from pathlib import Path

from system.tests.api import SANDBOX_ROOT, make_dev, order_to_delivery, wait_for_order_trace, wait_ready


def test_make_dev_serves_the_whole_flow_and_ctrl_c_stops_every_service(tmp_path: Path) -> None:
    # Generous: three PEXes unpack and each token is minted by a PEX run, on a shared machine.
    with make_dev(tmp_path, ports=5) as dev:
        urls, apis = dev.urls(), dev.apis()
        assert sorted(urls) == sorted(apis) == ["inventory", "orders", "shipping"], dev.output()
        for api in apis.values():
            wait_ready(api, alive=dev.running)

        _, order_id, shipment_id = order_to_delivery(apis["inventory"], apis["orders"], apis["shipping"])
        assert apis["shipping"].call("GET", f"/api/v1/shipments?order_id={order_id}")[1]["id"] == shipment_id

        wait_for_order_trace(SANDBOX_ROOT / ".data/traces.jsonl")

        assert dev.interrupt() == 0, dev.output()
        assert "stopping all services" in dev.output()
        for url in urls.values():
            port = int(url.rsplit(":", 1)[1])
            with socket.socket() as sock:
                assert sock.connect_ex(("127.0.0.1", port)) != 0, f"{url} still answers after Ctrl-C"
