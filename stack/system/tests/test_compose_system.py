"""The whole system under docker-compose with a real Docker engine: images built from the PEXes under
test with stack/docker/Dockerfile, the generated docker-compose.yml, PostgreSQL, ports on 127.0.0.1.

Skipped, loudly, when no Docker engine answers: `.ci/run` installs and starts one so CI runs it, and
sets PANTSTACK_REQUIRE_DOCKER=1, which turns a missing engine into a failure. Being part of the
target's environment, it also keeps a skip cached by an engine-less run from standing in for CI's.
"""

import json
import os
import secrets
import shutil
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from system.tests.api import SANDBOX_ROOT, Api, free_port, order_to_delivery, wait_ready

MODULES = ("inventory", "orders", "shipping")
# The test calls the services as this identity, with its own key beside the modules' keys.
CALLER = "compose-test"
# Images are built as pantstack/<m>:<m>-e2e; PANTSTACK_IMAGE_VERSION makes the compose file use them.
TAG = "e2e"
# Bases built by `make base-image`, used when present (no registry needed); else the Dockerfile's and
# the compose file's upstream defaults. PANTSTACK_BASE_IMAGE / _POSTGRES_IMAGE / _BROKER_IMAGE choose others.
LOCAL_BASE_IMAGE = "pantstack/python-base:bookworm"
LOCAL_POSTGRES_IMAGE = "pantstack/postgres:15"
LOCAL_BROKER_IMAGE = "pantstack/redis:7"


def _engine_problem() -> str | None:
    if shutil.which("docker") is None:
        return "the docker CLI is not installed"
    info = subprocess.run(["docker", "info"], capture_output=True, text=True)
    if info.returncode != 0:
        return f"no Docker engine answers `docker info` ({info.stderr.strip().splitlines()[-1:]})"
    if _compose_command() is None:
        return "neither `docker compose` (v2) nor `docker-compose` (v1) is installed"
    return None


def _compose_command() -> list[str] | None:
    if subprocess.run(["docker", "compose", "version"], capture_output=True).returncode == 0:
        return ["docker", "compose"]
    return ["docker-compose"] if shutil.which("docker-compose") else None


def _image_exists(image: str) -> bool:
    return subprocess.run(["docker", "image", "inspect", image], capture_output=True).returncode == 0


def _run(command: list[str], **kwargs: object) -> str:
    done = subprocess.run(command, capture_output=True, text=True, **kwargs)  # type: ignore[call-overload]
    assert (
        done.returncode == 0
    ), f"{' '.join(command)} failed ({done.returncode}):\n{done.stdout}\n{done.stderr}"
    return str(done.stdout)


@dataclass
class ComposeProject:
    command: list[str]
    env: dict[str, str]

    def __call__(self, *args: str) -> str:
        return _run([*self.command, *args], env=self.env, cwd=SANDBOX_ROOT)

    def api(self, module: str, port: int) -> Api:
        caller_key = f"COMPOSE_TEST_SIGNING_KEY={self.env['COMPOSE_TEST_SIGNING_KEY']}"
        token = self(
            "exec", "-T", "-e", "PEX_MODULE=service_kit.auth", "-e", caller_key, module,
            "/opt/app/pex", "--caller", CALLER, "--audience", module,
        ).strip()  # fmt: skip
        return Api(f"http://127.0.0.1:{port}", token)

    def containers(self) -> list[str]:
        project = self.env["COMPOSE_PROJECT_NAME"]
        listed = _run(["docker", "ps", "-aq", "--filter", f"label=com.docker.compose.project={project}"])
        return listed.split()


def _keys(keys_dir: Path) -> dict[str, str]:
    """Each module's key and the test's own, as `make up` makes them (service_kit.keys in a PEX):
    the compose file passes each module its <MODULE>_SIGNING_KEY and mounts <dir>/public."""
    pex = SANDBOX_ROOT / "modules.orders" / "orders.pex"
    _run(
        [sys.executable, str(pex), "--dir", str(keys_dir), *MODULES, CALLER],
        env={**os.environ, "PEX_MODULE": "service_kit.keys"},
    )
    owners = [*MODULES, CALLER]
    return {"PANTSTACK_KEYS_DIR": str(keys_dir)} | {
        f"{owner.upper().replace('-', '_')}_SIGNING_KEY": (keys_dir / f"{owner}.pem").read_text()
        for owner in owners
    }


def _build_images(tmp_path: Path) -> None:
    """Each module's image from its PEX under test, with the Dockerfile `make images` uses."""
    base = os.environ.get("PANTSTACK_BASE_IMAGE") or (
        LOCAL_BASE_IMAGE if _image_exists(LOCAL_BASE_IMAGE) else ""
    )
    for module in MODULES:
        # A context holding just this PEX at its Pants output path, as Pants' own build context does.
        context = tmp_path / f"context-{module}"
        (context / f"modules.{module}").mkdir(parents=True)
        shutil.copy(SANDBOX_ROOT / f"modules.{module}" / f"{module}.pex", context / f"modules.{module}")
        build_args = ["--build-arg", f"MODULE={module}"] + (
            ["--build-arg", f"BASE_IMAGE={base}"] if base else []
        )
        _run(
            ["docker", "build", "-q", "-f", str(SANDBOX_ROOT / "stack/docker/Dockerfile"), *build_args,
             "-t", f"pantstack/{module}:{module}-{TAG}", str(context)],
            env={**os.environ, "DOCKER_BUILDKIT": "0"},
        )  # fmt: skip


@pytest.fixture(scope="module")
def compose(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[ComposeProject, dict[str, int]]]:
    problem = _engine_problem()
    if problem and os.environ.get("PANTSTACK_REQUIRE_DOCKER") == "1":
        pytest.fail(f"PANTSTACK_REQUIRE_DOCKER=1 (.ci/run started an engine) but {problem}")
    if problem:
        message = f"NO DOCKER ENGINE, the compose end-to-end test did NOT run: {problem}. .ci/run starts one."
        print(f"\n{'!' * 100}\n{message}\n{'!' * 100}")
        pytest.skip(message)
    _build_images(tmp_path_factory.mktemp("images"))
    ports = {module: free_port() for module in MODULES}
    postgres = os.environ.get("PANTSTACK_POSTGRES_IMAGE") or (
        LOCAL_POSTGRES_IMAGE if _image_exists(LOCAL_POSTGRES_IMAGE) else ""
    )
    broker = os.environ.get("PANTSTACK_BROKER_IMAGE") or (
        LOCAL_BROKER_IMAGE if _image_exists(LOCAL_BROKER_IMAGE) else ""
    )
    env = {
        **os.environ,
        "COMPOSE_PROJECT_NAME": f"pantstack-e2e-{uuid.uuid4().hex[:8]}",
        "PANTSTACK_IMAGE_VERSION": TAG,
        **_keys(tmp_path_factory.mktemp("keys")),
        **({"PANTSTACK_POSTGRES_IMAGE": postgres} if postgres else {}),
        **({"PANTSTACK_BROKER_IMAGE": broker} if broker else {}),
        # make up generates the broker's password as it does the keys; a test has its own.
        "EVENTS_BROKER_PASSWORD": secrets.token_hex(32),
        **{f"{m.upper()}_PUBLISHED_PORT": str(port) for m, port in ports.items()},
    }
    project = ComposeProject(_compose_command() or [], env)
    try:
        project("up", "-d")
        yield project, ports
    finally:
        logs = subprocess.run(
            [*project.command, "logs", "--tail=40"], env=env, cwd=SANDBOX_ROOT, capture_output=True
        )
        print(logs.stdout.decode(errors="replace")[-6000:])
        project("down", "-v", "--remove-orphans")
        assert project.containers() == [], "docker-compose down left containers behind"


def test_the_flow_runs_through_published_ports_and_data_survives_restarts(
    compose: tuple[ComposeProject, dict[str, int]],
) -> None:
    project, ports = compose
    apis = {module: project.api(module, port) for module, port in ports.items()}
    for api in apis.values():
        wait_ready(api, timeout=120)
    # Published on loopback only.
    for line in project("ps").splitlines():
        assert "0.0.0.0:" not in line, line

    sku, order_id, shipment_id = order_to_delivery(apis["inventory"], apis["orders"], apis["shipping"])

    # Restarting the database and a service loses nothing: both read from the postgres-data volume.
    project("restart", "postgres")
    project("restart", "orders")
    for api in apis.values():
        wait_ready(api, timeout=120)
    assert apis["orders"].call("GET", f"/api/v1/orders/{order_id}")[1]["status"] == "confirmed"
    assert apis["inventory"].call("GET", f"/api/v1/products/{sku}")[1]["on_hand"] == 1
    assert apis["shipping"].call("GET", f"/api/v1/shipments/{shipment_id}")[1]["status"] == "delivered"


def test_stopping_a_service_is_graceful(compose: tuple[ComposeProject, dict[str, int]]) -> None:
    project, _ = compose
    started = time.monotonic()
    project("stop", "shipping")
    # SIGTERM reached the app (through the init), which shut down cleanly well before the kill timeout.
    state = json.loads(
        _run(["docker", "inspect", "-f", "{{json .State}}", project("ps", "-q", "shipping").strip()])
    )
    assert (state["Status"], state["ExitCode"]) == ("exited", 0), state
    assert time.monotonic() - started < 15
