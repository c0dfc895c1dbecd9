"""`make dev`'s live portal in a real browser (Debian's chromium, driven by Playwright): dev.sh runs
the PEXes under test and the portal's PEX, which builds the portal from the modules' manifests,
READMEs and contracts (//:portal_inputs) and serves it on loopback. The index shows every module
ready and a placed order's trace as a waterfall; inventory, stopped, turns red within 10 s while
the other services keep running; Ctrl-C then stops everything and leaves no process behind.

Without chromium the test is skipped, or fails under CI (system/tests/browser.py).
PANTSTACK_PORTAL_SCREENSHOTS is a directory to copy the screenshot to (docs/images/portal-live.png,
see README.md).
"""

import os
import re
import shutil
import signal
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Route, expect, sync_playwright

from manifest import load_all
from system.tests.api import SANDBOX_ROOT, MakeDev, make_dev, port_answers, wait_for_order_trace, wait_ready
from system.tests.browser import (
    CHROMIUM_ARGS,
    GREEN,
    PNG_SIGNATURE,
    RED,
    RED_WITHIN_MS,
    VIEWPORT,
    badge_colour,
    chromium_or_skip,
    horizontal_overflow,
)


@pytest.fixture
def chromium_path() -> str:
    return chromium_or_skip("live portal")


@pytest.fixture
def dev(tmp_path: Path) -> Iterator[MakeDev]:
    # Three services, the OTLP receiver and the portal. Generous: the first start unpacks four PEXes
    # and makes the portal's venv, on a shared machine.
    with make_dev(tmp_path, ports=5, start_timeout=240) as running:
        yield running


def listener_in_group(port: int, group: int) -> int:
    """The pid of the process of `group` that listens on loopback `port` (a module's server)."""
    sockets = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        for line in Path(table).read_text().splitlines()[1:]:
            fields = line.split()
            if fields[1].endswith(f":{port:04X}") and fields[3] == "0A":  # 0A: LISTEN
                sockets.add(f"socket:[{fields[9]}]")
    for fd in Path("/proc").glob("[0-9]*/fd/*"):
        try:
            if os.readlink(fd) in sockets and os.getpgid(int(fd.parts[2])) == group:
                return int(fd.parts[2])
        except OSError:
            continue  # a process that ended while we looked
    raise AssertionError(f"no process of make dev listens on {port}")


def test_a_stopped_module_turns_red_in_the_live_portal_while_the_others_keep_running(
    chromium_path: str, dev: MakeDev, tmp_path: Path
) -> None:
    printed = dev.output()
    urls, apis = dev.urls(), dev.apis()
    portal_url = re.findall(r"make dev: the portal, live: (http://127\.0\.0\.1:\d+/)", printed)[0]
    modules = [m.name for m in load_all(SANDBOX_ROOT)]
    assert sorted(urls) == modules, printed
    for api in apis.values():
        wait_ready(api, alive=dev.running)
    # A placed order: its trace, orders calling inventory, is the newest waterfall.
    sku = f"sku-live-{os.getpid()}"
    assert apis["inventory"].call("PUT", f"/api/v1/products/{sku}", {"on_hand": 5})[0] == 200
    order = {"customer_id": "c1", "items": [{"product_id": sku, "quantity": 1}]}
    assert apis["orders"].call("POST", "/api/v1/orders", order)[0] == 201
    wait_for_order_trace(SANDBOX_ROOT / ".data/traces.jsonl")

    foreign, problems = list[str](), list[str]()
    screenshot = tmp_path / "portal-live.png"

    def refuse(route: Route) -> None:
        foreign.append(route.request.url)
        route.abort("blockedbyclient")

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium_path, headless=True, args=CHROMIUM_ARGS)
        try:
            context = browser.new_context(viewport=VIEWPORT)
            context.route(lambda url: not url.startswith(portal_url), refuse)
            page = context.new_page()
            page.set_default_timeout(60_000)  # the portal's first build: a dot run per module
            page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
            page.on("pageerror", lambda error: problems.append(str(error)))
            deadline = time.monotonic() + 60
            while not port_answers(int(portal_url.rsplit(":", 1)[1].rstrip("/"))):
                assert dev.running() and time.monotonic() < deadline, dev.output()
                time.sleep(0.2)

            page.goto(portal_url)
            expect(page.locator("#live")).to_be_visible()
            expect(page.locator("#live-health tbody tr")).to_have_count(len(modules))
            for module in modules:
                row = page.locator(f'#live-health tr[data-module="{module}"]')
                expect(row).to_have_attribute("data-status", "ready")
            assert badge_colour(page, "inventory") == GREEN
            expect(page.locator('#live-health tr[data-module="orders"]')).to_contain_text("inventory ok")
            # Shipping subscribes to orders' events: its dead letters show, none yet; orders has no store.
            expect(
                page.locator('#live-health tr[data-module="shipping"] td[data-dead-letters="0"]')
            ).to_have_count(1)
            expect(page.locator('#live-health tr[data-module="orders"] td[data-dead-letters]')).to_have_count(
                0
            )
            newest = page.locator("#live-traces details.trace").first
            expect(newest.locator("summary")).to_contain_text("orders POST /api/v1/orders")
            expect(newest).to_have_attribute("open", "")
            expect(
                newest.locator(".span-row", has_text="inventory server: POST /api/v1/reservations")
            ).to_be_visible()
            # Every span's bar lies on its row's time axis.
            outside: list[str] = newest.locator(".span-row").evaluate_all(
                """rows => rows.map(row => [row.querySelector('.track').getBoundingClientRect(),
                                           row.querySelector('.span-bar').getBoundingClientRect(),
                                           row.querySelector('.label').textContent])
                    .filter(([track, bar]) => bar.left < track.left - 1 || bar.right > track.right + 1)
                    .map(([, , label]) => label)"""
            )
            assert outside == [], f"bars beyond their time axis: {outside}"

            inventory_port = int(urls["inventory"].rsplit(":", 1)[1])
            os.kill(listener_in_group(inventory_port, dev.process.pid), signal.SIGTERM)
            stopped = time.monotonic()
            inventory = page.locator('#live-health tr[data-module="inventory"]')
            expect(inventory).to_have_attribute("data-status", "down", timeout=RED_WITHIN_MS)
            assert time.monotonic() - stopped <= RED_WITHIN_MS / 1000
            assert badge_colour(page, "inventory") == RED
            # The others keep running: make dev says which one exited, and the rest still answer.
            deadline = time.monotonic() + 10
            while "make dev: inventory exited" not in dev.output():
                assert dev.running() and time.monotonic() < deadline, dev.output()
                time.sleep(0.1)
            assert dev.running(), dev.output()
            assert apis["shipping"].call("GET", "/ready")[0] == 200
            # orders answers that its inventory check failed; shipping, which uses orders, is ready.
            expect(page.locator('#live-health tr[data-module="orders"]')).to_have_attribute(
                "data-status", "not ready"
            )
            expect(page.locator('#live-health tr[data-module="shipping"]')).to_have_attribute(
                "data-status", "ready"
            )
            assert horizontal_overflow(page) <= 0
            page.screenshot(path=str(screenshot))

            # A module's own page shows its health alone.
            page.goto(portal_url + "modules/inventory.html")
            expect(page.locator("#live-health tbody tr")).to_have_count(1)
            expect(page.locator("#live-health tbody tr")).to_have_attribute("data-status", "down")
            assert horizontal_overflow(page) <= 0
        finally:
            browser.close()

    assert foreign == [], f"the live portal reached beyond its own origin: {foreign}"
    assert problems == [], f"the live portal logged errors: {problems}"
    image = screenshot.read_bytes()
    assert image.startswith(PNG_SIGNATURE) and len(image) > 30_000, len(image)
    if target := os.environ.get("PANTSTACK_PORTAL_SCREENSHOTS"):
        shutil.copyfile(screenshot, Path(target) / screenshot.name)

    assert dev.interrupt() == 0, dev.output()
    assert "stopping all services" in dev.output()
    ports = [int(url.rsplit(":", 1)[1]) for url in urls.values()]
    ports.append(int(portal_url.rsplit(":", 1)[1].rstrip("/")))
    assert [port for port in ports if port_answers(port)] == [], "still answering after Ctrl-C"
    with pytest.raises(ProcessLookupError):
        os.killpg(dev.process.pid, 0)  # no process of make dev's group is left
