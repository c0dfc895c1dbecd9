"""Debian's chromium for the browser tests, found or skipped loudly (failed under CI).

Without chromium a browser test is skipped with a banner, except under CI (CI=true), where it
fails: `.ci/run` installs chromium, so a missing one there is a broken pipeline, not a missing
tool. PANTSTACK_CHROMIUM names another binary.
"""

import os

import pytest

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
