"""The packaged PEX: on $PORT it serves the API, refuses orders safely without inventory, stops cleanly;
deployed without INVENTORY_URL it does not start; with --migrate (the deploy's one-off task) it
migrates its database and exits."""

import json
import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import httpx2

from common.testing.pex import SANDBOX_ROOT
from orders.backend.tests.conftest import FIXTURES, KEYS


def test_the_pex_serves_orders_fails_safe_without_inventory_and_stops_on_sigterm(tmp_path: Path) -> None:
    with FIXTURES.served_pex(tmp_path, INVENTORY_URL="http://127.0.0.1:9") as orders:  # nothing listens there
        created = httpx2.post(
            f"{orders.url}/api/v1/orders",
            json={"customer_id": "c1", "items": [{"product_id": "p1", "quantity": 1}]},
            headers={**FIXTURES.headers("e2e"), "X-Request-ID": "e2e-request-1"},
        )
        # No inventory runs here: the order is refused with 503 and nothing is stored.
        assert created.status_code == 503, created.text
        assert "Inventory is unavailable" in created.json()["detail"]
        # The body names no internal address; it carries the request id the log lines carry.
        assert "127.0.0.1" not in created.text and created.json()["request_id"] == "e2e-request-1"
        assert httpx2.get(f"{orders.url}/api/v1/orders").json()["total"] == 0
        assert (tmp_path / "data" / "orders.db").exists()

    log_lines = [json.loads(line) for line in orders.log.read_text().splitlines()]
    lines = [line for line in log_lines if line.get("request_id") == "e2e-request-1"]
    access = [line for line in lines if line["logger"] == "service_kit.access"]
    assert access and access[0]["status"] == 503 and access[0]["path"] == "/api/v1/orders"
    assert any("127.0.0.1:9" in line["message"] for line in lines)  # the specifics are in the log
    assert any(line["message"] == "Application shutdown complete." for line in log_lines)


def run_pex(tmp_path: Path, *arguments: str, **env: str) -> subprocess.CompletedProcess[str]:
    """The PEX run to completion (not served), as a deployed one-off task or a failing start is."""
    full_env = {"PATH": os.environ.get("PATH", ""), "PEX_ROOT": str(tmp_path / "pex_root"), **env}
    pex = SANDBOX_ROOT / "modules.orders" / "orders.pex"
    return subprocess.run(
        [sys.executable, str(pex), *arguments],
        env=full_env,
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_deployed_without_inventory_url_the_pex_stops_at_start_naming_the_variable(tmp_path: Path) -> None:
    started = run_pex(
        tmp_path,
        PANTSTACK_ENVIRONMENT="prod",
        ORDERS_DATA_DIR=str(tmp_path / "data"),
        **KEYS.env("orders"),
    )

    assert started.returncode == 2, started.stderr
    (line,) = started.stderr.splitlines()
    assert line.startswith("INVENTORY_URL is not set") and "PANTSTACK_ENVIRONMENT=prod" in line


def test_migrate_brings_the_database_to_head_and_exits_without_serving(tmp_path: Path) -> None:
    database = tmp_path / "orders.db"

    migrated = run_pex(
        tmp_path,
        "--migrate",
        PANTSTACK_ENVIRONMENT="prod",
        ORDERS_DATABASE_URL=f"sqlite+aiosqlite:///{database}",
        **KEYS.env("orders"),
    )

    assert migrated.returncode == 0, migrated.stderr
    with sqlite3.connect(database) as connection:
        tables = {row[0] for row in connection.execute("SELECT name FROM sqlite_master WHERE type='table'")}
    assert {"orders", "alembic_version"} <= tables
