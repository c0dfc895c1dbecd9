"""make portal's pages in a real browser (Debian's chromium, driven by Playwright) from file://:
the index lists every module, a click leads to orders, whose page shows its endpoints (Swagger UI
from the portal's own files) and that it uses inventory; no request leaves file://, no page
scrolls sideways at 1280 px.

The portal is built from the modules' manifests, READMEs and contracts (//:portal_inputs) with
the generator `make portal` runs. Without chromium the test is skipped, or fails under CI
(system/tests/browser.py). PANTSTACK_PORTAL_SCREENSHOTS is a directory to copy the screenshots
to (how docs/images/portal-*.png are made, see README.md).
"""

import json
import os
import re
import shutil
from pathlib import Path

import pytest
from playwright.sync_api import Page, Route, ViewportSize, expect, sync_playwright

from manifest import load_all
from portal.site import build
from system.tests.api import SANDBOX_ROOT
from system.tests.browser import CHROMIUM_ARGS, PNG_SIGNATURE, chromium_or_skip

VIEWPORT: ViewportSize = {"width": 1280, "height": 800}
NOT_A_FILE = re.compile(r"^(?!file:)")


@pytest.fixture
def chromium_path() -> str:
    return chromium_or_skip("portal")


@pytest.fixture
def portal(tmp_path: Path) -> Path:
    build(SANDBOX_ROOT, tmp_path / "portal")
    return tmp_path / "portal"


def horizontal_overflow(page: Page) -> int:
    """How many pixels the page is wider than the window (0: no horizontal scroll)."""
    overflow: int = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    return overflow


def test_the_index_leads_to_orders_which_shows_its_endpoints_and_that_it_uses_inventory(
    chromium_path: str, portal: Path, tmp_path: Path
) -> None:
    contract = json.loads((SANDBOX_ROOT / "modules/orders/openapi.json").read_text())
    operations = {(method.upper(), path) for path, item in contract["paths"].items() for method in item}
    modules = [m.name for m in load_all(SANDBOX_ROOT)]
    foreign, problems = list[str](), list[str]()
    screenshots = {"index": tmp_path / "portal-index.png", "orders": tmp_path / "portal-orders.png"}

    def refuse(route: Route) -> None:
        foreign.append(route.request.url)
        route.abort("blockedbyclient")

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium_path, headless=True, args=CHROMIUM_ARGS)
        try:
            context = browser.new_context(viewport=VIEWPORT)
            context.route(NOT_A_FILE, refuse)
            page = context.new_page()
            page.set_default_timeout(30_000)
            page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
            page.on("pageerror", lambda error: problems.append(str(error)))

            page.goto((portal / "index.html").as_uri())
            rows = page.locator("#modules tbody tr")
            expect(rows).to_have_count(len(modules))
            assert [rows.nth(i).get_attribute("data-module") for i in range(len(modules))] == modules
            expect(page.locator("#module-graph svg .node")).to_have_count(len(modules))
            assert horizontal_overflow(page) <= 0
            page.screenshot(path=str(screenshots["index"]))

            page.locator('#modules tr[data-module="orders"] .name a').click()
            expect(page).to_have_url((portal / "modules/orders.html").as_uri())
            expect(page.locator("#uses")).to_have_text("inventory")
            expect(page.locator("#used-by")).to_have_text("shipping")
            expect(page.locator("#swagger-ui .opblock").first).to_be_visible()
            listed = page.locator("#swagger-ui .opblock")
            assert {
                (
                    listed.nth(i).locator(".opblock-summary-method").inner_text().upper(),
                    listed.nth(i).locator(".opblock-summary-path").get_attribute("data-path") or "",
                )
                for i in range(listed.count())
            } == operations
            expect(page.locator("#readme h1")).to_have_text("orders")
            assert horizontal_overflow(page) <= 0
            page.screenshot(path=str(screenshots["orders"]))

            # The neighbourhood graph's nodes are links too: inventory's page, which orders uses.
            page.locator("#neighbourhood a", has_text="inventory").click()
            expect(page).to_have_url((portal / "modules/inventory.html").as_uri())
            expect(page.locator("#used-by")).to_have_text("orders")
        finally:
            browser.close()

    assert foreign == [], f"the portal reached beyond file://: {foreign}"
    assert problems == [], f"the portal logged errors: {problems}"
    for screenshot in screenshots.values():
        # A blank 1280x800 page compresses to a few kB; a rendered one is far larger.
        image = screenshot.read_bytes()
        assert image.startswith(PNG_SIGNATURE) and len(image) > 30_000, (screenshot, len(image))
    if target := os.environ.get("PANTSTACK_PORTAL_SCREENSHOTS"):
        for screenshot in screenshots.values():
            shutil.copyfile(screenshot, Path(target) / screenshot.name)
