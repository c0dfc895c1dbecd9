"""Periodic background jobs tied to an app's lifespan (e.g. a reaper of expired holds)."""

import asyncio
import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager, suppress

logger = logging.getLogger(__name__)


@asynccontextmanager
async def periodic(
    name: str, interval_seconds: float, job: Callable[[], Awaitable[object]]
) -> AsyncIterator[None]:
    """Run `job` every `interval_seconds` while the block runs; a failing run is logged, never fatal;
    leaving the block cancels the job."""

    async def loop() -> None:
        while True:
            await asyncio.sleep(interval_seconds)
            try:
                await job()
            except Exception:
                logger.exception("periodic job %s failed; retrying in %gs", name, interval_seconds)

    task = asyncio.create_task(loop(), name=name)
    try:
        yield
    finally:
        task.cancel()
        with suppress(asyncio.CancelledError):
            await task


async def wait_for_nudge(wake: asyncio.Event, seconds: float) -> None:
    """Until `wake` is set or `seconds` pass, then clear it: the idle wait of a background loop.

    `asyncio.timeout`, not `asyncio.wait_for`: on Python 3.11 a cancellation that arrives as the
    event is set (a commit's nudge just before shutdown) is swallowed by wait_for (CPython
    gh-86296, fixed in 3.12), the loop goes round again, and the lifespan waiting for it hangs."""
    with suppress(TimeoutError):
        async with asyncio.timeout(seconds):
            await wake.wait()
    wake.clear()
