"""Debian's chromium for the browser tests, found or skipped loudly (failed under CI), and what the
live portal's tests (make dev's and make up's) read off its pages.

Without chromium a browser test is skipped with a banner, except under CI (CI=true), where it
fails: `.ci/run` installs chromium, so a missing one there is a broken pipeline, not a missing
tool. PANTSTACK_CHROMIUM names another binary.
"""

import os

import pytest
from playwright.sync_api import Page, ViewportSize

CHROMIUM = os.environ.get("PANTSTACK_CHROMIUM", "/usr/bin/chromium")
# Background networking (updates, safe browsing, field trials) would reach for Google's hosts.
CHROMIUM_ARGS = ["--no-sandbox", "--disable-background-networking", "--disable-component-update"]
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def chromium_or_skip(test: str) -> str:
    if os.access(CHROMIUM, os.X_OK):
        return CHROMIUM
    reason = f"no chromium at {CHROMIUM} (apt-get install chromium, or set PANTSTACK_CHROMIUM)"
    if os.environ.get("CI", "").lower() in ("true", "1"):
        pytest.fail(f"{reason}; CI must run the browser tests (.ci/run installs chromium)")
    message = f"NO CHROMIUM, the {test} browser test did NOT run: {reason}. .ci/run installs it."
    print(f"\n{'!' * 100}\n{message}\n{'!' * 100}")
    pytest.skip(message)


VIEWPORT: ViewportSize = {"width": 1280, "height": 800}
# issue 22: a stopped module's health turns red within 10 s.
RED_WITHIN_MS = 10_000
RED = "rgb(185, 28, 28)"  # portal.css's .badge.status-down
GREEN = "rgb(21, 128, 61)"  # portal.css's .badge.status-ready


def horizontal_overflow(page: Page) -> int:
    """How far the page is wider than the window (0 or less: no horizontal scroll)."""
    overflow: int = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    return overflow


def badge_colour(page: Page, module: str) -> str:
    """The background colour of `module`'s health badge in the live portal."""
    colour: str = page.locator(f'#live-health tr[data-module="{module}"] .badge').evaluate(
        "badge => getComputedStyle(badge).backgroundColor"
    )
    return colour
