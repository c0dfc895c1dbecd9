"""Which broker carries events: Redis Streams at EVENTS_BROKER_URL, else the producers' HTTP feed.

Redis Streams, through redis-py's asyncio client: a stream per topic, a consumer group per consuming
module (at-least-once: an entry stays pending until XACKed, and a restarted consumer reads its own
pending entries first; XAUTOCLAIM takes over those of a consumer that never came back).

redis-py is imported by RedisStreams, not by this module: a service on the embedded feed never
needs it, and it was 11-14 % of a start's import time (docs/benchmarks.md, "The hot path").
"""

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from typing import cast

from service_kit.messaging.envelope import Envelope

logger = logging.getLogger(__name__)

EMBEDDED = "embedded"
BROKER_SCHEMES = ("redis://", "rediss://", "unix://")
# Bounds a stream's memory: entries beyond the newest ~million are trimmed, read or not.
STREAM_MAX_LENGTH = 1_000_000
FIELD = "envelope"


class BrokerURLInvalid(ValueError):
    pass


def check_broker_url(url: str | None, environment: str) -> str | None:
    """The broker URL to use, None for the embedded feed; raises BrokerURLInvalid saying what to set."""
    if url is None or not url.strip():
        if environment == "local":
            return None
        raise BrokerURLInvalid(
            f"EVENTS_BROKER_URL is not set: outside local development (PANTSTACK_ENVIRONMENT={environment}) "
            "events need a broker; set it to redis://host:6379/0, or to 'embedded' to deliver them "
            "through the producers' HTTP feed instead"
        )
    url = url.strip()
    if url == EMBEDDED:
        return None
    if not url.startswith(BROKER_SCHEMES):
        raise BrokerURLInvalid(
            f"EVENTS_BROKER_URL={url!r} is not a broker URL: use redis://host:6379/0 (rediss:// for TLS, "
            "unix:///path for a socket), or 'embedded' for the producers' HTTP feed"
        )
    return url


@dataclass(frozen=True)
class Delivery:
    topic: str
    entry_id: str
    envelope: Envelope


class RedisStreams:
    def __init__(self, url: str) -> None:
        import redis.asyncio as aioredis  # only a service with a broker pays for the import

        self.redis: aioredis.Redis = aioredis.from_url(url, decode_responses=True)

    async def aclose(self) -> None:
        await self.redis.aclose()

    async def ping(self) -> None:
        await self.redis.ping()

    async def send(self, envelopes: Sequence[Envelope]) -> None:
        """Append each envelope to its topic's stream; returns once Redis has them all."""
        async with self.redis.pipeline(transaction=False) as pipe:
            for envelope in envelopes:
                pipe.xadd(
                    envelope.topic,
                    {FIELD: envelope.to_json()},
                    maxlen=STREAM_MAX_LENGTH,
                    approximate=True,
                )
            await pipe.execute()

    async def join(self, group: str, topics: Sequence[str]) -> None:
        """Create `group` on each topic's stream (and the stream) unless it exists; from the start."""
        from redis.exceptions import ResponseError

        for topic in topics:
            try:
                await self.redis.xgroup_create(topic, group, id="0", mkstream=True)
            except ResponseError as error:
                if "BUSYGROUP" not in str(error):
                    raise

    async def read(
        self, group: str, consumer: str, topics: Sequence[str], *, pending: bool, block_ms: int, count: int
    ) -> list[Delivery]:
        """New entries (or, with `pending`, this consumer's unacknowledged ones) of `topics`."""
        start = "0" if pending else ">"
        answer = await self.redis.xreadgroup(
            group,
            consumer,
            {topic: start for topic in topics},
            count=count,
            block=None if pending else block_ms,
        )
        # RESP2 (redis-py's default protocol): [[stream, [(entry id, fields), ...]], ...]
        streams = cast(list[tuple[str, list[tuple[str, dict[str, str]]]]], answer or [])
        return [
            Delivery(topic, entry_id, Envelope.from_json(fields[FIELD]))
            for topic, entries in streams
            for entry_id, fields in entries
            if fields  # a pending entry trimmed from the stream comes back empty
        ]

    async def claim_abandoned(
        self, group: str, consumer: str, topics: Sequence[str], *, min_idle_ms: int, count: int
    ) -> list[Delivery]:
        """Entries another consumer of the group read but never acknowledged for `min_idle_ms`."""
        claimed: list[Delivery] = []
        for topic in topics:
            _next, entries, *_deleted = await self.redis.xautoclaim(
                topic, group, consumer, min_idle_time=min_idle_ms, start_id="0", count=count
            )
            claimed += [Delivery(topic, i, Envelope.from_json(f[FIELD])) for i, f in entries if f]
        return claimed

    async def ack(self, group: str, deliveries: Sequence[Delivery]) -> None:
        by_topic: dict[str, list[str]] = {}
        for delivery in deliveries:
            by_topic.setdefault(delivery.topic, []).append(delivery.entry_id)
        for topic, ids in by_topic.items():
            await self.redis.xack(topic, group, *ids)
