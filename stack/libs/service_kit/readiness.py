"""Readiness checks: each dependency probed with a timeout; the report names what failed, not why
(the why, e.g. a driver's message, is logged)."""

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable, Mapping
from typing import Any

import httpx2
from fastapi import FastAPI
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from service_kit.client import shared_ssl_context

ReadinessCheck = Callable[[FastAPI], Awaitable[None]]
logger = logging.getLogger(__name__)


async def run_checks(
    app: FastAPI, checks: Mapping[str, ReadinessCheck], timeout_seconds: float
) -> tuple[bool, dict[str, Any]]:
    async def timed(name: str, check: ReadinessCheck) -> tuple[str, dict[str, Any]]:
        started = time.perf_counter()
        try:
            await asyncio.wait_for(check(app), timeout_seconds)
            result: dict[str, Any] = {"status": "ok"}
        except TimeoutError:
            logger.warning("readiness check %s: no answer within %gs", name, timeout_seconds)
            result = {"status": "failed", "error": f"no answer within {timeout_seconds:g}s"}
        except Exception:
            # The driver's message names hosts, files and users: it goes to the log (with the
            # request id), and the body only says which check failed and how long it took.
            logger.warning("readiness check %s failed", name, exc_info=True)
            result = {"status": "failed", "error": "check failed; see the service log for this request id"}
        result["latency_ms"] = round((time.perf_counter() - started) * 1000, 3)
        return name, result

    results = dict(await asyncio.gather(*(timed(name, check) for name, check in checks.items())))
    return all(r["status"] == "ok" for r in results.values()), results


def database_check(engine: Callable[[FastAPI], AsyncEngine]) -> ReadinessCheck:
    """Ready when `SELECT 1` succeeds on the app's engine."""

    async def check(app: FastAPI) -> None:
        async with engine(app).connect() as connection:
            await connection.execute(text("SELECT 1"))

    return check


def http_health_check(base_url: Callable[[FastAPI], str], service: str) -> ReadinessCheck:
    """Ready when a downstream service's /health answers 200 *as `service`*: a URL pointing at the
    wrong module (or at the caller itself) is not a working dependency.

    Each check opens a client on the process's one SSL context: a client of its own would load the
    CA bundle on every probe (~40 ms of CPU, per peer, every few seconds an orchestrator asks)."""

    async def check(app: FastAPI) -> None:
        url = base_url(app)
        async with httpx2.AsyncClient(base_url=url, verify=shared_ssl_context()) as client:
            response = await client.get("/health")
            if response.status_code != 200:
                raise RuntimeError(f"{url}/health answered {response.status_code}")
            answered = (
                response.json().get("service") if "json" in response.headers.get("content-type", "") else None
            )
            if answered != service:
                raise RuntimeError(f"{url}/health is {answered!r}, not the {service!r} this service calls")

    return check
