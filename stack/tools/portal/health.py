"""The live portal's health view: each module's `/ready`, fetched on loopback and checked, as a
status, the round trip and each check with its latency; and a subscriber's dead letters, the
`events_dead_letters` gauge of its `/metrics` (service_kit.messaging).

Only what a service kit readiness report may say passes through (check names, "ok"/"failed",
latencies, the kit's short error text); anything else a module answers is reported as not being a
readiness report, and a module that does not answer is "down", without the socket's error text.
At 100 modules: 200 loopback GETs (/ready and /metrics) per refresh of each open page, 8 modules at a time.
"""

import json
import re
import time
import urllib.error
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from portal.errors import PortalError

# `make dev` listens on loopback only; a URL elsewhere would make the portal a proxy to other hosts.
LOOPBACK_HOSTS = ("127.0.0.1", "localhost")
_MODULE_NAME = re.compile(r"[a-z][a-z0-9_]{0,29}", re.ASCII)
_CHECK_NAME = re.compile(r"[A-Za-z0-9_.:-]{1,64}", re.ASCII)
MAX_REPORT_BYTES = 64 * 1024
MAX_METRICS_BYTES = 1024 * 1024
# The gauge's sample line in Prometheus' text format, labels or not (one value per line).
_DEAD_LETTERS = re.compile(rb"^events_dead_letters(?:\{[^}\n]*\})? (\S+)$", re.MULTILINE)
MAX_ERROR_CHARS = 120
# Above the kit's default readiness timeout (2 s a check), so a slow check still reports itself.
TIMEOUT_SECONDS = 5.0
PARALLEL_REQUESTS = 8


@dataclass(frozen=True)
class LiveModule:
    name: str
    url: str
    # Its manifest subscribes to events: it has a dead-letter store, whose size the page shows.
    subscriber: bool = False


def parse_module(text: str) -> LiveModule:
    """`inventory=http://127.0.0.1:8001`, as `make dev` passes each module it runs."""
    name, _, url = text.partition("=")
    example = "e.g. inventory=http://127.0.0.1:8001"
    if not _MODULE_NAME.fullmatch(name):
        raise PortalError(f"--module {text!r}: expected NAME=URL with a module name, {example}.")
    parts = urlsplit(url)
    try:
        port = parts.port
    except ValueError:
        port = None
    if (
        parts.scheme != "http"
        or parts.hostname not in LOOPBACK_HOSTS
        or port is None
        or parts.path not in ("", "/")
    ):
        raise PortalError(
            f"--module {text!r}: the URL must be http://127.0.0.1:PORT (loopback, no path), {example}."
        )
    return LiveModule(name, f"http://{parts.hostname}:{port}")


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    """A module's /ready answers itself; a redirect would lead the proxy somewhere else."""

    def redirect_request(self, *args: Any) -> None:
        return None


# No proxy from the environment (http_proxy would receive loopback requests) and no redirects.
_OPENER = urllib.request.build_opener(urllib.request.ProxyHandler({}), _NoRedirect())


def readiness(module: LiveModule, timeout: float = TIMEOUT_SECONDS) -> dict[str, Any]:
    """One module's /ready as the portal shows it: status ready, not ready, down or invalid."""
    started = time.perf_counter()
    try:
        with _OPENER.open(f"{module.url}/ready", timeout=timeout) as response:
            status, body = response.status, _read_limited(response)
    except urllib.error.HTTPError as error:
        status, body = error.code, _read_limited(error)
    except (OSError, ValueError):  # refused, reset, timed out (URLError and TimeoutError are OSErrors)
        return _report(module, "down", started, detail=f"no answer from /ready within {timeout:g} s")
    checks = _checks(body) if status in (200, 503) else None
    if checks is None:
        return _report(
            module, "invalid", started, detail=f"/ready answered HTTP {status}, not a readiness report"
        )
    report = _report(module, "ready" if status == 200 else "not ready", started, checks=checks)
    count = dead_letters(module, timeout) if module.subscriber else None
    if count is not None:
        report["dead_letters"] = count
    return report


def dead_letters(module: LiveModule, timeout: float = TIMEOUT_SECONDS) -> int | None:
    """How many events wait in the module's dead-letter store, from its /metrics; None when it has
    no such gauge or its answer is not a count."""
    try:
        with _OPENER.open(f"{module.url}/metrics", timeout=timeout) as response:
            body: bytes = response.read(MAX_METRICS_BYTES + 1)
    except (OSError, ValueError):
        return None
    if len(body) > MAX_METRICS_BYTES:
        return None
    try:
        values = [float(value) for value in _DEAD_LETTERS.findall(body)]
    except ValueError:
        return None
    total = sum(values)
    if not values or not 0 <= total < 1e9 or total != int(total):
        return None
    return int(total)


def readiness_of_all(modules: list[LiveModule]) -> list[dict[str, Any]]:
    if not modules:
        return []
    with ThreadPoolExecutor(max_workers=min(PARALLEL_REQUESTS, len(modules))) as pool:
        return list(pool.map(readiness, modules))


def _read_limited(response: Any) -> bytes | None:
    """The body, or None when it is longer than any readiness report is."""
    body: bytes = response.read(MAX_REPORT_BYTES + 1)
    return body if len(body) <= MAX_REPORT_BYTES else None


def _checks(body: bytes | None) -> list[dict[str, Any]] | None:
    """The checks of a service kit readiness report, or None if `body` is not one."""
    try:
        report = json.loads(body) if body is not None else None
    except (ValueError, UnicodeDecodeError):
        return None
    if not isinstance(report, dict) or not isinstance(report.get("checks"), dict):
        return None
    checks = []
    for name, result in sorted(report["checks"].items()):
        if not (_CHECK_NAME.fullmatch(name) and isinstance(result, dict)):
            return None
        status, latency, error = result.get("status"), result.get("latency_ms"), result.get("error")
        if status not in ("ok", "failed") or not isinstance(error, str | None):
            return None
        if not isinstance(latency, int | float) or isinstance(latency, bool) or not 0 <= latency < 1e7:
            return None
        check: dict[str, Any] = {"name": name, "status": status, "latency_ms": round(float(latency), 1)}
        if error is not None:
            check["error"] = error[:MAX_ERROR_CHARS]
        checks.append(check)
    return checks


def _report(module: LiveModule, status: str, started: float, **fields: Any) -> dict[str, Any]:
    elapsed = round((time.perf_counter() - started) * 1000, 1)
    return {"module": module.name, "status": status, "round_trip_ms": elapsed, **fields}
