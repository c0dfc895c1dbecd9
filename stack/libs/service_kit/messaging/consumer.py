"""Receiving: the loops that move what a transport delivers into the inbox, then acknowledge it.

Each batch is stored (deduped by event id) and committed BEFORE it is acknowledged, so a crash
in between only redelivers what the inbox already holds.
"""

import asyncio
import logging
from collections.abc import Callable, Sequence
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from service_kit.client import ServiceClient
from service_kit.messaging import inbox
from service_kit.messaging.envelope import Envelope
from service_kit.messaging.transport import RedisStreams

logger = logging.getLogger(__name__)

READ_COUNT = 200
BLOCK_MS = 1000
# An entry another consumer of the group read and left unacknowledged this long is taken over.
ABANDONED_AFTER_MS = 30_000
RETRY_SECONDS = 1.0


async def consume_streams(
    streams: RedisStreams,
    *,
    group: str,
    consumer: str,
    topics: Sequence[str],
    session_factory: async_sessionmaker[AsyncSession],
    on_stored: Callable[[], None],
) -> None:
    """Read `topics` as `consumer` of `group` until cancelled: first its own pending entries (what
    it read before a crash), then new ones, now and then taking over abandoned ones."""
    joined, pending, reads = False, True, 0
    while True:
        try:
            if not joined:
                await streams.join(group, topics)
                joined = True
            if pending:
                deliveries = await streams.read(
                    group, consumer, topics, pending=True, block_ms=BLOCK_MS, count=READ_COUNT
                )
                if not deliveries:
                    pending = False
                    continue
            else:
                reads += 1
                deliveries = []
                if reads % 30 == 0:
                    deliveries = await streams.claim_abandoned(
                        group, consumer, topics, min_idle_ms=ABANDONED_AFTER_MS, count=READ_COUNT
                    )
                deliveries = deliveries or await streams.read(
                    group, consumer, topics, pending=False, block_ms=BLOCK_MS, count=READ_COUNT
                )
            if deliveries:
                await _store(session_factory, [d.envelope for d in deliveries])
                await streams.ack(group, deliveries)
                on_stored()
        except asyncio.CancelledError:
            raise
        except Exception:
            logger.exception("reading events from the broker failed; retrying in %gs", RETRY_SECONDS)
            joined, pending = False, True
            await asyncio.sleep(RETRY_SECONDS)


class EventFeedClient(ServiceClient):
    """The embedded transport's reader of one producer's feed; `feed_client` binds the producer."""

    async def read(self, *, after: int, topics: Sequence[str], limit: int) -> list[Envelope]:
        query = "&".join([f"after={after}", f"limit={limit}", *(f"topic={t}" for t in topics)])
        response = await self._request("GET", f"/api/v1/events?{query}")
        return [Envelope.model_validate(item) for item in response.json()["events"]]


def feed_client(producer: str, *, caller: str, **kwargs: Any) -> EventFeedClient:
    """A feed reader of `producer` at `<PRODUCER>_URL` (the facade's URL), signed as `caller`."""
    client_class = type(f"{producer.title()}EventFeedClient", (EventFeedClient,), {"service": producer})
    return client_class(caller=caller, **kwargs)  # type: ignore[no-any-return]


async def consume_feed(
    client: EventFeedClient,
    *,
    producer: str,
    topics: Sequence[str],
    session_factory: async_sessionmaker[AsyncSession],
    on_stored: Callable[[], None],
    poll_seconds: float,
) -> None:
    """Poll `producer`'s feed until cancelled; the cursor moves in the transaction that stores."""
    while True:
        try:
            async with session_factory() as session:
                after = await inbox.read_cursor(session, producer)
            envelopes = await client.read(after=after, topics=topics, limit=READ_COUNT)
            if envelopes:
                async with session_factory() as session:
                    await inbox.store(session, envelopes)
                    await inbox.write_cursor(session, producer, max(e.position for e in envelopes))
                    await session.commit()
                on_stored()
            if len(envelopes) < READ_COUNT:
                await asyncio.sleep(poll_seconds)
        except asyncio.CancelledError:
            raise
        except Exception:
            logger.warning(
                "reading %s's event feed failed; retrying in %gs", producer, poll_seconds, exc_info=True
            )
            await asyncio.sleep(poll_seconds)


async def _store(session_factory: async_sessionmaker[AsyncSession], envelopes: list[Envelope]) -> None:
    async with session_factory() as session:
        await inbox.store(session, envelopes)
        await session.commit()
