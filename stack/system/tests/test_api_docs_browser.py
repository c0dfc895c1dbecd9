"""orders' /api/docs in a real browser (Debian's chromium, driven by Playwright) against its running
PEX: every operation listed, GET /health tried out, and not one request to any other host.

Without chromium it is skipped, or fails under CI (system/tests/browser.py).
PANTSTACK_DOCS_SCREENSHOT is a path to copy the screenshot to (how docs/images/orders-api-docs.png
is made, see README.md).
"""

import os
import shutil
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import Page, Route, expect, sync_playwright

from reliability.processes import ModuleProcess, running_modules
from system.tests.api import SANDBOX_ROOT
from system.tests.browser import CHROMIUM_ARGS, PNG_SIGNATURE, chromium_or_skip


@pytest.fixture
def chromium_path() -> str:
    return chromium_or_skip("API docs")


@pytest.fixture
def orders(tmp_path: Path) -> Iterator[ModuleProcess]:
    # Inventory too: orders is ready, and so started, only once its inventory answers.
    with running_modules(SANDBOX_ROOT, tmp_path, ["inventory", "orders"]) as services:
        yield services["orders"]


class Requests:
    """Every request the page makes, through route interception; any other origin's is aborted."""

    def __init__(self, origin: str) -> None:
        self.origin = origin
        self.same_origin: list[str] = []
        self.foreign: list[str] = []

    def handle(self, route: Route) -> None:
        url = route.request.url
        parts = urlsplit(url)
        if f"{parts.scheme}://{parts.netloc}" == self.origin:
            self.same_origin.append(parts.path)
            route.continue_()
        else:
            self.foreign.append(url)
            route.abort("blockedbyclient")


def listed_operations(page: Page) -> set[tuple[str, str]]:
    blocks = page.locator(".opblock")
    return {
        (
            blocks.nth(i).locator(".opblock-summary-method").inner_text().upper(),
            blocks.nth(i).locator(".opblock-summary-path").get_attribute("data-path") or "",
        )
        for i in range(blocks.count())
    }


def test_orders_docs_page_lists_every_operation_and_tries_health_with_no_other_host(
    chromium_path: str, orders: ModuleProcess, tmp_path: Path
) -> None:
    # The live schema: orders' contract test holds it equal to the committed modules/orders/openapi.json,
    # which stack/system may not read (module files are private to the module, pantstack_module).
    status, schema = orders.call("GET", "/api/openapi.json")
    assert status == 200
    operations = {(method.upper(), path) for path, item in schema["paths"].items() for method in item}
    requests, problems = Requests(orders.url), list[str]()
    screenshot = tmp_path / "orders-api-docs.png"

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium_path, headless=True, args=CHROMIUM_ARGS)
        try:
            context = browser.new_context(viewport={"width": 1280, "height": 1100})
            context.route("**/*", requests.handle)
            page = context.new_page()
            page.set_default_timeout(30_000)
            # A CSP refusal or a script error is a console error: the page must need no exceptions.
            page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
            page.on("pageerror", lambda error: problems.append(str(error)))

            page.goto(f"{orders.url}/api/docs")
            expect(page.locator(".opblock").first).to_be_visible()
            assert listed_operations(page) == operations

            health = page.locator(".opblock-get", has=page.locator('[data-path="/health"]'))
            health.locator(".opblock-summary-control").click()
            health.get_by_role("button", name="Try it out").click()
            health.get_by_role("button", name="Execute").click()
            response = health.locator(".live-responses-table .response")
            expect(response.locator(".response-col_status")).to_have_text("200")
            expect(response.locator(".response-col_description")).to_contain_text('"status": "ok"')
            page.screenshot(path=str(screenshot), full_page=True)
        finally:
            browser.close()

    assert requests.foreign == [], f"the docs page reached other hosts: {requests.foreign}"
    assert problems == [], f"the docs page logged errors: {problems}"
    # The page, its assets, the schema and the tried request all came from the service.
    for path in (
        "/api/docs",
        "/api/docs/assets/swagger-ui-bundle.js",
        "/api/docs/assets/swagger-ui.css",
        "/api/openapi.json",
        "/health",
    ):
        assert path in requests.same_origin, (path, requests.same_origin)
    # A blank 1280x1100 page compresses to a few kB; a rendered one is far larger.
    image = screenshot.read_bytes()
    assert image.startswith(PNG_SIGNATURE) and len(image) > 50_000, len(image)
    if target := os.environ.get("PANTSTACK_DOCS_SCREENSHOT"):
        shutil.copyfile(screenshot, target)
