"""`make dev` from sources (stack/tools/dev.sh without PEX=1) in a scratch repository: saving a route
reloads that module alone, within the target; a syntax error makes it answer 503 while the others keep
serving, on the same connections, and the next save brings it back."""

import http.client
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import time
import zipfile
from collections.abc import Callable
from pathlib import Path

from system.tests.api import SANDBOX_ROOT, Api, free_port_run, wait_ready

MODULES = ("inventory", "orders")
ROUTES = Path("modules/orders/backend/api/routes/orders.py")
OLD_DOCSTRING = "List orders, newest first, optionally for one customer."
# issue 18: a saved file serves its new answer within 3 s on the 2-core development machine.
RELOAD_TARGET_SECONDS = 3.0


def scratch_repo(root: Path) -> Path:
    """A repository laid out like this one, with the sources the modules' PEXes carry (each its own
    code and the facades it uses) under modules/, the shared libraries under stack/libs/, and dev.sh."""
    for module in MODULES:
        with zipfile.ZipFile(SANDBOX_ROOT / f"modules.{module}/{module}.pex") as pex:
            for name in pex.namelist():
                top = name.split("/", 1)[0]
                if name.endswith("/"):
                    continue
                if top in MODULES:
                    target = root / "modules" / name
                elif "/" in name and not top.startswith((".", "__")):
                    target = root / "stack/libs" / name
                else:
                    continue  # PEX-INFO, __main__.py, the bootstrap and the wheels (.deps/)
                target.parent.mkdir(parents=True, exist_ok=True)
                target.write_bytes(pex.read(name))
        (root / "modules" / module / "BUILD").write_text(f'pantstack_module("{module}")\n')
    # The PEXes hold what the apps import; the dev server is for make dev alone.
    shutil.copy(SANDBOX_ROOT / "stack/libs/service_kit/dev_server.py", root / "stack/libs/service_kit/")
    (root / "stack/tools").mkdir(parents=True)
    shutil.copy(SANDBOX_ROOT / "stack/tools/dev.sh", root / "stack/tools/dev.sh")
    return root


def dependency_venvs(venvs: Path) -> Path:
    """<venvs>/<m>/: each module's third-party packages, what `./pants export` makes for its resolve."""
    for module in MODULES:
        subprocess.run(
            [
                sys.executable,
                SANDBOX_ROOT / f"modules.{module}/{module}.pex",
                "venv",
                "--scope=deps",
                venvs / module,
            ],
            env={**os.environ, "PEX_TOOLS": "1", "PEX_ROOT": str(venvs / ".pex_root")},
            check=True,
        )
    return venvs


def until(condition: Callable[[], bool], timeout: float, what: str, log: Path) -> float:
    """Seconds until `condition()` held; fails naming `what`, with make dev's output."""
    start = time.monotonic()
    while not condition():
        assert time.monotonic() - start < timeout, f"{what}: not within {timeout}s\n{log.read_text()}"
        time.sleep(0.05)
    return time.monotonic() - start


def test_make_dev_reloads_a_saved_module_and_survives_a_syntax_error(tmp_path: Path) -> None:
    repo = scratch_repo(tmp_path / "repo")
    venvs = dependency_venvs(tmp_path / "venvs")
    log = tmp_path / "dev.log"
    base_port = free_port_run(len(MODULES))
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "DEV_VENV_DIR": str(venvs),
        "DEV_BASE_PORT": str(base_port),
    }
    with log.open("w") as out:
        dev = subprocess.Popen(
            ["bash", str(repo / "stack/tools/dev.sh")],
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:
        until(lambda: "press Ctrl-C" in log.read_text() or dev.poll() is not None, 120, "make dev start", log)
        assert dev.poll() is None, f"make dev exited with {dev.returncode}:\n{log.read_text()}"
        printed = log.read_text()
        urls = dict(re.findall(r"make dev: (\w+) +(http://127\.0\.0\.1:\d+)", printed))
        tokens = {m.lower(): t for m, t in re.findall(r"export (\w+)_TOKEN=(\S+)", printed)}
        apis = {m: Api(urls[m], tokens[m]) for m in MODULES}
        for api in apis.values():
            try:
                wait_ready(api, alive=lambda: dev.poll() is None)
            except AssertionError as error:
                raise AssertionError(f"{error}\n{log.read_text()}") from None
        assert list_description(apis["orders"]) == OLD_DOCSTRING
        # A keep-alive connection to inventory, which must survive orders' reloads.
        inventory = http.client.HTTPConnection(
            "127.0.0.1", int(urls["inventory"].rsplit(":", 1)[1]), timeout=10
        )
        assert answer(inventory, "/health") == 200
        inventory_socket = inventory.sock

        routes = repo / ROUTES
        source = routes.read_text()
        routes.write_text(source.replace(OLD_DOCSTRING, "List orders, reloaded on save."))
        seconds = until(
            lambda: list_description(apis["orders"]) == "List orders, reloaded on save.", 20, "reload", log
        )
        print(f"orders reloaded {seconds:.2f}s after the save")
        assert seconds < RELOAD_TARGET_SECONDS, f"orders took {seconds:.2f}s to reload\n{log.read_text()}"

        routes.write_text(source + "\ndef broken(:\n")
        until(lambda: status_of(apis["orders"], "/api/v1/orders") == 503, 20, "503 after a syntax error", log)
        status, body = apis["orders"].call("GET", "/api/v1/orders")
        assert body["detail"].startswith("orders failed to load"), body
        assert "SyntaxError" not in json.dumps(body), "the error belongs in the log, not the response"
        assert "SyntaxError" in log.read_text() and "orders failed to load" in log.read_text()
        assert dev.poll() is None, log.read_text()
        assert answer(inventory, "/health") == 200 and inventory.sock is inventory_socket

        routes.write_text(source.replace(OLD_DOCSTRING, "List orders, fixed."))
        until(lambda: list_description(apis["orders"]) == "List orders, fixed.", 20, "recovery", log)
        assert answer(inventory, "/health") == 200 and inventory.sock is inventory_socket
        inventory.close()

        os.killpg(dev.pid, signal.SIGINT)
        assert dev.wait(timeout=60) == 0, log.read_text()
    finally:
        if dev.poll() is None:
            os.killpg(dev.pid, signal.SIGKILL)


def status_of(api: Api, path: str) -> int | None:
    try:
        return api.call("GET", path, timeout=2)[0]
    except OSError:  # between the old worker's exit and the new one's start
        return None


def list_description(orders: Api) -> str | None:
    """The description of GET /api/v1/orders in orders' OpenAPI document: the route's docstring."""
    try:
        status, document = orders.call("GET", "/api/openapi.json", timeout=2)
    except OSError:  # between the old worker's exit and the new one's start
        return None
    return document["paths"]["/api/v1/orders"]["get"]["description"] if status == 200 else None


def answer(connection: http.client.HTTPConnection, path: str) -> int:
    connection.request("GET", path)
    response = connection.getresponse()
    response.read()
    return response.status
