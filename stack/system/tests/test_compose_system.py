"""The whole system under `make up` with a real Docker engine: images built from the PEXes under test
with stack/docker/Dockerfile, then stack/docker/up.sh (make up) on the generated docker-compose.yml:
PostgreSQL, the broker, the traces receiver, ports on 127.0.0.1, the live portal on loopback (in
Chromium: every module green, a stopped one red within 10 s, a placed order's trace), and
stack/docker/down.sh (make down) leaving no container and no portal process behind.

Skipped, loudly, when no Docker engine answers: `.ci/run` installs and starts one so CI runs it, and
sets PANTSTACK_REQUIRE_DOCKER=1, which turns a missing engine into a failure. Being part of the
target's environment, it also keeps a skip cached by an engine-less run from standing in for CI's.
"""

import json
import os
import re
import shutil
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from playwright.sync_api import Route, expect, sync_playwright

from system.tests.api import (
    SANDBOX_ROOT,
    Api,
    free_port_run,
    order_to_delivery,
    port_answers,
    wait_for_order_trace,
    wait_ready,
)
from system.tests.browser import (
    CHROMIUM_ARGS,
    GREEN,
    RED,
    RED_WITHIN_MS,
    VIEWPORT,
    badge_colour,
    chromium_or_skip,
    horizontal_overflow,
)

MODULES = ("inventory", "orders", "shipping")
# Images are built as pantstack/<m>:<m>-e2e; PANTSTACK_IMAGE_VERSION makes the compose file use them.
TAG = "e2e"
# The module images' base: `make base-image`'s when present (no registry needed), else the
# Dockerfile's; PANTSTACK_BASE_IMAGE chooses another. make up picks the PostgreSQL, broker and Python
# images the same way (PANTSTACK_POSTGRES_IMAGE / _BROKER_IMAGE / _PYTHON_IMAGE choose others).
LOCAL_BASE_IMAGE = "pantstack/python-base:bookworm"


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
    """What make up started: compose with its environment, and the URLs, tokens and portal it printed."""

    command: list[str]
    env: dict[str, str]
    printed: str
    state_dir: Path

    def __call__(self, *args: str) -> str:
        return _run([*self.command, *args], env=self.env, cwd=SANDBOX_ROOT)

    def apis(self) -> dict[str, Api]:
        urls = dict(re.findall(r"make up: (\w+) +(http://127\.0\.0\.1:\d+)", self.printed))
        tokens = {m.lower(): t for m, t in re.findall(r"export (\w+)_TOKEN=(\S+)", self.printed)}
        assert sorted(urls) == sorted(tokens) == sorted(MODULES), self.printed
        return {m: Api(urls[m], tokens[m]) for m in MODULES}

    def portal_url(self) -> str:
        found = re.findall(r"make up: the portal, live: (http://127\.0\.0\.1:\d+/)", self.printed)
        assert found, f"make up printed no portal URL:\n{self.printed}"
        return str(found[0])

    def portal_pid(self) -> int:
        return int((self.state_dir / "portal.pid").read_text())

    def containers(self) -> list[str]:
        project = self.env["COMPOSE_PROJECT_NAME"]
        listed = _run(["docker", "ps", "-aq", "--filter", f"label=com.docker.compose.project={project}"])
        return listed.split()

    def down(self) -> str:
        """make down (stack/docker/down.sh), deleting the volumes too."""
        return _run(
            ["bash", str(SANDBOX_ROOT / "stack/docker/down.sh"), "-v"], env=self.env, cwd=SANDBOX_ROOT
        )


def _alive(pid: int) -> bool:
    """Whether `pid` is a live process (a zombie awaiting its parent's wait counts as ended)."""
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] != "Z"
    except (FileNotFoundError, IndexError):
        return False


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
def compose(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ComposeProject]:
    problem = _engine_problem()
    if problem and os.environ.get("PANTSTACK_REQUIRE_DOCKER") == "1":
        pytest.fail(f"PANTSTACK_REQUIRE_DOCKER=1 (.ci/run started an engine) but {problem}")
    if problem:
        message = f"NO DOCKER ENGINE, the compose end-to-end test did NOT run: {problem}. .ci/run starts one."
        print(f"\n{'!' * 100}\n{message}\n{'!' * 100}")
        pytest.skip(message)
    _build_images(tmp_path_factory.mktemp("images"))
    state_dir = tmp_path_factory.mktemp("up")
    ports = free_port_run(1 + len(MODULES))
    env = {
        **os.environ,
        # up.sh runs the portal's PEX on the host: its `python3.11` shebang must be on PATH.
        "PATH": f"{Path(sys.executable).parent}:{os.environ.get('PATH', '/usr/bin:/bin')}",
        "PEX_ROOT": str(tmp_path_factory.mktemp("pex_root")),
        "COMPOSE_PROJECT_NAME": f"pantstack-e2e-{uuid.uuid4().hex[:8]}",
        "PANTSTACK_IMAGE_VERSION": TAG,
        # make up generates the keys and passwords into these, and runs the receiver and the portal
        # from the PEXes under test.
        "PANTSTACK_KEYS_DIR": str(tmp_path_factory.mktemp("keys")),
        "PANTSTACK_UP_STATE_DIR": str(state_dir),
        "UP_PEX_DIR": str(SANDBOX_ROOT),
        # Distinct ports from one free run: separate free_port() calls can hand the same port out
        # twice (the portal then found orders' published port taken).
        "UP_PORTAL_PORT": str(ports),
        **{f"{m.upper()}_PUBLISHED_PORT": str(ports + 1 + i) for i, m in enumerate(MODULES)},
    }
    up = subprocess.run(
        ["bash", str(SANDBOX_ROOT / "stack/docker/up.sh")],
        env=env,
        cwd=SANDBOX_ROOT,
        capture_output=True,
        text=True,
    )
    # Compose as `make logs` runs it: with the passwords make up generated (stack/docker/compose.sh).
    compose_sh = ["bash", str(SANDBOX_ROOT / "stack/docker/compose.sh")]
    project = ComposeProject(compose_sh, env, up.stdout, state_dir)
    try:
        assert up.returncode == 0, f"make up failed ({up.returncode}):\n{up.stdout}\n{up.stderr}"
        yield project
    finally:
        logs = subprocess.run(
            [*project.command, "logs", "--tail=40"], env=env, cwd=SANDBOX_ROOT, capture_output=True
        )
        print(logs.stdout.decode(errors="replace")[-6000:])
        print((state_dir / "portal.log").read_text()[-3000:] if (state_dir / "portal.log").exists() else "")
        project.down()


def test_the_flow_runs_through_published_ports_and_data_survives_restarts(compose: ComposeProject) -> None:
    apis = compose.apis()
    for api in apis.values():
        wait_ready(api, timeout=120)
    # Published on loopback only.
    for line in compose("ps").splitlines():
        assert "0.0.0.0:" not in line, line

    sku, order_id, shipment_id = order_to_delivery(apis["inventory"], apis["orders"], apis["shipping"])

    # Restarting the database and a service loses nothing: both read from the postgres-data volume.
    compose("restart", "postgres")
    compose("restart", "orders")
    for api in apis.values():
        wait_ready(api, timeout=120)
    assert apis["orders"].call("GET", f"/api/v1/orders/{order_id}")[1]["status"] == "confirmed"
    assert apis["inventory"].call("GET", f"/api/v1/products/{sku}")[1]["on_hand"] == 1
    assert apis["shipping"].call("GET", f"/api/v1/shipments/{shipment_id}")[1]["status"] == "delivered"


def test_the_secrets_are_generated_private_and_kept_across_runs(compose: ComposeProject) -> None:
    keys = Path(compose.env["PANTSTACK_KEYS_DIR"])
    files = ["postgres.password", "events-broker.password", *(f"{m}-database.password" for m in MODULES)]
    for name in files:
        assert (keys / name).stat().st_mode & 0o077 == 0, name
        assert len((keys / name).read_text().strip()) == 64, name
    # Without them, the compose file refuses to run and says where they come from.
    bare = {k: v for k, v in compose.env.items() if k != "POSTGRES_PASSWORD"}
    refused = subprocess.run(
        [*(_compose_command() or []), "config"], env=bare, cwd=SANDBOX_ROOT, capture_output=True, text=True
    )
    assert refused.returncode != 0 and "POSTGRES_PASSWORD is unset" in refused.stderr, refused.stderr


def test_the_live_portal_shows_every_module_green_and_a_stopped_one_red(compose: ComposeProject) -> None:
    chromium = chromium_or_skip("make up live portal")
    apis = compose.apis()
    for api in apis.values():
        wait_ready(api, timeout=120)
    sku = f"sku-up-{uuid.uuid4().hex[:8]}"
    assert apis["inventory"].call("PUT", f"/api/v1/products/{sku}", {"on_hand": 5})[0] == 200
    order = {"customer_id": "c1", "items": [{"product_id": sku, "quantity": 1}]}
    assert apis["orders"].call("POST", "/api/v1/orders", order)[0] == 201
    # The containers' spans reach the host's file through the traces service (5 s batches).
    wait_for_order_trace(Path(compose.env["PANTSTACK_UP_STATE_DIR"]) / "traces/traces.jsonl", timeout=60)

    portal_url, foreign, problems = compose.portal_url(), list[str](), list[str]()

    def refuse(route: Route) -> None:
        foreign.append(route.request.url)
        route.abort("blockedbyclient")

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium, headless=True, args=CHROMIUM_ARGS)
        try:
            context = browser.new_context(viewport=VIEWPORT)
            context.route(lambda url: not url.startswith(portal_url), refuse)
            page = context.new_page()
            page.set_default_timeout(30_000)
            page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
            page.on("pageerror", lambda error: problems.append(str(error)))
            page.goto(portal_url)
            expect(page.locator("#live-health tbody tr")).to_have_count(len(MODULES))
            for module in MODULES:
                row = page.locator(f'#live-health tr[data-module="{module}"]')
                expect(row).to_have_attribute("data-status", "ready")
                assert badge_colour(page, module) == GREEN
            expect(page.locator('#live-health tr[data-module="orders"]')).to_contain_text("inventory ok")
            expect(
                page.locator('#live-health tr[data-module="shipping"] td[data-dead-letters="0"]')
            ).to_have_count(1)
            newest = page.locator("#live-traces details.trace").first
            expect(newest.locator("summary")).to_contain_text("orders POST /api/v1/orders")
            # A waterfall refreshed by the poll may come back collapsed: open it before looking inside.
            if newest.get_attribute("open") is None:
                newest.locator("summary").click()
            expect(
                newest.locator(".span-row", has_text="inventory server: POST /api/v1/reservations").first
            ).to_be_visible()

            compose("stop", "inventory")
            stopped = time.monotonic()
            inventory = page.locator('#live-health tr[data-module="inventory"]')
            expect(inventory).to_have_attribute("data-status", "down", timeout=RED_WITHIN_MS)
            assert time.monotonic() - stopped <= RED_WITHIN_MS / 1000
            assert badge_colour(page, "inventory") == RED
            expect(page.locator('#live-health tr[data-module="orders"]')).to_have_attribute(
                "data-status", "not ready"
            )
            assert horizontal_overflow(page) <= 0
        finally:
            browser.close()
    assert foreign == [], f"the live portal reached beyond its own origin: {foreign}"
    assert problems == [], f"the live portal logged errors: {problems}"


def test_stopping_a_service_is_graceful(compose: ComposeProject) -> None:
    container = compose("ps", "-q", "shipping").strip()
    # Timed on the engine's stop alone (what `compose stop` asks of it), not on compose's own start-up,
    # which on a loaded machine takes seconds by itself.
    started = time.monotonic()
    _run(["docker", "stop", "--time", "30", container])
    stopped_in = time.monotonic() - started
    # SIGTERM reached the app (through the init), which shut down cleanly well before the kill timeout.
    state = json.loads(_run(["docker", "inspect", "-f", "{{json .State}}", container]))
    assert (state["Status"], state["ExitCode"]) == ("exited", 0), state
    assert stopped_in < 15, stopped_in


def test_make_down_leaves_no_container_and_no_portal(compose: ComposeProject) -> None:
    portal_pid = compose.portal_pid()
    portal_port = int(compose.portal_url().rstrip("/").rsplit(":", 1)[1])
    assert _alive(portal_pid) and port_answers(portal_port)

    compose.down()

    assert compose.containers() == [], "make down left containers behind"
    assert not (compose.state_dir / "portal.pid").exists()
    assert not _alive(portal_pid), f"make down left the portal (pid {portal_pid}) running"
    assert not port_answers(portal_port)
